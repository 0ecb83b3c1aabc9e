"""Suggested ICD-O-3.2 and ICD-10-CM codes (clinical reference, section 7)."""

import re

import pytest

from tumorboard.clinical.coding import Icd10Cm, Morphology, suggest_codes
from tumorboard.clinical.vocabularies import PrimarySite

param = pytest.param


@pytest.mark.parametrize(
    ("differentiation", "grade", "histology", "code"),
    [
        param("well", "G1", None, "8240/3", id="NET G1 -> 8240/3"),
        param("well", None, None, "8240/3", id="NET without grade -> 8240/3"),
        param("well", "not gradable", None, "8240/3", id="NET not gradable -> 8240/3"),
        param("well", "G2", None, "8249/3", id="NET G2 -> 8249/3"),
        param("unknown", "G3", None, "8249/3", id="NET G3 -> 8249/3"),
        param("well", "G3", "net", "8249/3", id="NET histology follows the grade"),
        param("poor", None, None, "8246/3", id="poorly differentiated -> NEC NOS"),
        param(None, "NEC", None, "8246/3", id="grade NEC -> NEC NOS"),
        param("poor", "NEC", "lcnec", "8013/3", id="LCNEC -> 8013/3"),
        param("poor", "NEC", "scnec", "8041/3", id="SCNEC -> 8041/3"),
        param("poor", None, "nec", "8246/3", id="NEC histology -> 8246/3"),
        param("well", "G2", "minen", "8154/3", id="MiNEN -> 8154/3"),
        param("well", "typical carcinoid", None, "8240/3", id="typical carcinoid -> 8240/3"),
        param("well", "atypical carcinoid", None, "8249/3", id="atypical carcinoid -> 8249/3"),
        param("poor", "high-grade (LCNEC/SCLC)", None, "8246/3", id="lung high grade -> 8246/3"),
    ],
)
def test_morphology(differentiation, grade, histology, code):
    result = suggest_codes("stomach", differentiation, grade, histology).morphology
    assert result.category == code
    assert result.rule.startswith("ICD-O-3.2: ")
    assert result.rule.endswith(f"is {code} ({Morphology(code).label}).")


PRIMARY_CODES = {
    "stomach": "C7A.092",
    "duodenum": "C7A.010",
    "ampulla": "C7A.098",
    "jejunum": "C7A.011",
    "ileum": "C7A.012",
    "appendix": "C7A.020",
    "colon": "C7A.029",
    "rectum": "C7A.026",
    "pancreas": "C25.4",
    "lung": "C7A.090",
    "thymus": "C7A.091",
    "thyroid": "C7A.098",
    "adrenal": "C7A.098",
    "unknown primary": "C7A.00",
    "other": "C7A.098",
}


@pytest.mark.parametrize(("site", "code"), PRIMARY_CODES.items(), ids=PRIMARY_CODES)
def test_primary_code_of_a_net(site, code):
    (primary,) = suggest_codes(site, "well", "G1").icd10
    assert primary.category == code
    assert primary.rule.startswith("ICD-10-CM: ")


def test_every_site_has_a_primary_code():
    assert set(PRIMARY_CODES) == set(PrimarySite)


@pytest.mark.parametrize("site", ["pancreas", "ileum", "lung", "unknown primary"])
def test_nec_is_c7a_1_at_any_site(site):
    (primary,) = suggest_codes(site, "poor", None).icd10
    assert primary.category == Icd10Cm.C7A_1 == "C7A.1"


@pytest.mark.parametrize(
    ("metastatic_site", "code"),
    [
        param("distant_nodes", "C7B.01", id="distant nodes"),
        param("liver", "C7B.02", id="liver"),
        param("bone", "C7B.03", id="bone"),
        param("peritoneum", "C7B.04", id="peritoneum"),
        param("lung", "C7B.09", id="lung"),
        param("brain", "C7B.09", id="brain"),
        param("other", "C7B.09", id="other"),
    ],
)
def test_secondary_codes(metastatic_site, code):
    primary, secondary = suggest_codes("ileum", "well", "G2", metastatic_sites=[metastatic_site]).icd10
    assert primary.category == "C7A.012"
    assert secondary.category == code


def test_secondaries_come_once_per_code_in_vocabulary_order():
    codes = suggest_codes("ileum", "well", "G2", metastatic_sites=["brain", "bone", "lung", "liver"]).icd10
    assert [result.category for result in codes] == ["C7A.012", "C7B.02", "C7B.03", "C7B.09"]
    assert codes[-1].rule == (
        "ICD-10-CM: NET metastasis to lung, brain is C7B.09 (Secondary carcinoid tumours of other sites)."
    )


def test_nec_metastases_get_no_carcinoid_secondary_code():
    (primary,) = suggest_codes("pancreas", "poor", None, metastatic_sites=["liver"]).icd10
    assert "C7B.0x" in primary.note


def test_minen_has_no_icd10_suggestion_and_says_why():
    codes = suggest_codes("colon", "well", "G2", "minen", ["liver"])
    assert codes.icd10 == ()
    assert "organ's carcinoma code" in codes.morphology.note


def test_carcinoid_syndrome_adds_e34_00():
    codes = suggest_codes("ileum", "well", "G1", functional_syndrome="carcinoid_syndrome").icd10
    assert [result.category for result in codes] == ["C7A.012", "E34.00"]
    assert "E34.0" in codes[-1].note


@pytest.mark.parametrize(
    ("site", "note"),
    [
        param("pancreas", "C25.4", id="pancreas: C7A excludes islet cell tumours"),
        param("colon", "C7A.021", id="colon: segment codes"),
        param("ampulla", "C7A.010", id="ampulla: no own code"),
    ],
)
def test_site_notes(site, note):
    (primary,) = suggest_codes(site, "well", "G1").icd10
    assert note in primary.note


def test_inputs_are_shown():
    codes = suggest_codes("ileum", "well", "G2", metastatic_sites=["liver"])
    assert dict(codes.morphology.inputs) == {
        "site": "ileum",
        "differentiation": "well",
        "grade": "G2",
        "histology": None,
        "metastatic_sites": ("liver",),
        "functional_syndrome": None,
    }


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        param(("spleen", "well", "G1"), "Unknown primary site 'spleen'.", id="unknown site"),
        param(("ileum", "well", "G4"), "Unknown grade 'G4'.", id="unknown grade"),
        param(("ileum", "well", "G1", "adenoma"), "Unknown histology 'adenoma'.", id="unknown histology"),
        param(
            ("ileum", "well", "G1", None, ["skin"]),
            "Unknown metastatic site 'skin'.",
            id="unknown metastasis",
        ),
    ],
)
def test_unknown_input_is_rejected(arguments, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        suggest_codes(*arguments)


def test_code_vocabularies_have_labels():
    for code in [*Morphology, *Icd10Cm]:
        assert code.label
