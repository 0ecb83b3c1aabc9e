"""Tumour-marker trends drawn on the server as SVG, so a case page shows them with no JavaScript, no
third-party assets and nothing fetched from elsewhere.

Each result is judged against its own lab's reference range (ranges differ between labs and assays), so
the range is drawn per interval as a step, never as one band for the whole series.

matplotlib is used through `Figure` and the SVG canvas only, never pyplot (whose global figure registry
is not thread-safe). The rc settings are process-wide even inside `rc_context`, so renders take a lock:
another thread leaving its context would otherwise restore the defaults halfway through this render.
"""

import hashlib
import io
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import matplotlib
from matplotlib import dates as mdates
from matplotlib.artist import Artist
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, ScalarFormatter
from matplotlib.typing import RcKeyType

WIDTH_PX, HEIGHT_PX = 480, 220
_CSS_PX_PER_INCH = 96  # the SVG states its size in points, 72 per inch: 480 px = 360 pt
_MIN_SPAN_DAYS = 14  # narrower windows make the date locator tick in hours
FLAGS = frozenset({"high", "low"})

OUTSIDE_RANGE_LABEL = "outside the lab's reference range"
RANGE_LABEL = "lab's reference range"
LOWER_LIMIT_LABEL = "lab's lower reference limit"

_COLOUR_RESULT = "#1f4e79"
_COLOUR_OUTSIDE = "#b03a2e"
_COLOUR_RANGE = "#cfe3cf"
_COLOUR_LIMIT = "#5b8c5a"
_COLOUR_MUTED = "#6b6b6b"

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


def marker_chart_svg(
    points: Sequence[MarkerPoint], *, title: str, unit: str, today: date | None = None
) -> str:
    """The marker's course as a standalone SVG document (about 480x220 px), with an accessible <title>.

    Points may come in any order. `today`, when given, extends the date axis to it and marks it, so the
    chart shows how old the last result is; the output depends on nothing but the arguments.
    """
    ordered = _validated(points)
    summary = _summary(ordered, title, unit)
    salt = hashlib.sha256(repr((ordered, title, unit, today)).encode()).hexdigest()[:16]
    with _RENDER_LOCK, matplotlib.rc_context({**_RC, "svg.hashsalt": salt}):
        figure = _draw(ordered, title=title, unit=unit, today=today)
        buffer = io.StringIO()
        FigureCanvasSVG(figure).print_svg(
            buffer, metadata={"Title": summary, "Date": None, "Creator": None, "Format": None, "Type": None}
        )
    return _as_standalone_svg(buffer.getvalue())


def lab_results_svg(results: Sequence, *, title: str, today: date | None = None) -> str:
    """The chart of one marker's `LabResult`s (live or frozen), in the unit of the latest one."""
    return marker_chart_svg(
        [MarkerPoint(r.sample_date, r.value, r.ref_low, r.ref_high, r.flag) for r in results],
        title=title,
        unit=results[-1].unit,
        today=today,
    )


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
    return tuple(sorted(points, key=lambda p: p.sample_date))


def _summary(points: tuple[MarkerPoint, ...], title: str, unit: str) -> str:
    outside = sum(p.flag is not None for p in points)
    first, last = points[0].sample_date.isoformat(), points[-1].sample_date.isoformat()
    results = "1 result" if len(points) == 1 else f"{len(points)} results"
    period = f"on {first}" if first == last else f"from {first} to {last}"
    latest = float(points[-1].value)
    latest_text = f"{latest:.0f}" if latest.is_integer() else f"{latest:g}"
    return f"{title}: {results} {period}, latest {latest_text} {unit}; {outside} {OUTSIDE_RANGE_LABEL}"


def _draw(points: tuple[MarkerPoint, ...], *, title: str, unit: str, today: date | None) -> Figure:
    figure = Figure(figsize=(WIDTH_PX / _CSS_PX_PER_INCH, HEIGHT_PX / _CSS_PX_PER_INCH), layout="constrained")
    engine = figure.get_layout_engine()
    if not isinstance(engine, ConstrainedLayoutEngine):  # layout="constrained", the line above
        raise TypeError(f"expected the constrained layout engine, not {engine!r}")
    engine.set(w_pad=0.04, h_pad=0.03)
    ax = figure.add_subplot()
    x = [mdates.date2num(p.sample_date) for p in points]
    x_start, x_end = _x_limits(x, None if today is None else mdates.date2num(today))

    handles: list[Artist] = []
    if any(p.flag is None for p in points):
        handles.append(
            Line2D([], [], linestyle="none", marker="o", markersize=4.5, color=_COLOUR_RESULT, label="result")
        )
    bands, lower_limits = _reference_spans(points, x, x_start, x_end)
    if bands:
        ax.add_collection(
            PolyCollection(
                bands, facecolors=_COLOUR_RANGE, edgecolors="none", zorder=0, gid="reference-range"
            ),
            autolim=False,
        )
        handles.append(Patch(facecolor=_COLOUR_RANGE, label=RANGE_LABEL))
    if lower_limits:
        ax.add_collection(
            LineCollection(
                lower_limits,
                colors=_COLOUR_LIMIT,
                linewidths=0.9,
                linestyles="--",
                zorder=1,
                gid="reference-lower-limit",
            ),
            autolim=False,
        )
        handles.append(
            Line2D([], [], color=_COLOUR_LIMIT, linewidth=0.9, linestyle="--", label=LOWER_LIMIT_LABEL)
        )

    y = [p.value for p in points]
    ax.plot(x, y, color=_COLOUR_RESULT, linewidth=1, alpha=0.6, zorder=2, gid="trend")
    inside = [(xi, p.value) for xi, p in zip(x, points, strict=True) if p.flag is None]
    outside = [(xi, p.value) for xi, p in zip(x, points, strict=True) if p.flag is not None]
    ax.plot(
        [xi for xi, _ in inside],
        [v for _, v in inside],
        linestyle="none",
        marker="o",
        markersize=4.5,
        color=_COLOUR_RESULT,
        zorder=3,
        clip_on=False,
        gid="results-in-range",
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
            gid="results-outside-range",
        )
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="D",
                markersize=5,
                color=_COLOUR_OUTSIDE,
                label=OUTSIDE_RANGE_LABEL,
            )
        )
    if today is not None:
        ax.axvline(
            mdates.date2num(today), color=_COLOUR_MUTED, linewidth=0.8, linestyle=":", zorder=1, gid="today"
        )
        ax.annotate(
            "today",
            (mdates.date2num(today), 1),
            xycoords=("data", "axes fraction"),
            xytext=(-2, -2),
            textcoords="offset points",
            ha="right",
            va="top",
            fontsize=7,
            color=_COLOUR_MUTED,
        )

    ax.set_xlim(x_start, x_end)
    ax.set_ylim(*_y_limits(points))
    locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
    formatter = ScalarFormatter(useOffset=False)
    formatter.set_scientific(False)
    ax.yaxis.set_major_formatter(formatter)
    ax.set_ylabel(unit, parse_math=False)
    ax.set_title(title, loc="left", fontsize=9, fontweight="bold", parse_math=False)
    figure.legend(
        handles=handles,
        loc="outside lower left",
        ncols=len(handles) if len(handles) <= 3 else 2,
        fontsize=7,
        frameon=False,
        borderaxespad=0,
        handletextpad=0.3,
        columnspacing=1.2,
        handlelength=1.4,
    )
    return figure


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
