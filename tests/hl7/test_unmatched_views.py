"""The coordinator's work list of unmatched results: who sees which, matching and dismissing (audited
operations), bad input, the access log, the admin's message log."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import give_function, log_in
from tumorboard.audit.models import AccessEvent, AccessPage, AuditEvent
from tumorboard.auth.roles import Role
from tumorboard.cases.models import CaseStatus, LabResult
from tumorboard.extensions import db
from tumorboard.hl7.models import (
    AckCode,
    Hl7Message,
    MessageOutcome,
    UnmatchedReason,
    UnmatchedResult,
    UnmatchedStatus,
)

OBSERVED = date.today() - timedelta(days=4)


def hold(patient=None, **overrides) -> UnmatchedResult:
    message = Hl7Message(
        sending_application="GHH LAB",
        control_id=f"C-{uuid.uuid4().hex[:12]}",
        message_type="ORU^R01",
        outcome=MessageOutcome.HELD,
        ack_code=AckCode.AA,
        ack="MSH|...",
    )
    db.session.add(message)
    db.session.flush()
    item = UnmatchedResult(
        message_id=message.id,
        reason=overrides.pop("reason", UnmatchedReason.UNKNOWN_PATIENT),
        patient_id=patient.id if patient else None,
        mrn=overrides.pop("mrn", "999888"),
        family_name="EVERYWOMAN",
        given_name="EVE",
        code="9811-1",
        code_text="Chromogranin A",
        code_system="LN",
        value=overrides.pop("value", "182"),
        unit="ng/mL",
        reference_range="0-93",
        observed_on=OBSERVED,
        laboratory="GHH LAB",
        **overrides,
    )
    db.session.add(item)
    db.session.commit()
    return item


@pytest.fixture
def open_case(app_ctx, submitter, board):
    return factories.create_case(submitter=submitter, board=board, status=CaseStatus.SUBMITTED)


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_anonymous_people_are_sent_to_sign_in(client, app_ctx):
    item = hold()
    for response in (
        client.get("/results/unmatched"),
        client.get(f"/results/unmatched/{item.id}"),
        client.post(f"/results/unmatched/{item.id}/match"),
        client.post(f"/results/unmatched/{item.id}/dismiss"),
        client.get("/admin/hl7/messages"),
    ):
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.COORDINATOR])
def test_only_coordinators_see_the_work_list(client_as, app_ctx, role):
    item = hold()
    client = client_as(role)
    assert client.get("/results/unmatched").status_code == 403
    assert client.get(f"/results/unmatched/{item.id}").status_code == 403
    assert (
        client.post(f"/results/unmatched/{item.id}/dismiss", data={"reason": "Not ours at all"}).status_code
        == 403
    )
    assert db.session.get(UnmatchedResult, item.id).status == UnmatchedStatus.OPEN


def test_only_admins_see_the_message_log(client_as, app_ctx):
    hold()
    for role in Role:
        page = client_as(role).get("/admin/hl7/messages")
        assert page.status_code == (200 if role is Role.ADMIN else 403)
        if role is Role.ADMIN:
            assert "ORU^R01" in page.text and "GHH LAB" in page.text and "EVERYWOMAN" not in page.text


def test_a_result_of_another_boards_patient_is_a_404(app, app_ctx, client, coordinator, submitter):
    other = factories.create_board(name="Thoracic NET board")
    other_submitter = factories.create_user(roles=[Role.SUBMITTER], boards=[other])
    case = factories.create_case(submitter=other_submitter, board=other, status=CaseStatus.SUBMITTED)
    theirs = hold(case.patient, reason=UnmatchedReason.UNMAPPED_CODE)
    unknown = hold()
    log_in(client, coordinator)
    assert client.get(f"/results/unmatched/{theirs.id}").status_code == 404
    assert (
        client.post(f"/results/unmatched/{theirs.id}/dismiss", data={"reason": "Wrong patient"}).status_code
        == 404
    )
    assert client.get("/results/unmatched/2147483647").status_code == 404
    page = client.get("/results/unmatched")
    assert page.status_code == 200
    assert (
        f"/results/unmatched/{unknown.id}" in page.text and f"/results/unmatched/{theirs.id}" not in page.text
    )


def test_the_coordinator_matches_a_result_to_the_patients_open_case(client, coordinator, open_case):
    item = hold()
    log_in(client, coordinator)
    page = client.get(f"/results/unmatched/{item.id}")
    assert page.status_code == 200 and "EVERYWOMAN" in page.text and "Match to a patient" in page.text
    response = client.post(
        f"/results/unmatched/{item.id}/match",
        data={"mrn": open_case.patient.mrn.lower(), "analyte": "chromogranin_a", "version": item.version},
    )
    assert response.status_code == 302
    lab = db.session.scalar(select(LabResult).where(LabResult.case_id == open_case.id))
    assert (lab.value, lab.unit, lab.ref_low, lab.ref_high, lab.sample_date) == (
        182.0,
        "ng/mL",
        0,
        93,
        OBSERVED,
    )
    item = db.session.get(UnmatchedResult, item.id)
    assert item.status == UnmatchedStatus.MATCHED and item.patient_id == open_case.patient_id
    assert item.resolved_by_id == coordinator.id
    [matched] = events("hl7.result_matched")
    assert matched.actor_id == coordinator.id and matched.patient_id == open_case.patient_id
    assert [e.actor_id for e in events("lab.added")] == [coordinator.id]
    again = client.post(
        f"/results/unmatched/{item.id}/match",
        data={"mrn": open_case.patient.mrn, "analyte": "chromogranin_a", "version": item.version},
    )
    assert again.status_code == 403
    assert len(db.session.scalars(select(LabResult).where(LabResult.case_id == open_case.id)).all()) == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({"mrn": "", "analyte": "chromogranin_a"}, "Enter the MRN of the patient"),
        ({"mrn": "x" * 300, "analyte": "chromogranin_a"}, "MRN"),
        ({"mrn": "NOPE0001", "analyte": "chromogranin_a"}, "No case of a patient with this MRN"),
        ({"mrn": "__case__", "analyte": ""}, "Choose the marker"),
        ({"mrn": "__case__", "analyte": "no_such_marker"}, "Not a valid choice"),
    ],
)
def test_bad_input_to_a_match_is_refused_and_changes_nothing(client, coordinator, open_case, data, message):
    item = hold()
    log_in(client, coordinator)
    posted = {**data, "version": item.version}
    if posted["mrn"] == "__case__":
        posted["mrn"] = open_case.patient.mrn
    response = client.post(f"/results/unmatched/{item.id}/match", data=posted)
    assert response.status_code == 422, response.status_code
    assert message in response.text, response.text[response.text.find("<main") :][:3000]
    assert db.session.get(UnmatchedResult, item.id).status == UnmatchedStatus.OPEN
    assert db.session.scalars(select(LabResult)).all() == [] and events("hl7.result_matched") == []


def test_a_censored_value_is_matched_with_its_comparator(client, coordinator, open_case):
    item = hold(value="<2")
    log_in(client, coordinator)
    response = client.post(
        f"/results/unmatched/{item.id}/match",
        data={"mrn": open_case.patient.mrn, "analyte": "chromogranin_a", "version": item.version},
    )
    assert response.status_code == 302
    lab = db.session.scalar(select(LabResult).where(LabResult.case_id == open_case.id))
    assert (lab.comparator, lab.value) == ("<", 2.0)


def test_a_value_that_is_not_a_number_cannot_be_matched(client, coordinator, open_case):
    item = hold(value="1-5", reason=UnmatchedReason.NOT_NUMERIC)
    log_in(client, coordinator)
    response = client.post(
        f"/results/unmatched/{item.id}/match",
        data={"mrn": open_case.patient.mrn, "analyte": "chromogranin_a", "version": item.version},
    )
    assert response.status_code == 422 and "not a number" in response.text
    assert db.session.scalars(select(LabResult)).all() == []


def test_the_coordinator_dismisses_a_result_with_a_reason(client, coordinator):
    item = hold()
    log_in(client, coordinator)
    short = client.post(f"/results/unmatched/{item.id}/dismiss", data={"reason": "", "version": item.version})
    assert short.status_code == 422 and "Say why this result is dismissed." in short.text
    long = client.post(
        f"/results/unmatched/{item.id}/dismiss", data={"reason": "x" * 501, "version": item.version}
    )
    assert long.status_code == 422 and "x" * 501 in long.text
    stale = client.post(
        f"/results/unmatched/{item.id}/dismiss", data={"reason": "Test sample", "version": 99}
    )
    assert stale.status_code == 409
    assert db.session.get(UnmatchedResult, item.id).status == UnmatchedStatus.OPEN
    done = client.post(
        f"/results/unmatched/{item.id}/dismiss",
        data={"reason": "Test sample of the lab", "version": item.version},
    )
    assert done.status_code == 302
    item = db.session.get(UnmatchedResult, item.id)
    assert item.status == UnmatchedStatus.DISMISSED and item.dismiss_reason == "Test sample of the lab"
    assert [e.actor_id for e in events("hl7.result_dismissed")] == [coordinator.id]
    listed = client.get("/results/unmatched?status=dismissed")
    assert f"/results/unmatched/{item.id}" in listed.text
    assert f"/results/unmatched/{item.id}" not in client.get("/results/unmatched").text


def test_the_work_list_is_in_the_access_log_and_paginated(app, client, coordinator, open_case, count_queries):
    patient_id = open_case.patient_id
    hold(open_case.patient, reason=UnmatchedReason.UNMAPPED_CODE)
    log_in(client, coordinator)
    with count_queries() as few:
        assert client.get("/results/unmatched").status_code == 200
    accesses = db.session.scalars(select(AccessEvent).where(AccessEvent.patient_id == patient_id)).all()
    assert [a.page for a in accesses] == [AccessPage.UNMATCHED_RESULTS]
    for _ in range(30):
        hold()
    with count_queries() as many:
        page = client.get("/results/unmatched")
    assert page.status_code == 200 and "Next" in page.text
    assert len(many) <= len(few) + 1 <= 12
    assert client.get("/results/unmatched?page=2").status_code == 200


def test_a_result_of_a_patient_with_no_case_is_every_coordinators(app_ctx, client, coordinator, submitter):
    patient = factories.create_patient(created_by=submitter)
    item = hold(patient, reason=UnmatchedReason.NO_OPEN_CASE)
    elsewhere = factories.create_board(name="Other board")
    other = factories.create_user(roles=[Role.COORDINATOR], boards=[elsewhere])
    give_function(other, elsewhere, coordinator=True)
    log_in(client, other)
    assert client.get(f"/results/unmatched/{item.id}").status_code == 200


def test_views_of_results_held_for_an_unknown_patient_are_logged_by_result(client, coordinator, submitter):
    """The access log needs a patient, which a result of an unknown MRN has none of: who saw which held
    result, on which page, is kept by the result's id (append-only), and a refused view notes nothing."""
    from sqlalchemy import update
    from sqlalchemy.exc import DatabaseError

    from tumorboard.audit.models import HeldResultAccess

    first, second = hold(), hold(mrn="777666")
    log_in(client, coordinator)
    assert client.get("/results/unmatched").status_code == 200
    assert client.get(f"/results/unmatched/{first.id}").status_code == 200
    rows = db.session.scalars(select(HeldResultAccess).order_by(HeldResultAccess.id)).all()
    assert [(r.result_id, r.user_id, r.page) for r in rows] == [
        (first.id, coordinator.id, AccessPage.UNMATCHED_RESULTS),
        (second.id, coordinator.id, AccessPage.UNMATCHED_RESULTS),
        (first.id, coordinator.id, AccessPage.UNMATCHED_RESULTS),
    ]
    assert all(r.request_id for r in rows) and rows[0].request_id == rows[1].request_id != rows[2].request_id
    assert db.session.scalar(select(func.count()).select_from(AccessEvent)) == 0  # no patient to name

    log_in(client, submitter)  # not a coordinator: refused, and nothing noted
    assert client.get(f"/results/unmatched/{first.id}").status_code in (403, 404)
    assert client.get("/results/unmatched/999999").status_code in (403, 404)
    assert db.session.scalar(select(func.count()).select_from(HeldResultAccess)) == 3

    with pytest.raises(DatabaseError):  # append-only, like the access log
        db.session.execute(update(HeldResultAccess).values(user_id=submitter.id))
        db.session.flush()
    db.session.rollback()
