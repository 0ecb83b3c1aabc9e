"""A result below what the assay measures: the submitter types "<2" as the laboratory wrote it, and the
board reads "<2" with what it means, never a plain 2."""

import re
from datetime import date, timedelta

import pytest

from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.e2e

PATIENT = "Brenner, Klaus"  # a demo case with chromogranin A results in ng/mL


def test_a_censored_value_is_typed_and_shown_as_the_lab_wrote_it(page, live_server, screenshots, axe):
    sampled = date.today() - timedelta(days=2)
    sign_in(page, live_server, "submitter@example.org")
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name=PATIENT).first.click()
    page.get_by_role("heading", name=re.compile(PATIENT)).wait_for()

    page.get_by_role("link", name="Add laboratory result").click()
    page.get_by_label("Sample date").fill(sampled.isoformat())
    page.get_by_label("Marker").select_option("chromogranin_a")
    page.get_by_label("Value", exact=True).fill("<")
    page.get_by_label("Unit", exact=True).fill("ng/mL")
    page.get_by_role("button", name="Save result").click()
    page.get_by_text("Give the number after <, for example <2.").wait_for()  # refused, kept as typed
    assert page.get_by_label("Value", exact=True).input_value() == "<"
    page.get_by_label("Value", exact=True).fill("<2")
    page.get_by_role("button", name="Save result").click()
    page.get_by_text("Laboratory result added.").wait_for()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "coordinator@example.org")
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name=PATIENT).first.click()
    page.get_by_role("heading", name=re.compile(PATIENT)).wait_for()
    row = page.locator("#lab tr", has_text=f"{sampled:%d %b %Y}")
    assert "<2 ng/mL" in row.inner_text() and "less than" in row.inner_text()
    caption = page.locator("figure.marker-chart", has=page.locator("img[src*='chromogranin_a']")).locator(
        "figcaption"
    )
    assert "latest <2 ng/mL" in caption.inner_text()
    screenshots("case-censored-value")
    axe("case page with a censored value")
