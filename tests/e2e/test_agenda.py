"""The coordinator builds an agenda from the pool, reorders it by drag and drop, records attendance, and
prints it."""

import pytest

from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.e2e


def test_coordinator_builds_reorders_attends_and_prints(page, live_server, screenshot, screenshots):
    sign_in(page, live_server, "coordinator@example.org")
    page.get_by_role("link", name="Meetings", exact=True).click()
    page.get_by_role("heading", name="Meetings").wait_for()
    # the second GEP-NET meeting of the demo series has an empty agenda
    page.get_by_role("row").filter(has_text="GEP-NET board").nth(1).get_by_role("link").click()
    page.get_by_role("heading", name="Waiting in the pool").wait_for()

    for _ in range(2):
        page.locator("#pool").get_by_role("button", name="Add").first.click()
        page.get_by_text("added to the agenda").wait_for()
    rows = page.locator("#agenda-table tbody tr[data-item-id]")
    assert rows.count() == 2
    first_before = rows.nth(0).locator("a").first.inner_text()

    rows.nth(1).locator(".drag-handle").drag_to(rows.nth(0), target_position={"x": 10, "y": 2})
    page.wait_for_load_state("networkidle")
    page.locator("#agenda-table").wait_for()
    rows = page.locator("#agenda-table tbody tr[data-item-id]")
    assert rows.nth(1).locator("a").first.inner_text() == first_before, "the second case moved to the top"
    screenshots("agenda-builder")

    page.get_by_role("link", name="Record attendance").click()
    for name in (
        "Dr. Marco Rossi",
        "Dr. Lena Hoffmann",
        "Dr. Yusuf Demir",
        "Dr. Amira Haddad",
        "Prof. Henrik Vogel",
        "Dr. Claire Dubois",
    ):
        page.get_by_label(f"{name} present").check()
    page.get_by_label("Dr. Nils Berg absent").check()
    page.get_by_text(
        "every required specialty is present (save to record it)"
    ).wait_for()  # live, before saving
    screenshots("attendance")
    page.get_by_role("button", name="Save attendance").click()
    page.get_by_text("Attendance saved.").wait_for()
    assert page.get_by_text("Quorum reached.").is_visible()

    page.get_by_role("link", name="Print agenda").click()
    page.get_by_role("heading", name="GEP-NET board").wait_for()
    assert page.get_by_text("Question:").count() == 2
    screenshot("agenda-print")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
