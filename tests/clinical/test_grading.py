"""WHO grading (clinical reference, section 1): every threshold at and on either side of its edge."""

import math
import re

import pytest

from tumorboard.clinical.grading import Grade, LungCategory, lung_category, per_2mm2, who_grade


@pytest.mark.parametrize(
    ("ki67", "grade", "disputed"),
    [
        pytest.param(0, Grade.G1, False, id="ki67 0 -> G1"),
        pytest.param(1.99, Grade.G1, False, id="ki67 1.99 -> G1"),
        pytest.param(2, Grade.G1, False, id="ki67 2 -> G1 (WHO 2010 and 2019 agree)"),
        pytest.param(2.01, Grade.G1, True, id="ki67 2.01 -> G1, disputed"),
        pytest.param(2.5, Grade.G1, True, id="ki67 2.5 -> G1, disputed"),
        pytest.param(2.99, Grade.G1, True, id="ki67 2.99 -> G1, disputed"),
        pytest.param(3, Grade.G2, False, id="ki67 3 -> G2"),
        pytest.param(3.01, Grade.G2, False, id="ki67 3.01 -> G2"),
        pytest.param(19.99, Grade.G2, False, id="ki67 19.99 -> G2"),
        pytest.param(20, Grade.G2, False, id="ki67 20 -> G2"),
        pytest.param(20.01, Grade.G3, False, id="ki67 20.01 -> G3"),
        pytest.param(100, Grade.G3, False, id="ki67 100 -> G3"),
    ],
)
def test_ki67_thresholds(ki67, grade, disputed):
    result = who_grade(ki67, None, "well")
    assert result.category == grade
    assert result.disputed is disputed
    assert (result.disputed_reason is not None) is disputed
    assert "WHO 2019" in result.rule


@pytest.mark.parametrize(
    ("mitoses", "grade"),
    [
        pytest.param(0, Grade.G1, id="0 mitoses -> G1"),
        pytest.param(1.9, Grade.G1, id="1.9 mitoses -> G1"),
        pytest.param(2, Grade.G2, id="2 mitoses -> G2"),
        pytest.param(2.1, Grade.G2, id="2.1 mitoses -> G2"),
        pytest.param(20, Grade.G2, id="20 mitoses -> G2"),
        pytest.param(20.2, Grade.G3, id="20.2 mitoses -> G3"),
        pytest.param(21, Grade.G3, id="21 mitoses -> G3"),
    ],
)
def test_mitotic_thresholds(mitoses, grade):
    result = who_grade(None, mitoses, "well")
    assert result.category == grade
    assert not result.disputed
    assert result.note == "Ki-67 not given: graded on the mitotic count alone."


@pytest.mark.parametrize(
    ("ki67", "mitoses", "grade", "disputed"),
    [
        pytest.param(1, 5, Grade.G2, False, id="mitoses G2 beat Ki-67 G1"),
        pytest.param(25, 1, Grade.G3, False, id="Ki-67 G3 beats mitoses G1"),
        pytest.param(10, 25, Grade.G3, False, id="mitoses G3 beat Ki-67 G2"),
        pytest.param(15, 15, Grade.G2, False, id="both G2"),
        pytest.param(2.5, 5, Grade.G2, False, id="disputed Ki-67 does not matter when mitoses give G2"),
        pytest.param(2.5, 1, Grade.G1, True, id="disputed Ki-67 decides when mitoses give G1"),
    ],
)
def test_the_higher_grade_wins(ki67, mitoses, grade, disputed):
    result = who_grade(ki67, mitoses, "well")
    assert result.category == grade
    assert result.disputed is disputed
    assert result.rule.endswith("the higher grade wins.")
    assert result.note is None


@pytest.mark.parametrize(
    ("ki67", "mitoses"),
    [
        pytest.param(None, None, id="no indices"),
        pytest.param(1, 0, id="low indices"),
        pytest.param(2.5, None, id="Ki-67 in the disputed gap"),
        pytest.param(80, 40, id="typical NEC indices"),
    ],
)
def test_poor_differentiation_is_nec_whatever_the_indices(ki67, mitoses):
    result = who_grade(ki67, mitoses, "poor")
    assert result.category == Grade.NEC == "NEC"
    assert not result.disputed
    assert "poorly differentiated" in result.rule


def test_nec_with_a_low_index_asks_for_a_second_look():
    assert "p53" in who_grade(10, None, "poor").note
    assert who_grade(80, 40, "poor").note is None


@pytest.mark.parametrize("differentiation", ["well", "unknown", None])
def test_no_index_is_not_gradable(differentiation):
    result = who_grade(None, None, differentiation)
    assert result.category == "not gradable"
    assert "neither was given" in result.rule


@pytest.mark.parametrize("differentiation", ["unknown", None, ""])
def test_unknown_differentiation_is_graded_as_net_and_says_morphology_decides(differentiation):
    result = who_grade(30, None, differentiation)
    assert result.category == Grade.G3
    assert "morphology decides NET G3 versus NEC" in result.note
    assert result.inputs["differentiation"] == "unknown"


def test_result_shows_its_inputs():
    result = who_grade(4, 1.5, "well")
    assert dict(result.inputs) == {"ki67_percent": 4, "mitoses_per_2mm2": 1.5, "differentiation": "well"}
    assert result.rule == (
        "WHO 2019 digestive system: Ki-67 3–20% is G2; <2 mitoses per 2 mm² is G1; the higher grade wins."
    )


@pytest.mark.parametrize(
    ("ki67", "mitoses", "differentiation", "message"),
    [
        pytest.param(-0.1, None, "well", "Ki-67 must be between 0 and 100 %.", id="Ki-67 below 0"),
        pytest.param(100.1, None, "well", "Ki-67 must be between 0 and 100 %.", id="Ki-67 above 100"),
        pytest.param(math.nan, None, "well", "Ki-67 must be between 0 and 100 %.", id="Ki-67 NaN"),
        pytest.param(None, -1, "well", "Mitoses per 2 mm² cannot be negative.", id="negative mitoses"),
        pytest.param(
            5, None, "moderate", "Unknown differentiation 'moderate'.", id="unknown differentiation"
        ),
    ],
)
def test_impossible_input_is_rejected(ki67, mitoses, differentiation, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        who_grade(ki67, mitoses, differentiation)


@pytest.mark.parametrize(
    ("count", "area", "per_2"),
    [
        pytest.param(10, 10, 2, id="CAP: 10 in 10 mm² -> 2"),
        pytest.param(7, 10, 1.4, id="7 in 10 mm² -> 1.4"),
        pytest.param(3, 2, 3, id="already per 2 mm²"),
        pytest.param(0, 10, 0, id="none"),
    ],
)
def test_per_2mm2(count, area, per_2):
    assert per_2mm2(count, area) == pytest.approx(per_2)


def test_per_2mm2_defaults_to_the_cap_area():
    assert per_2mm2(15) == 3


@pytest.mark.parametrize(
    ("count", "area", "message"),
    [
        pytest.param(-1, 10, "The mitotic count cannot be negative.", id="negative count"),
        pytest.param(5, 0, "The area counted must be greater than 0 mm².", id="zero area"),
    ],
)
def test_per_2mm2_rejects_impossible_input(count, area, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        per_2mm2(count, area)


@pytest.mark.parametrize(
    ("mitoses", "necrosis", "category", "disputed"),
    [
        pytest.param(0, False, LungCategory.TYPICAL, False, id="0 mitoses, no necrosis -> typical"),
        pytest.param(1.9, False, LungCategory.TYPICAL, False, id="1.9 mitoses -> typical"),
        pytest.param(2, False, LungCategory.ATYPICAL, False, id="2 mitoses -> atypical"),
        pytest.param(1, True, LungCategory.ATYPICAL, False, id="necrosis -> atypical"),
        pytest.param(9.9, False, LungCategory.ATYPICAL, False, id="9.9 mitoses -> atypical"),
        pytest.param(10, False, LungCategory.ATYPICAL, True, id="10 mitoses -> atypical, disputed"),
        pytest.param(
            10, True, LungCategory.ATYPICAL, True, id="10 mitoses with necrosis -> atypical, disputed"
        ),
        pytest.param(10.1, False, LungCategory.HIGH_GRADE, False, id="10.1 mitoses -> high grade"),
        pytest.param(11, True, LungCategory.HIGH_GRADE, False, id="11 mitoses -> high grade"),
        pytest.param(
            5, None, LungCategory.ATYPICAL, False, id="necrosis unknown does not matter at 5 mitoses"
        ),
        pytest.param(1, None, LungCategory.NOT_CLASSIFIABLE, False, id="necrosis unknown at <2 mitoses"),
        pytest.param(None, True, LungCategory.NOT_CLASSIFIABLE, False, id="no mitotic count"),
    ],
)
def test_lung_category(mitoses, necrosis, category, disputed):
    result = lung_category(mitoses, necrosis)
    assert result.category == category
    assert result.disputed is disputed
    assert "WHO 2015/2021" in result.rule


def test_lung_categories_compare_equal_to_their_names():
    assert lung_category(0, False).category == "typical carcinoid"
    assert lung_category(5, False).category == "atypical carcinoid"
    assert lung_category(50, False).category == "high-grade (LCNEC/SCLC)"


def test_typical_carcinoid_mentions_the_size_criterion():
    assert "0.5 cm" in lung_category(0, False).note


def test_lung_category_rejects_negative_mitoses():
    with pytest.raises(ValueError, match="Mitoses per 2 mm² cannot be negative."):
        lung_category(-1, False)
