"""A submitter sends a draft without all its findings, giving the board a reason; the coordinator sees
the reason in the dashboard's waiting list, the meeting's pool, the agenda and the printed agenda."""

import pytest

from tests.e2e.flows import NewPatient, fill_case, register_patient
from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.e2e

REASON = "The patient travels far; the board's view is needed before the next endoscopy."


def test_the_reason_to_submit_anyway_goes_with_the_case(page, live_server, screenshots, axe):
    sign_in(page, live_server, "submitter@example.org")
    register_patient(page, NewPatient("E2E-0003", "Okonkwo", "Chidi", "1968-03-02", "male"))
    fill_case(
        page,
        site="rectum",
        question="Endoscopic resection or transanal excision?",
        differentiation="well",
        functional="non_functional",
        hereditary="unknown",
    )
    page.get_by_role("button", name="Save draft case").click()
    page.get_by_text("Draft case saved.").wait_for()
    page.get_by_role("link", name="Check and submit to the board").click()
    page.get_by_text("The board will miss:").wait_for()
    page.get_by_label("Reason to submit without what is missing").fill(REASON)
    page.get_by_role("button", name="Submit anyway").click()
    page.get_by_text("Case submitted to the GEP-NET board.").wait_for()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, "coordinator@example.org")
    waiting = page.locator("section[aria-labelledby=pool-heading]")
    waiting.get_by_text(REASON).wait_for()
    assert "Submitted anyway, without:" in waiting.inner_text()
    axe("dashboard-submitted-anyway")

    page.get_by_role("link", name="Meetings", exact=True).click()
    page.get_by_role("row").filter(has_text="GEP-NET board").nth(1).get_by_role("link").click()
    pool = page.locator("#pool")
    row = pool.get_by_role("row").filter(has_text="Okonkwo")
    row.get_by_text(REASON).wait_for()
    axe("pool-submitted-anyway")
    screenshots("pool-submitted-anyway")

    row.get_by_role("button", name="Add").click()
    page.get_by_text("added to the agenda").wait_for()
    agenda = page.locator("#agenda-table tbody tr[data-item-id]").filter(has_text="Okonkwo")
    agenda.get_by_text(REASON).wait_for()
    axe("agenda-submitted-anyway")

    page.get_by_role("link", name="Print agenda").click()
    page.get_by_role("heading", name="GEP-NET board").wait_for()
    page.get_by_text(REASON).wait_for()
    axe("print-submitted-anyway")
    screenshots("print-submitted-anyway")
