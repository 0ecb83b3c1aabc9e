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

from tumorboard.clinical.labels import AND, LIST, N_, OR, Text, joined
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
_NOT_NET = Text(
    N_(
        "NEC and MiNEN are not staged with the NET chapters of the AJCC 8th edition; they use the organ's "
        "carcinoma chapter (WHO 2019 separates NEC and MiNEN from NET)"
    )
)
WITH = N_("%(first)s with %(next)s")
AND_ON = N_("%(first)s and on %(next)s")


def extent_choices(site: PrimarySite | str) -> tuple[tuple[str, str], ...]:
    """The depth-of-invasion choices (value, label) offered as the "extent" of a tumour at ``site``."""
    return EXTENT_CHOICES[_site(site)]


def _site(site: PrimarySite | str) -> PrimarySite:
    return parse(PrimarySite, site, N_("primary site"))


def _not_staged(enum: type[StrEnum], reason: str, inputs: Mapping[str, object]) -> Result:
    return Result(
        category=enum("not staged"), rule=Text(N_("Not staged: %(reason)s."), reason=reason), inputs=inputs
    )


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
    require(size_cm is None or size_cm > 0, Text(N_("Tumour size must be greater than 0 cm.")))
    inputs = {"site": site, "size_cm": size_cm, "extent": extent or None}
    table = SITE_TABLES.get(site)
    if table is None:
        return _not_staged(TCategory, UNSTAGED_REASONS[site], inputs)
    if extent:
        require(
            extent in table.extents,
            Text(
                N_("Unknown depth of invasion %(extent)s for %(site)s."),
                extent=repr(extent),
                site=site.value,
            ),
        )
        extent = inputs["extent"] = Extent(extent)

    if not table.sizes:
        return _t_by_extent_only(table, extent or None, inputs)
    size_band = band_for(size_cm, table.sizes) if size_cm is not None else None
    found: list[tuple[Text, TCategory]] = []
    if size_band:
        found.append((Text(N_("size %(band)s"), band=size_band.label), size_band.category))
    if extent:
        found.append((Text(N_("depth '%(extent)s'"), extent=extent), table.extents[extent]))
    missing: list[tuple[Text, TCategory]] = []
    if not size_band:
        missing.append((Text(N_("the size")), table.sizes[-1].category))
    if not extent:
        missing.append((Text(N_("the depth of invasion")), highest(*table.extents.values())))

    findings = joined(
        [Text(N_("%(what)s gives %(category)s"), what=what, category=category) for what, category in found],
        AND,
    )
    t = highest(*(category for _, category in found)) if found else None
    if t is None or any(T_RANK[t] < T_RANK[ceiling] for _, ceiling in missing):
        if found:  # one of the two given, the other missing
            rule = Text(
                N_(
                    "%(source)s: %(findings)s, but %(missing)s was not given and could change T, so T cannot "
                    "be assessed (TX)."
                ),
                source=table.source,
                findings=findings,
                missing=missing[0][0],
            )
        else:
            rule = Text(
                N_(
                    "%(source)s: the size and depth of invasion were not given and could change T, so T "
                    "cannot be assessed (TX)."
                ),
                source=table.source,
            )
        return Result(category=T.TX, rule=rule, inputs=inputs)
    if missing:
        rule = Text(
            N_("%(source)s: %(findings)s, whatever %(missing)s."),
            source=table.source,
            findings=findings,
            missing=missing[0][0],
        )
    else:
        rule = Text(
            N_("%(source)s: %(findings)s; T is the higher, %(t)s."),
            source=table.source,
            findings=findings,
            t=t,
        )

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
            rule=Text(
                N_("%(source)s: T depends on the structures the tumour invades, which were not given (TX)."),
                source=table.source,
            ),
            inputs=inputs,
        )
    t = table.extents[extent]
    return Result(
        category=t,
        rule=Text(
            N_("%(source)s: invasion '%(extent)s' is %(t)s; the size does not change T."),
            source=table.source,
            extent=extent,
            t=t,
        ),
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
        Text(N_("The number of positive nodes must be a whole number, 0 or more.")),
    )
    require(
        mesenteric_mass_cm is None or mesenteric_mass_cm >= 0,
        Text(N_("The mesenteric mass cannot be negative.")),
    )
    inputs = {"site": site, "nodes_positive": nodes_positive, "mesenteric_mass_cm": mesenteric_mass_cm}
    table = SITE_TABLES.get(site)
    if table is None:
        return _not_staged(NCategory, UNSTAGED_REASONS[site], inputs), ()

    if table.mesenteric_mass_is_n2 and (mesenteric_mass_cm or 0) > MESENTERIC_MASS_N2_CM:
        return Result(
            category=N.N2,
            rule=Text(
                N_("%(source)s: a mesenteric mass >2 cm is N2 whatever the node count."), source=table.source
            ),
            inputs=inputs,
        ), (N.N2,)
    note = (
        Text(N_("A mesenteric mass changes N only for jejunum and ileum."))
        if mesenteric_mass_cm and not table.mesenteric_mass_is_n2
        else None
    )
    if nodes_positive is None:
        return Result(
            category=N.NX,
            rule=Text(
                N_("%(source)s: the number of positive regional nodes was not given (NX)."),
                source=table.source,
            ),
            inputs=inputs,
            note=note,
        ), table.n_categories
    band = band_for(nodes_positive, table.nodes)
    if band.category is N.NX:
        possible = tuple(category for category in table.n_categories if category is not N.N0)
        return Result(
            category=N.NX,
            rule=Text(
                N_("%(source)s: %(band)s, so N cannot be assessed (NX)."),
                source=table.source,
                band=band.label,
            ),
            inputs=inputs,
            note=Text(N_("Record the node stations to stage this tumour.")),
        ), possible
    rule = Text(
        N_("%(source)s: %(band)s is %(category)s."),
        source=table.source,
        band=band.label,
        category=band.category,
    )
    return Result(category=band.category, rule=rule, inputs=inputs, note=note), (band.category,)


_M_RULES = {
    (True, False): (M.M1A, N_("%(source)s: metastasis to the liver only is M1a.")),
    (False, True): (
        M.M1B,
        N_("%(source)s: metastasis to at least one extrahepatic site (%(sites)s) without the liver is M1b."),
    ),
    (True, True): (
        M.M1C,
        N_("%(source)s: metastasis to the liver and at least one extrahepatic site (%(sites)s) is M1c."),
    ),
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
    sites = parse_each(MetastaticSite, metastatic_sites, N_("metastatic site"))
    inputs: dict[str, object] = {"metastatic_sites": sites}
    source: str = Text(N_("AJCC 8 GEP NET"))
    scheme = MScheme.GEP
    if site is not None:
        site = inputs["site"] = _site(site)
        if site not in SITE_TABLES:
            return _not_staged(MCategory, UNSTAGED_REASONS[site], inputs), ()
        source = SITE_TABLES[site].source
        scheme = SITE_TABLES[site].m_scheme
    if not sites:
        rule = Text(N_("%(source)s: no distant metastasis is M0."), source=source)
        return Result(category=M.M0, rule=rule, inputs=inputs), (M.M0,)
    if scheme is MScheme.LUNG:
        return _lung_m(source, sites, inputs)
    if scheme is MScheme.THYMUS:
        return _thymus_m(source, sites, inputs)
    hepatic = any(metastasis.is_hepatic for metastasis in sites)
    extrahepatic = [metastasis for metastasis in sites if not metastasis.is_hepatic]
    category, message = _M_RULES[hepatic, bool(extrahepatic)]
    rule = Text(message, source=source, sites=_labels(extrahepatic))
    return Result(category=category, rule=rule, inputs=inputs), (category,)


def _labels(sites: Iterable[MetastaticSite]) -> object:
    return joined([metastasis.in_sentence for metastasis in sites], LIST)


def _uncertain_m(
    source: str, possible: tuple[MCategory, ...], finding: object, missing: Text, inputs: Mapping[str, object]
) -> tuple[Result[MCategory], tuple[MCategory, ...]]:
    if len(possible) == 1:
        return Result(
            category=possible[0],
            rule=Text(
                N_("%(source)s: %(finding)s is %(category)s."),
                source=source,
                finding=finding,
                category=possible[0],
            ),
            inputs=inputs,
        ), possible
    return Result(
        category=M.M1,
        rule=Text(
            N_(
                "%(source)s: %(finding)s is %(possible)s; %(missing)s decides, and the case does not record "
                "it."
            ),
            source=source,
            finding=finding,
            possible=joined(possible, OR),
            missing=missing,
        ),
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
    missing = Text(N_("the number of metastases in that organ"))
    if MetastaticSite.OTHER in sites:  # "other" may be inside or outside the chest
        possible = _lung_m_options(True, len(extrathoracic)) | _lung_m_options(
            intrathoracic, len(extrathoracic) + 1
        )
        missing = Text(
            N_(
                "where the site recorded as 'other' is (inside or outside the chest) and how many "
                "metastases there are"
            )
        )
    ordered = tuple(category for category in MCategory if category in possible)
    parts = []
    if intrathoracic:
        spread = _labels(m for m in sites if m in _INTRATHORACIC)
        parts.append(Text(N_("intrathoracic spread (%(sites)s)"), sites=spread))
    if extrathoracic:
        if len(extrathoracic) == 1:
            organs = Text(
                N_("metastasis to one extrathoracic organ (%(sites)s)"), sites=_labels(extrathoracic)
            )
        else:
            organs = Text(
                N_("metastasis to several extrathoracic organs (%(sites)s)"), sites=_labels(extrathoracic)
            )
        parts.append(organs)
    if MetastaticSite.OTHER in sites:
        parts.append(Text(N_("a metastasis at another site")))
    result, possible_m = _uncertain_m(source, ordered, joined(parts, WITH), missing, inputs)
    if MetastaticSite.LUNG in sites:
        result = replace(
            result,
            note=Text(
                N_(
                    "For a lung primary a lung metastasis is read as the contralateral lung (M1a); a "
                    "separate nodule in the same lung is T3 or T4, recorded as the extent."
                )
            ),
        )
    return result, possible_m


def _thymus_m(
    source: str, sites: tuple[MetastaticSite, ...], inputs: Mapping[str, object]
) -> tuple[Result[MCategory], tuple[MCategory, ...]]:
    distant = [m for m in sites if m not in (MetastaticSite.PLEURA_PERICARDIUM, MetastaticSite.OTHER)]
    if distant:
        return Result(
            category=M.M1B,
            rule=Text(
                N_("%(source)s: metastasis to the lung parenchyma or a distant organ (%(sites)s) is M1b."),
                source=source,
                sites=_labels(distant),
            ),
            inputs=inputs,
        ), (M.M1B,)
    if MetastaticSite.OTHER in sites:
        return _uncertain_m(
            source,
            (M.M1A, M.M1B),
            Text(N_("a metastasis at another site")),
            Text(N_("whether it is a pleural or pericardial nodule (M1a) or a distant organ (M1b)")),
            inputs,
        )
    return Result(
        category=M.M1A,
        rule=Text(N_("%(source)s: separate pleural or pericardial nodules are M1a."), source=source),
        inputs=inputs,
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
    t = parse(TCategory, t, N_("T category"))
    n = parse(NCategory, n, N_("N category"))
    m = parse(MCategory, m, N_("M category"))
    require(
        t in (T.TX, *table.t_categories, *table.extra_t),
        Text(N_("%(t)s is not a T category for %(site)s."), t=t, site=site.value),
    )
    require(
        n in (N.NX, *table.n_categories),
        Text(N_("%(n)s is not an N category for %(site)s."), n=n, site=site.value),
    )
    require(
        m in (M.M0, *table.m_categories) or (m is M.M1 and M.M1 not in table.m_categories),
        Text(N_("%(m)s is not an M category for %(site)s."), m=m, site=site.value),
    )
    inputs.update(t=t, n=n, m=m)
    t_options = table.t_categories if t is T.TX else (t,)
    n_options = table.n_categories if n is N.NX else (n,)
    m_options = table.m_categories if m is M.M1 and M.M1 not in table.m_categories else (m,)
    return _group(site, table, (t, n, m), (t_options, n_options, m_options), inputs)


# What would settle a category, as the stage rule names it ("it depends on ...").
_MISSING = (Text(N_("the T category")), Text(N_("the N category")), Text(N_("the M subcategory")))


def _stage_of(row: StageRow | None) -> StageGroup:
    return row.stage if row is not None else StageGroup.NOT_STAGED


def _group(
    site: PrimarySite,
    table: SiteTable,
    tnm: tuple[TCategory, NCategory, MCategory],
    options: tuple[tuple[TCategory, ...], tuple[NCategory, ...], tuple[MCategory, ...]],
    inputs: Mapping[str, object],
    missing: tuple[Text, Text, Text] = _MISSING,
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
        possible = joined([group for group in StageGroup if group in groups], OR)
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
        decides = joined([missing[position] for position in deciding], AND_ON)
        v9 = t in (T.T1, T.T1A, T.T1B) and n is N.NX and m is M.M0 and site in AJCC_V9_T1_NX_SITES
        return Result(
            category=StageGroup.UNKNOWN,
            rule=Text(
                N_("%(source)s: %(label)s could be stage %(possible)s; it depends on %(decides)s."),
                source=stages.source,
                label=label,
                possible=possible,
                decides=decides,
            ),
            inputs=inputs,
            note=Text(N_("AJCC version 9 (2023–24) groups T1 NX M0 as stage I for this site."))
            if v9
            else None,
        )
    (group,) = groups
    if group is StageGroup.NOT_STAGED:
        return Result(
            category=StageGroup.NOT_STAGED,
            rule=Text(
                N_("Not staged by the %(source)s: %(stops)s."), source=stages.source, stops=stages.stops
            ),
            inputs=inputs,
        )
    if uncertain:
        labels = joined(list(dict.fromkeys(row.label for row in rows)), OR)
        rule = Text(
            N_("%(source)s: %(label)s is stage %(group)s whatever the missing category (%(labels)s)."),
            source=stages.source,
            label=label,
            group=group,
            labels=labels,
        )
    else:
        rule = Text(
            N_("%(source)s: %(label)s is stage %(group)s."),
            source=stages.source,
            label=rows[0].label,
            group=group,
        )
    return Result(category=group, rule=rule, inputs=inputs)


def is_staged_with_net_tables(
    differentiation: Differentiation | str | None, histology: Histology | str | None = None
) -> bool:
    """Whether the AJCC 8 NET chapters apply: not for NEC (poor differentiation, or NEC/LCNEC/SCNEC
    histology) nor MiNEN, which use the organ's carcinoma system. Unknown differentiation is treated as NET.
    """
    differentiation = as_differentiation(differentiation)
    histology = parse_optional(Histology, histology, N_("histology"))
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
                Text(N_("the T category (size and invasion)")),
                Text(N_("the stations of the positive nodes"))
                if by_stations
                else Text(N_("the number of positive nodes")),
                Text(N_("the M subcategory (where and how many the metastases are)")),
            ),
        )
    if differentiation is Differentiation.UNKNOWN:
        group = replace(
            group,
            note=join_notes(
                group.note,
                Text(
                    N_(
                        "Differentiation not recorded: staged with the NET tables; an NEC would use the "
                        "organ's carcinoma system."
                    )
                ),
            ),
        )
    return Staging(t, n, m, group)
