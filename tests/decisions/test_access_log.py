"""Every view of patient data is in the access log (who, when, which patient and case, which page), written
by each page in one INSERT and nothing else; refusals write nothing; the log is append-only; coordinators
see who opened a patient's record through their boards."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.decisions.support import client_of
from tumorboard import security
from tumorboard.audit.models import AccessEvent, AccessPage
from tumorboard.auth.roles import Role
from tumorboard.decisions import operations as decision_operations
from tumorboard.extensions import db


@pytest.fixture
def world(app_ctx, users, signed, meeting, create_case, create_lab, create_patient, submitter, board):
    """A discussed case with a signed decision (on the meeting in progress), and the submitter's draft."""
    create_lab(signed.case, created_by=submitter)
    draft = create_case(submitter=submitter, board=board)
    create_lab(draft, created_by=submitter)
    amendment = decision_operations.amend_decision(
        users[Role.SPECIALIST], signed, reason="Octreotide instead: lanreotide not stocked."
    )
    db.session.commit()
    return {"signed": signed, "meeting": meeting, "draft": draft, "case": signed.case, "amendment": amendment}


def _pages(world) -> list[tuple[AccessPage, Role, str, str, dict | None, set[int]]]:
    """(page, who, method, url, form, the cases whose patients it shows) for every page with patient data."""
    signed, meeting, draft, case = world["signed"], world["meeting"], world["draft"], world["case"]
    on_agenda = {item.case_id for item in meeting.items}
    return [
        (AccessPage.CASE, Role.SPECIALIST, "GET", f"/cases/{case.id}", None, {case.id}),
        (AccessPage.CASE_LIST, Role.SPECIALIST, "GET", "/cases", None, on_agenda),
        (AccessPage.CASE_FORM, Role.SUBMITTER, "GET", f"/cases/{draft.id}/edit", None, {draft.id}),
        (AccessPage.FINDING_FORM, Role.SUBMITTER, "GET", f"/cases/{draft.id}/lab/new", None, {draft.id}),
        (
            AccessPage.MARKER_CHART,
            Role.SUBMITTER,
            "GET",
            f"/cases/{draft.id}/markers/chromogranin_a.svg",
            None,
            {draft.id},
        ),
        (AccessPage.PATIENT, Role.SPECIALIST, "GET", f"/patients/{case.patient_id}", None, {case.id}),
        (AccessPage.PATIENT_FORM, Role.SUBMITTER, "GET", f"/patients/{draft.patient_id}/edit", None, set()),
        (AccessPage.PATIENT_SEARCH, Role.SUBMITTER, "POST", "/patients", {"q": case.patient.mrn}, set()),
        (AccessPage.DASHBOARD, Role.SUBMITTER, "GET", "/", None, {draft.id}),
        (AccessPage.MEETING, Role.SPECIALIST, "GET", f"/meetings/{meeting.id}", None, on_agenda),
        (AccessPage.AGENDA_PRINT, Role.SPECIALIST, "GET", f"/meetings/{meeting.id}/print", None, on_agenda),
        (
            AccessPage.AGENDA_PDF,
            Role.SPECIALIST,
            "GET",
            f"/meetings/{meeting.id}/agenda.pdf",
            None,
            on_agenda,
        ),
        (AccessPage.MEETING_MODE, Role.SPECIALIST, "GET", f"/meetings/{meeting.id}/mode", None, on_agenda),
        (AccessPage.DECISIONS, Role.SPECIALIST, "GET", f"/cases/{case.id}/decisions", None, {case.id}),
        (
            AccessPage.DECISION_EDIT,
            Role.SPECIALIST,
            "GET",
            f"/decisions/{world['amendment'].id}/edit",
            None,
            {case.id},
        ),
        (AccessPage.LETTER, Role.SPECIALIST, "GET", f"/decisions/{signed.id}/letter", None, {case.id}),
        (
            AccessPage.LETTER_PDF,
            Role.SPECIALIST,
            "GET",
            f"/decisions/{signed.id}/letter.pdf",
            None,
            {case.id},
        ),
        (AccessPage.FHIR, Role.SPECIALIST, "GET", f"/decisions/{signed.id}/fhir.json", None, {case.id}),
        (AccessPage.FOLLOW_UP, Role.SUBMITTER, "GET", f"/decisions/{signed.id}/follow-up", None, {case.id}),
        (
            AccessPage.PRIVACY_REVIEW,
            Role.PRIVACY,
            "POST",
            "/privacy/",
            {"mrn": case.patient.mrn, "reason": "Patient's request of 1 December (GDPR Art. 15)."},
            set(),
        ),
    ]


# Pages whose patient data this file's world does not hold, each tested where it is made.
ELSEWHERE = {
    AccessPage.UNMATCHED_RESULTS: "tests/hl7/test_unmatched_views.py (results the HL7 listener held)",
}


def test_every_page_with_patient_data_is_listed(world):
    assert {page for page, *_ in _pages(world)} == set(AccessPage) - ELSEWHERE.keys()


def _rows(page: AccessPage) -> list[AccessEvent]:
    return db.session.scalars(select(AccessEvent).where(AccessEvent.page == page.value)).all()


def test_each_page_writes_who_saw_which_patient_in_one_statement(
    app, world, users, count_queries, monkeypatch
):
    pages = _pages(world)
    clients = {role: client_of(app, user) for role, user in users.items()}
    user_ids = {role: user.id for role, user in users.items()}
    for page, role, method, url, form, cases in pages:
        client = clients[role]
        with monkeypatch.context() as without_log:
            without_log.setattr(security, "write_access_log", lambda _status: None)
            client.open(url, method=method, data=form)  # a chart drawn once, then from the cache
            with count_queries() as bare:
                assert client.open(url, method=method, data=form).status_code == 200, url
        assert _rows(page) == []
        with count_queries() as logged:
            assert client.open(url, method=method, data=form).status_code == 200, url
        inserts = [s for s in logged if s.lstrip().upper().startswith("INSERT INTO ACCESS_LOG")]
        assert len(logged) == len(bare) + 1 and len(inserts) == 1, page
        rows = _rows(page)
        assert rows and {r.user_id for r in rows} == {user_ids[role]}, page
        assert len({r.request_id for r in rows}) == 1 and all(r.request_id for r in rows)
        assert cases <= {r.case_id for r in rows}, page
        for row in rows:
            if row.case_id is not None:
                assert (row.patient_id, row.board_id) == db.session.execute(
                    text("SELECT patient_id, board_id FROM tumor_case WHERE id = :c"), {"c": row.case_id}
                ).one(), page


def test_a_refused_page_writes_nothing(app, world, create_user, create_board):
    outsider = create_user(roles=[Role.SPECIALIST], boards=[create_board(name="Another board")])
    client = client_of(app, outsider)
    for url in (
        f"/cases/{world['case'].id}",
        f"/meetings/{world['meeting'].id}",
        f"/decisions/{world['signed'].id}/letter",
    ):
        assert client.get(url).status_code == 404
    assert db.session.scalars(select(AccessEvent).where(AccessEvent.user_id == outsider.id)).all() == []


@pytest.mark.parametrize("statement", ["UPDATE access_log SET user_id = user_id", "DELETE FROM access_log"])
def test_the_access_log_is_append_only(app, world, users, statement):
    client_of(app, users[Role.SPECIALIST]).get(f"/cases/{world['case'].id}")
    assert _rows(AccessPage.CASE)
    with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(text(statement))


def test_coordinators_see_who_opened_the_record_through_their_boards(
    app, world, users, coordinator, create_board, create_user, create_case, submitter
):
    case = world["case"]
    specialist = users[Role.SPECIALIST]
    client_of(app, specialist).get(f"/cases/{case.id}")
    # a case of the same patient on a board the coordinator does not coordinate
    elsewhere = create_board(name="Elsewhere board")
    stranger = create_user(roles=[Role.SPECIALIST], boards=[elsewhere], name="Dr. Someone Elsewhere")
    theirs = create_case(
        submitter=create_user(boards=[elsewhere]), board=elsewhere, patient=case.patient, status="submitted"
    )
    client_of(app, stranger).get(f"/cases/{theirs.id}")
    page = client_of(app, coordinator).get(f"/patients/{case.patient_id}").text
    assert "Who opened this patient's record" in page
    assert specialist.name in page and "Case page" in page
    assert "Dr. Someone Elsewhere" not in page  # another board's look is not this board's business
    assert (
        "Who opened this patient's record"
        not in client_of(app, specialist).get(f"/patients/{case.patient_id}").text
    )
