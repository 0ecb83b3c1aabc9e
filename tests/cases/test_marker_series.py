"""Results of one analyte in different units are separate series: never one line, one axis or one
percentage (chromogranin A assays are not interchangeable)."""

import xml.etree.ElementTree as ET
from datetime import date
from types import SimpleNamespace

import pytest

from tumorboard.cases.charts import (
    HEIGHT_PX,
    PANEL_HEIGHT_PX,
    chart_height_px,
    lab_results_svg,
    marker_trends,
)

SVG = "{http://www.w3.org/2000/svg}"
CGA = "Chromogranin A (serum)"


def _lab(day, value, unit, *, analyte="chromogranin_a", ref_high=None, id=None):
    flag = "high" if ref_high is not None and value > ref_high else None
    return SimpleNamespace(
        id=id,
        analyte=analyte,
        sample_date=day,
        value=value,
        unit=unit,
        ref_low=None,
        ref_high=ref_high,
        flag=flag,
    )


def _switch():
    """250 µg/L, then the lab's new assay in nmol/L: drawn as one line it looks like a fall of 99 %."""
    return [
        _lab(date(2025, 9, 1), 180.0, "µg/L", ref_high=100.0, id=1),
        _lab(date(2025, 12, 1), 250.0, "µg/L", ref_high=100.0, id=2),
        _lab(date(2026, 3, 12), 2.1, "nmol/L", ref_high=3.0, id=3),
        _lab(date(2026, 5, 2), 1.05, "nmol/L", ref_high=3.0, id=4),
    ]


def _parse(svg):
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


def _line_vertices(root, gid):
    group = root.find(f".//{SVG}g[@id='{gid}']")
    assert group is not None, gid
    (path,) = group.findall(f".//{SVG}path")
    return path.get("d").count("L") + 1


def _texts(root):
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_two_units_make_two_series_and_a_note():
    (trend,) = marker_trends(_switch()[::-1])

    assert trend.units == ("µg/L", "nmol/L")
    assert [[r.value for r in s.results] for s in trend.series] == [[180.0, 250.0], [2.1, 1.05]]
    assert trend.notes == (
        f"{CGA}: the unit changed from µg/L to nmol/L on 12 Mar 2026; values of different assays are not "
        "comparable, so they are drawn as separate series.",
    )
    assert trend.latest.value == 1.05 and trend.height_px == HEIGHT_PX + PANEL_HEIGHT_PX


def test_the_chart_draws_each_unit_as_its_own_line_on_its_own_axis():
    svg = lab_results_svg(_switch(), title=CGA, today=date(2026, 6, 1))
    root = _parse(svg)

    assert _line_vertices(root, "trend") == 2
    assert _line_vertices(root, "trend-2") == 2
    assert root.find(f".//{SVG}g[@id='trend-3']") is None
    texts = _texts(root)
    assert {"µg/L", "nmol/L"} <= set(texts)  # each panel's y-axis names its unit
    assert f"{CGA} · µg/L" in texts and f"{CGA} · nmol/L" in texts
    assert f"{CGA}, µg/L" in texts and f"{CGA}, nmol/L" in texts  # the legend: analyte and unit
    assert float(root.get("height").removesuffix("pt")) == chart_height_px(2) * 0.75
    title = root.find(f"{SVG}title").text
    assert "in µg/L, 2 results from 2025-09-01 to 2025-12-01, latest 250 µg/L" in title
    assert "in nmol/L, 2 results from 2026-03-12 to 2026-05-02, latest 1.05 nmol/L" in title
    assert "the unit changed from µg/L to nmol/L on 12 Mar 2026" in title


def test_one_unit_is_one_line_without_a_note():
    labs = [_lab(date(2025, month, 1), 100.0 + month, "ng/mL", id=month) for month in (1, 3, 5, 7)]
    (trend,) = marker_trends(labs)

    assert len(trend.series) == 1 and trend.notes == () and trend.height_px == HEIGHT_PX
    root = _parse(lab_results_svg(labs, title=CGA))
    assert _line_vertices(root, "trend") == 4
    assert root.find(f".//{SVG}g[@id='trend-2']") is None
    assert "result" in _texts(root)  # a lone series keeps the plain legend


def test_a_change_is_computed_within_a_series_never_across_units():
    labs = _switch()[:3]  # 180, 250 µg/L, then 2.1 nmol/L
    (trend,) = marker_trends(labs)
    old, new = trend.series

    assert old.change is not None and old.change.percent == pytest.approx(38.888, abs=0.01)
    assert new.change is None  # 250 µg/L -> 2.1 nmol/L is not a fall of 99 %
    assert new.description == (
        f"{CGA} in nmol/L: 1 result, on 12 Mar 2026; latest 2.1 nmol/L, no earlier result in this unit to "
        "compare with; 0 outside the lab's reference range."
    )
    words = " ".join((*trend.notes, *(s.description for s in trend.series)))
    assert "99" not in words and "fell" not in words
    title = _parse(lab_results_svg(labs, title=CGA)).find(f"{SVG}title").text
    assert "%" not in title and "fell" not in title

    (later,) = marker_trends(_switch())
    assert later.series[1].change.percent == pytest.approx(-50.0)
    assert later.series[1].change.text == "fell by 50% since 2.1 nmol/L on 12 Mar 2026"


def test_a_unit_that_comes_back_rejoins_its_own_series_and_each_change_is_noted():
    labs = [
        _lab(date(2025, 1, 10), 200.0, "µg/L", id=1),
        _lab(date(2025, 4, 10), 3.0, "nmol/L", id=2),
        _lab(date(2025, 7, 10), 150.0, "µg/L", id=3),
    ]
    (trend,) = marker_trends(labs)

    assert trend.units == ("µg/L", "nmol/L")
    assert [r.value for r in trend.series[0].results] == [200.0, 150.0]
    assert trend.series[0].change.text == "fell by 25% since 200 µg/L on 10 Jan 2025"
    assert [c.text for c in trend.unit_changes] == [
        "the unit changed from µg/L to nmol/L on 10 Apr 2025",
        "the unit changed from nmol/L to µg/L on 10 Jul 2025",
    ]


def test_numerically_equal_units_are_not_converted_but_spacing_and_micro_signs_do_not_split():
    equal_in_number = [
        _lab(date(2025, 1, 1), 90.0, "ng/mL", id=1),
        _lab(date(2025, 2, 1), 95.0, "µg/L", id=2),
    ]
    assert marker_trends(equal_in_number)[0].units == ("ng/mL", "µg/L")

    spelled = [
        _lab(date(2025, 1, 1), 90.0, "µg/L", id=1),  # MICRO SIGN
        _lab(date(2025, 2, 1), 95.0, "μg / L", id=2),  # GREEK SMALL LETTER MU, spaces
    ]
    (trend,) = marker_trends(spelled)
    assert len(trend.series) == 1 and trend.unit_changes == ()


def test_analytes_are_trends_of_their_own_and_a_zero_gives_no_percentage():
    labs = [
        _lab(date(2025, 1, 1), 0.0, "pg/mL", analyte="gastrin", id=1),
        _lab(date(2025, 2, 1), 40.0, "pg/mL", analyte="gastrin", id=2),
        _lab(date(2025, 1, 5), 12.0, "mg/24 h", analyte="urine_5hiaa", id=3),
    ]
    gastrin, hiaa = marker_trends(labs)

    assert gastrin.label == "Gastrin (fasting)" and hiaa.label == "5-HIAA (24-h urine)"
    change = gastrin.series[0].change
    assert change.percent is None and change.text == "rose since 0 pg/mL on 01 Jan 2025 (no percentage of 0)"
    with pytest.raises(ValueError, match="one analyte"):
        lab_results_svg(labs, title="Mixed")


def test_no_change_is_computed_from_a_censored_value():
    """From 180 to "<2" is no fall of 99 %: the value is only known to be below 2."""
    labs = [_lab(date(2025, 9, 1), 180.0, "ng/mL", id=1), _lab(date(2025, 12, 1), 2.0, "ng/mL", id=2)]
    labs[1].comparator = "<"
    (trend,) = marker_trends(labs)
    (series,) = trend.series
    assert series.change is not None and series.change.percent is None
    assert series.change.text == (
        "<2 since 180 ng/mL on 01 Sep 2025 (a value beyond the assay's limit: no change computed)"
    )
    assert "latest <2 ng/mL" in series.description and "99" not in series.description
    assert (
        len(_parse(lab_results_svg(labs, title=CGA)).findall(f".//{SVG}g[@id='results-censored-below']")) == 1
    )
