"""AJCC 8 T categories of NETs (clinical reference, section 2): each site's table at and around its edges,
the depth-of-invasion choices, and T with a missing size or depth."""

import re

import pytest

from tumorboard.clinical.staging import EXTENT_CHOICES, Extent, TCategory, extent_choices, t_category
from tumorboard.clinical.vocabularies import PrimarySite

param = pytest.param
T, E = TCategory, Extent
UNSTAGED_SITES = ["thyroid", "adrenal", "unknown primary", "other"]


def exactly(message):
    return f"^{re.escape(message)}$"


T_TABLE = [
    # stomach: T1 = lamina propria/submucosa and ≤1 cm; T2 = muscularis propria or >1 cm
    ("stomach", 0.5, E.LAMINA_PROPRIA, T.T1, False),
    ("stomach", 1.0, E.SUBMUCOSA, T.T1, False),
    ("stomach", 1.1, E.SUBMUCOSA, T.T2, False),
    ("stomach", 0.5, E.MUSCULARIS_PROPRIA, T.T2, False),
    ("stomach", 0.5, E.SUBSEROSA, T.T3, False),
    ("stomach", 3.0, E.SUBSEROSA, T.T3, False),
    ("stomach", 0.5, E.SEROSA, T.T4, False),
    ("stomach", 0.5, E.ADJACENT_ORGANS, T.T4, False),
    # duodenum: T2 is ">1 cm" (one source's "≥1 cm" read as ">1 cm")
    ("duodenum", 1.0, E.SUBMUCOSA, T.T1, False),
    ("duodenum", 1.01, E.SUBMUCOSA, T.T2, False),
    ("duodenum", 0.8, E.MUSCULARIS_PROPRIA, T.T2, False),
    ("duodenum", 0.8, E.PANCREAS_OR_PERIPANCREATIC_FAT, T.T3, False),
    ("duodenum", 0.8, E.SEROSA, T.T4, False),
    # ampulla: T1 ≤1 cm confined to the sphincter of Oddi
    ("ampulla", 1.0, E.SPHINCTER_OF_ODDI, T.T1, False),
    ("ampulla", 1.2, E.SPHINCTER_OF_ODDI, T.T2, False),
    ("ampulla", 0.8, E.DUODENAL_WALL, T.T2, False),
    ("ampulla", 0.8, E.PANCREAS_OR_PERIPANCREATIC_FAT, T.T3, False),
    ("ampulla", 0.8, E.ADJACENT_ORGANS, T.T4, False),
    # jejunum / ileum
    ("jejunum", 1.0, E.SUBMUCOSA, T.T1, False),
    ("ileum", 1.0, E.LAMINA_PROPRIA, T.T1, False),
    ("ileum", 1.5, E.SUBMUCOSA, T.T2, False),
    ("ileum", 0.9, E.MUSCULARIS_PROPRIA, T.T2, False),
    ("ileum", 0.9, E.SUBSEROSA, T.T3, False),
    ("ileum", 0.9, E.SEROSA, T.T4, False),
    # appendix: ≤2 cm T1, >2–4 cm T2, >4 cm or subserosa/mesoappendix T3, perforation/other organs T4
    ("appendix", 2.0, E.APPENDIX_WALL, T.T1, False),
    ("appendix", 2.1, E.APPENDIX_WALL, T.T2, False),
    ("appendix", 4.0, E.APPENDIX_WALL, T.T2, False),
    ("appendix", 4.1, E.APPENDIX_WALL, T.T3, False),
    ("appendix", 1.0, E.SUBSEROSA_OR_MESOAPPENDIX, T.T3, False),
    ("appendix", 1.0, E.PERFORATION_OR_OTHER_ORGANS, T.T4, False),
    # colon / rectum: T1a <1 cm, T1b 1–2 cm (exactly 1 cm disputed), >2 cm or muscularis propria T2
    ("colon", 0.9, E.SUBMUCOSA, T.T1A, False),
    ("colon", 1.0, E.SUBMUCOSA, T.T1B, True),
    ("rectum", 1.0, E.LAMINA_PROPRIA, T.T1B, True),
    ("rectum", 1.1, E.SUBMUCOSA, T.T1B, False),
    ("rectum", 2.0, E.SUBMUCOSA, T.T1B, False),
    ("rectum", 2.1, E.SUBMUCOSA, T.T2, False),
    ("rectum", 1.0, E.MUSCULARIS_PROPRIA, T.T2, False),
    ("colon", 0.5, E.SUBSEROSA, T.T3, False),
    ("colon", 0.5, E.SEROSA, T.T4, False),
    # pancreas: <2 cm T1 (exactly 2 cm T2, disputed), 2–4 cm T2, >4 cm or duodenum/bile duct T3
    ("pancreas", 1.9, E.LIMITED_TO_PANCREAS, T.T1, False),
    ("pancreas", 2.0, E.LIMITED_TO_PANCREAS, T.T2, True),
    ("pancreas", 2.1, E.LIMITED_TO_PANCREAS, T.T2, False),
    ("pancreas", 2.5, E.LIMITED_TO_PANCREAS, T.T2, False),
    ("pancreas", 4.0, E.LIMITED_TO_PANCREAS, T.T2, False),
    ("pancreas", 4.1, E.LIMITED_TO_PANCREAS, T.T3, False),
    ("pancreas", 1.5, E.PERIPANCREATIC_FAT, T.T1, False),
    ("pancreas", 2.0, E.PERIPANCREATIC_FAT, T.T2, True),
    ("pancreas", 2.0, E.DUODENUM_OR_BILE_DUCT, T.T3, False),
    ("pancreas", 1.0, E.ADJACENT_ORGANS_OR_VESSELS, T.T4, False),
    # lung: size bands, then invasion
    ("lung", 1.0, E.LUNG_CONFINED, T.T1A, False),
    ("lung", 1.1, E.LUNG_CONFINED, T.T1B, False),
    ("lung", 2.0, E.LUNG_CONFINED, T.T1B, False),
    ("lung", 2.1, E.LUNG_CONFINED, T.T1C, False),
    ("lung", 3.0, E.LUNG_CONFINED, T.T1C, False),
    ("lung", 3.1, E.LUNG_CONFINED, T.T2A, False),
    ("lung", 4.0, E.LUNG_CONFINED, T.T2A, False),
    ("lung", 4.1, E.LUNG_CONFINED, T.T2B, False),
    ("lung", 5.0, E.LUNG_CONFINED, T.T2B, False),
    ("lung", 5.1, E.LUNG_CONFINED, T.T3, False),
    ("lung", 7.0, E.LUNG_CONFINED, T.T3, False),
    ("lung", 7.1, E.LUNG_CONFINED, T.T4, False),
    ("lung", 2.5, E.VISCERAL_PLEURA_OR_MAIN_BRONCHUS, T.T2A, False),
    ("lung", 4.5, E.VISCERAL_PLEURA_OR_MAIN_BRONCHUS, T.T2B, False),
    ("lung", 1.0, E.CHEST_WALL_OR_SAME_LOBE_NODULE, T.T3, False),
    ("lung", 1.0, E.MEDIASTINUM_OR_OTHER_LOBE_NODULE, T.T4, False),
    # thymus (AJCC 8, IASLC/ITMIG): the structures invaded decide; size plays no part
    ("thymus", 12.0, E.THYMUS_OR_MEDIASTINAL_FAT, T.T1A, False),
    ("thymus", 2.0, E.MEDIASTINAL_PLEURA, T.T1B, False),
    ("thymus", 2.0, E.PERICARDIUM, T.T2, False),
    ("thymus", 2.0, E.THYMIC_T3_STRUCTURES, T.T3, False),
    ("thymus", 2.0, E.THYMIC_T4_STRUCTURES, T.T4, False),
    ("thymus", None, E.PERICARDIUM, T.T2, False),
]


@pytest.mark.parametrize(
    ("site", "size", "extent", "t", "disputed"),
    [param(*row, id=f"{row[0]} {row[1]} cm {row[2]} -> {row[3]}") for row in T_TABLE],
)
def test_t_category(site, size, extent, t, disputed):
    result = t_category(site, size, extent)
    assert result.category == t
    assert result.disputed is disputed
    assert result.rule.startswith("AJCC 8")
    assert dict(result.inputs) == {"site": site, "size_cm": size, "extent": extent}


@pytest.mark.parametrize(
    ("site", "size", "extent", "t"),
    [
        param("stomach", None, E.SUBMUCOSA, T.TX, id="size missing and could raise T"),
        param("stomach", 0.5, None, T.TX, id="depth missing and could raise T"),
        param("stomach", None, None, T.TX, id="both missing"),
        param("stomach", None, E.MUSCULARIS_PROPRIA, T.T2, id="muscularis propria is T2 whatever the size"),
        param("stomach", None, E.SEROSA, T.T4, id="serosa is T4 whatever the size"),
        param(
            "pancreas", None, E.DUODENUM_OR_BILE_DUCT, T.T3, id="duodenal invasion is T3 whatever the size"
        ),
        param("pancreas", 2.0, None, T.TX, id="pancreas 2 cm without depth"),
        param("lung", 7.5, None, T.T4, id="lung >7 cm is T4 whatever the invasion"),
        param("lung", 6.0, None, T.TX, id="lung 6 cm without invasion status"),
    ],
)
def test_t_category_with_missing_input(site, size, extent, t):
    result = t_category(site, size, extent)
    assert result.category == t
    assert not result.disputed


def test_tx_says_what_is_missing():
    assert t_category("stomach", 0.5, None).rule == (
        "AJCC 8 stomach NET: size ≤1 cm gives T1, but the depth of invasion was not given and could change "
        "T, so T cannot be assessed (TX)."
    )


def test_t_rule_names_both_findings():
    assert t_category("pancreas", 2.0, "limited_to_pancreas").rule == (
        "AJCC 8 pancreas NET: size 2–4 cm gives T2 and depth 'Limited to the pancreas' gives T1; "
        "T is the higher, T2."
    )


def test_disputed_boundaries_explain_themselves():
    assert "UICC 8" in t_category("pancreas", 2.0, "limited_to_pancreas").disputed_reason
    assert "stage I either way" in t_category("colon", 1.0, "submucosa").disputed_reason


EXPECTED_EXTENTS = {
    "stomach": [
        "lamina_propria",
        "submucosa",
        "muscularis_propria",
        "subserosa",
        "serosa",
        "adjacent_organs",
    ],
    "pancreas": [
        "limited_to_pancreas",
        "peripancreatic_fat",
        "duodenum_or_bile_duct",
        "adjacent_organs_or_vessels",
    ],
    "ampulla": [
        "sphincter_of_oddi",
        "duodenal_wall",
        "pancreas_or_peripancreatic_fat",
        "serosa",
        "adjacent_organs",
    ],
    "appendix": ["appendix_wall", "subserosa_or_mesoappendix", "perforation_or_other_organs"],
    "lung": [
        "lung_confined",
        "visceral_pleura_or_main_bronchus",
        "chest_wall_or_same_lobe_nodule",
        "mediastinum_or_other_lobe_nodule",
    ],
    "thymus": [
        "thymus_or_mediastinal_fat",
        "mediastinal_pleura",
        "pericardium",
        "lung_veins_phrenic_or_chest_wall",
        "aorta_heart_trachea_or_oesophagus",
    ],
    **dict.fromkeys(UNSTAGED_SITES, []),
}


@pytest.mark.parametrize(("site", "values"), EXPECTED_EXTENTS.items(), ids=EXPECTED_EXTENTS)
def test_extent_choices(site, values):
    choices = extent_choices(site)
    assert [value for value, _ in choices] == values
    assert all(label for _, label in choices)
    assert EXTENT_CHOICES[site] == choices


def test_every_site_has_extent_choices_and_every_choice_stages():
    assert set(EXTENT_CHOICES) == set(PrimarySite)
    for site, choices in EXTENT_CHOICES.items():
        for value, _ in choices:
            assert t_category(site, 1.0, value).category != "not staged"


@pytest.mark.parametrize(
    ("site", "extent", "message"),
    [
        param("stomach", "sphincter_of_oddi", "Unknown depth of invasion 'sphincter_of_oddi' for stomach."),
        param("pancreas", "serosa", "Unknown depth of invasion 'serosa' for pancreas."),
        param("colon", "deep", "Unknown depth of invasion 'deep' for colon."),
    ],
)
def test_unknown_extent_is_rejected(site, extent, message):
    with pytest.raises(ValueError, match=exactly(message)):
        t_category(site, 1.0, extent)
