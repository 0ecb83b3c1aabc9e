"""Each page of the menu, as the people who use it see it, at three widths: the page checks of every
browser test (axe-core, no sideways scrolling at 768 px) run on each as it loads."""

import pytest

from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.e2e

MENU = {
    "chair@example.org": ("Cases", "Patients", "Meetings", "Quality", "Notifications", "Prof. Henrik Vogel"),
    "admin@example.org": ("Users", "Boards", "Failed jobs", "HL7", "Audit log"),
    "coordinator@example.org": ("Unmatched results",),
    "submitter@example.org": ("Cases", "Patients", "Notifications"),
}


@pytest.mark.parametrize("email", MENU)
def test_every_page_of_the_menu(page, live_server, screenshots, email):
    sign_in(page, live_server, email)
    page.get_by_role("heading", level=1).wait_for()
    for name in MENU[email]:
        page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()
        page.wait_for_load_state()
        heading = page.get_by_role("heading", level=1)
        heading.wait_for()
        assert heading.inner_text().strip(), f"{name}: the page has no heading"
        screenshots(f"menu-{email.split('@')[0]}-{name.lower().replace(' ', '-').replace('.', '')}")
