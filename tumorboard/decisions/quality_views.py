"""The quality dashboard of a board for coordinators and chairs, and its CSV export.

Filters travel in the URL: `board` (one of the user's boards; another board is a 404), `from` and `to`
(meeting dates, hospital time; by default the last 12 months). A date that cannot be read, or a period
that ends before it starts, is said beside the filter (422), never a 500.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tumorboard.auth.access import require_role
from tumorboard.auth.roles import Role
from tumorboard.boards.models import Board
from tumorboard.decisions import quality, queries
from tumorboard.decisions.blueprint import bp
from tumorboard.render_cache import svg_response
from tumorboard.timezones import hospital_today

EARLIEST, LATEST = date(2000, 1, 1), date(2199, 12, 31)
# what a filter's date is refused with, per field (a whole sentence each: the languages name them apart)
NOT_A_DATE = {
    "from": _l("The start date is not a date: write it as YYYY-MM-DD."),
    "to": _l("The end date is not a date: write it as YYYY-MM-DD."),
}
OUT_OF_RANGE = {
    "from": _l("The start date must lie between %(earliest)s and %(latest)s."),
    "to": _l("The end date must lie between %(earliest)s and %(latest)s."),
}


@dataclass
class QualityFilters:
    board: Board | None
    start: date
    end: date
    raw_start: str
    raw_end: str
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def query(self) -> dict[str, str]:
        """The filters as URL arguments (as typed, so a link repeats what the user sees)."""
        return {"board": str(self.board.id) if self.board else "", "from": self.raw_start, "to": self.raw_end}


def default_period(today: date) -> tuple[date, date]:
    """The last 12 months, today included: from the day after the same date a year ago."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return year_ago + timedelta(days=1), today


def _date(name: str, default: date, errors: dict[str, str]) -> tuple[date, str]:
    raw = request.args.get(name, "").strip()[:40]
    if not raw:
        return default, default.isoformat()
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        errors[name] = str(NOT_A_DATE[name])
        return default, raw
    if not EARLIEST <= value <= LATEST:
        errors[name] = str(OUT_OF_RANGE[name]) % {"earliest": EARLIEST.year, "latest": LATEST.year}
        return default, raw
    return value, raw


def _filters(boards: list[Board]) -> QualityFilters:
    wanted = request.args.get("board", "").strip()
    if wanted:
        board = next((b for b in boards if str(b.id) == wanted), None)
        if board is None:
            abort(404)
    else:
        board = boards[0] if boards else None
    errors: dict[str, str] = {}
    default_start, default_end = default_period(hospital_today())
    start, raw_start = _date("from", default_start, errors)
    end, raw_end = _date("to", default_end, errors)
    if not errors and end < start:
        errors["to"] = _("The period ends before it starts: choose an end date on or after the start date.")
    return QualityFilters(board, start, end, raw_start, raw_end, errors)


@bp.get("/quality")
@require_role(Role.COORDINATOR, Role.CHAIR)
def quality_dashboard():
    boards = queries.boards_of(current_user)
    filters = _filters(boards)
    report, charts = None, []
    if filters.board is not None and not filters.errors:
        report = quality.quality_report(filters.board.id, filters.start, filters.end)
        link: dict[str, Any] = filters.query
        charts = [  # each an image of its own, drawn once and revalidated (quality_chart)
            {
                "name": name,
                "src": url_for("decisions.quality_chart", name=name, **link),
                "alt": spec.alt,
            }
            for name, spec in quality.report_chart_specs(report).items()
        ]
    return render_template(
        "decisions/quality.html", boards=boards, filters=filters, report=report, charts=charts
    ), (422 if filters.errors else 200)


@bp.get("/quality/<name>.svg")
@require_role(Role.COORDINATOR, Role.CHAIR)
def quality_chart(name: str):
    """One chart of the dashboard with the page's filters, private and revalidated with a strong ETag
    (render_cache.svg_response): the board is checked first (another board's chart is a 404, even for
    If-None-Match), then the figures are read (three statements) for the key; a 304 or a cache hit never
    draws. A chart the figures do not have (nothing to show, or no such chart) is a 404."""
    filters = _filters(queries.boards_of(current_user))
    if filters.board is None or name not in quality.CHART_NAMES:
        abort(404)
    if filters.errors:
        return Response(" ".join(filters.errors.values()) + "\n", status=422, mimetype="text/plain")
    report = quality.quality_report(filters.board.id, filters.start, filters.end)
    spec = quality.report_chart_specs(report).get(name)
    if spec is None:
        abort(404)
    return svg_response(spec.key, spec.draw)


@bp.get("/quality.csv")
@require_role(Role.COORDINATOR, Role.CHAIR)
def quality_csv():
    filters = _filters(queries.boards_of(current_user))
    if filters.board is None:
        abort(404)
    if filters.errors:
        return Response(" ".join(filters.errors.values()) + "\n", status=422, mimetype="text/plain")
    report = quality.quality_report(filters.board.id, filters.start, filters.end)
    name = f"quality-board-{filters.board.id}-{filters.start.isoformat()}-{filters.end.isoformat()}.csv"
    return Response(
        quality.report_csv(report),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
