"""Tumour-marker trends drawn on the server as SVG, so a case page shows them with no JavaScript, no
third-party assets and nothing fetched from elsewhere.

Each result is judged against its own lab's reference range (ranges differ between labs and assays), so
the range is drawn per interval as a step, never as one band for the whole series.

Results of one analyte in different units come from different assays (chromogranin A assays differ in
antibodies, units and ranges; 5-HIAA in urine is not 5-HIAA in plasma), so they are never joined into one
line, drawn on one axis, converted or compared: `marker_trends` splits them into one `MarkerSeries` per
unit, the chart draws one panel per series, each with its unit on its axis, and each unit change becomes a
note the page shows under the chart. A change (a percentage) is only ever computed within a series. The
lab records no assay or method, so the unit marks the series.

matplotlib is used through `Figure` and the SVG canvas only, never pyplot (whose global figure registry
is not thread-safe). The rc settings are process-wide even inside `rc_context`, so renders take a lock:
another thread leaving its context would otherwise restore the defaults halfway through this render.
"""

import hashlib
import io
import math
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import matplotlib
from flask_babel import gettext as _
from flask_babel import ngettext
from matplotlib import dates as mdates
from matplotlib.artist import Artist
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import Formatter, MaxNLocator, ScalarFormatter
from matplotlib.typing import RcKeyType

from tumorboard.clinical.labels import N_
from tumorboard.clinical.vocabularies import Analyte
from tumorboard.timezones import format_date, format_measure, format_number

WIDTH_PX, HEIGHT_PX = 480, 220
PANEL_HEIGHT_PX = 150  # each further series (unit) adds a panel of this height below the first
_CSS_PX_PER_INCH = 96  # the SVG states its size in points, 72 per inch: 480 px = 360 pt
_MIN_SPAN_DAYS = 14  # narrower windows make the date locator tick in hours
FLAGS = frozenset({"high", "low"})

# The legend's words (catalogue messages, written in the reader's language where a chart is drawn).
OUTSIDE_RANGE_LABEL = N_("outside the lab's reference range")
RANGE_LABEL = N_("lab's reference range")
LOWER_LIMIT_LABEL = N_("lab's lower reference limit")
CENSORED_LABEL = N_("beyond what the assay measures (< or >)")
RESULT_LABEL = N_("result")

_COLOUR_RESULT = "#1f4e79"
_COLOUR_OUTSIDE = "#b03a2e"
_COLOUR_RANGE = "#cfe3cf"
_COLOUR_LIMIT = "#5b8c5a"
_COLOUR_MUTED = "#6b6b6b"
_SERIES_COLOURS = (_COLOUR_RESULT, "#6a3d9a", "#7f4f00", "#01665e")  # one per panel, then again

_RC: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",  # text stays text: no embedded glyphs, selectable, small
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],  # DejaVu ships with matplotlib: same metrics
    "font.size": 8,
    "axes.edgecolor": _COLOUR_MUTED,
    "axes.linewidth": 0.6,
    "xtick.color": _COLOUR_MUTED,
    "ytick.color": _COLOUR_MUTED,
    "xtick.labelcolor": "#333333",
    "ytick.labelcolor": "#333333",
    "xtick.major.size": 3,
    "ytick.major.size": 3,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_RENDER_LOCK = threading.Lock()


@dataclass(frozen=True)
class MarkerPoint:
    """One tumour-marker result with the range its own lab reported; flag is "high", "low" or None."""

    sample_date: date
    value: float
    ref_low: float | None = None
    ref_high: float | None = None
    flag: str | None = None
    comparator: str | None = None  # "<2": the value is below 2 (drawn as an open triangle pointing down)


def marker_chart_svg(
    points: Sequence[MarkerPoint], *, title: str, unit: str, today: date | None = None
) -> str:
    """The marker's course as a standalone SVG document (about 480x220 px), with an accessible <title>.

    Points may come in any order. `today`, when given, extends the date axis to it and marks it, so the
    chart shows how old the last result is; the output depends on nothing but the arguments.
    """
    return marker_panels_svg([(unit, points)], title=title, today=today)


def marker_panels_svg(
    panels: Sequence[tuple[str, Sequence[MarkerPoint]]],
    *,
    title: str,
    today: date | None = None,
    notes: Sequence[str] = (),
) -> str:
    """One marker's series, one panel each (a unit and its points), stacked on one date axis: each panel
    has its own y-axis in its own unit, so values of different assays are never on one scale or one line.
    The SVG is `chart_height_px(len(panels))` high; `notes` (why the series are apart) end its <title>."""
    if not panels:
        raise ValueError("marker_panels_svg needs at least one series; there is nothing to chart")
    ordered = tuple((unit, _validated(points)) for unit, points in panels)
    if len(ordered) == 1:
        summary = _summary(ordered[0][1], title, ordered[0][0])
    else:
        parts = "; ".join(
            _("in %(unit)s, %(summary)s", unit=unit, summary=_summary_body(points, unit))
            for unit, points in ordered
        )
        summary = " ".join(
            (_("%(title)s, one series per unit: %(parts)s.", title=title, parts=parts), *notes)
        )
    salt = hashlib.sha256(repr((ordered, title, today, tuple(notes))).encode()).hexdigest()[:16]
    with _RENDER_LOCK, matplotlib.rc_context({**_RC, "svg.hashsalt": salt}):
        figure = _draw(ordered, title=title, today=today)
        buffer = io.StringIO()
        FigureCanvasSVG(figure).print_svg(
            buffer, metadata={"Title": summary, "Date": None, "Creator": None, "Format": None, "Type": None}
        )
    return _as_standalone_svg(buffer.getvalue())


def chart_inputs(results: Iterable[Any]) -> tuple:
    """Everything of `LabResult`s (live or frozen) that a chart of them shows, as plain values: with the
    title and the day, what the chart is drawn from (its cache key, tumorboard/render_cache.py)."""
    return tuple(
        (
            getattr(r, "id", None),
            str(r.analyte),
            r.sample_date,
            r.value,
            r.unit,
            r.ref_low,
            r.ref_high,
            r.flag,
            getattr(r, "comparator", None),
        )
        for r in sorted(results, key=_sample_order)
    )


def chart_height_px(series: int) -> int:
    """The height of a chart of that many series (panels), for the page's <img height>."""
    return HEIGHT_PX + PANEL_HEIGHT_PX * (max(series, 1) - 1)


def lab_results_svg(results: Sequence, *, title: str, today: date | None = None) -> str:
    """The chart of one marker's `LabResult`s (live or frozen): one panel per unit (`marker_trends`)."""
    trends = marker_trends(results)
    if len(trends) != 1:
        raise ValueError(f"lab_results_svg charts one analyte's results, not {len(trends)} analytes'")
    trend = trends[0]
    return marker_panels_svg(
        [(series.unit, series.points) for series in trend.series], title=title, today=today, notes=trend.notes
    )


# --- series: which results may be joined and compared ------------------------------------------------------


@dataclass(frozen=True)
class SeriesChange:
    """The latest result of a series against the one before it in the same series (same unit)."""

    previous: Any  # a LabResult, live or frozen
    latest: Any

    @property
    def censored(self) -> bool:
        """Either value is only a limit ("<2"): no change can be computed from it."""
        return bool(_comparator(self.previous) or _comparator(self.latest))

    @property
    def percent(self) -> float | None:
        """The relative change in per cent; None when the previous value is 0 (no ratio to it) or either
        value is censored."""
        if self.previous.value == 0 or self.censored:
            return None
        return (self.latest.value - self.previous.value) / abs(self.previous.value) * 100

    @property
    def text(self) -> str:
        previous = f"{_shown(self.previous)} {self.previous.unit}"
        since = _("since %(value)s on %(date)s", value=previous, date=format_date(self.previous.sample_date))
        if self.censored:
            return _(
                "%(value)s %(since)s (a value beyond the assay's limit: no change computed)",
                value=_shown(self.latest),
                since=since,
            )
        percent = self.percent
        if self.latest.value == self.previous.value:
            return _("unchanged %(since)s", since=since)
        rose = self.latest.value > self.previous.value
        if percent is None:
            return (
                _("rose %(since)s (no percentage of 0)") if rose else _("fell %(since)s (no percentage of 0)")
            ) % {"since": since}
        if abs(percent) < 1:
            amount = _("less than %(percent)s", percent=format_measure(1, "%"))
        else:
            amount = format_measure(abs(percent), "%", digits=0)
        return (_("rose by %(amount)s %(since)s") if rose else _("fell by %(amount)s %(since)s")) % {
            "amount": amount,
            "since": since,
        }


@dataclass(frozen=True)
class MarkerSeries:
    """The results of one analyte in one unit, in sample order: the only results that may be joined by a
    line or compared with one another."""

    label: str  # the analyte's label
    unit: str  # as the lab wrote it on this series' first result
    results: tuple[Any, ...]  # LabResults (live or frozen)

    @property
    def latest(self) -> Any:
        return self.results[-1]

    @property
    def points(self) -> list[MarkerPoint]:
        return [
            MarkerPoint(r.sample_date, r.value, r.ref_low, r.ref_high, r.flag, _comparator(r))
            for r in self.results
        ]

    @property
    def change(self) -> SeriesChange | None:
        """The latest result against the previous one of this series; None for a single result."""
        return SeriesChange(self.results[-2], self.results[-1]) if len(self.results) > 1 else None

    @property
    def description(self) -> str:
        """The series in words, for the chart's caption: its unit, its period, its latest value and its
        change within the series."""
        first, latest = self.results[0], self.latest
        if len(self.results) == 1:
            period = _("1 result, on %(date)s", date=format_date(first.sample_date))
        else:
            period = _(
                "%(count)s results from %(first)s to %(last)s",
                count=len(self.results),
                first=format_date(first.sample_date),
                last=format_date(latest.sample_date),
            )
        change = self.change
        value = f"{_shown(latest)} {self.unit}"
        return _(
            "%(marker)s in %(unit)s: %(period)s; latest %(value)s, %(change)s; %(outside)s outside the lab's"
            " reference range.",
            marker=self.label,
            unit=self.unit,
            period=period,
            value=value,
            change=change.text if change else _("no earlier result in this unit to compare with"),
            outside=sum(r.flag is not None for r in self.results),
        )


@dataclass(frozen=True)
class UnitChange:
    """Where one result's unit differs from the one before it: the series breaks there."""

    on: date
    before: str
    after: str

    @property
    def text(self) -> str:
        return _(
            "the unit changed from %(before)s to %(after)s on %(date)s",
            before=self.before,
            after=self.after,
            date=format_date(self.on),
        )


@dataclass(frozen=True)
class MarkerTrend:
    """One analyte's results split into series by unit (in the order each series began), and the unit
    changes that split them."""

    analyte: Analyte
    series: tuple[MarkerSeries, ...]
    unit_changes: tuple[UnitChange, ...]

    @property
    def label(self) -> str:
        return self.analyte.label

    @property
    def first(self) -> Any:
        """The analyte's earliest result."""
        return self.series[0].results[0]

    @property
    def latest_series(self) -> MarkerSeries:
        """The series of the analyte's latest result."""
        return max(self.series, key=lambda s: _sample_order(s.latest))

    @property
    def latest(self) -> Any:
        """The analyte's latest result, whichever its series."""
        return self.latest_series.latest

    @property
    def units(self) -> tuple[str, ...]:
        return tuple(s.unit for s in self.series)

    @property
    def notes(self) -> tuple[str, ...]:
        """Why the series are apart, one sentence per unit change, for a note under the chart."""
        return tuple(
            _(
                "%(marker)s: %(change)s; values of different assays are not comparable, so they are drawn as"
                " separate series.",
                marker=self.label,
                change=change.text,
            )
            for change in self.unit_changes
        )

    @property
    def height_px(self) -> int:
        return chart_height_px(len(self.series))


def marker_trends(results: Iterable[Any]) -> list[MarkerTrend]:
    """The results (LabResults, live or frozen, any order) as one `MarkerTrend` per analyte, in the
    analytes' vocabulary order of their stored values (as the case page lists them)."""
    by_analyte: dict[str, list[Any]] = {}
    for result in sorted(results, key=_sample_order):
        by_analyte.setdefault(str(result.analyte), []).append(result)
    trends = []
    for analyte in sorted(by_analyte):
        marker = Analyte(analyte)
        ordered = by_analyte[analyte]
        series: dict[str, list[Any]] = {}
        changes = []
        for before, after in zip(ordered, ordered[1:], strict=False):
            if _unit_key(before.unit) != _unit_key(after.unit):
                changes.append(UnitChange(after.sample_date, before.unit, after.unit))
        for result in ordered:
            series.setdefault(_unit_key(result.unit), []).append(result)
        trends.append(
            MarkerTrend(
                marker,
                tuple(MarkerSeries(marker.label, group[0].unit, tuple(group)) for group in series.values()),
                tuple(changes),
            )
        )
    return trends


def _unit_key(unit: str) -> str:
    """The unit as a series key: the same unit typed with other spaces or another micro sign is the same
    unit; anything else (µg/L and ng/mL included, however equal numerically) is another series, since a
    silent conversion could join two assays."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", unit))


def _comparator(result: Any) -> str | None:
    comparator = getattr(result, "comparator", None)
    return str(comparator) if comparator else None


def _shown(result: Any) -> str:
    """A result's value with its comparator, as the laboratory wrote it ("<2"), in the reader's digits."""
    return f"{_comparator(result) or ''}{format_number(result.value, grouped=False)}"


def _sample_order(result: Any) -> tuple[date, int]:
    return result.sample_date, getattr(result, "id", None) or 0


def _as_standalone_svg(text: str) -> str:
    """Drop the XML prolog and the DOCTYPE (its DTD address is the document's only outside reference and
    stops the SVG being inlined in HTML), and give the root role="img" so its <title> names the chart."""
    start = text.index("<svg ")
    return '<svg role="img" ' + text[start + len("<svg ") :]


def _validated(points: Sequence[MarkerPoint]) -> tuple[MarkerPoint, ...]:
    if not points:
        raise ValueError("marker_chart_svg needs at least one MarkerPoint; there is nothing to chart")
    for point in points:
        numbers = (point.value, point.ref_low, point.ref_high)
        if any(n is not None and not math.isfinite(n) for n in numbers):
            raise ValueError(f"marker result of {point.sample_date} has a value or limit that is not finite")
        if point.flag is not None and point.flag not in FLAGS:
            raise ValueError(f"marker flag must be 'high', 'low' or None, not {point.flag!r}")
        if point.comparator not in (None, "<", "<=", ">=", ">"):
            raise ValueError(f"marker comparator must be <, <=, >=, > or None, not {point.comparator!r}")
    return tuple(sorted(points, key=lambda p: p.sample_date))


def _summary(points: tuple[MarkerPoint, ...], title: str, unit: str) -> str:
    return _("%(title)s: %(summary)s", title=title, summary=_summary_body(points, unit))


def _summary_body(points: tuple[MarkerPoint, ...], unit: str) -> str:
    """The chart's accessible text: how many results over which days, the latest, how many outside the
    range (and beyond what the assay measures), in the reader's language and day format."""
    first, last = points[0].sample_date, points[-1].sample_date
    results = ngettext("%(num)d result", "%(num)d results", len(points))
    if first == last:
        period = _("on %(day)s", day=format_date(first, "chart_day"))
    else:
        period = _(
            "from %(first)s to %(last)s",
            first=format_date(first, "chart_day"),
            last=format_date(last, "chart_day"),
        )
    latest = f"{points[-1].comparator or ''}{format_number(points[-1].value, grouped=False)}"
    body = _(
        "%(results)s %(period)s, latest %(latest)s %(unit)s; %(outside)s %(outside_label)s",
        results=results,
        period=period,
        latest=latest,
        unit=unit,
        outside=sum(p.flag is not None for p in points),
        outside_label=_(OUTSIDE_RANGE_LABEL),
    )
    censored = sum(p.comparator is not None for p in points)
    if censored:
        body = _(
            "%(summary)s; %(censored)s %(censored_label)s",
            summary=body,
            censored=censored,
            censored_label=_(CENSORED_LABEL),
        )
    return body


def _draw(
    panels: tuple[tuple[str, tuple[MarkerPoint, ...]], ...], *, title: str, today: date | None
) -> Figure:
    height = chart_height_px(len(panels))
    figure = Figure(figsize=(WIDTH_PX / _CSS_PX_PER_INCH, height / _CSS_PX_PER_INCH), layout="constrained")
    engine = figure.get_layout_engine()
    if not isinstance(engine, ConstrainedLayoutEngine):  # layout="constrained", the line above
        raise TypeError(f"expected the constrained layout engine, not {engine!r}")
    engine.set(w_pad=0.04, h_pad=0.03)
    every_x = sorted(mdates.date2num(p.sample_date) for _, points in panels for p in points)
    x_start, x_end = _x_limits(every_x, None if today is None else mdates.date2num(today))

    handles: dict[str, Artist] = {}
    first: Any = None
    for index, (unit, points) in enumerate(panels):
        ax = figure.add_subplot(len(panels), 1, index + 1, sharex=first)
        first = ax if first is None else first
        alone = len(panels) == 1
        panel = _Panel(
            suffix="" if index == 0 else f"-{index + 1}",
            colour=_SERIES_COLOURS[index % len(_SERIES_COLOURS)],
            label=_(RESULT_LABEL) if alone else f"{title}, {unit}",
            alone=alone,
        )
        for handle in _draw_panel(ax, points, panel, x_start, x_end, today if index == 0 else None):
            handles.setdefault(str(handle.get_label()), handle)
        if today is not None and index > 0:
            ax.axvline(
                mdates.date2num(today),
                color=_COLOUR_MUTED,
                linewidth=0.8,
                linestyle=":",
                zorder=1,
                gid=f"today{panel.suffix}",
            )
        ax.set_xlim(x_start, x_end)
        ax.set_ylim(*_y_limits(points))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4 if alone else 3))
        formatter = ScalarFormatter(useOffset=False)
        formatter.set_scientific(False)
        ax.yaxis.set_major_formatter(formatter)
        ax.set_ylabel(unit, parse_math=False)
        ax.set_title(
            title if alone else f"{title} · {unit}",
            loc="left",
            fontsize=9,
            fontweight="bold",
            parse_math=False,
        )
        if index < len(panels) - 1:
            ax.tick_params(labelbottom=False)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
    first.xaxis.set_major_locator(locator)
    first.xaxis.set_major_formatter(_DateTicks())
    order = {_(label): position for label, position in _LEGEND_ORDER.items()}
    ordered = sorted(handles.values(), key=lambda h: order.get(str(h.get_label()), 0))
    figure.legend(
        handles=ordered,
        loc="outside lower left",
        ncols=len(ordered) if len(ordered) <= 3 else 2,
        fontsize=7,
        frameon=False,
        borderaxespad=0,
        handletextpad=0.3,
        columnspacing=1.2,
        handlelength=1.4,
    )
    return figure


@dataclass(frozen=True)
class _Panel:
    suffix: str  # of the groups' ids: "" for the first panel, "-2" for the second ...
    colour: str
    label: str  # of its results in the legend: "result" alone, analyte and unit beside others
    alone: bool  # the chart's only panel


_LEGEND_ORDER = {RANGE_LABEL: 1, LOWER_LIMIT_LABEL: 2, OUTSIDE_RANGE_LABEL: 3}  # the series' own first


class _DateTicks(Formatter):
    """The date axis in the reader's language (Babel, the styles of tumorboard/formats.py), as concise as
    matplotlib's ConciseDateFormatter, whose month names are the C locale's English: ticks on the first
    of a month name the month (a January its year), ticks within a month the day; the year (and the
    month) the ticks leave out stand at the axis' end, as matplotlib's would."""

    def __init__(self) -> None:
        self._offset = ""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return self.format_ticks([x])[0]

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        days = [mdates.num2date(value).date() for value in values]
        if not days:
            self._offset = ""
            return []
        if all(day.day == 1 and day.month == 1 for day in days):
            self._offset = ""
            return [format_date(day, "tick_year") for day in days]
        if all(day.day == 1 for day in days):
            one_year = len({day.year for day in days}) == 1
            self._offset = format_date(days[-1], "tick_year") if one_year else ""
            return [format_date(day, "tick_year" if day.month == 1 else "tick_month") for day in days]
        self._offset = format_date(days[-1], "tick_month_year")
        return [format_date(day, "tick_month" if day.day == 1 else "tick_day") for day in days]

    def get_offset(self) -> str:
        return self._offset


def _draw_panel(
    ax: Any,
    points: tuple[MarkerPoint, ...],
    panel: _Panel,
    x_start: float,
    x_end: float,
    today: date | None,
) -> list[Artist]:
    """One series on its own axes; the legend entries it needs."""
    x = [mdates.date2num(p.sample_date) for p in points]
    handles: list[Artist] = []
    if any(p.flag is None for p in points) or not panel.alone:
        handles.append(
            Line2D(
                [], [], linestyle="none", marker="o", markersize=4.5, color=panel.colour, label=panel.label
            )
        )
    bands, lower_limits = _reference_spans(points, x, x_start, x_end)
    if bands:
        ax.add_collection(
            PolyCollection(
                bands,
                facecolors=_COLOUR_RANGE,
                edgecolors="none",
                zorder=0,
                gid=f"reference-range{panel.suffix}",
            ),
            autolim=False,
        )
        handles.append(Patch(facecolor=_COLOUR_RANGE, label=_(RANGE_LABEL)))
    if lower_limits:
        ax.add_collection(
            LineCollection(
                lower_limits,
                colors=_COLOUR_LIMIT,
                linewidths=0.9,
                linestyles="--",
                zorder=1,
                gid=f"reference-lower-limit{panel.suffix}",
            ),
            autolim=False,
        )
        handles.append(
            Line2D([], [], color=_COLOUR_LIMIT, linewidth=0.9, linestyle="--", label=_(LOWER_LIMIT_LABEL))
        )

    y = [p.value for p in points]
    ax.plot(x, y, color=panel.colour, linewidth=1, alpha=0.6, zorder=2, gid=f"trend{panel.suffix}")
    inside = [(xi, p.value) for xi, p in zip(x, points, strict=True) if p.flag is None]
    outside = [(xi, p.value) for xi, p in zip(x, points, strict=True) if p.flag is not None]
    if inside:  # an empty unclipped line has no extent, and collapses the layout of stacked panels
        ax.plot(
            [xi for xi, _ in inside],
            [v for _, v in inside],
            linestyle="none",
            marker="o",
            markersize=4.5,
            color=panel.colour,
            zorder=3,
            clip_on=False,
            gid=f"results-in-range{panel.suffix}",
        )
    if outside:
        ax.plot(
            [xi for xi, _ in outside],
            [v for _, v in outside],
            linestyle="none",
            marker="D",
            markersize=5,
            color=_COLOUR_OUTSIDE,
            markeredgecolor="white",
            markeredgewidth=0.5,
            zorder=4,
            clip_on=False,
            gid=f"results-outside-range{panel.suffix}",
        )
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="D",
                markersize=5,
                color=_COLOUR_OUTSIDE,
                label=_(OUTSIDE_RANGE_LABEL),
            )
        )
    censored = [(xi, p) for xi, p in zip(x, points, strict=True) if p.comparator is not None]
    for direction, marker in (("<", "v"), (">", "^")):
        these = [(xi, p.value) for xi, p in censored if p.comparator.startswith(direction)]  # type: ignore[union-attr]
        if these:
            ax.plot(
                [xi for xi, _ in these],
                [v for _, v in these],
                linestyle="none",
                marker=marker,
                markersize=9,
                markerfacecolor="none",
                markeredgecolor=_COLOUR_MUTED,
                markeredgewidth=1,
                zorder=5,
                clip_on=False,
                gid=f"results-censored-{'below' if direction == '<' else 'above'}{panel.suffix}",
            )
    if censored:
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="v",
                markersize=7,
                markerfacecolor="none",
                markeredgecolor=_COLOUR_MUTED,
                label=_(CENSORED_LABEL),
            )
        )
    if today is not None:
        ax.axvline(
            mdates.date2num(today), color=_COLOUR_MUTED, linewidth=0.8, linestyle=":", zorder=1, gid="today"
        )
        ax.annotate(
            _("today"),
            (mdates.date2num(today), 1),
            xycoords=("data", "axes fraction"),
            xytext=(-2, -2),
            textcoords="offset points",
            ha="right",
            va="top",
            fontsize=7,
            color=_COLOUR_MUTED,
        )
    return handles


def _x_limits(x: list[float], today: float | None) -> tuple[float, float]:
    start, end = x[0], max(x[-1], today if today is not None else x[-1])
    start = min(start, today) if today is not None else start
    span = end - start
    pad = max(span * 0.04, (_MIN_SPAN_DAYS - span) / 2, 1.0)
    return start - pad, end + pad


def _y_limits(points: tuple[MarkerPoint, ...]) -> tuple[float, float]:
    known = [p.value for p in points]
    known += [limit for p in points for limit in (p.ref_low, p.ref_high) if limit is not None]
    low, high = min(0.0, *known), max(0.0, *known)
    if high == low:
        high = low + 1.0
    pad = (high - low) * 0.12
    return (low - pad if low < 0 else low), high + pad


def _reference_spans(
    points: tuple[MarkerPoint, ...], x: list[float], x_start: float, x_end: float
) -> tuple[list[list[tuple[float, float]]], list[list[tuple[float, float]]]]:
    """Each result's own range from its date to the next result's (the first from the left edge, the last
    to the right one): rectangles where an upper limit is known (a missing lower limit is 0), dashed lines
    where only a lower limit is. Neighbours with the same range merge into one shape."""
    spans: list[tuple[float, float, float, float | None]] = []
    for i, point in enumerate(points):
        left = x_start if i == 0 else x[i]
        right = x_end if i == len(points) - 1 else x[i + 1]
        if right <= left or (point.ref_low is None and point.ref_high is None):
            continue
        low = point.ref_low if point.ref_low is not None else 0.0
        high = point.ref_high
        if high is not None and high < low:
            low, high = high, low
        if spans and spans[-1][1] == left and spans[-1][2:] == (low, high):
            spans[-1] = (spans[-1][0], right, low, high)
        else:
            spans.append((left, right, low, high))
    bands = [[(a, lo), (b, lo), (b, hi), (a, hi)] for a, b, lo, hi in spans if hi is not None]
    lower_limits = [[(a, lo), (b, lo)] for a, b, lo, hi in spans if hi is None]
    return bands, lower_limits
