"""A specialist signed in on two browsers ends the other one from the signed-in sessions page; a
coordinator picks the attendance's guest by name from the hospital's directory."""

import pytest

from tests.e2e.test_keyboard import assert_focus_shows
from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.e2e


def test_the_other_browser_is_signed_out_from_the_sessions_page(page, browser, live_server, screenshots):
    other = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        elsewhere = other.new_page()
        sign_in(elsewhere, live_server, "specialist@example.org")
        elsewhere.get_by_role("heading", name="Your boards").wait_for()

        sign_in(page, live_server, "specialist@example.org")
        page.get_by_role("heading", name="Your boards").wait_for()
        page.get_by_title("Your account").click()
        page.get_by_role("link", name="Signed-in sessions").click()
        page.get_by_role("heading", name="Signed-in sessions").wait_for()
        sessions = page.get_by_role("list", name="Your active sessions").get_by_role("listitem")
        assert sessions.count() == 2
        assert page.get_by_text("this session", exact=True).count() == 1
        assert "HeadlessChrome" in sessions.first.inner_text() or "Chrome" in sessions.first.inner_text()
        screenshots("sessions")

        sessions.get_by_role("button").click()  # the one that is not this session: it alone has "End"
        page.get_by_text("has ended.").wait_for()
        assert page.get_by_role("list", name="Your active sessions").get_by_role("listitem").count() == 1

        elsewhere.reload()
        elsewhere.wait_for_load_state()
        assert "/login" in elsewhere.url, "the ended session opens nothing, at once"
    finally:
        other.close()


def test_the_attendance_guest_is_chosen_by_name(page, live_server):
    sign_in(page, live_server, "coordinator@example.org")
    page.get_by_role("link", name="Meetings", exact=True).click()
    page.get_by_role("row").filter(has_text="GEP-NET board").nth(1).get_by_role("link").click()
    page.get_by_role("link", name="Record attendance").click()
    guest = page.get_by_label("Add a guest")
    assert guest.evaluate("el => el.tagName") == "SELECT"
    options = guest.locator("option")
    assert options.count() > 1 and "@" not in guest.inner_text()
    chosen = options.nth(1).inner_text()
    guest.select_option(index=1)
    page.get_by_role("button", name="Save attendance").click()
    page.get_by_text("Attendance saved.").wait_for()
    page.get_by_role("link", name="Record attendance").click()
    assert page.get_by_role("cell", name=f"{chosen.split(' (')[0]} guest").count() == 1


def test_the_sessions_page_and_the_guest_list_from_the_keyboard(page, browser, live_server):
    other = browser.new_context()
    try:
        sign_in(other.new_page(), live_server, "coordinator@example.org")
        sign_in(page, live_server, "coordinator@example.org")
        page.get_by_role("heading", name="Your boards").wait_for()
        page.goto(f"{live_server}/account/sessions")
        page.get_by_role("heading", name="Signed-in sessions").wait_for()
        assert_focus_shows(
            page, "sessions page", ['"Skip to content"', '"End the session in', '"End all other sessions"']
        )
    finally:
        other.close()
    page.get_by_role("link", name="Meetings", exact=True).click()
    page.get_by_role("row").filter(has_text="GEP-NET board").nth(1).get_by_role("link").click()
    page.get_by_role("link", name="Record attendance").click()
    page.get_by_role("button", name="Save attendance").wait_for()
    assert_focus_shows(page, "attendance page", ["select#guest", '"Save attendance"'])
