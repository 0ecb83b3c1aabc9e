"""The audit log tells administrators who did what to which record and when; the clinical and identifying
values of a patient's record only to the members of that record's board. The data-protection officer
sees a patient's whole record through a review that states its reason and is itself audited."""

import csv
import hashlib
import io

import pytest
from sqlalchemy import select

from tests.conftest import log_in
from tumorboard.audit.models import AccessEvent, AuditEvent
from tumorboard.auth.roles import Role
from tumorboard.cases import finding_operations, patient_operations
from tumorboard.cases import operations as case_operations
from tumorboard.extensions import db
from tumorboard.timezones import hospital_today

SECRETS = ("Zebulonsky", "Quirinia", "WHAT-ABOUT-PRRT-Q", "4242.5")


@pytest.fixture
def patient_record(app_ctx, users, board):
    """A patient, a case and a finding, each with values nobody outside the board should read."""
    submitter = users[Role.SUBMITTER]
    patient = patient_operations.register_patient(
        submitter,
        mrn="Z9988776",
        family_name="Zebulonsky",
        given_name="Quirinia",
        birth_date=hospital_today().replace(year=1950),
        sex="female",
    )
    case = case_operations.create_case(
        submitter,
        patient,
        board_id=board.id,
        conference_type="pre_therapeutic",
        primary_site="pancreas",
        differentiation="well",
        functional_status="non_functional",
        hereditary_syndrome="none",
        clinical_question="WHAT-ABOUT-PRRT-Q",
    )
    finding_operations.add_finding(
        submitter,
        case,
        "lab",
        {
            "analyte": "chromogranin_a",
            "value": 4242.5,
            "unit": "µg/L",
            "sample_date": hospital_today(),
            "ref_low": None,
            "ref_high": 100.0,
            "note": "",
            "reported_by": "",
        },
    )
    db.session.commit()
    return patient, case


def _audit_page(client) -> str:
    response = client.get("/admin/audit/")
    assert response.status_code == 200
    return response.text


def test_an_administrator_on_no_board_reads_no_patient_values(client, create_user, patient_record):
    page = _audit_page(log_in(client, create_user(roles=[Role.ADMIN])))
    for secret in SECRETS + ("Z9988776",):
        assert secret not in page, secret
    # but who did what to which record, and when, is there
    assert "patient.registered" in page and "case.created" in page and "lab.added" in page
    assert "Values hidden: patient data" in page and "clinical_question" in page  # the field, not its value


def test_an_administrator_of_the_board_reads_its_values(client, users, board, patient_record, create_user):
    admin_member = create_user(roles=[Role.ADMIN], boards=[board])
    page = _audit_page(log_in(client, admin_member))
    assert "WHAT-ABOUT-PRRT-Q" in page and "4242.5" in page
    assert "Zebulonsky" not in page  # the patient's own record belongs to no board


def test_the_events_carry_their_board_and_patient(patient_record, board):
    patient, case = patient_record
    scoped = db.session.scalars(select(AuditEvent).where(AuditEvent.patient_id == patient.id)).all()
    assert {e.action for e in scoped} >= {"patient.registered", "case.created", "lab.added"}
    assert {e.board_id for e in scoped if e.action != "patient.registered"} == {board.id}
    assert next(e for e in scoped if e.action == "patient.registered").board_id is None


def _review(client, **form):
    return client.post(
        "/privacy/", data={"mrn": "z9988776", "reason": "Request of 1 Dec, GDPR Art. 15."} | form
    )


def test_the_data_protection_officer_reviews_with_a_reason(client_as, users, patient_record):
    patient, case = patient_record
    officer = client_as(Role.PRIVACY)
    assert officer.get(f"/cases/{case.id}").status_code == 404  # no board: no case in the normal pages
    page = officer.get("/privacy/").text
    assert "Review the record" in page
    response = _review(officer)
    assert response.status_code == 200
    for secret in SECRETS:
        assert secret in response.text, secret
    (event,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "privacy.patient_reviewed")
    ).all()
    assert event.actor_id == users[Role.PRIVACY].id and event.details == {
        "reason": "Request of 1 Dec, GDPR Art. 15."
    }
    assert event.patient_id == patient.id
    access = db.session.scalars(
        select(AccessEvent).where(AccessEvent.user_id == users[Role.PRIVACY].id)
    ).all()
    assert [(a.patient_id, a.page) for a in access] == [(patient.id, "privacy_review")]
    # the review shows the officer's own look in the access log of the next review
    assert "Data-protection review" in _review(officer).text


@pytest.mark.parametrize(
    "form, message",
    [
        ({"reason": ""}, "Say why you open this patient&#39;s record."),
        ({"reason": "short"}, "The reason is too short (at least 10 characters)."),
        ({"reason": "x" * 501}, "The reason is too long (at most 500 characters)."),
        ({"mrn": ""}, "Enter the patient&#39;s MRN."),
        ({"mrn": "NOBODY-1"}, "No patient has this MRN."),
    ],
)
def test_a_review_without_reason_or_patient_shows_nothing(client_as, patient_record, form, message):
    response = _review(client_as(Role.PRIVACY), **form)
    assert response.status_code == 422 and message in response.text
    assert "Zebulonsky" not in response.text
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.startswith("privacy."))).all()
    if form.get("mrn") == "NOBODY-1":  # a look that found nobody is kept too, without the number itself
        (event,) = events
        assert event.action == "privacy.patient_not_found" and "NOBODY-1" not in event.details_json
        assert event.details["mrn_sha256"] == hashlib.sha256(b"NOBODY-1").hexdigest()
    else:
        assert events == []


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR, Role.CHAIR, Role.SPECIALIST, Role.SUBMITTER])
def test_only_the_data_protection_officer_reviews(client_as, patient_record, role):
    assert client_as(role).get("/privacy/").status_code == 403
    assert _review(client_as(role)).status_code == 403
    assert (
        client_as(role).post("/privacy/export.csv", data={"mrn": "Z9988776", "reason": "x" * 20}).status_code
        == 403
    )


def test_the_export_answers_an_access_request(client_as, client, users, patient_record):
    patient, case = patient_record
    assert log_in(client, users[Role.SUBMITTER]).get(f"/cases/{case.id}").status_code == 200
    response = client_as(Role.PRIVACY).post(
        "/privacy/export.csv", data={"mrn": "Z9988776", "reason": "Request of 1 Dec, GDPR Art. 15."}
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["what"] for r in rows if r["kind"] == "change"} >= {
        "patient.registered",
        "case.created",
        "lab.added",
    }
    views = [r for r in rows if r["kind"] == "view"]
    assert any(r["who"] == users[Role.SUBMITTER].email and r["what"] == "Case page" for r in views)
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.patient_exported")).all()
    # the file says whose record it is, and which cases it holds, before the events
    assert rows[0]["kind"] == "patient" and "MRN Z9988776" in rows[0]["what"]
    assert patient.display_name in rows[0]["what"]
    assert [r["case"] for r in rows if r["kind"] == "case"] == [str(case.id)]


def test_the_export_never_hands_a_spreadsheet_a_formula(client_as, patient_record):
    patient, _ = patient_record
    patient.family_name = '=HYPERLINK("https://evil.example")'
    db.session.commit()
    response = client_as(Role.PRIVACY).post(
        "/privacy/export.csv", data={"mrn": "Z9988776", "reason": "Request of 1 Dec, GDPR Art. 15."}
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_the_audit_log_shows_the_officer_field_names_only(client_as, patient_record):
    page = _audit_page(client_as(Role.PRIVACY))
    assert "WHAT-ABOUT-PRRT-Q" not in page and "review the patient" in page
    assert "Verify the chain" not in page  # verifying is the administrators' job


def test_a_refused_registration_is_in_that_patients_record(client_as, users, patient_record):
    """Someone registered the MRN with other identity data: the page says nothing of the patient, the
    audit trail of that patient keeps who tried."""
    patient, _case = patient_record
    response = client_as(Role.SUBMITTER).post(
        "/patients/new",
        data={
            "mrn": patient.mrn,
            "family_name": "Other",
            "given_name": "Person",
            "birth_date": "1970-01-01",
            "sex": "male",
        },
    )
    assert response.status_code == 422
    (event,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "patient.registration_refused")
    ).all()
    assert (event.patient_id, event.actor_id, event.details) == (
        patient.id,
        users[Role.SUBMITTER].id,
        {"for": "registration"},
    )
    assert "patient.registration_refused" in _review(client_as(Role.PRIVACY)).text


def test_meeting_reasons_are_not_for_readers_outside_the_board(
    client, create_user, patient_record, board, users
):
    """Free text of a meeting (a late addition's reason, a cancellation) may name a patient."""
    from tests.meetings.support import a_plan
    from tumorboard.cases import operations as case_operations
    from tumorboard.meetings import operations as meeting_operations

    patient, case = patient_record
    coordinator = users[Role.COORDINATOR]
    board.membership_of(coordinator).is_coordinator = True
    case_operations.submit_case(
        users[Role.SUBMITTER],
        case,
        expected_version=case.version,
        override_reason="Urgent surgery, Zebulonsky.",
    )
    meeting = meeting_operations.plan_meeting(coordinator, board, a_plan(days=1, cutoff_hours=48))
    meeting_operations.add_to_agenda(
        coordinator,
        meeting,
        case,
        expected_version=meeting.version,
        late_reason="Zebulonsky has surgery Friday",
    )
    meeting_operations.cancel_meeting(
        coordinator, meeting, reason="Quirinia Zebulonsky died", expected_version=meeting.version
    )
    db.session.commit()
    page = _audit_page(log_in(client, create_user(roles=[Role.ADMIN])))
    assert "agenda.case_added" in page and "meeting.cancelled" in page
    for secret in ("Zebulonsky", "Quirinia"):
        assert secret not in page
