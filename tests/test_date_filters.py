"""The `date`, `datetime` and `month` template filters: one format for the hospital, calendar dates as
they are, moments in the hospital's zone."""

from datetime import UTC, date, datetime

from flask import render_template_string


def render(app, source: str, **values) -> str:
    with app.app_context():
        return render_template_string(source, **values)


def test_a_calendar_date_is_shown_as_it_is(app):
    assert render(app, "{{ d|date }}", d=date(1961, 3, 4)) == "04 Mar 1961"
    assert render(app, "{{ d|month }}", d=date(2024, 11, 1)) == "Nov 2024"
    assert render(app, "{{ d|date }}", d=None) == ""


def test_a_moment_is_shown_on_its_day_in_the_hospitals_zone(app):
    late = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)  # already 3 Dec in Berlin
    assert render(app, "{{ t|date }}", t=late) == "03 Dec 2026"
    assert render(app, "{{ t|datetime }}", t=late) == "03 Dec 2026 00:30"
    assert render(app, "{{ t|month }}", t=datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "Jan 2027"
