"""A laboratory changes its chromogranin A assay: the submitter enters a result in nmol/L after the demo
case's ng/mL ones, and the case page shows the board two series with a visible note instead of one
falling line."""

import re
from datetime import date, timedelta

import pytest

from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.e2e

PATIENT = "Brenner, Klaus"  # a demo case with three chromogranin A results in ng/mL


def test_a_unit_change_splits_the_chart_and_the_page_says_why(page, live_server, screenshots, axe):
    sampled = date.today() - timedelta(days=3)
    sign_in(page, live_server, "submitter@example.org")
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name=PATIENT).first.click()
    page.get_by_role("heading", name=re.compile(PATIENT)).wait_for()

    page.get_by_role("link", name="Add laboratory result").click()
    page.get_by_label("Sample date").fill(sampled.isoformat())
    page.get_by_label("Marker").select_option("chromogranin_a")
    page.get_by_label("Value", exact=True).fill("2.1")
    page.get_by_label("Unit", exact=True).fill("nmol/L")
    page.get_by_label("Reference range to").fill("3")
    page.get_by_role("button", name="Save result").click()
    page.get_by_text("Laboratory result added.").wait_for()
    # the board's coordinator reads the case (the submitter's page also has the lab table's Edit links,
    # whose contrast on the flagged rows axe refuses: a finding outside the chart, reported separately)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "coordinator@example.org")
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name=PATIENT).first.click()
    page.get_by_role("heading", name=re.compile(PATIENT)).wait_for()

    chart = page.locator("figure.marker-chart", has=page.locator("img[src*='chromogranin_a']"))
    note = chart.get_by_role("note")
    assert note.is_visible()
    assert note.inner_text() == (
        f"⚠ Chromogranin A (serum): the unit changed from ng/mL to nmol/L on {sampled:%d %b %Y}; values of "
        "different assays are not comparable, so they are drawn as separate series."
    )
    caption = chart.locator("figcaption")
    assert "Chromogranin A (serum) in ng/mL: 3 results" in caption.inner_text()
    assert "Chromogranin A (serum) in nmol/L: 1 result" in caption.inner_text()
    image = chart.locator("img")
    assert "one panel per unit (ng/mL, nmol/L)" in (image.get_attribute("alt") or "")
    chart.scroll_into_view_if_needed()  # the chart loads lazily
    # the SVG itself loads, at the height the page reserved for two panels (480 x 370 px)
    assert image.evaluate("img => img.decode().then(() => [img.naturalWidth, img.naturalHeight])") == [
        480,
        370,
    ]
    screenshots("case-marker-unit-change")
    axe("case page with a marker unit change")
