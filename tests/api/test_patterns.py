"""The OpenAPI document's day ranges (tumorboard.api.patterns): each regex matches the days of its range
and no other, checked day by day around both ends and across the years between."""

import re
from datetime import date, timedelta

import pytest

from tumorboard.api.patterns import day_range, number_range


@pytest.mark.parametrize(
    "low, high, width",
    [(0, 9, 1), (3, 7, 1), (1, 31, 2), (5, 17, 2), (19, 20, 2), (10, 10, 2), (1900, 2025, 4)],
)
def test_a_number_range_matches_its_numbers_only(low, high, width):
    pattern = re.compile(f"^{number_range(low, high, width)}$")
    for number in range(10**width):
        assert bool(pattern.match(str(number).zfill(width))) == (low <= number <= high), number


@pytest.mark.parametrize(
    "low, high",
    [
        (date(1900, 1, 1), date(2026, 12, 2)),  # a birth date
        (date(2026, 12, 3), date(9999, 12, 31)),  # a meeting from tomorrow on
        (date(2026, 2, 5), date(2026, 2, 5)),
        (date(2026, 1, 31), date(2026, 3, 1)),
        (date(2025, 12, 31), date(2026, 1, 1)),
    ],
)
def test_a_day_range_matches_its_days_only(low, high):
    pattern = re.compile(day_range(low, high))
    day = max(low - timedelta(days=400), date.min)
    end = high + timedelta(days=400) if high.year < 9999 else high
    while day <= end:
        assert bool(pattern.match(day.isoformat())) == (low <= day <= high), day
        if day == date.max:
            break
        near_an_end = (day - low).days < 800 or (high - day).days < 800
        day += timedelta(days=1 if near_an_end else 97)


def test_an_empty_range_is_an_error():
    with pytest.raises(ValueError):
        day_range(date(2026, 1, 2), date(2026, 1, 1))
