"""TNM staging of well-differentiated NETs (clinical reference, section 2: AJCC 8).

The tables live in ``tnm``; this module applies them. Sites without a NET chapter in the reference
(thymus, thyroid, adrenal, unknown primary, other), NEC and MiNEN are "not staged", with the reason.
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
    M1_CATEGORIES,
    MESENTERIC_MASS_N2_CM,
    SITE_TABLES,
    T_RANK,
    UNSTAGED_REASONS,
    Extent,
    MCategory,
    NCategory,
    StageGroup,
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
_NOT_NET = "NEC and MiNEN are not staged with the NET chapters; they use the organ's carcinoma system"


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


def n_category(
    site: PrimarySite | str, nodes_positive: int | None, mesenteric_mass_cm: float | None = None
) -> Result[NCategory]:
    """AJCC 8 N category from the number of positive regional nodes.

    N0 none, N1 one or more; jejunum/ileum split N1 (<12 nodes) from N2 (≥12 nodes or a mesenteric mass
    >2 cm). An unknown count is NX. For the lung a positive count is not staged: lung N1–N3 depend on the
    node stations, not the count.
    """
    site = _site(site)
    require(
        nodes_positive is None or (nodes_positive >= 0 and nodes_positive == int(nodes_positive)),
        "The number of positive nodes must be a whole number, 0 or more.",
    )
    require(mesenteric_mass_cm is None or mesenteric_mass_cm >= 0, "The mesenteric mass cannot be negative.")
    inputs = {"site": site, "nodes_positive": nodes_positive, "mesenteric_mass_cm": mesenteric_mass_cm}
    table = SITE_TABLES.get(site)
    if table is None:
        return _not_staged(NCategory, UNSTAGED_REASONS[site], inputs)

    if table.mesenteric_mass_is_n2 and (mesenteric_mass_cm or 0) > MESENTERIC_MASS_N2_CM:
        return Result(
            category=N.N2,
            rule=f"{table.source}: a mesenteric mass >2 cm is N2 whatever the node count.",
            inputs=inputs,
        )
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
        )
    band = band_for(nodes_positive, table.nodes)
    if band.category is N.NOT_STAGED:
        rule = f"Not staged: in {table.source}, {band.label}."
    else:
        rule = f"{table.source}: {band.label} is {band.category}."
    return Result(category=band.category, rule=rule, inputs=inputs, note=note)


_M_RULES = {
    (True, False): (M.M1A, "metastasis to the liver only is M1a"),
    (False, True): (M.M1B, "metastasis to at least one extrahepatic site ({sites}) without the liver is M1b"),
    (True, True): (M.M1C, "metastasis to the liver and at least one extrahepatic site ({sites}) is M1c"),
}


def m_category(
    metastatic_sites: Iterable[MetastaticSite | str], site: PrimarySite | str | None = None
) -> Result[MCategory]:
    """AJCC 8 M category of a GEP NET: M1a liver only, M1b at least one extrahepatic site (lung, ovary,
    non-regional node, peritoneum, bone), M1c both.

    With ``site`` given, unstaged sites are "not staged" and a lung primary gets a plain M1: lung M1a–M1c
    mean intrathoracic versus extrathoracic spread, which the reference does not tabulate.
    """
    sites = parse_each(MetastaticSite, metastatic_sites, "metastatic site")
    inputs: dict[str, object] = {"metastatic_sites": sites}
    source = "AJCC 8 GEP NET"
    if site is not None:
        site = inputs["site"] = _site(site)
        if site not in SITE_TABLES:
            return _not_staged(MCategory, UNSTAGED_REASONS[site], inputs)
        source = SITE_TABLES[site].source
    if not sites:
        return Result(category=M.M0, rule=f"{source}: no distant metastasis is M0.", inputs=inputs)
    if site is PrimarySite.LUNG:
        return Result(
            category=M.M1,
            rule=f"{source}: distant metastasis is M1; lung M1a–M1c depend on intrathoracic versus "
            "extrathoracic spread and the number of lesions, which the reference does not tabulate.",
            inputs=inputs,
        )
    hepatic = any(metastasis.is_hepatic for metastasis in sites)
    extrahepatic = [metastasis for metastasis in sites if not metastasis.is_hepatic]
    category, rule = _M_RULES[hepatic, bool(extrahepatic)]
    labels = ", ".join(metastasis.label.lower() for metastasis in extrahepatic)
    return Result(category=category, rule=f"{source}: {rule.format(sites=labels)}.", inputs=inputs)


def stage_group(
    site: PrimarySite | str,
    t: TCategory | str,
    n: NCategory | str,
    m: MCategory | str,
) -> Result[StageGroup]:
    """AJCC 8 stage group of a NET from its T, N and M categories.

    GEP sites: I = T1 N0 M0, II = T2–T3 N0 M0, III = T4 N0 M0 or any T N1/N2 M0, IV = any M1. Colon and
    rectum: I, IIA (T2 N0), IIB (T3 N0), IIIA (T4 N0), IIIB (any T N1), IV. Lung: IA1–IA3 (T1a–T1c N0 M0),
    IB (T2a N0 M0) and IIA (T2b N0 M0) only; other lung combinations are "not staged by this table".
    With TX or NX the group is given only when every possible value gives the same group; otherwise it is
    "unknown" and the rule lists the possibilities.
    """
    site = _site(site)
    inputs = {"site": site, "t": t, "n": n, "m": m}
    table = SITE_TABLES.get(site)
    if table is None:
        return _not_staged(StageGroup, UNSTAGED_REASONS[site], inputs)
    t = parse(TCategory, t, "T category")
    n = parse(NCategory, n, "N category")
    m = parse(MCategory, m, "M category")
    require(t in (T.TX, *table.t_categories), f"{t} is not a T category for {site}.")
    require(n in (N.NX, *table.n_categories), f"{n} is not an N category for {site}.")
    require(m in (M.M0, *M1_CATEGORIES), f"{m} is not an M category for {site}.")
    inputs.update(t=t, n=n, m=m)

    stages = table.stages
    found = {
        stages.row_for(possible_t, possible_n, m)
        for possible_t in (table.t_categories if t is T.TX else (t,))
        for possible_n in (table.n_categories if n is N.NX else (n,))
    }
    rows = [row for row in stages.rows if row in found]
    groups = {row.stage for row in rows} | ({StageGroup.NOT_STAGED} if None in found else set())
    tnm = f"{t} {n} {m}"
    if len(groups) > 1:
        possible = " or ".join(group for group in StageGroup if group in groups)
        v9 = t in (T.T1, T.T1A, T.T1B) and n is N.NX and m is M.M0 and site in AJCC_V9_T1_NX_SITES
        return Result(
            category=StageGroup.UNKNOWN,
            rule=f"{stages.source}: {tnm} could be stage {possible}; the missing category decides.",
            inputs=inputs,
            note="AJCC version 9 (2023–24) groups T1 NX M0 as stage I for this site." if v9 else None,
        )
    (group,) = groups
    if group is StageGroup.NOT_STAGED:
        return Result(
            category=StageGroup.NOT_STAGED, rule=f"Not staged by this table: {stages.stops}.", inputs=inputs
        )
    if t is T.TX or n is N.NX:
        labels = " or ".join(row.label for row in rows)
        rule = f"{stages.source}: {tnm} is stage {group} whatever the missing category ({labels})."
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
    MiNEN and for sites without a NET table. A part that is not staged (a lung primary with positive
    nodes) leaves the stage group not staged, for the same reason.
    """
    differentiation = as_differentiation(differentiation)
    t = t_category(site, size_cm, extent)
    n = n_category(site, nodes_positive, mesenteric_mass_cm)
    m = m_category(metastatic_sites, site=site)
    if not is_staged_with_net_tables(differentiation, histology):
        inputs = {"site": t.inputs["site"], "differentiation": differentiation, "histology": histology}
        parts = (TCategory, NCategory, MCategory, StageGroup)
        return Staging(*(_not_staged(part, _NOT_NET, inputs) for part in parts))

    blocked = next((part for part in (t, n, m) if part.category == "not staged"), None)
    if blocked:
        group = Result(category=StageGroup.NOT_STAGED, rule=blocked.rule, inputs=blocked.inputs)
    else:
        group = stage_group(site, t.category, n.category, m.category)
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
