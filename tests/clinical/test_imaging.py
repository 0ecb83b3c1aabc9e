"""Imaging scores (clinical reference, section 4): RECIST 1.1, Krenning and NETPET."""

import re

import pytest

from tumorboard.clinical.imaging import (
    KRENNING,
    KrenningUptake,
    NetpetGrade,
    Response,
    krenning,
    krenning_uptake_disagreement,
    netpet,
    recist_response,
)

param = pytest.param


def exactly(message):
    return f"^{re.escape(message)}$"


@pytest.mark.parametrize(
    ("baseline", "nadir", "current", "new_lesions", "response"),
    [
        param(100, 100, 70, False, Response.PR, id="exactly 30% fall -> PR"),
        param(100, 100, 69.9, False, Response.PR, id="30.1% fall -> PR"),
        param(100, 100, 70.1, False, Response.SD, id="29.9% fall -> SD"),
        param(33.3, 33.3, 23.31, False, Response.PR, id="exactly 30% of a decimal sum -> PR"),
        param(50, 25, 30, False, Response.PD, id="exactly 20% and 5 mm over the nadir -> PD"),
        param(30, 25, 29.9, False, Response.SD, id="19.6% and 4.9 mm over the nadir -> SD"),
        param(20, 20, 24, False, Response.SD, id="exactly 20% but 4 mm over the nadir -> SD"),
        param(100, 50, 59.9, False, Response.PR, id="19.8% over the nadir, 40% under baseline -> PR"),
        param(100, 50, 60, False, Response.PD, id="20% and 10 mm over the nadir -> PD"),
        param(100, 60, 65, False, Response.PR, id="5 mm but 8% over the nadir -> PR"),
        param(100, 100, 100, False, Response.SD, id="unchanged -> SD"),
        param(100, 100, 119, False, Response.SD, id="19% over the nadir -> SD"),
        param(100, 100, 0, False, Response.CR, id="sum 0 -> CR"),
        param(100, 100, 50, True, Response.PD, id="new lesion -> PD"),
        param(100, 100, 0, True, Response.PD, id="new lesion despite sum 0 -> PD"),
        param(100, 0, 3, False, Response.PD, id="reappearance after CR -> PD"),
    ],
)
def test_recist_response(baseline, nadir, current, new_lesions, response):
    result = recist_response(baseline, nadir, current, new_lesions)
    assert result.category == response
    assert not result.disputed
    assert result.rule.startswith("RECIST 1.1 (Eisenhauer 2009): ")


def test_recist_rules_show_the_change():
    assert "changed -30.0% from baseline" in recist_response(100, 100, 70).rule
    assert "rose 5 mm (+20.0%) over the nadir" in recist_response(50, 25, 30).rule


def test_cr_rule_states_the_nodal_caveat():
    assert "every node below 10 mm short axis" in recist_response(40, 40, 0).rule


def test_a_small_relative_rise_is_explained():
    assert "less than the 5 mm" in recist_response(20, 20, 24).note
    assert recist_response(100, 100, 100).note is None


def test_recist_inputs():
    assert dict(recist_response(100, 80, 90, False).inputs) == {
        "baseline_sum_mm": 100,
        "nadir_sum_mm": 80,
        "current_sum_mm": 90,
        "new_lesions": False,
    }


@pytest.mark.parametrize(
    ("baseline", "nadir", "current", "message"),
    [
        param(100, 100, -1, "Sums of diameters cannot be negative.", id="negative current"),
        param(-5, 0, 0, "Sums of diameters cannot be negative.", id="negative baseline"),
        param(0, 0, 0, "The baseline sum must be greater than 0 mm.", id="zero baseline"),
        param(50, 60, 60, "The nadir sum cannot exceed the baseline sum.", id="nadir above baseline"),
    ],
)
def test_recist_rejects_impossible_sums(baseline, nadir, current, message):
    with pytest.raises(ValueError, match=exactly(message)):
        recist_response(baseline, nadir, current, False)


@pytest.mark.parametrize(
    ("score", "uptake", "eligible", "disputed"),
    [
        param(0, KrenningUptake.NONE, False, False, id="0 none"),
        param(1, KrenningUptake.MUCH_LOWER_THAN_LIVER, False, False, id="1 below liver"),
        param(2, KrenningUptake.UP_TO_LIVER, False, True, id="2 up to liver: disputed"),
        param(3, KrenningUptake.ABOVE_LIVER, True, False, id="3 above liver: eligible under every reading"),
        param(4, KrenningUptake.ABOVE_SPLEEN, True, False, id="4 above spleen"),
    ],
)
def test_krenning(score, uptake, eligible, disputed):
    result = krenning(score)
    assert result.category == uptake
    assert result.score == score
    assert result.prrt_eligible is eligible
    assert result.disputed is disputed
    assert result.rule.startswith(f"{KRENNING}: {score} is {uptake}")


def test_krenning_2_explains_the_dispute_and_eligible_scores_list_the_other_criteria():
    assert "≥2 and ≥3" in krenning(2).disputed_reason
    assert "Karnofsky" in krenning(3).note
    assert krenning(2).note is None


@pytest.mark.parametrize("score", [7, 5, -1, 2.5, None, "3"])
def test_krenning_rejects_scores_outside_0_to_4(score):
    with pytest.raises(ValueError, match=exactly("Krenning score must be 0, 1, 2, 3 or 4.")):
        krenning(score)


@pytest.mark.parametrize(
    ("sstr", "fdg", "comparison", "grade"),
    [
        param(False, False, None, NetpetGrade.P0, id="SSTR- FDG- -> P0"),
        param(True, False, None, NetpetGrade.P1, id="SSTR+ FDG- -> P1"),
        param(True, True, "lower", NetpetGrade.P2, id="FDG < SSTR -> P2"),
        param(True, True, "equal", NetpetGrade.P3, id="FDG = SSTR -> P3"),
        param(True, True, "higher", NetpetGrade.P4, id="FDG > SSTR -> P4"),
        param(False, True, None, NetpetGrade.P5, id="SSTR- FDG+ -> P5"),
    ],
)
def test_netpet(sstr, fdg, comparison, grade):
    result = netpet(sstr, fdg, comparison)
    assert result.category == grade == str(grade)
    assert result.rule.startswith("NETPET (Chan, Theranostics 2017): ")


@pytest.mark.parametrize(
    ("sstr", "fdg", "comparison", "message"),
    [
        param(
            True,
            True,
            None,
            "If both scans are positive, compare FDG with SSTR uptake (lower, equal or higher).",
            id="comparison missing",
        ),
        param(
            True,
            False,
            "higher",
            "FDG and SSTR uptake are compared only when both scans are positive.",
            id="comparison without FDG uptake",
        ),
        param(
            None, True, None, "NETPET needs the result of both the SSTR and the FDG scan.", id="no SSTR scan"
        ),
        param(True, True, "brighter", "Unknown FDG versus SSTR uptake 'brighter'.", id="unknown comparison"),
    ],
)
def test_netpet_rejects_incomplete_or_contradictory_input(sstr, fdg, comparison, message):
    with pytest.raises(ValueError, match=exactly(message)):
        netpet(sstr, fdg, comparison)


@pytest.mark.parametrize(
    ("score", "uptake_positive", "disagrees"),
    [
        param(0, True, True, id="0 with uptake positive"),
        param(1, True, True, id="1 with uptake positive"),
        param(2, True, False, id="2 with uptake positive: read either way"),
        param(3, True, False, id="3 with uptake positive"),
        param(4, True, False, id="4 with uptake positive"),
        param(0, False, False, id="0 with uptake negative"),
        param(1, False, False, id="1 with uptake negative"),
        param(2, False, False, id="2 with uptake negative: read either way"),
        param(3, False, True, id="3 with uptake negative"),
        param(4, False, True, id="4 with uptake negative"),
        param(4, None, False, id="uptake not stated"),
    ],
)
def test_krenning_score_against_the_uptake_statement(score, uptake_positive, disagrees):
    message = krenning_uptake_disagreement(score, uptake_positive)
    assert (message is not None) is disagrees
    if disagrees:
        assert f"Krenning {score}" in message
        assert ("uptake positive" if uptake_positive else "uptake negative") in message
        assert "Krenning et al. 1993/1994" in message
        assert "stand as entered" in message


def test_krenning_disagreement_refuses_an_impossible_score():
    with pytest.raises(ValueError, match=exactly("Krenning score must be 0, 1, 2, 3 or 4.")):
        krenning_uptake_disagreement(5, True)


def test_krenning_cites_the_published_scale():
    assert KRENNING.startswith("Krenning score (Krenning et al. 1993/1994")
