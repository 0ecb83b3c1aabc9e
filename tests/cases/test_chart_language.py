"""Issue 15: the marker chart in its reader's language. Its title, legend, accessible <title>, "today" and
date ticks are German for a German reader (Babel's month names, the formats of tumorboard/formats.py;
matplotlib's own date formatter writes the C locale's English), English unchanged for an English one; the
render cache keys (and ETags) hold the language, so neither reader is ever served the other's chart."""

import re
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from tumorboard.auth.roles import Role
from tumorboard.cases.charts import MarkerPoint, marker_chart_svg
from tumorboard.extensions import db
from tumorboard.render_cache import ChartRender

GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}
ENGLISH_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@pytest.fixture
def case(create_case, create_lab, users, board):
    """Chromogranin A over about seven months to a week ago, the last one above the range: month ticks."""
    case = create_case(submitter=users[Role.SUBMITTER], board=board, status="submitted")
    today = date.today()
    for days_ago, value in ((220, 80.0), (150, 95.0), (90, 110.0), (7, 150.0)):
        create_lab(
            case, created_by=users[Role.SUBMITTER], sample_date=today - timedelta(days=days_ago), value=value
        )
    return case


def _url(case) -> str:
    return f"/cases/{case.id}/markers/chromogranin_a.svg"


def _texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def _title(svg: str) -> str:
    return re.search(r"<title>([^<]*)</title>", svg).group(1)


def test_a_german_reader_gets_the_chart_in_german(client_as, case):
    client = client_as(Role.SPECIALIST)
    english, german = client.get(_url(case), headers=ENGLISH), client.get(_url(case), headers=GERMAN)
    assert english.status_code == german.status_code == 200
    english_texts, german_texts = _texts(english.text), _texts(german.text)

    assert {"result", "lab's reference range", "outside the lab's reference range", "today"} <= set(
        english_texts
    )
    assert {
        "Wert",
        "Referenzbereich des Labors",
        "außerhalb des Referenzbereichs des Labors",
        "heute",
    } <= set(german_texts)

    months = [label for label in english_texts if label in ENGLISH_MONTHS]
    assert months, english_texts  # the span is months: the ticks name them
    for label in months:
        day = date(2024, ENGLISH_MONTHS.index(label) + 1, 1)
        assert format_date(day, "LLL", locale="de") in german_texts, (label, german_texts)
    assert not {"Mar", "May", "Oct", "Dec"} & set(german_texts)

    first = date.today() - timedelta(days=220)
    assert _title(english.text).startswith(f"Chromogranin A (serum): 4 results from {first.isoformat()} to ")
    assert _title(german.text).startswith("Chromogranin A (Serum): ")
    assert f": 4 Werte vom {first:%d.%m.%Y} bis " in _title(german.text)
    assert "außerhalb des Referenzbereichs des Labors" in _title(german.text)


def test_the_etag_and_the_cached_chart_are_each_readers_own(client_as, case):
    client = client_as(Role.SPECIALIST)
    english = client.get(_url(case), headers=ENGLISH)
    german = client.get(_url(case), headers=GERMAN)
    assert english.headers["ETag"] != german.headers["ETag"] and english.data != german.data
    # the English reader's copy is no copy of the German chart: the German reader gets the chart
    crossed = client.get(_url(case), headers={**GERMAN, "If-None-Match": english.headers["ETag"]})
    assert crossed.status_code == 200 and crossed.data == german.data
    assert (
        client.get(_url(case), headers={**GERMAN, "If-None-Match": german.headers["ETag"]}).status_code == 304
    )
    assert client.get(_url(case), headers=ENGLISH).data == english.data
    assert db.session.scalar(select(func.count()).select_from(ChartRender)) == 2


def test_without_an_app_the_chart_stays_english_as_before():
    points = [
        MarkerPoint(date(2024, 2, 3) + timedelta(days=30 * i), 50.0 + i, None, 100.0, None) for i in range(8)
    ]
    svg = marker_chart_svg(points, title="CgA", unit="µg/L")
    assert {"Mar", "May", "Jul", "Sep", "2024", "result", "lab's reference range"} <= set(_texts(svg))
    assert _title(svg) == (
        "CgA: 8 results from 2024-02-03 to 2024-08-31, latest 57 µg/L; 0 outside the lab's reference range"
    )
