"""A coordinator signs in, sees the dashboard, signs out; the back button shows no private page."""

import pytest

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "tumorboard-demo"


def sign_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_coordinator_signs_in_and_out_and_back_shows_nothing_private(page, live_server, screenshot):
    page.goto(f"{live_server}/")
    assert "/login" in page.url
    screenshot("login")
    sign_in(page, live_server, "coordinator@example.org")
    page.get_by_role("heading", name="Your boards").wait_for()
    assert page.get_by_text("GEP-NET board").first.is_visible()
    assert page.get_by_text("Board coordinator").first.is_visible()
    screenshot("dashboard-coordinator")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You have signed out.").wait_for()
    page.go_back()
    page.wait_for_load_state()
    assert "/login" in page.url
    assert page.get_by_role("heading", name="Your boards").count() == 0
    assert "GEP-NET board" not in page.content()


def test_wrong_password_then_right_one(page, live_server):
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill("chair@example.org")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Email or password is not correct").wait_for()
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Your boards").wait_for()


def test_admin_pages_render(page, live_server, screenshot, screenshots):
    sign_in(page, live_server, "admin@example.org")
    page.get_by_role("heading", name="Administration").wait_for()
    screenshot("dashboard-admin")
    page.get_by_role("link", name="Users", exact=True).click()
    page.get_by_role("heading", name="Users").wait_for()
    screenshots("users")
    page.get_by_role("link", name="Dr. Lena Hoffmann").click()
    page.get_by_role("heading", name="Dr. Lena Hoffmann").wait_for()
    screenshot("user-edit")
    page.get_by_role("link", name="Audit log").click()
    page.get_by_role("heading", name="Audit log").wait_for()
    screenshot("audit")
    page.get_by_role("button", name="Verify the chain").click()
    page.get_by_text(
        "The audit chain is intact, and every frozen document matches its recorded hash."
    ).wait_for()
    page.get_by_role("link", name="Boards").click()
    page.get_by_role("link", name="GEP-NET board").click()
    page.get_by_role("heading", name="GEP-NET board").wait_for()
    screenshot("board-edit")
