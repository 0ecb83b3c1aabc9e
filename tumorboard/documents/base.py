"""What every document shares: dates and times written out as on a printed page, and the check that
a document's times carry their zone."""

from __future__ import annotations

from datetime import datetime

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def require_aware(**values: datetime) -> None:
    for name, value in values.items():
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware, got {value!r}")


def day(value: datetime) -> str:
    """Weekday and date spelled out (locale-independent), as on a printed invitation."""
    return f"{WEEKDAYS[value.weekday()]} {value.day} {MONTHS[value.month - 1]} {value.year}"


def when(start: datetime, end: datetime) -> str:
    end = end.astimezone(start.tzinfo)
    if end.date() == start.date():
        return f"{day(start)}, {start:%H:%M}–{end:%H:%M}"
    return f"{day(start)}, {start:%H:%M} – {day(end)}, {end:%H:%M}"


def at(value: datetime) -> str:
    return f"{day(value)}, {value:%H:%M}"
