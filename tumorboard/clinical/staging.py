"""TNM staging of well-differentiated NETs (clinical reference, section 2: AJCC 8).

The tables live in ``tnm``; this module applies them. Sites without an AJCC 8 chapter for NETs
(thyroid, adrenal, unknown primary, other), NEC and MiNEN are "not staged", with the reason. Where the
case's inputs cannot settle a category (the stations of a lung or thymic carcinoid's positive nodes, the
number of a lung carcinoid's extrathoracic metastases), the category says so (NX, plain M1) and the stage
group lists what it could be and what is missing; it never guesses.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from tumorboard.clinical.results import (
    Result,
    band_for,
    join_notes,
    parse,
    parse_each,
    parse_optional,
    require,
)
from tumorboard.clinical.tnm import (
    AJCC_V9_T1_NX_SITES,
    EXTENT_CHOICES,
    MESENTERIC_MASS_N2_CM,
    SITE_TABLES,
    T_RANK,
    UNSTAGED_REASONS,
    Extent,
    MCategory,
    MScheme,
    NCategory,
    SiteTable,
    StageGroup,
    StageRow,
    TCategory,
    highest,
)
from tumorboard.clinical.vocabularies import (
    Differentiation,
    Histology,
    MetastaticSite,
    PrimarySite,
    as_differentiation,
)

__all__ = [
    "EXTENT_CHOICES",
    "Extent",
    "MCategory",
    "NCategory",
    "StageGroup",
    "Staging",
    "TCategory",
    "extent_choices",
    "is_staged_with_net_tables",
    "m_category",
    "n_category",
    "stage",
    "stage_group",
    "t_category",
]

T, N, M = TCategory, NCategory, MCategory
_NOT_NET = (
    "NEC and MiNEN are not staged with the NET chapters of the AJCC 8th edition; they use the organ's "
    "carcinoma chapter (WHO 2019 separates NEC and MiNEN from NET)"
)


def extent_choices(site: PrimarySite | str) -> tuple[tuple[str, str], ...]:
    """The depth-of-invasion choices (value, label) offered as the "extent" of a tumour at ``site``."""
    return EXTENT_CHOICES[_site(site)]


def _site(site: PrimarySite | str) -> PrimarySite:
    return parse(PrimarySite, site, "primary site")


def _not_staged(enum: type[StrEnum], reason: str, inputs: Mapping[str, object]) -> Result:
    return Result(category=enum("not staged"), rule=f"Not staged: {reason}.", inputs=inputs)


def t_category(
    site: PrimarySite | str, size_cm: float | None, extent: Extent | str | None
) -> Result[TCategory]:
    """AJCC 8 T category: the higher of the T given by the size and the T the depth of invasion reaches.

    Where one of the two is missing, T is given only if the other already reaches the highest T the
    missing one could give (e.g. invasion of the serosa is T4 whatever the size); otherwise it is TX.
    Pancreas exactly 2 cm is T2 (AJCC 8 "<2 cm" for T1) but disputed (UICC 8: "2 cm or smaller"); a
    colorectal T1 of exactly 1 cm is T1b, disputed (T1a/T1b boundary differs by source version).
    """
    site = _site(site)
    require(size_cm is None or size_cm > 0, "Tumour size must be greater than 0 cm.")
    inputs = {"site": site, "size_cm": size_cm, "extent": extent or None}
    table = SITE_TABLES.get(site)
    if table is None:
        return _not_staged(TCategory, UNSTAGED_REASONS[site], inputs)
    if extent:
        require(extent in table.extents, f"Unknown depth of invasion {extent!r} for {site}.")
        extent = inputs["extent"] = Extent(extent)

    if not table.sizes:
        return _t_by_extent_only(table, extent or None, inputs)
    size_band = band_for(size_cm, table.sizes) if size_cm is not None else None
    found = []
    if size_band:
        found.append((f"size {size_band.label}", size_band.category))
    if extent:
        found.append((f"depth '{extent.label}'", table.extents[extent]))
    missing = []
    if not size_band:
        missing.append(("size", table.sizes[-1].category))
    if not extent:
        missing.append(("depth of invasion", highest(*table.extents.values())))

    findings = " and ".join(f"{what} gives {category}" for what, category in found)
    t = highest(*(category for _, category in found)) if found else None
    if t is None or any(T_RANK[t] < T_RANK[ceiling] for _, ceiling in missing):
        unknown = " and ".join(what for what, _ in missing)
        verb = "were" if len(missing) > 1 else "was"
        return Result(
            category=T.TX,
            rule=f"{table.source}: {findings + ', but ' if findings else ''}the {unknown} {verb} not given "
            "and could change T, so T cannot be assessed (TX).",
            inputs=inputs,
        )
    if missing:
        rule = f"{table.source}: {findings}, whatever the {missing[0][0]}."
    else:
        rule = f"{table.source}: {findings}; T is the higher, {t}."

    floor = table.extents[extent] if extent else t
    disputes = (
        dispute.reason
        for dispute in table.size_disputes
        if size_cm is not None and dispute.applies(size_cm) and highest(dispute.alternative, floor) != t
    )
    return Result(category=t, rule=rule, inputs=inputs, disputed_reason=next(disputes, None))


def _t_by_extent_only(
    table: SiteTable, extent: Extent | None, inputs: Mapping[str, object]
) -> Result[TCategory]:
    """T of a chapter where size plays no part (AJCC 8 thymus): the structures invaded decide alone."""
    if not extent:
        return Result(
            category=T.TX,
            rule=f"{table.source}: T depends on the structures the tumour invades, which were not given "
            "(TX).",
            inputs=inputs,
        )
    t = table.extents[extent]
    return Result(
        category=t,
        rule=f"{table.source}: invasion '{extent.label}' is {t}; the size does not change T.",
        inputs=inputs,
    )


def n_category(
    site: PrimarySite | str, nodes_positive: int | None, mesenteric_mass_cm: float | None = None
) -> Result[NCategory]:
    """AJCC 8 N category from the number of positive regional nodes.

    N0 none, N1 one or more; jejunum/ileum split N1 (<12 nodes) from N2 (≥12 nodes or a mesenteric mass
    >2 cm). An unknown count is NX. For the lung (N1–N3) and the thymus (N1–N2) a positive count is NX:
    the stations decide, and the case does not record them.
    """
    return _n(site, nodes_positive, mesenteric_mass_cm)[0]


def _n(
    site: PrimarySite | str, nodes_positive: int | None, mesenteric_mass_cm: float | None = None
) -> tuple[Result[NCategory], tuple[NCategory, ...]]:
    """The N category and the categories it may stand for (one, unless it is NX)."""
    site = _site(site)
    require(
        nodes_positive is None or (nodes_positive >= 0 and nodes_positive == int(nodes_positive)),
        "The number of positive nodes must be a whole number, 0 or more.",
    )
    require(mesenteric_mass_cm is None or mesenteric_mass_cm >= 0, "The mesenteric mass cannot be negative.")
    inputs = {"site": site, "nodes_positive": nodes_positive, "mesenteric_mass_cm": mesenteric_mass_cm}
    table = SITE_TABLES.get(site)
    if table is None:
        return _not_staged(NCategory, UNSTAGED_REASONS[site], inputs), ()

    if table.mesenteric_mass_is_n2 and (mesenteric_mass_cm or 0) > MESENTERIC_MASS_N2_CM:
        return Result(
            category=N.N2,
            rule=f"{table.source}: a mesenteric mass >2 cm is N2 whatever the node count.",
            inputs=inputs,
        ), (N.N2,)
    note = (
        "A mesenteric mass changes N only for jejunum and ileum."
        if mesenteric_mass_cm and not table.mesenteric_mass_is_n2
        else None
    )
    if nodes_positive is None:
        return Result(
            category=N.NX,
            rule=f"{table.source}: the number of positive regional nodes was not given (NX).",
            inputs=inputs,
            note=note,
        ), table.n_categories
    band = band_for(nodes_positive, table.nodes)
    if band.category is N.NX:
        possible = tuple(category for category in table.n_categories if category is not N.N0)
        return Result(
            category=N.NX,
            rule=f"{table.source}: {band.label}, so N cannot be assessed (NX).",
            inputs=inputs,
            note="Record the node stations to stage this tumour.",
        ), possible
    rule = f"{table.source}: {band.label} is {band.category}."
    return Result(category=band.category, rule=rule, inputs=inputs, note=note), (band.category,)


_M_RULES = {
    (True, False): (M.M1A, "metastasis to the liver only is M1a"),
    (False, True): (M.M1B, "metastasis to at least one extrahepatic site ({sites}) without the liver is M1b"),
    (True, True): (M.M1C, "metastasis to the liver and at least one extrahepatic site ({sites}) is M1c"),
}


def m_category(
    metastatic_sites: Iterable[MetastaticSite | str], site: PrimarySite | str | None = None
) -> Result[MCategory]:
    """AJCC 8 M category. GEP NETs: M1a liver only, M1b at least one extrahepatic site (lung, ovary,
    non-regional node, peritoneum, bone), M1c both.

    With ``site`` given, unstaged sites are "not staged", and the lung and thymus use their own M:
    lung M1a intrathoracic (contralateral lung, pleural or pericardial nodules or effusion), M1b a single
    extrathoracic metastasis, M1c several extrathoracic metastases; thymus M1a pleural or pericardial
    nodules, M1b lung parenchyma or a distant organ. Where the recorded sites cannot settle the
    subcategory the result is a plain M1, and its rule says what is missing.
    """
    return _m(metastatic_sites, site)[0]


_INTRATHORACIC = frozenset({MetastaticSite.LUNG, MetastaticSite.PLEURA_PERICARDIUM})


def _m(
    metastatic_sites: Iterable[MetastaticSite | str], site: PrimarySite | str | None = None
) -> tuple[Result[MCategory], tuple[MCategory, ...]]:
    """The M category and the categories it may stand for (one, unless it is a plain M1)."""
    sites = parse_each(MetastaticSite, metastatic_sites, "metastatic site")
    inputs: dict[str, object] = {"metastatic_sites": sites}
    source = "AJCC 8 GEP NET"
    scheme = MScheme.GEP
    if site is not None:
        site = inputs["site"] = _site(site)
        if site not in SITE_TABLES:
            return _not_staged(MCategory, UNSTAGED_REASONS[site], inputs), ()
        source = SITE_TABLES[site].source
        scheme = SITE_TABLES[site].m_scheme
    if not sites:
        return Result(category=M.M0, rule=f"{source}: no distant metastasis is M0.", inputs=inputs), (M.M0,)
    if scheme is MScheme.LUNG:
        return _lung_m(source, sites, inputs)
    if scheme is MScheme.THYMUS:
        return _thymus_m(source, sites, inputs)
    hepatic = any(metastasis.is_hepatic for metastasis in sites)
    extrahepatic = [metastasis for metastasis in sites if not metastasis.is_hepatic]
    category, rule = _M_RULES[hepatic, bool(extrahepatic)]
    labels = _labels(extrahepatic)
    return Result(category=category, rule=f"{source}: {rule.format(sites=labels)}.", inputs=inputs), (
        category,
    )


def _labels(sites: Iterable[MetastaticSite]) -> str:
    return ", ".join(metastasis.label.lower() for metastasis in sites)


def _uncertain_m(
    source: str, possible: tuple[MCategory, ...], finding: str, missing: str, inputs: Mapping[str, object]
) -> tuple[Result[MCategory], tuple[MCategory, ...]]:
    if len(possible) == 1:
        return Result(
            category=possible[0], rule=f"{source}: {finding} is {possible[0]}.", inputs=inputs
        ), possible
    return Result(
        category=M.M1,
        rule=f"{source}: {finding} is {' or '.join(possible)}; {missing} decides, and the case does not "
        "record it.",
        inputs=inputs,
    ), possible


def _lung_m_options(intrathoracic: bool, extrathoracic_organs: int) -> set[MCategory]:
    if extrathoracic_organs >= 2:
        return {M.M1C}  # multiple extrathoracic metastases in several organs
    if extrathoracic_organs == 1:
        return {M.M1B, M.M1C}  # one organ: a single metastasis is M1b, several are M1c
    return {M.M1A} if intrathoracic else {M.M0}


def _lung_m(
    source: str, sites: tuple[MetastaticSite, ...], inputs: Mapping[str, object]
) -> tuple[Result[MCategory], tuple[MCategory, ...]]:
    intrathoracic = any(metastasis in _INTRATHORACIC for metastasis in sites)
    extrathoracic = [m for m in sites if m not in _INTRATHORACIC and m is not MetastaticSite.OTHER]
    possible = _lung_m_options(intrathoracic, len(extrathoracic))
    missing = "the number of metastases in that organ"
    if MetastaticSite.OTHER in sites:  # "other" may be inside or outside the chest
        possible = _lung_m_options(True, len(extrathoracic)) | _lung_m_options(
            intrathoracic, len(extrathoracic) + 1
        )
        missing = (
            "where the site recorded as 'other' is (inside or outside the chest) and how many metastases "
            "there are"
        )
    ordered = tuple(category for category in MCategory if category in possible)
    parts = []
    if intrathoracic:
        parts.append(f"intrathoracic spread ({_labels(m for m in sites if m in _INTRATHORACIC)})")
    if extrathoracic:
        organs = "one extrathoracic organ" if len(extrathoracic) == 1 else "several extrathoracic organs"
        parts.append(f"metastasis to {organs} ({_labels(extrathoracic)})")
    if MetastaticSite.OTHER in sites:
        parts.append("a metastasis at another site")
    result, possible_m = _uncertain_m(source, ordered, " with ".join(parts), missing, inputs)
    if MetastaticSite.LUNG in sites:
        result = replace(
            result,
            note="For a lung primary a lung metastasis is read as the contralateral lung (M1a); a separate "
            "nodule in the same lung is T3 or T4, recorded as the extent.",
        )
    return result, possible_m


def _thymus_m(
    source: str, sites: tuple[MetastaticSite, ...], inputs: Mapping[str, object]
) -> tuple[Result[MCategory], tuple[MCategory, ...]]:
    distant = [m for m in sites if m not in (MetastaticSite.PLEURA_PERICARDIUM, MetastaticSite.OTHER)]
    if distant:
        return Result(
            category=M.M1B,
            rule=f"{source}: metastasis to the lung parenchyma or a distant organ ({_labels(distant)}) is "
            "M1b.",
            inputs=inputs,
        ), (M.M1B,)
    if MetastaticSite.OTHER in sites:
        return _uncertain_m(
            source,
            (M.M1A, M.M1B),
            "a metastasis at another site",
            "whether it is a pleural or pericardial nodule (M1a) or a distant organ (M1b)",
            inputs,
        )
    return Result(
        category=M.M1A, rule=f"{source}: separate pleural or pericardial nodules are M1a.", inputs=inputs
    ), (M.M1A,)


def stage_group(
    site: PrimarySite | str,
    t: TCategory | str,
    n: NCategory | str,
    m: MCategory | str,
) -> Result[StageGroup]:
    """AJCC 8 stage group of a NET from its T, N and M categories.

    GEP sites: I = T1 N0 M0, II = T2–T3 N0 M0, III = T4 N0 M0 or any T N1/N2 M0, IV = any M1. Colon and
    rectum: I, IIA (T2 N0), IIB (T3 N0), IIIA (T4 N0), IIIB (any T N1), IV. Lung: the whole AJCC 8 lung
    table, IA1 to IVB. Thymus: the AJCC 8 thymus table, I to IVB.
    With TX or NX (or a plain M1 where the site's chapter subdivides M1) the group is given only when
    every possible value gives the same group; otherwise it is "unknown" and the rule lists the
    possibilities.
    """
    site = _site(site)
    inputs = {"site": site, "t": t, "n": n, "m": m}
    table = SITE_TABLES.get(site)
    if table is None:
        return _not_staged(StageGroup, UNSTAGED_REASONS[site], inputs)
    t = parse(TCategory, t, "T category")
    n = parse(NCategory, n, "N category")
    m = parse(MCategory, m, "M category")
    require(t in (T.TX, *table.t_categories, *table.extra_t), f"{t} is not a T category for {site}.")
    require(n in (N.NX, *table.n_categories), f"{n} is not an N category for {site}.")
    require(
        m in (M.M0, *table.m_categories) or (m is M.M1 and M.M1 not in table.m_categories),
        f"{m} is not an M category for {site}.",
    )
    inputs.update(t=t, n=n, m=m)
    t_options = table.t_categories if t is T.TX else (t,)
    n_options = table.n_categories if n is N.NX else (n,)
    m_options = table.m_categories if m is M.M1 and M.M1 not in table.m_categories else (m,)
    return _group(site, table, (t, n, m), (t_options, n_options, m_options), inputs)


_MISSING = ("the T category", "the N category", "the M subcategory")


def _stage_of(row: StageRow | None) -> StageGroup:
    return row.stage if row is not None else StageGroup.NOT_STAGED


def _group(
    site: PrimarySite,
    table: SiteTable,
    tnm: tuple[TCategory, NCategory, MCategory],
    options: tuple[tuple[TCategory, ...], tuple[NCategory, ...], tuple[MCategory, ...]],
    inputs: Mapping[str, object],
    missing: tuple[str, str, str] = _MISSING,
) -> Result[StageGroup]:
    """The stage group of every combination the known and the possible categories allow; ``missing``
    names, for T, N and M, what would settle the category."""
    t, n, m = tnm
    stages = table.stages
    combinations = {
        (possible_t, possible_n, possible_m): stages.row_for(possible_t, possible_n, possible_m)
        for possible_t in options[0]
        for possible_n in options[1]
        for possible_m in options[2]
    }
    found = set(combinations.values())
    rows = [row for row in stages.rows if row in found]
    groups = {row.stage for row in rows} | ({StageGroup.NOT_STAGED} if None in found else set())
    label = f"{t} {n} {m}"
    uncertain = [position for position, values in enumerate(options) if len(values) > 1]
    if len(groups) > 1:
        possible = " or ".join(group for group in StageGroup if group in groups)
        deciding = [
            position
            for position in uncertain
            if any(
                _stage_of(combinations[combination]) != _stage_of(combinations[other])
                for combination in combinations
                for other in combinations
                if all(combination[i] == other[i] for i in range(3) if i != position)
            )
        ]
        decides = " and on ".join(missing[position] for position in deciding)
        v9 = t in (T.T1, T.T1A, T.T1B) and n is N.NX and m is M.M0 and site in AJCC_V9_T1_NX_SITES
        return Result(
            category=StageGroup.UNKNOWN,
            rule=f"{stages.source}: {label} could be stage {possible}; it depends on {decides}.",
            inputs=inputs,
            note="AJCC version 9 (2023–24) groups T1 NX M0 as stage I for this site." if v9 else None,
        )
    (group,) = groups
    if group is StageGroup.NOT_STAGED:
        return Result(
            category=StageGroup.NOT_STAGED,
            rule=f"Not staged by the {stages.source}: {stages.stops}.",
            inputs=inputs,
        )
    if uncertain:
        labels = " or ".join(dict.fromkeys(row.label for row in rows))
        rule = f"{stages.source}: {label} is stage {group} whatever the missing category ({labels})."
    else:
        rule = f"{stages.source}: {rows[0].label} is stage {group}."
    return Result(category=group, rule=rule, inputs=inputs)


def is_staged_with_net_tables(
    differentiation: Differentiation | str | None, histology: Histology | str | None = None
) -> bool:
    """Whether the AJCC 8 NET chapters apply: not for NEC (poor differentiation, or NEC/LCNEC/SCNEC
    histology) nor MiNEN, which use the organ's carcinoma system. Unknown differentiation is treated as NET.
    """
    differentiation = as_differentiation(differentiation)
    histology = parse_optional(Histology, histology, "histology")
    not_net = histology is not None and (histology.is_carcinoma or histology is Histology.MINEN)
    return differentiation is not Differentiation.POOR and not not_net


@dataclass(frozen=True)
class Staging:
    """T, N, M and the stage group of one tumour, each with its own rule."""

    t: Result[TCategory]
    n: Result[NCategory]
    m: Result[MCategory]
    stage: Result[StageGroup]

    @property
    def disputed(self) -> bool:
        return any(result.disputed for result in (self.t, self.n, self.m, self.stage))


def stage(
    site: PrimarySite | str,
    size_cm: float | None,
    extent: Extent | str | None,
    nodes_positive: int | None,
    mesenteric_mass_cm: float | None = None,
    metastatic_sites: Iterable[MetastaticSite | str] = (),
    differentiation: Differentiation | str | None = None,
    histology: Histology | str | None = None,
) -> Staging:
    """T, N, M and stage group together (AJCC 8 NET chapters), or "not staged" throughout for NEC and
    MiNEN and for sites without a NET table. Where N or M could be one of several categories (a lung or
    thymic primary with positive nodes but no stations), the group is computed over every possibility.
    """
    differentiation = as_differentiation(differentiation)
    t = t_category(site, size_cm, extent)
    n, n_options = _n(site, nodes_positive, mesenteric_mass_cm)
    m, m_options = _m(metastatic_sites, site=site)
    if not is_staged_with_net_tables(differentiation, histology):
        inputs = {"site": t.inputs["site"], "differentiation": differentiation, "histology": histology}
        parts = (TCategory, NCategory, MCategory, StageGroup)
        return Staging(*(_not_staged(part, _NOT_NET, inputs) for part in parts))

    blocked = next((part for part in (t, n, m) if part.category == "not staged"), None)
    if blocked:
        group = Result(category=StageGroup.NOT_STAGED, rule=blocked.rule, inputs=blocked.inputs)
    else:
        site = _site(site)
        table = SITE_TABLES[site]
        t_options = table.t_categories if t.category is T.TX else (t.category,)
        by_stations = n.category is N.NX and nodes_positive
        group = _group(
            site,
            table,
            (t.category, n.category, m.category),
            (t_options, n_options, m_options),
            {"site": site, "t": t.category, "n": n.category, "m": m.category},
            (
                "the T category (size and invasion)",
                "the stations of the positive nodes" if by_stations else "the number of positive nodes",
                "the M subcategory (where and how many the metastases are)",
            ),
        )
    if differentiation is Differentiation.UNKNOWN:
        group = replace(
            group,
            note=join_notes(
                group.note,
                "Differentiation not recorded: staged with the NET tables; an NEC would use the organ's "
                "carcinoma system.",
            ),
        )
    return Staging(t, n, m, group)
