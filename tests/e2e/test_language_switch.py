"""The language switch in the navigation: the same page comes back in the other language with what was
typed in its form (not the password), signed out (a cookie) and signed in (the profile)."""

import pytest

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "tumorboard-demo"


def test_switching_language_keeps_the_page_and_what_was_typed(page, live_server, screenshots):
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill("chair@example.org")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Deutsch").click()
    page.get_by_role("heading", name="Anmelden").wait_for()
    assert page.url == f"{live_server}/login"
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_label("E-Mail").input_value() == "chair@example.org"  # the typed address is kept
    assert page.get_by_label("Passwort").input_value() == ""  # a password never is
    screenshots("language-login-de")

    page.get_by_label("Passwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("link", name="Übersicht").first.wait_for()  # the cookie's German, signed in too

    page.goto(f"{live_server}/account")
    page.get_by_role("heading", name="Ihr Konto").wait_for()
    page.locator("#name").fill("Laptop script")
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Your account").wait_for()
    assert page.url == f"{live_server}/account"
    assert page.locator("#name").input_value() == "Laptop script"
    assert page.locator("html").get_attribute("lang") == "en"
    # the choice is on the profile now: the next page, and the next sign-in, are in English
    page.goto(f"{live_server}/")
    assert page.locator("html").get_attribute("lang") == "en"
    # the stored text is taken back once: a reload shows the page as the server sent it
    page.goto(f"{live_server}/account")
    assert page.locator("#name").input_value() == ""
