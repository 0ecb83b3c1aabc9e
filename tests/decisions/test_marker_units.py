"""Meeting mode, the frozen chart and the letter keep results of different units apart: the note says why,
and no change is computed across a unit change."""

import io
import xml.etree.ElementTree as ET
from datetime import date

from pypdf import PdfReader

from tests.decisions.support import a_signed_decision, client_of
from tumorboard.extensions import db

NOTE = (
    "Chromogranin A (serum): the unit changed from µg/L to nmol/L on 12 Mar 2026; values of different "
    "assays are not comparable, so they are drawn as separate series."
)
SVG = "{http://www.w3.org/2000/svg}"


def _switch_units(case, created_by, create_lab):
    """Replace the case's labs with chromogranin A from two assays: 250 µg/L, then 2.1 nmol/L."""
    for lab in list(case.labs):
        db.session.delete(lab)
    db.session.commit()
    create_lab(
        case, created_by=created_by, sample_date=date(2025, 12, 1), value=180.0, unit="µg/L", ref_high=100
    )
    create_lab(
        case, created_by=created_by, sample_date=date(2026, 1, 15), value=250.0, unit="µg/L", ref_high=100
    )
    create_lab(
        case, created_by=created_by, sample_date=date(2026, 3, 12), value=2.1, unit="nmol/L", ref_high=3
    )
    db.session.refresh(case)


def _panels(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input
    return [g.get("id") for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("trend")]


def test_meeting_mode_shows_the_note_and_each_series_with_its_unit(app, specialist, item, create_lab):
    _switch_units(item.case, specialist, create_lab)
    html = client_of(app, specialist).get(f"/meetings/{item.meeting_id}/mode?item={item.id}").text

    assert f'<p class="marker-unit-change text-warning-emphasis mb-1" role="note">⚠ {NOTE}</p>' in html
    assert "Chromogranin A (serum) in µg/L: 2 results from 01 Dec 2025 to 15 Jan 2026" in html
    assert "rose by 39% since 180 µg/L on 01 Dec 2025" in html
    assert "Chromogranin A (serum) in nmol/L: 1 result, on 12 Mar 2026; latest 2.1 nmol/L, no earlier" in html
    assert 'height="370"' in html and "one panel per unit (µg/L, nmol/L)" in html
    assert "99 %" not in html and "fell by" not in html


def test_the_frozen_chart_and_the_letter_keep_the_units_apart(app, specialist, chair, item, create_lab):
    _switch_units(item.case, specialist, create_lab)
    decision = a_signed_decision(specialist, chair, item)
    db.session.refresh(item)
    client = client_of(app, specialist)

    assert item.snapshot is not None  # signing recorded the outcome, which froze the case
    chart = client.get(f"/meetings/{item.meeting_id}/agenda/{item.id}/markers/chromogranin_a.svg")
    assert chart.status_code == 200 and _panels(chart.text) == ["trend", "trend-2"]
    assert "the unit changed from µg/L to nmol/L on 12 Mar 2026" in chart.text
    html = client.get(f"/meetings/{item.meeting_id}/mode?item={item.id}").text
    assert f"/agenda/{item.id}/markers/chromogranin_a.svg" in html and NOTE in html  # as frozen

    finding = (
        "12 Mar 2026 Chromogranin A (serum): 2.1 nmol/L; the unit changed from µg/L to nmol/L on "
        "12 Mar 2026: the results in µg/L are of another assay, not comparable"
    )
    letter = client.get(f"/decisions/{decision.id}/letter").text
    assert f"<li>{finding}</li>" in letter
    pdf = client.get(f"/decisions/{decision.id}/letter.pdf").data
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
    assert finding in text
    assert "99 %" not in letter and "99 %" not in text
