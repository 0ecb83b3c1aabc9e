"""The calendar feed of meetings (iCalendar, RFC 5545), a pure function over plain dataclasses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from tumorboard.documents.base import require_aware


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable, e.g. "meeting-42@tumorboard"
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str
    description: str  # never patient data: calendars leave the hospital's systems
    url: str
    cancelled: bool
    sequence: int  # the meeting's version: clients replace an event only when it grows
    last_modified: datetime


def calendar_ics(
    events: Sequence[CalendarEvent],
    *,
    calendar_name: str,
    timezone: str,
    generated_at: datetime | None = None,
) -> bytes:
    """A subscribable calendar of meetings (RFC 5545, METHOD:PUBLISH), times in the hospital's zone.

    DTSTAMP is `generated_at` when given, else the event's last modification, so that an unchanged
    feed yields the same bytes (and the same ETag). Cancelled meetings stay in the feed with
    STATUS:CANCELLED (and free time), so subscribers see the cancellation rather than a stale event.
    """
    zone = ZoneInfo(timezone)
    if generated_at is not None:
        require_aware(generated_at=generated_at)
    calendar = Calendar()
    calendar.add("prodid", "-//TumorBoard//Meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", calendar_name)
    calendar.add("x-wr-timezone", timezone)
    for item in events:
        require_aware(starts_at=item.starts_at, ends_at=item.ends_at, last_modified=item.last_modified)
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", (generated_at or item.last_modified).astimezone(UTC))
        event.add("dtstart", item.starts_at.astimezone(zone))
        event.add("dtend", item.ends_at.astimezone(zone))
        event.add("sequence", item.sequence)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if item.cancelled else "OPAQUE")
        event.add("summary", item.summary)
        if item.location:
            event.add("location", item.location)
        if item.description:
            event.add("description", item.description)
        if item.url:
            event.add("url", item.url)
        event.add("last-modified", item.last_modified.astimezone(UTC))
        calendar.add_component(event)
    if events:
        years = [item.starts_at.astimezone(zone).year for item in events]
        years += [item.ends_at.astimezone(zone).year for item in events]
        # the library derives the VTIMEZONE from the tz database, for the years the events span
        calendar.add_missing_timezones(
            first_date=date(min(years), 1, 1), last_date=date(max(years) + 1, 1, 1)
        )
    return calendar.to_ical()
