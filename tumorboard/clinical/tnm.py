"""AJCC 8 TNM tables for well-differentiated NETs (clinical reference, section 2), read by ``staging``.

Each staged site is one ``SiteTable``: size bands and depth-of-invasion floors give T (the higher of the
two), a node-count table gives N, and a ``StageTable`` groups T, N and M. Lung carcinoids use the whole
AJCC 8 lung table (IASLC 8th edition, IA1 to IVB); thymic carcinoids the AJCC 8 thymus table
(IASLC/ITMIG, I to IVB), where size plays no part in T. For both, N1–N3 depend on the node stations and
the M subcategories on where (and, for the lung, how many) the metastases are, which ``staging`` works
out or says is missing.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType

from tumorboard.clinical.labels import N_, Text
from tumorboard.clinical.results import Band, Dispute
from tumorboard.clinical.vocabularies import PrimarySite, Vocabulary


class Extent(Vocabulary):
    """Depth of invasion, the "extent" of the TNM T category; ``staging.extent_choices`` says which
    values fit which site."""

    LAMINA_PROPRIA = "lamina_propria", N_("Mucosa (lamina propria)")
    SUBMUCOSA = "submucosa", N_("Submucosa")
    MUSCULARIS_PROPRIA = "muscularis_propria", N_("Muscularis propria")
    SUBSEROSA = "subserosa", N_("Subserosa (serosa intact)")
    SEROSA = "serosa", N_("Serosa / visceral peritoneum")
    ADJACENT_ORGANS = "adjacent_organs", N_("Adjacent organs")
    SPHINCTER_OF_ODDI = "sphincter_of_oddi", N_("Confined to the sphincter of Oddi")
    DUODENAL_WALL = "duodenal_wall", N_("Through the sphincter into duodenal submucosa or muscularis propria")
    PANCREAS_OR_PERIPANCREATIC_FAT = "pancreas_or_peripancreatic_fat", N_("Pancreas or peripancreatic fat")
    LIMITED_TO_PANCREAS = "limited_to_pancreas", N_("Limited to the pancreas")
    PERIPANCREATIC_FAT = "peripancreatic_fat", N_("Peripancreatic fat (does not raise T)")
    DUODENUM_OR_BILE_DUCT = "duodenum_or_bile_duct", N_("Duodenum or common bile duct")
    ADJACENT_ORGANS_OR_VESSELS = (
        "adjacent_organs_or_vessels",
        N_("Adjacent organs (stomach, spleen, colon, adrenal) or wall of coeliac axis / SMA"),
    )
    APPENDIX_WALL = "appendix_wall", N_("Confined to the appendix wall")
    SUBSEROSA_OR_MESOAPPENDIX = "subserosa_or_mesoappendix", N_("Subserosa or mesoappendix")
    PERFORATION_OR_OTHER_ORGANS = (
        "perforation_or_other_organs",
        N_("Perforates the peritoneum or invades other organs"),
    )
    LUNG_CONFINED = "lung_confined", N_("Surrounded by lung or visceral pleura (size decides)")
    VISCERAL_PLEURA_OR_MAIN_BRONCHUS = (
        "visceral_pleura_or_main_bronchus",
        N_(
            "Visceral pleura or main bronchus (not carina), or atelectasis / obstructive pneumonitis "
            "to the hilum"
        ),
    )
    CHEST_WALL_OR_SAME_LOBE_NODULE = (
        "chest_wall_or_same_lobe_nodule",
        N_(
            "Chest wall, parietal pleura, phrenic nerve or parietal pericardium, or a separate nodule "
            "in the same lobe"
        ),
    )
    MEDIASTINUM_OR_OTHER_LOBE_NODULE = (
        "mediastinum_or_other_lobe_nodule",
        N_(
            "Diaphragm, mediastinum, heart, great vessels, trachea, carina, recurrent laryngeal nerve, "
            "oesophagus or vertebral body, or a separate nodule in another ipsilateral lobe"
        ),
    )
    THYMUS_OR_MEDIASTINAL_FAT = (
        "thymus_or_mediastinal_fat",
        N_("Encapsulated or not, with or without extension into the mediastinal fat"),
    )
    MEDIASTINAL_PLEURA = "mediastinal_pleura", N_("Mediastinal pleura")
    PERICARDIUM = "pericardium", N_("Pericardium (partial or full thickness)")
    THYMIC_T3_STRUCTURES = (
        "lung_veins_phrenic_or_chest_wall",
        N_(
            "Lung, brachiocephalic vein, superior vena cava, phrenic nerve, chest wall, or extrapericardial "
            "pulmonary artery or veins"
        ),
    )
    THYMIC_T4_STRUCTURES = (
        "aorta_heart_trachea_or_oesophagus",
        N_("Aorta, arch vessels, intrapericardial pulmonary artery, myocardium, trachea or oesophagus"),
    )


class TCategory(StrEnum):
    TX = "TX"
    T1 = "T1"
    T1MI = "T1mi"
    T1A = "T1a"
    T1B = "T1b"
    T1C = "T1c"
    T2 = "T2"
    T2A = "T2a"
    T2B = "T2b"
    T3 = "T3"
    T4 = "T4"
    NOT_STAGED = N_("not staged")


class NCategory(StrEnum):
    NX = "NX"
    N0 = "N0"
    N1 = "N1"
    N2 = "N2"
    N3 = "N3"
    NOT_STAGED = N_("not staged")


class MCategory(StrEnum):
    M0 = "M0"
    M1 = "M1"
    M1A = "M1a"
    M1B = "M1b"
    M1C = "M1c"
    NOT_STAGED = N_("not staged")


class StageGroup(StrEnum):
    I = "I"  # noqa: E741 -- the stage is called I
    IA1 = "IA1"
    IA2 = "IA2"
    IA3 = "IA3"
    IB = "IB"
    II = "II"
    IIA = "IIA"
    IIB = "IIB"
    III = "III"
    IIIA = "IIIA"
    IIIB = "IIIB"
    IIIC = "IIIC"
    IV = "IV"
    IVA = "IVA"
    IVB = "IVB"
    UNKNOWN = N_("unknown")
    NOT_STAGED = N_("not staged")


T, N, M = TCategory, NCategory, MCategory
T_RANK = {category: rank for rank, category in enumerate(TCategory)}
M1_CATEGORIES = (M.M1, M.M1A, M.M1B, M.M1C)
MESENTERIC_MASS_N2_CM = 2


def highest(*categories: TCategory) -> TCategory:
    """The most advanced of several T categories (subcategories rank above their parent)."""
    return max(categories, key=T_RANK.__getitem__)


class MScheme(StrEnum):
    """Which M subcategories a site's chapter uses, and what they mean (``staging.m_category``)."""

    GEP = "gep"  # M1a liver only, M1b extrahepatic only, M1c both
    LUNG = "lung"  # M1a intrathoracic, M1b one extrathoracic metastasis, M1c several
    THYMUS = "thymus"  # M1a pleural or pericardial nodules, M1b lung parenchyma or distant organ

    @property
    def categories(self) -> tuple[MCategory, ...]:
        return {
            MScheme.GEP: M1_CATEGORIES,
            MScheme.LUNG: (M.M1A, M.M1B, M.M1C),
            MScheme.THYMUS: (M.M1A, M.M1B),
        }[self]


@dataclass(frozen=True)
class StageRow:
    """One line of a stage table; ``None`` for T or N means "any"."""

    stage: StageGroup
    label: str
    t: tuple[TCategory, ...] | None = None  # None: any T
    n: tuple[NCategory, ...] | None = None  # None: any N
    m: tuple[MCategory, ...] = (M.M0,)

    def matches(self, t: TCategory, n: NCategory, m: MCategory) -> bool:
        return (self.t is None or t in self.t) and (self.n is None or n in self.n) and m in self.m


@dataclass(frozen=True)
class StageTable:
    """A site family's stage groups, first matching row wins; ``stops`` says why a combination without a
    row is not staged."""

    source: str
    rows: tuple[StageRow, ...]
    stops: str | None = None

    def row_for(self, t: TCategory, n: NCategory, m: MCategory) -> StageRow | None:
        return next((row for row in self.rows if row.matches(t, n, m)), None)


@dataclass(frozen=True)
class SiteTable:
    """One site's AJCC 8 NET chapter: T is the higher of the size band and the floor its depth of invasion
    sets; N comes from the count of positive nodes; ``stages`` groups them."""

    source: str
    sizes: tuple[Band[TCategory], ...]
    extents: Mapping[Extent, TCategory]
    nodes: tuple[Band[NCategory], ...]
    stages: StageTable
    size_disputes: tuple[Dispute[TCategory], ...] = ()
    mesenteric_mass_is_n2: bool = False
    extra_n: tuple[NCategory, ...] = ()
    extra_t: tuple[TCategory, ...] = ()  # accepted as given, never derived from the case's inputs
    m_scheme: MScheme = MScheme.GEP

    @property
    def m_categories(self) -> tuple[MCategory, ...]:
        return self.m_scheme.categories

    @property
    def t_categories(self) -> tuple[TCategory, ...]:
        found = {band.category for band in self.sizes} | set(self.extents.values())
        return tuple(sorted(found, key=T_RANK.__getitem__))

    @property
    def n_categories(self) -> tuple[NCategory, ...]:
        found = {band.category for band in self.nodes} - {N.NOT_STAGED, N.NX} | set(self.extra_n)
        return tuple(category for category in NCategory if category in found)


_GEP_STAGES = StageTable(
    Text(N_("AJCC 8 NET stage groups (stomach, duodenum/ampulla, jejunum/ileum, appendix, pancreas)")),
    (
        StageRow(StageGroup.IV, Text(N_("any T, any N, M1")), m=M1_CATEGORIES),
        StageRow(StageGroup.I, "T1 N0 M0", t=(T.T1,), n=(N.N0,)),
        StageRow(StageGroup.II, "T2–T3 N0 M0", t=(T.T2, T.T3), n=(N.N0,)),
        StageRow(StageGroup.III, "T4 N0 M0", t=(T.T4,), n=(N.N0,)),
        StageRow(StageGroup.III, Text(N_("any T, N1–N2, M0")), n=(N.N1, N.N2)),
    ),
)
_COLORECTAL_STAGES = StageTable(
    Text(N_("AJCC 8 colon/rectum NET stage groups")),
    (
        StageRow(StageGroup.IV, Text(N_("any T, any N, M1")), m=M1_CATEGORIES),
        StageRow(StageGroup.I, "T1 N0 M0", t=(T.T1, T.T1A, T.T1B), n=(N.N0,)),
        StageRow(StageGroup.IIA, "T2 N0 M0", t=(T.T2,), n=(N.N0,)),
        StageRow(StageGroup.IIB, "T3 N0 M0", t=(T.T3,), n=(N.N0,)),
        StageRow(StageGroup.IIIA, "T4 N0 M0", t=(T.T4,), n=(N.N0,)),
        StageRow(StageGroup.IIIB, Text(N_("any T, N1, M0")), n=(N.N1,)),
    ),
)
_T1_LUNG = (T.T1A, T.T1B, T.T1C)
_T2_LUNG = (T.T2A, T.T2B)
_LUNG_STAGES = StageTable(
    Text(N_("AJCC 8 lung stage groups (IASLC 8th edition, Goldstraw 2016)")),
    (
        StageRow(StageGroup.IVB, Text(N_("any T, any N, M1c")), m=(M.M1C,)),
        StageRow(StageGroup.IVA, Text(N_("any T, any N, M1a–M1b")), m=(M.M1A, M.M1B)),
        StageRow(StageGroup.IA1, "T1mi N0 M0", t=(T.T1MI,), n=(N.N0,)),
        StageRow(StageGroup.IA1, "T1a N0 M0", t=(T.T1A,), n=(N.N0,)),
        StageRow(StageGroup.IA2, "T1b N0 M0", t=(T.T1B,), n=(N.N0,)),
        StageRow(StageGroup.IA3, "T1c N0 M0", t=(T.T1C,), n=(N.N0,)),
        StageRow(StageGroup.IB, "T2a N0 M0", t=(T.T2A,), n=(N.N0,)),
        StageRow(StageGroup.IIA, "T2b N0 M0", t=(T.T2B,), n=(N.N0,)),
        StageRow(StageGroup.IIB, "T1a–T2b N1 M0", t=_T1_LUNG + _T2_LUNG, n=(N.N1,)),
        StageRow(StageGroup.IIB, "T3 N0 M0", t=(T.T3,), n=(N.N0,)),
        StageRow(StageGroup.IIIA, "T1a–T2b N2 M0", t=_T1_LUNG + _T2_LUNG, n=(N.N2,)),
        StageRow(StageGroup.IIIA, "T3 N1 M0", t=(T.T3,), n=(N.N1,)),
        StageRow(StageGroup.IIIA, "T4 N0–N1 M0", t=(T.T4,), n=(N.N0, N.N1)),
        StageRow(StageGroup.IIIB, "T1a–T2b N3 M0", t=_T1_LUNG + _T2_LUNG, n=(N.N3,)),
        StageRow(StageGroup.IIIB, "T3–T4 N2 M0", t=(T.T3, T.T4), n=(N.N2,)),
        StageRow(StageGroup.IIIC, "T3–T4 N3 M0", t=(T.T3, T.T4), n=(N.N3,)),
    ),
    stops=Text(N_("AJCC 8 lists T1mi (minimally invasive adenocarcinoma) only as T1mi N0 M0")),
)
_THYMUS_STAGES = StageTable(
    Text(N_("AJCC 8 thymus stage groups (IASLC/ITMIG, Detterbeck 2014)")),
    (
        StageRow(StageGroup.IVB, Text(N_("any T, any N, M1b")), m=(M.M1B,)),
        StageRow(StageGroup.IVB, Text(N_("any T, N2, M0–M1a")), n=(N.N2,), m=(M.M0, M.M1A)),
        StageRow(StageGroup.IVA, Text(N_("any T, N0–N1, M1a")), n=(N.N0, N.N1), m=(M.M1A,)),
        StageRow(StageGroup.IVA, Text(N_("any T, N1, M0")), n=(N.N1,)),
        StageRow(StageGroup.I, "T1a–T1b N0 M0", t=(T.T1A, T.T1B), n=(N.N0,)),
        StageRow(StageGroup.II, "T2 N0 M0", t=(T.T2,), n=(N.N0,)),
        StageRow(StageGroup.IIIA, "T3 N0 M0", t=(T.T3,), n=(N.N0,)),
        StageRow(StageGroup.IIIB, "T4 N0 M0", t=(T.T4,), n=(N.N0,)),
    ),
)

_UP_TO_1_CM = (Band(T.T1, "≤1 cm", up_to=1), Band(T.T2, ">1 cm"))
_GUT_WALL = {
    Extent.LAMINA_PROPRIA: T.T1,
    Extent.SUBMUCOSA: T.T1,
    Extent.MUSCULARIS_PROPRIA: T.T2,
    Extent.SUBSEROSA: T.T3,
    Extent.SEROSA: T.T4,
    Extent.ADJACENT_ORGANS: T.T4,
}
_N0_N1 = (
    Band(N.N0, Text(N_("no positive regional node")), up_to=0),
    Band(N.N1, Text(N_("one or more positive regional nodes"))),
)

_DUODENUM = SiteTable(
    Text(N_("AJCC 8 duodenum/ampulla NET")),
    _UP_TO_1_CM,
    {
        Extent.LAMINA_PROPRIA: T.T1,
        Extent.SUBMUCOSA: T.T1,
        Extent.MUSCULARIS_PROPRIA: T.T2,
        Extent.PANCREAS_OR_PERIPANCREATIC_FAT: T.T3,
        Extent.SEROSA: T.T4,
        Extent.ADJACENT_ORGANS: T.T4,
    },
    _N0_N1,
    _GEP_STAGES,
)
_SMALL_BOWEL = SiteTable(
    Text(N_("AJCC 8 jejunum/ileum NET")),
    _UP_TO_1_CM,
    _GUT_WALL,
    (
        Band(N.N0, Text(N_("no positive regional node")), up_to=0),
        Band(N.N1, Text(N_("fewer than 12 positive regional nodes")), up_to=11),
        Band(N.N2, Text(N_("12 or more positive regional nodes"))),
    ),
    _GEP_STAGES,
    mesenteric_mass_is_n2=True,
)
_COLORECTUM = SiteTable(
    Text(N_("AJCC 8 colon/rectum NET")),
    (Band(T.T1A, "<1 cm", below=1), Band(T.T1B, "1–2 cm", up_to=2), Band(T.T2, ">2 cm")),
    _GUT_WALL,
    _N0_N1,
    _COLORECTAL_STAGES,
    size_disputes=(
        Dispute(
            applies=lambda size: size == 1,
            alternative=T.T1A,
            reason=Text(
                N_(
                    "Source versions differ on exactly 1 cm (T1a '<1 cm' and T1b '1–2 cm' here, T1a '≤1 cm' "
                    "elsewhere); stage I either way."
                )
            ),
        ),
    ),
)

SITE_TABLES: Mapping[PrimarySite, SiteTable] = MappingProxyType(
    {
        PrimarySite.STOMACH: SiteTable(
            Text(N_("AJCC 8 stomach NET")), _UP_TO_1_CM, _GUT_WALL, _N0_N1, _GEP_STAGES
        ),
        PrimarySite.DUODENUM: _DUODENUM,
        PrimarySite.AMPULLA: replace(
            _DUODENUM,
            extents={
                Extent.SPHINCTER_OF_ODDI: T.T1,
                Extent.DUODENAL_WALL: T.T2,
                Extent.PANCREAS_OR_PERIPANCREATIC_FAT: T.T3,
                Extent.SEROSA: T.T4,
                Extent.ADJACENT_ORGANS: T.T4,
            },
        ),
        PrimarySite.JEJUNUM: _SMALL_BOWEL,
        PrimarySite.ILEUM: _SMALL_BOWEL,
        PrimarySite.APPENDIX: SiteTable(
            Text(N_("AJCC 8 appendix NET")),
            (Band(T.T1, "≤2 cm", up_to=2), Band(T.T2, Text(N_(">2 to ≤4 cm")), up_to=4), Band(T.T3, ">4 cm")),
            {
                Extent.APPENDIX_WALL: T.T1,
                Extent.SUBSEROSA_OR_MESOAPPENDIX: T.T3,
                Extent.PERFORATION_OR_OTHER_ORGANS: T.T4,
            },
            _N0_N1,
            _GEP_STAGES,
        ),
        PrimarySite.COLON: _COLORECTUM,
        PrimarySite.RECTUM: _COLORECTUM,
        PrimarySite.PANCREAS: SiteTable(
            Text(N_("AJCC 8 pancreas NET")),
            (Band(T.T1, "<2 cm", below=2), Band(T.T2, "2–4 cm", up_to=4), Band(T.T3, ">4 cm")),
            {
                Extent.LIMITED_TO_PANCREAS: T.T1,
                Extent.PERIPANCREATIC_FAT: T.T1,
                Extent.DUODENUM_OR_BILE_DUCT: T.T3,
                Extent.ADJACENT_ORGANS_OR_VESSELS: T.T4,
            },
            _N0_N1,
            _GEP_STAGES,
            size_disputes=(
                Dispute(
                    applies=lambda size: size == 2,
                    alternative=T.T1,
                    reason=Text(
                        N_("AJCC 8 T1 is '<2 cm', so exactly 2 cm is T2; UICC 8 T1 is '2 cm or smaller'.")
                    ),
                ),
            ),
        ),
        PrimarySite.LUNG: SiteTable(
            Text(N_("AJCC 8 lung")),
            (
                Band(T.T1A, "≤1 cm", up_to=1),
                Band(T.T1B, Text(N_(">1 to ≤2 cm")), up_to=2),
                Band(T.T1C, Text(N_(">2 to ≤3 cm")), up_to=3),
                Band(T.T2A, Text(N_(">3 to ≤4 cm")), up_to=4),
                Band(T.T2B, Text(N_(">4 to ≤5 cm")), up_to=5),
                Band(T.T3, Text(N_(">5 to ≤7 cm")), up_to=7),
                Band(T.T4, ">7 cm"),
            ),
            {
                Extent.LUNG_CONFINED: T.T1A,
                Extent.VISCERAL_PLEURA_OR_MAIN_BRONCHUS: T.T2A,
                Extent.CHEST_WALL_OR_SAME_LOBE_NODULE: T.T3,
                Extent.MEDIASTINUM_OR_OTHER_LOBE_NODULE: T.T4,
            },
            (
                Band(N.N0, Text(N_("no positive regional node")), up_to=0),
                Band(
                    N.NX,
                    Text(
                        N_(
                            "positive regional nodes make N1, N2 or N3, and the stations involved decide (N1 "
                            "ipsilateral peribronchial, hilar or intrapulmonary; N2 ipsilateral mediastinal "
                            "or subcarinal; N3 contralateral mediastinal or hilar, or scalene or "
                            "supraclavicular), not their count; the case does not record the stations"
                        )
                    ),
                ),
            ),
            _LUNG_STAGES,
            extra_n=(N.N1, N.N2, N.N3),
            extra_t=(T.T1MI,),
            m_scheme=MScheme.LUNG,
        ),
        PrimarySite.THYMUS: SiteTable(
            Text(N_("AJCC 8 thymus (IASLC/ITMIG)")),
            (),
            {
                Extent.THYMUS_OR_MEDIASTINAL_FAT: T.T1A,
                Extent.MEDIASTINAL_PLEURA: T.T1B,
                Extent.PERICARDIUM: T.T2,
                Extent.THYMIC_T3_STRUCTURES: T.T3,
                Extent.THYMIC_T4_STRUCTURES: T.T4,
            },
            (
                Band(N.N0, Text(N_("no positive regional node")), up_to=0),
                Band(
                    N.NX,
                    Text(
                        N_(
                            "positive regional nodes make N1 or N2, and the stations involved decide (N1 "
                            "anterior, perithymic; N2 deep intrathoracic or cervical), not their count; the "
                            "case does not record the stations"
                        )
                    ),
                ),
            ),
            _THYMUS_STAGES,
            extra_n=(N.N1, N.N2),
            m_scheme=MScheme.THYMUS,
        ),
    }
)

UNSTAGED_REASONS = MappingProxyType(
    {
        PrimarySite.THYROID: Text(
            N_(
                "the AJCC 8th edition has no NET chapter for the thyroid (a medullary thyroid "
                "carcinoma is staged with the AJCC 8 thyroid chapter)"
            )
        ),
        PrimarySite.ADRENAL: Text(
            N_(
                "the AJCC 8th edition has no NET chapter for the adrenal (a phaeochromocytoma "
                "is staged with the AJCC 8 phaeochromocytoma and paraganglioma chapter)"
            )
        ),
        PrimarySite.UNKNOWN_PRIMARY: Text(
            N_(
                "AJCC 8th edition TNM needs the primary site, and a tumour of unknown "
                "primary has no T category"
            )
        ),
        PrimarySite.OTHER: Text(N_("the AJCC 8th edition has no NET chapter for this site")),
    }
)

EXTENT_CHOICES: Mapping[PrimarySite, tuple[tuple[str, str], ...]] = MappingProxyType(
    {
        site: tuple((extent.value, extent.label) for extent in SITE_TABLES[site].extents)
        if site in SITE_TABLES
        else ()
        for site in PrimarySite
    }
)
"""The depth-of-invasion choices (value, label) that fit each site; empty where the site is not staged."""

AJCC_V9_T1_NX_SITES = frozenset(
    {
        PrimarySite.STOMACH,
        PrimarySite.DUODENUM,
        PrimarySite.AMPULLA,
        PrimarySite.COLON,
        PrimarySite.RECTUM,
        PrimarySite.APPENDIX,
    }
)
"""Sites where AJCC version 9 (2023–24) adds T1 NX M0 = stage I."""
