"""A case submitted without what the readiness check asked for carries the submitter's reason, and the
board sees it with the missing items wherever the case is prepared or discussed: the pool on the meeting
page and on the dashboard, the agenda rows, the printed agenda and its PDF, and meeting mode."""

import html as markup
import io
import re

import pytest
from pypdf import PdfReader

from tests.conftest import log_in
from tests.meetings.support import a_plan
from tumorboard.cases.operations import readiness_texts, submit_case
from tumorboard.extensions import db
from tumorboard.meetings import operations

REASON = "The patient bleeds; the surgeons need the board's view this week."
WITHOUT = "Pathology with Ki-67, or the reason there is none."


@pytest.fixture
def anyway(create_case, submitter, board):
    """The factory's draft, without pathology or imaging, submitted anyway with a reason."""
    case = create_case(submitter=submitter, board=board, clinical_question="Resect the tail now?")
    submit_case(submitter, case, expected_version=case.version, override_reason=REASON)
    db.session.commit()
    assert WITHOUT in [str(entry) for entry in readiness_texts(case.missing_at_submission)]
    return case


@pytest.fixture
def ready(create_case, submitter, board, create_imaging, create_pathology):
    """A complete case, submitted without a reason (none is needed): nothing "anyway" about it."""
    case = create_case(submitter=submitter, board=board, clinical_question="Surveillance enough?")
    create_imaging(case, created_by=submitter)
    create_pathology(case, created_by=submitter)
    submit_case(submitter, case, expected_version=case.version)
    db.session.commit()
    return case


def shows_the_reason(html: str) -> bool:
    """The reason is shown with the words that say what it is, and with what was missing then."""
    blocks = re.findall(r"data-submitted-anyway>(.*?)</(?:div|p)>", html, flags=re.S)
    texts = [" ".join(markup.unescape(re.sub(r"<[^>]+>", "", b)).split()) for b in blocks]
    return any(
        f"Submitted anyway, without: {WITHOUT}" in t and f"The submitter's reason: {REASON}" in t
        for t in texts
    )


def client_of(app, user):
    return log_in(app.test_client(), user)


def test_the_pool_on_the_meeting_page_and_the_dashboard(app, anyway, ready, coordinator, board):
    meeting = operations.plan_meeting(coordinator, board, a_plan())
    db.session.commit()
    client = client_of(app, coordinator)
    page = client.get(f"/meetings/{meeting.id}").text
    pool = page[page.index('id="pool"') :]
    assert shows_the_reason(pool)
    assert pool.count("data-submitted-anyway") == 1  # the ready case has no such note
    dashboard = client.get("/").text
    assert "Cases waiting for a meeting" in dashboard and shows_the_reason(dashboard)
    assert dashboard.count("data-submitted-anyway") == 1


def test_the_agenda_rows_the_print_and_the_pdf(app, anyway, ready, coordinator, specialist, board):
    meeting = operations.plan_meeting(coordinator, board, a_plan())
    for case in (anyway, ready):
        operations.add_to_agenda(coordinator, meeting, case, expected_version=meeting.version)
    db.session.commit()
    client = client_of(app, specialist)
    page = client.get(f"/meetings/{meeting.id}").text
    assert 'id="pool"' not in page  # both are on the agenda now: what shows is the agenda's rows
    assert shows_the_reason(page) and page.count("data-submitted-anyway") == 1

    printed = client.get(f"/meetings/{meeting.id}/print").text
    assert shows_the_reason(printed) and printed.count("data-submitted-anyway") == 1

    response = client.get(f"/meetings/{meeting.id}/agenda.pdf")
    assert response.status_code == 200
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(response.data)).pages)
    assert f"Submitted anyway, without: {WITHOUT}" in text
    assert f"The submitter's reason: {REASON}" in text
    assert text.count("Submitted anyway") == 1


def test_meeting_mode_shows_it_in_the_case_summary_and_after_the_outcome(
    app, anyway, ready, coordinator, chair, specialist, board
):
    meeting = operations.plan_meeting(coordinator, board, a_plan())
    for case in (anyway, ready):
        operations.add_to_agenda(coordinator, meeting, case, expected_version=meeting.version)
    present = {user.id: "present" for user in (chair, specialist, coordinator)}
    operations.record_attendance(coordinator, meeting, present, expected_version=meeting.version)
    operations.start_meeting(
        chair,
        meeting,
        expected_version=meeting.version,
        override_reason="Surgery is in theatre.",
        confirm_early=True,
    )
    db.session.commit()
    first, second = meeting.items
    client = client_of(app, specialist)
    html = client.get(f"/meetings/{meeting.id}/mode?item={first.id}").text
    summary = html[: html.index('id="decision"')]
    assert shows_the_reason(summary)
    assert "data-submitted-anyway" not in client.get(f"/meetings/{meeting.id}/mode?item={second.id}").text

    # deferred: the item is frozen, and the frozen case still says why it came without its findings
    operations.set_outcome(chair, first, "deferred", expected_version=meeting.version)
    db.session.commit()
    assert first.snapshot is not None
    assert shows_the_reason(client.get(f"/meetings/{meeting.id}/mode?item={first.id}").text)
    assert shows_the_reason(client.get(f"/meetings/{meeting.id}").text)
