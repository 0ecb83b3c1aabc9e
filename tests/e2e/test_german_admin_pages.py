"""The dashboard, the admin's pages, the audit log and the data-protection review in German (issue 15):
each page visited is checked by itself (axe-core; at 768 px nothing scrolls sideways with German's longer
words) and saved at 1440, 1920 and 768 px."""

import pytest

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "tumorboard-demo"


def _sign_in_in_german(page, live_server, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_role("button", name="Deutsch").click()
    page.get_by_role("heading", name="Anmelden").wait_for()
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("heading", name="Willkommen", exact=False).wait_for()


def test_the_admin_pages_in_german(page, live_server, screenshots):
    _sign_in_in_german(page, live_server, "admin@example.org")
    page.get_by_role("heading", name="Administration").wait_for()
    screenshots("german-dashboard-admin")
    for path, heading, name in [
        ("/admin/users", "Benutzer", "german-users"),
        ("/admin/users/new", "Neues Konto", "german-user-new"),
        ("/admin/service-accounts", "Dienstkonten", "german-service-accounts"),
        ("/admin/sso/groups", "Single-Sign-on-Gruppen", "german-sso-groups"),
        ("/admin/audit/", "Audit-Protokoll", "german-audit"),
    ]:
        page.goto(f"{live_server}{path}")
        page.get_by_role("heading", name=heading, exact=True).first.wait_for()
        screenshots(name)
    page.goto(f"{live_server}/admin/users")
    page.get_by_role("link", name="Prof. Henrik Vogel").click()
    page.get_by_role("heading", name="Vorläufiges Passwort setzen").wait_for()
    screenshots("german-user-edit")


def test_the_privacy_review_in_german(page, live_server, screenshots):
    _sign_in_in_german(page, live_server, "privacy@example.org")
    page.get_by_role("link", name="Akte eines Patienten prüfen").click()
    page.get_by_role("heading", name="Datenschutz: die Akte eines Patienten").wait_for()
    assert page.get_by_label("Grund für diese Prüfung").is_visible()
    screenshots("german-privacy-review")
