"""The board's quality figures for a period: throughput, timeliness, completeness, implementation and the
NET documentation indicators, each with its numerator, denominator and the definition shown to the user.

The period is by meeting date in the hospital's time zone. Everything is read in three statements of
compact rows (first decisions with their case's indicator columns, the agenda history of the discussed
cases, every signed version with its follow-up), however many cases the board discussed; the figures are
counted from those rows here.
"""

import csv
import hashlib
import io
import json
import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from functools import partial

import matplotlib
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from matplotlib.axes import Axes
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure as MplFigure
from matplotlib.patches import Patch
from sqlalchemy import and_, exists, func, select

from tumorboard.cases.charts import _CSS_PX_PER_INCH, _RC, _RENDER_LOCK, _as_standalone_svg
from tumorboard.cases.models import Case, CaseStatus, ImagingStudy, PathologyReport
from tumorboard.clinical.vocabularies import (
    DeviationReason,
    Differentiation,
    ImagingModality,
    PrimarySite,
    Treatment,
    TreatmentCategory,
)
from tumorboard.decisions.models import (
    Decision,
    DecisionOutcome,
    DecisionStatus,
    FollowUp,
    FollowUpStatus,
    PlanItem,
)
from tumorboard.extensions import db
from tumorboard.meetings.models import AgendaItem, Meeting
from tumorboard.render_cache import cached_svg, chart_key
from tumorboard.timezones import hospital_tz, local_day_end_utc, local_day_start_utc

SIGNED_STATUSES = (DecisionStatus.SIGNED.value, DecisionStatus.SUPERSEDED.value)
DISCUSSED_OUTCOMES = (DecisionOutcome.RECOMMENDATION.value, DecisionOutcome.FURTHER_DIAGNOSTICS.value)
PRRT_CODES = tuple(t.value for t in Treatment if t.category is TreatmentCategory.PRRT)
SSTR_MODALITIES = (ImagingModality.SSTR_PET_CT.value, ImagingModality.OCTREOSCAN_SPECT.value)
KNOWN_DIFFERENTIATION = (Differentiation.WELL.value, Differentiation.POOR.value)
SIGNING_LIMIT = timedelta(hours=48)
NO_REASON = ""  # a partly/not follow-up without a coded reason (older records)

PERCENT, DAYS, COUNT = "%", "days", "cases"

# The definitions shown beside each figure, in the reader's language (lazy: read when shown).
DEFINITIONS = {
    "cases_discussed": _l(
        "Distinct cases with a signed first decision (version 1, signed or since amended) whose outcome is a "
        "recommendation or further diagnostics, at a meeting of this board whose date (hospital time) lies "
        "in the period."
    ),
    "median_days": _l(
        "Median of the calendar days (hospital time) from a discussed case's latest submission to its first "
        "discussion in the period after that submission; cases submitted again since are left out."
    ),
    "complete_at_submission": _l(
        "Discussed cases whose readiness check found nothing missing when the case was (last) submitted."
    ),
    "first_meeting": _l(
        "Discussed cases whose first discussion in the period was at the first meeting of this board they "
        "were put on the agenda for since any earlier discussion (a cancelled meeting counts)."
    ),
    "signed_within_48h": _l(
        "First decisions (any outcome, deferrals included) at meetings in the period that the chair signed "
        "no more than 48 hours after the meeting's start."
    ),
    "implemented_fully": _l(
        "Board decisions in the period (recommendation or further diagnostics) with a follow-up, carried out "
        "fully; each decision counts once, with the follow-up of its latest signed version that has one."
    ),
    "implemented_partly": _l("The same decisions with a follow-up, carried out partly."),
    "not_implemented": _l("The same decisions with a follow-up, not carried out."),
    "primary_site": _l(
        'Discussed cases with a primary site recorded: any site but "Other site" (an unknown primary, '
        "recorded as the result of the work-up, counts as documented)."
    ),
    "ki67": _l("Discussed cases with a Ki-67 index in at least one pathology report."),
    "differentiation": _l(
        "Discussed cases with the differentiation (well or poorly differentiated) recorded on the case or in "
        "a pathology report."
    ),
    "stage": _l(
        "Discussed cases with tumour size, extent and number of positive nodes recorded: the inputs of the "
        "computed TNM stage (the stage itself is not computed here)."
    ),
    "sstr_before_prrt": _l(
        "Board decisions in the period whose plan (latest signed version) includes PRRT, where the case has "
        "an SSTR PET/CT or Octreoscan dated on or before the meeting day."
    ),
}
REASON_DEFINITION = _l(
    "Follow-ups carried out partly or not at all that give this reason (of all such follow-ups)."
)


@dataclass(frozen=True)
class Figure:
    """One figure: `value` is a percentage for shares, a number of days for the median, a count for cases.

    A share or median without a denominator has no value (None), never 0."""

    key: str
    label: str
    numerator: int | None
    denominator: int | None
    value: float | None
    unit: str
    definition: str

    @property
    def is_share(self) -> bool:
        return self.unit == PERCENT

    @property
    def display(self) -> str:
        if self.value is None:
            return "–"
        if self.unit == PERCENT:
            return f"{_number(self.value)} %"
        if self.unit == DAYS:
            return f"{_number(self.value)} days"
        return _number(self.value)


@dataclass(frozen=True)
class ReasonCount:
    """Follow-ups carried out partly or not at all, for one deviation reason."""

    reason: str  # DeviationReason value, or NO_REASON
    label: str
    partly: int
    not_carried_out: int

    @property
    def total(self) -> int:
        return self.partly + self.not_carried_out


@dataclass(frozen=True)
class QualityReport:
    board_id: int
    start: date
    end: date
    cases_discussed: Figure
    median_days: Figure
    complete_at_submission: Figure
    first_meeting: Figure
    signed_within_48h: Figure
    implemented_fully: Figure
    implemented_partly: Figure
    not_implemented: Figure
    primary_site: Figure
    ki67: Figure
    differentiation: Figure
    stage: Figure
    sstr_before_prrt: Figure
    reasons: tuple[ReasonCount, ...]

    @property
    def figures(self) -> list[Figure]:
        """The figures in the order the page and the CSV show them."""
        return [getattr(self, f.name) for f in fields(self) if f.type is Figure]

    @property
    def shares(self) -> list[Figure]:
        return [figure for figure in self.figures if figure.is_share]

    @property
    def deviations(self) -> int:
        return sum(reason.total for reason in self.reasons)

    def reason_figures(self) -> list[Figure]:
        """Each reason as a figure of its own, for the CSV: its count of all partly/not follow-ups."""
        total = self.deviations
        return [
            _share(
                f"reason_{reason.reason or 'none'}",
                _("Reason for not (fully) carrying out: %(reason)s", reason=reason.label),
                reason.total,
                total,
                str(REASON_DEFINITION),
            )
            for reason in self.reasons
        ]


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _share(key: str, label: str, numerator: int, denominator: int, definition: str | None = None) -> Figure:
    value = 100 * numerator / denominator if denominator else None
    return Figure(key, label, numerator, denominator, value, PERCENT, str(definition or DEFINITIONS[key]))


def quality_report(board_id: int, start: date, end: date) -> QualityReport:
    """The figures of `board_id` for meetings held from `start` to `end` (inclusive, hospital time)."""
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    since, until = local_day_start_utc(start), local_day_end_utc(end)
    in_period = and_(Meeting.board_id == board_id, Meeting.starts_at >= since, Meeting.starts_at < until)
    first_rows = _first_decisions(in_period)

    discussions: dict[int, list] = defaultdict(list)  # case id → its discussions in the period, in order
    for row in first_rows:
        if row.outcome in DISCUSSED_OUTCOMES:
            discussions[row.case_id].append(row)
    cases = [rows[0] for rows in discussions.values()]  # one row per case: its first discussion
    n = len(cases)

    days = []
    for rows in discussions.values():
        submitted = rows[0].submitted_at
        after = next((r for r in rows if submitted is not None and r.starts_at >= submitted), None)
        if after is not None:
            days.append((_local_day(after.starts_at) - _local_day(submitted)).days)

    history = _agenda_history(board_id, until, in_period) if cases else {}
    at_first = sum(_at_first_meeting(row, history.get(row.case_id, [])) for row in cases)

    in_time = sum(
        row.signed_at is not None and row.signed_at - row.starts_at <= SIGNING_LIMIT for row in first_rows
    )

    follow_ups, prrt = _implementation(in_period)
    counts = {status: sum(s == status for s, _ in follow_ups) for status in FollowUpStatus}
    with_follow_up = len(follow_ups)

    return QualityReport(
        board_id=board_id,
        start=start,
        end=end,
        cases_discussed=Figure(
            "cases_discussed",
            _("Cases discussed"),
            n,
            None,
            float(n),
            COUNT,
            str(DEFINITIONS["cases_discussed"]),
        ),
        median_days=Figure(
            "median_days",
            _("Median days from submission to discussion"),
            None,
            len(days),
            float(statistics.median(days)) if days else None,
            DAYS,
            str(DEFINITIONS["median_days"]),
        ),
        complete_at_submission=_share(
            "complete_at_submission",
            _("Complete at submission"),
            sum(json.loads(row.readiness_missing or "[]") == [] for row in cases),
            n,
        ),
        first_meeting=_share("first_meeting", _("Discussed at the first meeting scheduled"), at_first, n),
        signed_within_48h=_share(
            "signed_within_48h", _("Decisions signed within 48 hours"), in_time, len(first_rows)
        ),
        implemented_fully=_share(
            "implemented_fully", _("Implemented fully"), counts[FollowUpStatus.FULLY], with_follow_up
        ),
        implemented_partly=_share(
            "implemented_partly", _("Implemented partly"), counts[FollowUpStatus.PARTLY], with_follow_up
        ),
        not_implemented=_share(
            "not_implemented", _("Not implemented"), counts[FollowUpStatus.NOT], with_follow_up
        ),
        primary_site=_share(
            "primary_site",
            _("Primary site documented"),
            sum(bool(row.primary_site) and row.primary_site != PrimarySite.OTHER.value for row in cases),
            n,
        ),
        ki67=_share("ki67", _("Ki-67 documented"), sum(bool(row.has_ki67) for row in cases), n),
        differentiation=_share(
            "differentiation",
            _("Differentiation documented"),
            sum(
                row.differentiation in KNOWN_DIFFERENTIATION or bool(row.has_reported_differentiation)
                for row in cases
            ),
            n,
        ),
        stage=_share(
            "stage",
            _("Stage documented"),
            sum(
                row.tumour_size_cm is not None and bool(row.extent) and row.nodes_positive is not None
                for row in cases
            ),
            n,
        ),
        sstr_before_prrt=_share("sstr_before_prrt", _("SSTR imaging before PRRT"), sum(prrt), len(prrt)),
        reasons=_reasons(follow_ups),
    )


def _local_day(moment: datetime) -> date:
    return moment.astimezone(hospital_tz()).date()


def _first_decisions(in_period) -> Sequence:
    """Statement 1: every signed first decision at the board's meetings in the period, oldest meeting first,
    with its case's submission and the columns of the documentation indicators."""
    has_ki67 = exists().where(PathologyReport.case_id == Case.id, PathologyReport.ki67_percent.is_not(None))
    has_reported_differentiation = exists().where(
        PathologyReport.case_id == Case.id, PathologyReport.differentiation.in_(KNOWN_DIFFERENTIATION)
    )
    return db.session.execute(
        select(
            Decision.case_id,
            Decision.agenda_item_id,
            Decision.outcome,
            Decision.signed_at,
            Meeting.starts_at,
            Case.submitted_at,
            Case.readiness_missing,
            Case.primary_site,
            Case.differentiation,
            Case.tumour_size_cm,
            Case.extent,
            Case.nodes_positive,
            has_ki67.label("has_ki67"),
            has_reported_differentiation.label("has_reported_differentiation"),
        )
        .join(Meeting, Meeting.id == Decision.meeting_id)
        .join(Case, Case.id == Decision.case_id)
        .where(in_period, Decision.number == 1, Decision.status.in_(SIGNED_STATUSES))
        .order_by(Meeting.starts_at, Decision.id)
    ).all()


def _agenda_history(board_id: int, until: datetime, in_period) -> dict[int, list]:
    """Statement 2: every agenda item, at this board's meetings up to the period's end, of the cases
    discussed in the period, oldest meeting first."""
    discussed = (
        select(Decision.case_id)
        .join(Meeting, Meeting.id == Decision.meeting_id)
        .where(
            in_period,
            Decision.number == 1,
            Decision.status.in_(SIGNED_STATUSES),
            Decision.outcome.in_(DISCUSSED_OUTCOMES),
        )
    )
    rows = db.session.execute(
        select(AgendaItem.case_id, AgendaItem.id, AgendaItem.outcome, Meeting.starts_at)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(Meeting.board_id == board_id, Meeting.starts_at < until, AgendaItem.case_id.in_(discussed))
        .order_by(AgendaItem.case_id, Meeting.starts_at, AgendaItem.id)
    ).all()
    history: dict[int, list] = defaultdict(list)
    for row in rows:
        history[row.case_id].append(row)
    return history


def _at_first_meeting(discussion, items: Sequence) -> bool:
    """Whether the discussion's agenda item is the first of its episode: the case's agenda items since its
    previous discussion (an earlier item with the outcome "discussed")."""
    earlier = [
        item
        for item in items
        if (item.starts_at, item.id) < (discussion.starts_at, discussion.agenda_item_id)
    ]
    previous = [i for i, item in enumerate(earlier) if item.outcome == CaseStatus.DISCUSSED]
    episode = earlier[previous[-1] + 1 :] if previous else earlier
    return not episode


def _implementation(in_period) -> tuple[list[tuple[str, str | None]], list[bool]]:
    """Statement 3: every signed version of the board's decisions in the period whose outcome may be carried
    out, with its follow-up, whether its plan holds PRRT, and the case's first SSTR imaging date.

    Returns one (status, reason) per decision with a follow-up, and one flag per decision whose version in
    force plans PRRT: whether SSTR imaging came first."""
    has_prrt = exists().where(PlanItem.decision_id == Decision.id, PlanItem.treatment.in_(PRRT_CODES))
    first_sstr = (
        select(func.min(ImagingStudy.study_date))
        .where(ImagingStudy.case_id == Decision.case_id, ImagingStudy.modality.in_(SSTR_MODALITIES))
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            Decision.agenda_item_id,
            Decision.number,
            Meeting.starts_at,
            FollowUp.status.label("follow_up_status"),
            FollowUp.reason.label("follow_up_reason"),
            has_prrt.label("has_prrt"),
            first_sstr.label("first_sstr"),
        )
        .join(Meeting, Meeting.id == Decision.meeting_id)
        .outerjoin(FollowUp, FollowUp.decision_id == Decision.id)
        .where(in_period, Decision.status.in_(SIGNED_STATUSES), Decision.outcome.in_(DISCUSSED_OUTCOMES))
        .order_by(Decision.agenda_item_id, Decision.number)
    ).all()
    versions: dict[int, list] = defaultdict(list)
    for row in rows:
        versions[row.agenda_item_id].append(row)
    follow_ups, prrt = [], []
    for rows_of_decision in versions.values():
        recorded = [r for r in rows_of_decision if r.follow_up_status is not None]
        if recorded:
            follow_ups.append((recorded[-1].follow_up_status, recorded[-1].follow_up_reason))
        in_force = rows_of_decision[-1]
        if in_force.has_prrt:
            first = in_force.first_sstr
            prrt.append(first is not None and first <= _local_day(in_force.starts_at))
    return follow_ups, prrt


def _reasons(follow_ups: Iterable[tuple[str, str | None]]) -> tuple[ReasonCount, ...]:
    """Every coded reason (zero counts included, so the CSV always has the same rows), then uncoded ones."""
    partly: dict[str, int] = defaultdict(int)
    not_done: dict[str, int] = defaultdict(int)
    known = {reason.value for reason in DeviationReason}
    for status, reason in follow_ups:
        key = reason if reason in known else NO_REASON
        if status == FollowUpStatus.PARTLY.value:
            partly[key] += 1
        elif status == FollowUpStatus.NOT.value:
            not_done[key] += 1
    counts = [ReasonCount(r.value, r.label, partly[r.value], not_done[r.value]) for r in DeviationReason]
    if partly[NO_REASON] or not_done[NO_REASON]:
        counts.append(ReasonCount(NO_REASON, _("No reason recorded"), partly[NO_REASON], not_done[NO_REASON]))
    return tuple(counts)


# --- export -----------------------------------------------------------------------------------------------

CSV_HEADER = ("figure", "numerator", "denominator", "value", "definition")


def report_csv(report: QualityReport) -> str:
    """One row per figure (the reasons for non-implementation included); empty cells where a figure has no
    numerator, denominator or value. Shares are in per cent, rounded to 4 decimals; the median in days."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for figure in report.figures + report.reason_figures():
        writer.writerow(
            (
                figure.label,
                "" if figure.numerator is None else figure.numerator,
                "" if figure.denominator is None else figure.denominator,
                _csv_value(figure),
                figure.definition,
            )
        )
    return buffer.getvalue()


def _csv_value(figure: Figure) -> str:
    if figure.value is None:
        return ""
    if figure.unit == COUNT:
        return str(int(figure.value))
    return str(round(figure.value, 4))


# --- charts -----------------------------------------------------------------------------------------------

CHART_WIDTH_PX = 640
_BAR_PX = 26
_COLOUR_BAR = "#1f4e79"
_COLOUR_PARTLY = "#d4a017"
_COLOUR_NOT = "#b03a2e"
_COLOUR_MUTED = "#6b6b6b"


def chart_descriptions(report: QualityReport) -> dict[str, str]:
    """The alternative text of each chart `report_charts` draws: the same numbers in words."""
    descriptions = {}
    shares = [f for f in report.shares if f.value is not None]
    if shares:
        each_share = [
            _(
                "%(label)s %(share)s (%(numerator)s of %(denominator)s)",
                label=f.label,
                share=f.display,
                numerator=f.numerator,
                denominator=f.denominator,
            )
            for f in shares
        ]
        descriptions["shares"] = _("Shares in per cent: %(shares)s", shares="; ".join(each_share))
    reasons = [r for r in report.reasons if r.total]
    if reasons:
        each_reason = [
            _(
                "%(label)s %(total)s (partly %(partly)s, not %(not_done)s)",
                label=r.label,
                total=r.total,
                partly=r.partly,
                not_done=r.not_carried_out,
            )
            for r in reasons
        ]
        descriptions["reasons"] = _(
            "Reasons recommendations were not (fully) carried out: %(reasons)s",
            reasons="; ".join(each_reason),
        )
    return descriptions


CHART_NAMES = ("shares", "reasons")


@dataclass(frozen=True)
class ChartSpec:
    """One chart of a report: its render-cache key (also its ETag) and how to draw it on a miss."""

    name: str
    key: str
    alt: str
    draw: Callable[[], str]


def report_chart_specs(report: QualityReport) -> dict[str, ChartSpec]:
    """The charts of `report`, not drawn: "shares" (every share with a denominator, 0–100 %) and "reasons"
    (the reasons given for partly or not carried out recommendations); a chart with nothing to show is
    left out. The key is made of (board, period, the figures it shows, its text), so a changed figure is a
    new key and an old chart is never served for new data."""
    descriptions = chart_descriptions(report)
    scope = (report.board_id, report.start, report.end)
    data: dict[str, tuple[Callable[[list], MplFigure], list]] = {}
    if "shares" in descriptions:
        data["shares"] = (_draw_shares, [f for f in report.shares if f.value is not None])
    if "reasons" in descriptions:
        data["reasons"] = (_draw_reasons, [r for r in report.reasons if r.total])
    specs = {}
    for name, (draw, rows) in data.items():
        title = descriptions[name]
        key = chart_key(f"quality-{draw.__name__}", scope, rows, title)
        specs[name] = ChartSpec(name, key, title, partial(_render, draw, rows, title))
    return specs


def report_charts(report: QualityReport) -> dict[str, str]:
    """The SVG documents of `report_chart_specs`, each drawn once per (board, period, figures) and then
    read from the shared render cache (tumorboard/render_cache.py) by every process."""
    return {name: cached_svg(spec.key, spec.draw) for name, spec in report_chart_specs(report).items()}


def _render(draw, data: list, title: str) -> str:
    """Draw under the marker charts' lock and rc settings (they are process-wide), with a salt made from the
    data, so the same figures give the same bytes."""
    salt = hashlib.sha256(repr((draw.__name__, data)).encode()).hexdigest()[:16]
    with _RENDER_LOCK, matplotlib.rc_context({**_RC, "svg.hashsalt": salt}):
        figure = draw(data)
        buffer = io.StringIO()
        FigureCanvasSVG(figure).print_svg(
            buffer, metadata={"Title": title, "Date": None, "Creator": None, "Format": None, "Type": None}
        )
    return _as_standalone_svg(buffer.getvalue())


def _new_figure(rows: int) -> tuple[MplFigure, Axes]:
    height_px = 40 + _BAR_PX * rows + 30
    figure = MplFigure(
        figsize=(CHART_WIDTH_PX / _CSS_PX_PER_INCH, height_px / _CSS_PX_PER_INCH), layout="constrained"
    )
    return figure, figure.add_subplot()


def _draw_shares(shares: list[Figure]) -> MplFigure:
    figure, ax = _new_figure(len(shares))
    positions = list(range(len(shares)))
    values = [f.value for f in shares if f.value is not None]
    if len(values) != len(shares):
        raise ValueError("the shares chart is given only the shares that have a value")
    ax.barh(positions, values, height=0.6, color=_COLOUR_BAR, gid="shares")
    for y, f, value in zip(positions, shares, values, strict=True):
        inside = value >= 80
        ax.annotate(
            f"{f.display} ({f.numerator}/{f.denominator})",
            (value, y),
            xytext=(-4 if inside else 4, 0),
            textcoords="offset points",
            ha="right" if inside else "left",
            va="center",
            fontsize=7,
            color="white" if inside else "#333333",
        )
    ax.set_yticks(positions, [f.label for f in shares])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xticks([0, 25, 50, 75, 100], ["0 %", "25 %", "50 %", "75 %", "100 %"])
    ax.set_title(_("Shares of the period"), loc="left", fontsize=9, fontweight="bold", parse_math=False)
    for label in ax.get_yticklabels():
        label.set_parse_math(False)
    return figure


def _draw_reasons(reasons: list[ReasonCount]) -> MplFigure:
    figure, ax = _new_figure(len(reasons))
    positions = list(range(len(reasons)))
    partly = [r.partly for r in reasons]
    not_done = [r.not_carried_out for r in reasons]
    ax.barh(positions, partly, height=0.6, color=_COLOUR_PARTLY, gid="partly")
    ax.barh(positions, not_done, left=partly, height=0.6, color=_COLOUR_NOT, gid="not")
    for y, r in zip(positions, reasons, strict=True):
        ax.annotate(
            str(r.total), (r.total, y), xytext=(4, 0), textcoords="offset points", va="center", fontsize=7
        )
    ax.set_yticks(positions, [r.label for r in reasons])
    ax.invert_yaxis()
    top = max(r.total for r in reasons)
    ax.set_xlim(0, top * 1.15 + 0.5)
    step = max(1, math.ceil(top / 5))
    ax.set_xticks(range(0, top + 1, step))
    ax.set_xlabel(_("follow-ups"), color=_COLOUR_MUTED)
    ax.set_title(
        _("Why recommendations were not (fully) carried out"),
        loc="left",
        fontsize=9,
        fontweight="bold",
        parse_math=False,
    )
    figure.legend(
        handles=[
            Patch(color=_COLOUR_PARTLY, label=_("carried out partly")),
            Patch(color=_COLOUR_NOT, label=_("not carried out")),
        ],
        loc="outside lower left",
        ncols=2,
        fontsize=7,
        frameon=False,
    )
    return figure
