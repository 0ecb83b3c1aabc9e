"""Meeting day as the chair works: the dashboard leads with the next meeting; starting it before its day
asks for the chair's confirmation; closing defers the cases without an outcome to the next meeting,
first on its agenda, as the close form said beforehand."""

import pytest

from tests.e2e.test_meeting_mode import PRESENT
from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.e2e


def test_chair_starts_early_and_defers_the_rest_to_the_next_meeting(page, live_server, screenshots, axe):
    sign_in(page, live_server, "chair@example.org")
    page.get_by_role("heading", name="Next meeting").wait_for()
    page.get_by_role("heading", name="To sign").wait_for()
    page.get_by_role("heading", name="Cases waiting for a meeting").wait_for()
    screenshots("dashboard-chair")
    axe("chair's dashboard")

    page.locator("section", has=page.get_by_role("heading", name="Next meeting")).get_by_role(
        "link", name="GEP-NET board"
    ).click()
    page.get_by_role("link", name="Record attendance").click()
    for name in PRESENT:
        page.get_by_label(f"{name} present").check()
    page.get_by_role("button", name="Save attendance").click()
    page.get_by_text("Quorum reached.").wait_for()
    page.get_by_text("start it today anyway?").wait_for()
    screenshots("meeting-start-early")
    axe("meeting start, before its day")
    page.get_by_role("button", name="Start the meeting").click()
    page.get_by_text("confirm that you start it today").wait_for()
    page.get_by_label("Yes, start it today").check()
    page.get_by_role("button", name="Start the meeting").click()
    page.get_by_text("The meeting has started.").wait_for()

    note = page.locator("#deferral-note")
    note.wait_for()
    assert "go first on the agenda of" in note.inner_text()
    screenshots("meeting-close-defers")
    axe("meeting close form")
    page.get_by_label("Defer the cases without an outcome to the next meeting").check()
    page.get_by_role("button", name="Close the meeting").click()
    page.get_by_text("The meeting is closed. The cases without an outcome go first").wait_for()
