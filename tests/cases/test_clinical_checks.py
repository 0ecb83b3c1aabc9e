"""Clinical plausibility checks added after review: lung readiness, Krenning against uptake, a missing T
is not a disagreement, and submission to a board the submitter has left."""

from datetime import date, timedelta

import pytest

from tumorboard.cases import finding_operations, operations
from tumorboard.cases.summary import summarise
from tumorboard.errors import OperationError
from tumorboard.extensions import db


@pytest.mark.parametrize(
    ("site", "pathology", "expected"),
    [
        ("lung", {"ki67_percent": 12.0, "mitoses_per_2mm2": None}, "Pathology with the mitotic count"),
        ("lung", {"ki67_percent": None, "mitoses_per_2mm2": 3.0}, None),
        ("thymus", {"ki67_percent": 5.0, "mitoses_per_2mm2": None}, "Pathology with the mitotic count"),
        ("pancreas", {"ki67_percent": None, "mitoses_per_2mm2": 3.0}, "Pathology with Ki-67"),
        ("pancreas", {"ki67_percent": 4.0, "mitoses_per_2mm2": None}, None),
    ],
)
def test_lung_and_thymus_are_ready_with_mitoses_not_ki67(
    draft, submitter, create_pathology, site, pathology, expected
):
    draft.primary_site, draft.extent = site, None
    create_pathology(draft, created_by=submitter, **pathology)
    missing = [str(m) for m in operations.readiness(draft) if str(m).startswith("Pathology")]
    assert missing[0].startswith(expected) if expected else missing == []


@pytest.mark.parametrize(("krenning", "uptake"), [("3", "no"), ("0", "yes")])
def test_krenning_score_and_uptake_must_agree(draft, submitter, krenning, uptake):
    with pytest.raises(OperationError) as refused:
        finding_operations.add_finding(
            submitter,
            draft,
            "imaging",
            {
                "study_date": date.today() - timedelta(days=3),
                "modality": "sstr_pet_ct",
                "krenning_score": krenning,
                "uptake_positive": uptake,
            },
        )
    assert refused.value.field == "uptake_positive" and "Krenning score" in refused.value.message
    assert draft.imaging == []


def test_reported_pt_against_a_t_the_app_cannot_compute_is_no_disagreement(
    draft, submitter, create_pathology
):
    draft.extent = None  # size alone cannot decide T for this tumour: TX
    create_pathology(draft, created_by=submitter, reported_tnm="pT2 pN0")
    summary = summarise(draft)
    assert str(summary.staging.t.category) == "TX"
    assert not [f for f in summary.flags if f.kind == "disagreement" and "reported T" in f.message]


def test_reported_pt_that_differs_is_flagged(draft, submitter, create_pathology):
    create_pathology(draft, created_by=submitter, reported_tnm="pT3 pN0", reported_grade="G2")
    flags = [f.message for f in summarise(draft).flags if f.kind == "disagreement"]
    assert any("reported T3" in message and "T2" in message for message in flags)


def test_submitting_to_a_board_one_has_left_is_refused(draft, submitter):
    for membership in list(submitter.memberships):
        db.session.delete(membership)
    db.session.flush()
    db.session.expire(submitter, ["memberships"])
    with pytest.raises(OperationError, match="This board no longer takes your cases"):
        operations.submit_case(submitter, draft, expected_version=draft.version, override_reason="x")
    assert draft.status == "draft"
