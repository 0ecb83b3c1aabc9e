import threading
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from tumorboard.cases.charts import (
    CENSORED_LABEL,
    OUTSIDE_RANGE_LABEL,
    RANGE_LABEL,
    MarkerPoint,
    marker_chart_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def _series(count=12, *, ref_high=100.0, start=date(2023, 1, 10), step_days=60):
    values = [80, 95, 130, 160, 210, 180, 120, 90, 70, 85, 140, 260]
    points = []
    for i in range(count):
        value = float(values[i % len(values)])
        flag = "high" if ref_high is not None and value > ref_high else None
        points.append(MarkerPoint(start + timedelta(days=step_days * i), value, None, ref_high, flag))
    return points


def _parse(svg):
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


def _group(root, gid):
    return root.find(f".//{SVG}g[@id='{gid}']")


def _markers(root, gid):
    group = _group(root, gid)
    return [] if group is None else group.findall(f".//{SVG}use")


def _texts(root):
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def _band_rectangles(root):
    group = _group(root, "reference-range")
    return [] if group is None else group.findall(f"{SVG}path")


def _path_ys(path):
    numbers = path.get("d").replace("M", " ").replace("L", " ").replace("z", " ").split()
    return sorted({round(float(y), 3) for y in numbers[1::2]})


def test_svg_parses_and_carries_title_and_unit():
    svg = marker_chart_svg(_series(), title="Chromogranin A", unit="µg/L")
    root = _parse(svg)

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None and root[0] is title
    assert "Chromogranin A" in title.text
    assert "12 results from 2023-01-10 to 2024-10-31" in title.text
    assert "Chromogranin A" in _texts(root)
    assert "µg/L" in _texts(root)


def test_size_is_about_480_by_220_css_pixels():
    root = _parse(marker_chart_svg(_series(), title="CgA", unit="µg/L"))
    # 1 pt = 4/3 CSS px
    assert float(root.get("width").removesuffix("pt")) * 4 / 3 == pytest.approx(480, abs=1)
    assert float(root.get("height").removesuffix("pt")) * 4 / 3 == pytest.approx(220, abs=1)


def test_one_marker_per_point_and_outside_range_ones_distinct():
    points = _series()
    root = _parse(marker_chart_svg(points, title="CgA", unit="µg/L"))

    inside, outside = _markers(root, "results-in-range"), _markers(root, "results-outside-range")
    assert len(inside) == sum(p.flag is None for p in points) == 5
    assert len(outside) == sum(p.flag is not None for p in points) == 7
    assert {u.get(XLINK_HREF) for u in inside}.isdisjoint({u.get(XLINK_HREF) for u in outside})
    assert OUTSIDE_RANGE_LABEL in _texts(root)


def test_no_outside_range_legend_when_every_result_is_inside():
    points = [
        MarkerPoint(date(2024, 1, 1) + timedelta(days=30 * i), 50.0, None, 100.0, None) for i in range(3)
    ]
    root = _parse(marker_chart_svg(points, title="CgA", unit="µg/L"))

    assert len(_markers(root, "results-in-range")) == 3
    assert _markers(root, "results-outside-range") == []
    assert OUTSIDE_RANGE_LABEL not in _texts(root)


def test_band_drawn_when_a_range_is_given():
    root = _parse(marker_chart_svg(_series(), title="CgA", unit="µg/L"))

    assert len(_band_rectangles(root)) == 1  # one range throughout: one shape
    assert RANGE_LABEL in _texts(root)


def test_no_band_without_any_range():
    root = _parse(marker_chart_svg(_series(ref_high=None), title="CgA", unit="µg/L"))

    assert _band_rectangles(root) == []
    assert _group(root, "reference-lower-limit") is None
    assert RANGE_LABEL not in _texts(root)
    assert len(_markers(root, "results-in-range")) == 12


def test_band_steps_where_the_range_changes_between_labs():
    points = [
        MarkerPoint(date(2024, 1, 1), 50.0, None, 100.0, None),
        MarkerPoint(date(2024, 3, 1), 120.0, None, 100.0, "high"),
        MarkerPoint(date(2024, 5, 1), 90.0, 20.0, 85.0, "high"),
        MarkerPoint(date(2024, 7, 1), 40.0, 20.0, 85.0, None),
    ]
    root = _parse(marker_chart_svg(points, title="CgA", unit="µg/L"))

    rectangles = _band_rectangles(root)
    assert len(rectangles) == 2  # equal neighbouring ranges merge
    first, second = (_path_ys(r) for r in rectangles)
    assert len(first) == len(second) == 2
    assert first[1] != second[1]  # the missing lower limit is 0, the axis floor; the second starts at 20
    assert first[0] != second[0]  # different upper limits


def test_only_the_known_lower_limit_is_drawn_without_an_upper_one():
    points = [
        MarkerPoint(date(2024, 1, 1), 4.0, 5.0, None, "low"),
        MarkerPoint(date(2024, 2, 1), 6.0, 5.0, None, None),
    ]
    root = _parse(marker_chart_svg(points, title="Marker", unit="U/L"))

    assert _band_rectangles(root) == []
    assert _group(root, "reference-lower-limit") is not None


def test_single_point_renders():
    svg = marker_chart_svg(
        [MarkerPoint(date(2024, 5, 3), 42.0, 10.0, 100.0, None)], title="NSE", unit="ng/mL"
    )
    root = _parse(svg)

    assert len(_markers(root, "results-in-range")) == 1
    assert len(_band_rectangles(root)) == 1
    assert "1 result on 2024-05-03" in root.find(f"{SVG}title").text


def test_points_in_any_order_give_the_same_chart():
    points = _series(5)

    assert marker_chart_svg(points[::-1], title="CgA", unit="µg/L") == marker_chart_svg(
        points, title="CgA", unit="µg/L"
    )


def test_today_extends_the_axis_and_is_marked():
    points = _series(3)
    without = _parse(marker_chart_svg(points, title="CgA", unit="µg/L"))
    with_today = _parse(marker_chart_svg(points, title="CgA", unit="µg/L", today=date(2025, 6, 1)))

    assert _group(without, "today") is None
    assert _group(with_today, "today") is not None
    assert "today" in _texts(with_today)


def test_a_censored_value_is_drawn_as_an_open_triangle_and_named():
    """ "<2" is below 2, not 2: its point carries a triangle pointing the way the value lies, the legend
    says what it means, and the chart's title reads the latest value with its comparator."""
    points = [
        MarkerPoint(date(2024, 1, 1), 150.0, None, 100.0, "high"),
        MarkerPoint(date(2024, 3, 1), 2.0, None, 100.0, None, "<"),
        MarkerPoint(date(2024, 5, 1), 1000.0, None, 100.0, "high", ">="),
        MarkerPoint(date(2024, 7, 1), 2.0, None, 100.0, None, "<="),
    ]
    root = _parse(marker_chart_svg(points, title="CgA", unit="µg/L"))
    assert len(_markers(root, "results-censored-below")) == 2
    assert len(_markers(root, "results-censored-above")) == 1
    assert CENSORED_LABEL in _texts(root)
    title = root.find(f"{SVG}title").text
    assert "latest <=2 µg/L" in title and f"3 {CENSORED_LABEL}" in title
    plain = _parse(marker_chart_svg(_series(3), title="CgA", unit="µg/L"))
    assert _markers(plain, "results-censored-below") == [] and CENSORED_LABEL not in _texts(plain)


def test_empty_input_raises_a_clear_error():
    with pytest.raises(ValueError, match="at least one MarkerPoint"):
        marker_chart_svg([], title="CgA", unit="µg/L")


@pytest.mark.parametrize(
    "point",
    [
        MarkerPoint(date(2024, 1, 1), float("nan"), None, 100.0, None),
        MarkerPoint(date(2024, 1, 1), 1.0, None, float("inf"), None),
        MarkerPoint(date(2024, 1, 1), 1.0, None, 100.0, "abnormal"),
        MarkerPoint(date(2024, 1, 1), 1.0, None, 100.0, None, "~"),
    ],
)
def test_unusable_points_are_refused(point):
    with pytest.raises(ValueError):
        marker_chart_svg([point], title="CgA", unit="µg/L")


def test_output_is_deterministic():
    points = _series()

    first = marker_chart_svg(points, title="CgA", unit="µg/L", today=date(2025, 2, 1))
    second = marker_chart_svg(points, title="CgA", unit="µg/L", today=date(2025, 2, 1))

    assert first == second


def test_deterministic_across_threads():
    points = _series()
    expected = marker_chart_svg(points, title="CgA", unit="µg/L")
    results = []

    def render():
        results.append(marker_chart_svg(points, title="CgA", unit="µg/L"))

    threads = [threading.Thread(target=render) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [expected] * 4


def test_self_contained_and_without_scripts_or_embedded_fonts():
    svg = marker_chart_svg(_series(), title="CgA", unit="µg/L")
    root = _parse(svg)

    tags = {element.tag.removeprefix(SVG) for element in root.iter()}
    assert not tags & {"script", "foreignObject", "image", "a", "font", "font-face"}
    assert all(
        value.startswith("#")
        for element in root.iter()
        for name, value in element.attrib.items()
        if name.endswith("href")
    )
    assert "url(" not in svg.replace("url(#", "")
    assert "@font-face" not in svg and "@import" not in svg
    assert "<!DOCTYPE" not in svg and "on" + "load" not in svg.lower()
    assert "glyph" not in svg  # text stays text (svg.fonttype "none")
    assert len(svg) < 20_000


def test_text_is_escaped_and_not_read_as_mathtext():
    svg = marker_chart_svg(_series(2), title="CgA <b>&</b> $x$", unit="$/L")
    root = _parse(svg)

    assert "CgA <b>&</b> $x$" in _texts(root)
    assert "$/L" in _texts(root)
    assert root.find(f"{SVG}title").text.startswith("CgA <b>&</b> $x$")
