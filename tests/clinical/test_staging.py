"""AJCC 8 TNM staging of NETs (clinical reference, section 2): N (with N2 for the small bowel), M1a/b/c,
stage groups per site family, the combined ``stage``, and what is not staged. T is in test_t_category."""

import re

import pytest

from tumorboard.clinical import staging
from tumorboard.clinical.staging import (
    MCategory,
    NCategory,
    StageGroup,
    TCategory,
    is_staged_with_net_tables,
    m_category,
    n_category,
    stage,
    stage_group,
    t_category,
)

param = pytest.param
T, N, M, S = TCategory, NCategory, MCategory, StageGroup

GEP_SITES = ["stomach", "duodenum", "ampulla", "jejunum", "ileum", "appendix", "pancreas"]
UNSTAGED_SITES = ["thyroid", "adrenal", "unknown primary", "other"]


def exactly(message):
    return f"^{re.escape(message)}$"


@pytest.mark.parametrize("site", UNSTAGED_SITES)
def test_sites_without_a_net_table_are_not_staged(site):
    results = [
        t_category(site, 2.0, None),
        n_category(site, 1),
        m_category(["liver"], site=site),
        stage_group(site, "T1", "N0", "M0"),
    ]
    for result in results:
        assert result.category == "not staged"
        assert result.rule.startswith("Not staged: ")
        assert len(result.rule) > len("Not staged: ") + 20


@pytest.mark.parametrize(
    ("function", "arguments", "message"),
    [
        param(t_category, ("spleen", 1, None), "Unknown primary site 'spleen'.", id="unknown site"),
        param(
            t_category, ("Stomach", 1, None), "Unknown primary site 'Stomach'.", id="site is case-sensitive"
        ),
        param(
            t_category, ("stomach", -1, None), "Tumour size must be greater than 0 cm.", id="negative size"
        ),
        param(t_category, ("stomach", 0, None), "Tumour size must be greater than 0 cm.", id="zero size"),
        param(
            n_category,
            ("stomach", -1),
            "The number of positive nodes must be a whole number, 0 or more.",
            id="negative nodes",
        ),
        param(
            n_category,
            ("stomach", 1.5),
            "The number of positive nodes must be a whole number, 0 or more.",
            id="fractional nodes",
        ),
        param(n_category, ("ileum", 0, -1), "The mesenteric mass cannot be negative.", id="negative mass"),
        param(m_category, (["spleen"],), "Unknown metastatic site 'spleen'.", id="unknown metastasis"),
        param(stage_group, ("stomach", "T5", "N0", "M0"), "Unknown T category 'T5'.", id="T5"),
        param(stage_group, ("colon", "T1", "N0", "MX"), "Unknown M category 'MX'.", id="MX"),
        param(
            stage_group,
            ("stomach", "T1a", "N0", "M0"),
            "T1a is not a T category for stomach.",
            id="stomach T1a",
        ),
        param(
            stage_group,
            ("stomach", "T1", "N2", "M0"),
            "N2 is not an N category for stomach.",
            id="stomach N2",
        ),
        param(stage_group, ("lung", "T1", "N0", "M0"), "T1 is not a T category for lung.", id="lung T1"),
    ],
)
def test_impossible_input_is_rejected(function, arguments, message):
    with pytest.raises(ValueError, match=exactly(message)):
        function(*arguments)


@pytest.mark.parametrize(
    ("site", "nodes", "mass", "n"),
    [
        param("stomach", 0, None, N.N0, id="stomach 0 -> N0"),
        param("stomach", 1, None, N.N1, id="stomach 1 -> N1"),
        param("pancreas", 15, None, N.N1, id="pancreas 15 -> N1"),
        param("colon", None, None, N.NX, id="unknown -> NX"),
        param("ileum", 0, None, N.N0, id="ileum 0 -> N0"),
        param("ileum", 1, None, N.N1, id="ileum 1 -> N1"),
        param("ileum", 11, None, N.N1, id="ileum 11 -> N1"),
        param("ileum", 12, None, N.N2, id="ileum 12 -> N2"),
        param("jejunum", 12, None, N.N2, id="jejunum 12 -> N2"),
        param("ileum", 3, 2.0, N.N1, id="mesenteric mass 2 cm -> N1"),
        param("ileum", 3, 2.1, N.N2, id="mesenteric mass 2.1 cm -> N2"),
        param("ileum", 0, 2.1, N.N2, id="mesenteric mass without nodes -> N2"),
        param("ileum", None, 3.0, N.N2, id="mesenteric mass, nodes unknown -> N2"),
        param("ileum", None, 1.0, N.NX, id="small mass, nodes unknown -> NX"),
        param("pancreas", 0, 3.0, N.N0, id="mesenteric mass ignored outside the small bowel"),
        param("lung", 0, None, N.N0, id="lung 0 -> N0"),
        param("lung", 2, None, N.NX, id="lung positive nodes: stations decide"),
        param("thymus", 0, None, N.N0, id="thymus 0 -> N0"),
        param("thymus", 1, None, N.NX, id="thymus positive nodes: stations decide"),
    ],
)
def test_n_category(site, nodes, mass, n):
    assert n_category(site, nodes, mass).category == n


def test_n_rules_name_their_table():
    assert (
        n_category("ileum", 12).rule == "AJCC 8 jejunum/ileum NET: 12 or more positive regional nodes is N2."
    )
    assert "stations" in n_category("lung", 2).rule
    assert n_category("pancreas", 0, 3.0).note == "A mesenteric mass changes N only for jejunum and ileum."


@pytest.mark.parametrize(
    ("sites", "m"),
    [
        param([], M.M0, id="none -> M0"),
        param(["liver"], M.M1A, id="liver only -> M1a"),
        param(["liver", "liver"], M.M1A, id="liver twice -> M1a"),
        param(["bone"], M.M1B, id="bone -> M1b"),
        param(["lung", "peritoneum"], M.M1B, id="lung and peritoneum -> M1b"),
        param(["distant_nodes"], M.M1B, id="distant nodes -> M1b"),
        param(["brain"], M.M1B, id="brain -> M1b"),
        param(["other"], M.M1B, id="other -> M1b"),
        param(["liver", "bone"], M.M1C, id="liver and bone -> M1c"),
        param(["peritoneum", "liver", "distant_nodes"], M.M1C, id="liver and two others -> M1c"),
    ],
)
def test_m_category(sites, m):
    assert m_category(sites).category == m
    assert m_category(sites, site="ileum").category == m


def test_m_rule_names_the_extrahepatic_sites():
    assert m_category(["bone", "liver"]).rule == (
        "AJCC 8 GEP NET: metastasis to the liver and at least one extrahepatic site (bone) is M1c."
    )
    assert m_category(["liver", "bone"]).inputs["metastatic_sites"] == ("liver", "bone")


@pytest.mark.parametrize(
    ("sites", "m"),
    [
        param([], M.M0, id="none -> M0"),
        param(["lung"], M.M1A, id="contralateral lung -> M1a"),
        param(["pleura_pericardium"], M.M1A, id="pleural or pericardial -> M1a"),
        param(["lung", "pleura_pericardium"], M.M1A, id="both intrathoracic -> M1a"),
        param(["liver"], M.M1, id="one extrathoracic organ: M1b or M1c"),
        param(["distant_nodes"], M.M1, id="non-regional node: M1b or M1c"),
        param(["lung", "bone"], M.M1, id="intrathoracic and one organ: M1b or M1c"),
        param(["liver", "bone"], M.M1C, id="two extrathoracic organs -> M1c"),
        param(["brain", "liver", "lung"], M.M1C, id="several organs -> M1c"),
        param(["other"], M.M1, id="other: M1a, M1b or M1c"),
        param(["other", "liver", "bone"], M.M1C, id="other and two organs -> M1c"),
    ],
)
def test_lung_m_category(sites, m):
    assert m_category(sites, site="lung").category == m


def test_lung_m_says_what_is_missing():
    result = m_category(["liver"], site="lung")
    assert result.rule == (
        "AJCC 8 lung: metastasis to one extrathoracic organ (liver) is M1b or M1c; the number of "
        "metastases in that organ decides, and the case does not record it."
    )
    assert "M1a or M1b or M1c" in m_category(["other"], site="lung").rule
    assert "contralateral lung" in m_category(["lung"], site="lung").note
    assert m_category(["liver"], site="lung").note is None


@pytest.mark.parametrize(
    ("sites", "m"),
    [
        param([], M.M0, id="none -> M0"),
        param(["pleura_pericardium"], M.M1A, id="pleural or pericardial nodules -> M1a"),
        param(["lung"], M.M1B, id="lung parenchyma -> M1b"),
        param(["liver"], M.M1B, id="distant organ -> M1b"),
        param(["pleura_pericardium", "bone"], M.M1B, id="both -> M1b"),
        param(["other"], M.M1, id="other: M1a or M1b"),
        param(["other", "liver"], M.M1B, id="other and an organ -> M1b"),
    ],
)
def test_thymus_m_category(sites, m):
    assert m_category(sites, site="thymus").category == m


GEP_STAGES = [
    ("T1", "N0", "M0", S.I),
    ("T2", "N0", "M0", S.II),
    ("T3", "N0", "M0", S.II),
    ("T4", "N0", "M0", S.III),
    ("T1", "N1", "M0", S.III),
    ("T4", "N1", "M0", S.III),
    ("T1", "N0", "M1a", S.IV),
    ("T2", "N1", "M1b", S.IV),
    ("T4", "N0", "M1c", S.IV),
    ("T1", "N0", "M1", S.IV),
]


@pytest.mark.parametrize(
    ("site", "t", "n", "m", "group"),
    [
        param(site, *row, id=f"{site} {' '.join(row[:3])} -> {row[3]}")
        for site in GEP_SITES
        for row in GEP_STAGES
    ],
)
def test_gep_stage_groups(site, t, n, m, group):
    result = stage_group(site, t, n, m)
    assert result.category == group
    assert not result.disputed


@pytest.mark.parametrize("site", ["jejunum", "ileum"])
def test_small_bowel_n2_is_stage_iii(site):
    assert stage_group(site, "T2", "N2", "M0").category == S.III


@pytest.mark.parametrize(
    ("t", "n", "m", "group"),
    [
        param("T1", "N0", "M0", S.I, id="T1 N0 -> I"),
        param("T1a", "N0", "M0", S.I, id="T1a N0 -> I"),
        param("T1b", "N0", "M0", S.I, id="T1b N0 -> I"),
        param("T2", "N0", "M0", S.IIA, id="T2 N0 -> IIA"),
        param("T3", "N0", "M0", S.IIB, id="T3 N0 -> IIB"),
        param("T4", "N0", "M0", S.IIIA, id="T4 N0 -> IIIA"),
        param("T1", "N1", "M0", S.IIIB, id="T1 N1 -> IIIB"),
        param("T4", "N1", "M0", S.IIIB, id="T4 N1 -> IIIB"),
        param("T2", "N1", "M1a", S.IV, id="M1a -> IV"),
    ],
)
@pytest.mark.parametrize("site", ["colon", "rectum"])
def test_colorectal_stage_groups(site, t, n, m, group):
    assert stage_group(site, t, n, m).category == group


def test_lung_t1mi_is_staged_only_as_n0():
    assert stage_group("lung", "T1mi", "N0", "M0").category == S.IA1
    assert stage_group("lung", "T1mi", "N0", "M1c").category == S.IVB
    result = stage_group("lung", "T1mi", "N1", "M0")
    assert result.category == S.NOT_STAGED
    assert "T1mi" in result.rule and "AJCC 8" in result.rule


@pytest.mark.parametrize(
    ("site", "t", "n", "m", "group"),
    [
        param("stomach", "TX", "N1", "M0", S.III, id="TX N1: III whatever T"),
        param("stomach", "T4", "NX", "M0", S.III, id="T4 NX: III whatever N"),
        param("pancreas", "TX", "NX", "M1a", S.IV, id="TX NX M1: IV"),
        param("colon", "TX", "N1", "M0", S.IIIB, id="colon TX N1: IIIB"),
        param("stomach", "T1", "NX", "M0", S.UNKNOWN, id="T1 NX: I or III"),
        param("colon", "T4", "NX", "M0", S.UNKNOWN, id="colon T4 NX: IIIA or IIIB"),
        param("lung", "TX", "N0", "M0", S.UNKNOWN, id="lung TX N0"),
        param("lung", "T3", "NX", "M0", S.UNKNOWN, id="lung T3 NX: IIB to IIIC"),
        param("lung", "TX", "NX", "M1a", S.IVA, id="lung TX NX M1a: IVA"),
        param("lung", "T2a", "N1", "M1", S.UNKNOWN, id="lung plain M1: IVA or IVB"),
        param("thymus", "TX", "N1", "M0", S.IVA, id="thymus TX N1: IVA"),
        param("thymus", "T1a", "NX", "M0", S.UNKNOWN, id="thymus T1a NX: I, IVA or IVB"),
    ],
)
def test_stage_with_an_unknown_category(site, t, n, m, group):
    assert stage_group(site, t, n, m).category == group


def test_unknown_stage_lists_the_possibilities_and_the_ajcc_v9_rule():
    result = stage_group("stomach", "T1", "NX", "M0")
    assert "could be stage I or III" in result.rule
    assert result.note == "AJCC version 9 (2023–24) groups T1 NX M0 as stage I for this site."
    assert stage_group("pancreas", "T1", "NX", "M0").note is None


def test_stage_rule_quotes_the_row():
    assert stage_group("pancreas", "T2", "N0", "M0").rule == (
        "AJCC 8 NET stage groups (stomach, duodenum/ampulla, jejunum/ileum, appendix, pancreas): "
        "T2–T3 N0 M0 is stage II."
    )


def test_pancreas_2_5_cm_n0_m0_is_t2_stage_ii():
    result = stage("pancreas", 2.5, "limited_to_pancreas", 0, None, (), "well")
    assert (result.t.category, result.n.category, result.m.category) == ("T2", "N0", "M0")
    assert result.stage.category == "II"
    assert not result.disputed


def test_pancreas_2_cm_staging_is_disputed_through_its_t():
    result = stage("pancreas", 2.0, "limited_to_pancreas", 0, None, (), "well")
    assert result.t.category == T.T2
    assert result.stage.category == S.II
    assert result.disputed


def test_stage_of_a_metastatic_ileal_net():
    result = stage("ileum", 1.8, "subserosa", 14, 3.0, ["liver", "peritoneum"], "well")
    assert [result.t.category, result.n.category, result.m.category, result.stage.category] == [
        "T3",
        "N2",
        "M1c",
        "IV",
    ]


@pytest.mark.parametrize(
    ("differentiation", "histology"),
    [
        param("poor", None, id="poorly differentiated"),
        param("well", "minen", id="MiNEN"),
        param(None, "lcnec", id="LCNEC"),
        param("unknown", "nec", id="NEC histology"),
    ],
)
def test_nec_and_minen_are_not_staged_with_net_tables(differentiation, histology):
    assert not is_staged_with_net_tables(differentiation, histology)
    result = stage("colon", 1.5, "submucosa", 0, None, (), differentiation, histology)
    for part in (result.t, result.n, result.m, result.stage):
        assert part.category == "not staged"
        assert "organ's carcinoma chapter (WHO 2019" in part.rule


@pytest.mark.parametrize(
    ("differentiation", "histology"),
    [param("well", None), param("well", "net"), param("unknown", None), param(None, None)],
)
def test_nets_are_staged_with_net_tables(differentiation, histology):
    assert is_staged_with_net_tables(differentiation, histology)


def test_stage_notes_unknown_differentiation():
    result = stage("stomach", 0.8, "submucosa", 0, None, (), None)
    assert result.stage.category == S.I
    assert "Differentiation not recorded" in result.stage.note


@pytest.mark.parametrize("site", UNSTAGED_SITES)
def test_stage_of_a_site_without_a_table(site):
    result = stage(site, 2.0, None, 1, None, ["liver"], "well")
    assert {part.category for part in (result.t, result.n, result.m, result.stage)} == {"not staged"}


def test_lung_with_positive_nodes_is_grouped_over_the_stations():
    result = stage("lung", 1.5, "lung_confined", 2, None, (), "well")
    assert result.t.category == T.T1B
    assert result.n.category == N.NX
    assert result.stage.category == S.UNKNOWN
    assert result.stage.rule == (
        "AJCC 8 lung stage groups (IASLC 8th edition, Goldstraw 2016): T1b NX M0 could be stage IIB or "
        "IIIA or IIIB; it depends on the stations of the positive nodes."
    )


def test_lung_with_positive_nodes_and_m1c_is_ivb_whatever_the_stations():
    result = stage("lung", 1.5, "lung_confined", 2, None, ("liver", "bone"), "well")
    assert result.stage.category == S.IVB


def test_lung_with_one_extrathoracic_organ_names_the_missing_count():
    result = stage("lung", 1.5, "lung_confined", 0, None, ("liver",), "well")
    assert result.m.category == M.M1
    assert result.stage.category == S.UNKNOWN
    assert "IVA or IVB" in result.stage.rule
    assert "where and how many the metastases are" in result.stage.rule


def test_thymic_carcinoid_is_staged():
    result = stage("thymus", 3.0, "pericardium", 0, None, (), "well")
    assert (result.t.category, result.n.category, result.m.category) == (T.T2, N.N0, M.M0)
    assert result.stage.category == S.II
    assert "size does not change T" in result.t.rule
    assert stage("thymus", 3.0, None, 0, None, (), "well").t.category == T.TX


def test_stage_validates_its_input_even_for_nec():
    with pytest.raises(ValueError, match=exactly("Tumour size must be greater than 0 cm.")):
        stage("colon", -1, None, 0, None, (), "poor")


def test_module_exports():
    assert set(staging.__all__) <= set(dir(staging))
