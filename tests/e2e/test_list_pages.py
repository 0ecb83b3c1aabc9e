"""A long list's keyset pager in the browser: the audit log and the patient list walked by First /
Previous / Next / Last and a jump, by mouse and by keyboard (the page checks of every browser test, axe-core
among them, run on each load)."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.e2e


def test_the_audit_log_is_walked_page_by_page(page, live_app, live_server, screenshots):
    live_app.config["PER_PAGE"] = 2  # the log's page holds twice that: the demo's events fill several
    sign_in(page, live_server, "admin@example.org")
    page.goto(f"{live_server}/admin/audit/")
    pager = page.get_by_role("navigation", name="Pages")
    expect(pager.get_by_role("link", name="First")).to_have_attribute("aria-current", "page")
    first_seq = page.get_by_role("row").nth(1).get_by_role("cell").first.inner_text()
    screenshots("audit-log-pages")
    pager.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"after="))
    assert page.get_by_role("row").nth(1).get_by_role("cell").first.inner_text() != first_seq
    pager.get_by_role("link", name="Previous").click()
    expect(page.get_by_role("row").nth(1).get_by_role("cell").first).to_have_text(first_seq)
    pager.get_by_role("link", name="Last").click()
    expect(pager.get_by_role("link", name="Last")).to_have_attribute("aria-current", "page")
    assert pager.get_by_text("Next").count() == 1 and pager.get_by_role("link", name="Next").count() == 0
    pager.get_by_role("link", name="First").focus()
    page.keyboard.press("Enter")
    expect(pager.get_by_role("link", name="First")).to_have_attribute("aria-current", "page")
    page.get_by_label("Jump to the day").fill("2000-01-01")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("No event matches")).to_be_visible()


def test_the_patient_list_jumps_to_an_initial(page, live_app, live_server):
    live_app.config["PER_PAGE"] = 2
    sign_in(page, live_server, "submitter@example.org")
    page.goto(f"{live_server}/patients")
    pager = page.get_by_role("navigation", name="Pages")
    expect(pager).to_be_visible()
    page.get_by_label("Jump to the letter").fill("z")
    page.get_by_role("button", name="Go").click()
    expect(page).to_have_url(re.compile(r"initial=z"))
    expect(pager.get_by_role("link", name="Previous")).to_be_visible()
