"""Every HTML page the app serves, opened in Chromium by a person allowed to see it: the page checks of
every browser test (axe-core, the menu collapsed and no sideways scrolling at 768 px) run on each as it
loads, so a page no flow happens to visit (a finding's edit form, the group mapping, an error page) is
checked too. tests/test_pages_listed.py keeps the list whole: a new GET route must be added here, or to
the routes that are not pages, with the reason."""

from collections.abc import Callable

import pytest
from flask import url_for
from sqlalchemy import select

from tests.e2e.test_sign_in import sign_in
from tumorboard.auth.models import User
from tumorboard.boards.models import Board
from tumorboard.cases.finding_operations import KINDS
from tumorboard.cases.models import Case
from tumorboard.decisions import operations as decision_operations
from tumorboard.decisions.models import Decision
from tumorboard.extensions import db
from tumorboard.meetings.models import Meeting

# GET routes that are not HTML pages for a signed-in person, and why.
NOT_PAGES = {
    "static": "files",
    "bootstrap.static": "files",
    "main.health": "plain-text probe for the load balancer",
    "main.ready": "plain-text probe for the load balancer",
    "main.metrics_page": "Prometheus text, for the metrics server only",
    "meetings.personal_feed": "iCalendar feed",
    "meetings.meeting_ics": "iCalendar file",
    "meetings.agenda_pdf": "PDF",
    "decisions.letter_pdf": "PDF",
    "decisions.fhir": "FHIR JSON",
    "decisions.quality_csv": "CSV",
    "decisions.quality_chart": "SVG image inside the quality dashboard",
    "cases.marker_chart": "SVG image inside the case page",
    "meetings.frozen_marker_chart": "SVG image inside the meeting pages",
    "auth.oidc_login": "a redirect to the hospital's provider (tests/e2e/test_single_sign_on.py)",
    "auth.oidc_callback": "the provider's redirect back (tests/e2e/test_single_sign_on.py)",
    "api_docs.openapi_json": "the API's OpenAPI document (tests/api)",
    "api_docs.swagger_ui_static": "Swagger UI's files",
}

# The REST API's routes answer JSON to a bearer token, never a page (tests/api walks them).
API_PREFIX = "api."

# Pages that need a state only their own flow reaches; the named browser test opens each.
OPENED_ELSEWHERE = {
    "auth.second_step": "after a right password, by test_second_factor.py",
    "auth.reset_password_page": "from the e-mailed link, by test_password_reset.py",
    "auth.service_account": "after making one, by test_api_tokens.py",
    "hl7.unmatched_item": "a result the HL7 listener held, by test_unmatched_results.py",
}

# Pages before signing in, and a page that is not there.
ANONYMOUS = {
    "auth.login": "/login",
    "auth.forgot_password": "/password/forgot",
    "not-found": "/no-such-page",
}

Finder = Callable[[User], str]


def _first(statement) -> object:
    found = db.session.scalars(statement).first()
    assert found is not None, f"the demo data has nothing for {statement}"
    return found


def _case(user: User, allowed: Callable[[Case, User], bool]) -> Case:
    for case in db.session.scalars(select(Case).order_by(Case.id)):
        if allowed(case, user):
            return case
    raise AssertionError(f"no demo case allows {allowed.__name__} for {user.email}")


def _finding(user: User, kind: str) -> str:
    model = KINDS[kind][0]
    for finding in db.session.scalars(select(model).order_by(model.id)):
        if finding.case.can_edit_findings(user):
            return url_for("cases.edit_finding", case_id=finding.case_id, kind=kind, finding_id=finding.id)
    raise AssertionError(f"no {model.__name__} the demo's {user.email} may edit")


def _signed(user: User) -> Decision:
    return _first(select(Decision).where(Decision.signed_at.is_not(None)).order_by(Decision.id))


def _meeting(user: User, allowed: Callable[[Meeting, User], bool]) -> Meeting:
    for meeting in db.session.scalars(select(Meeting).order_by(Meeting.starts_at)):
        if allowed(meeting, user):
            return meeting
    raise AssertionError(f"no demo meeting allows {allowed.__name__} for {user.email}")


def _with_agenda(meeting: Meeting, user: User) -> bool:
    return meeting.can_view(user) and bool(meeting.items)


def _amendment_draft(user: User) -> str:
    """An amendment's draft (the edit page is for those): the chair starts one of a signed decision."""
    decision = _signed(user)
    draft = decision_operations.amend_decision(user, decision, reason="Pathology review changed the grade")
    db.session.commit()
    return url_for("decisions.edit", decision_id=draft.id)


def _board(user: User) -> Board:
    return _first(select(Board).order_by(Board.id))


PAGES: dict[str, dict[str, Finder]] = {
    "submitter@example.org": {
        "main.dashboard": lambda u: url_for("main.dashboard"),
        "cases.index": lambda u: url_for("cases.index"),
        "cases.patients": lambda u: url_for("cases.patients"),
        "cases.register_patient": lambda u: url_for("cases.register_patient"),
        "cases.patient": lambda u: url_for("cases.patient", patient_id=_case(u, Case.can_edit).patient_id),
        "cases.edit_patient": lambda u: url_for(
            "cases.edit_patient", patient_id=_case(u, Case.can_edit).patient_id
        ),
        "cases.create": lambda u: url_for("cases.create", patient_id=_case(u, Case.can_edit).patient_id),
        "cases.detail": lambda u: url_for("cases.detail", case_id=_case(u, Case.can_edit).id),
        "cases.edit": lambda u: url_for("cases.edit", case_id=_case(u, Case.can_edit).id),
        "cases.submit": lambda u: url_for("cases.submit", case_id=_case(u, Case.can_submit).id),
        "cases.refer": lambda u: url_for("cases.refer", case_id=_case(u, Case.can_refer).id),
        "meetings.request_meeting": lambda u: url_for(
            "meetings.request_meeting", case_id=_case(u, Case.can_request_meeting).id
        ),
        "cases.add_finding": lambda u: url_for(
            "cases.add_finding", case_id=_case(u, Case.can_edit_findings).id, kind="lab"
        ),
        "cases.edit_finding": lambda u: _finding(u, "lab"),
        "cases.fhir_import_upload": lambda u: url_for(
            "cases.fhir_import_upload", case_id=_case(u, Case.can_import_findings).id
        ),
        "notifications.index": lambda u: url_for("notifications.index"),
        "auth.account": lambda u: url_for("auth.account"),
        "auth.change_password": lambda u: url_for("auth.change_password"),
        "auth.second_factor_page": lambda u: url_for("auth.second_factor_page"),
        "auth.sessions_page": lambda u: url_for("auth.sessions_page"),
        "api_docs.docs_page": lambda u: url_for("api_docs.docs_page"),
    },
    "radiology@example.org": {
        "imaging-edit": lambda u: _finding(u, "imaging"),
    },
    "pathology@example.org": {
        "pathology-edit": lambda u: _finding(u, "pathology"),
    },
    "coordinator@example.org": {
        "meetings.index": lambda u: url_for("meetings.index"),
        "meetings.plan": lambda u: url_for(
            "meetings.plan", board_id=_meeting(u, Meeting.can_manage).board_id
        ),
        "meetings.board_settings": lambda u: url_for(
            "meetings.board_settings", board_id=_meeting(u, Meeting.can_manage).board_id
        ),
        "meetings.detail": lambda u: url_for(
            "meetings.detail", meeting_id=_meeting(u, Meeting.can_edit_agenda).id
        ),
        "meetings.edit": lambda u: url_for(
            "meetings.edit", meeting_id=_meeting(u, Meeting.can_change_details).id
        ),
        "meetings.attendance": lambda u: url_for(
            "meetings.attendance", meeting_id=_meeting(u, Meeting.can_record_attendance).id
        ),
        "meetings.printable": lambda u: url_for(
            "meetings.printable", meeting_id=_meeting(u, Meeting.can_edit_agenda).id
        ),
        "hl7.unmatched": lambda u: url_for("hl7.unmatched"),
    },
    "chair@example.org": {
        "decisions.meeting_mode": lambda u: url_for(
            "decisions.meeting_mode", meeting_id=_meeting(u, _with_agenda).id
        ),
        "decisions.history": lambda u: url_for("decisions.history", case_id=_signed(u).case_id),
        "decisions.letter": lambda u: url_for("decisions.letter", decision_id=_signed(u).id),
        "decisions.follow_up": lambda u: url_for("decisions.follow_up", decision_id=_signed(u).id),
        "decisions.quality_dashboard": lambda u: url_for("decisions.quality_dashboard"),
        "decisions.edit": _amendment_draft,
    },
    "admin@example.org": {
        "auth.users": lambda u: url_for("auth.users"),
        "auth.create_user": lambda u: url_for("auth.create_user"),
        "auth.edit_user": lambda u: url_for("auth.edit_user", user_id=u.id),
        "auth.group_mapping": lambda u: url_for("auth.group_mapping"),
        "boards.index": lambda u: url_for("boards.index"),
        "boards.create": lambda u: url_for("boards.create"),
        "boards.edit": lambda u: url_for("boards.edit", board_id=_board(u).id),
        "jobs.dead_letters": lambda u: url_for("jobs.dead_letters"),
        "audit.index": lambda u: url_for("audit.index"),
        "auth.service_accounts": lambda u: url_for("auth.service_accounts"),
        "hl7.messages": lambda u: url_for("hl7.messages"),
    },
    "privacy@example.org": {
        "privacy.review": lambda u: url_for("privacy.review"),
    },
}


@pytest.mark.e2e
@pytest.mark.parametrize("email", PAGES)
def test_every_page(page, live_app, live_server, screenshots, email):
    with live_app.test_request_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        paths = {endpoint: find(user) for endpoint, find in PAGES[email].items()}
        db.session.remove()
    sign_in(page, live_server, email)
    page.get_by_role("heading", level=1).wait_for()
    for endpoint, path in paths.items():
        response = page.goto(f"{live_server}{path}")
        assert response is not None and response.status == 200, (
            f"{endpoint} {path}: {response and response.status}"
        )
        heading = page.get_by_role("heading", level=1)
        heading.wait_for()
        assert heading.inner_text().strip(), f"{endpoint}: the page has no heading"
        if endpoint in SCREENSHOTS:
            screenshots(f"page-{endpoint.replace('.', '-')}")


@pytest.mark.e2e
def test_pages_before_signing_in(page, live_server):
    for name, path in ANONYMOUS.items():
        response = page.goto(f"{live_server}{path}")
        assert response is not None
        assert response.status == (404 if name == "not-found" else 200), f"{path}: {response.status}"
        heading = page.get_by_role("heading", level=1)
        heading.wait_for()
        assert heading.inner_text().strip(), f"{path}: the page has no heading"


# Pages a person looks at in the screenshots (those no other browser test photographs).
SCREENSHOTS = {
    "auth.group_mapping",
    "cases.edit_finding",
    "imaging-edit",
    "pathology-edit",
    "meetings.plan",
    "boards.create",
    "boards.edit",
    "decisions.edit",
}
