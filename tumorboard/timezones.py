"""Times are stored in UTC and shown in the hospital's time zone (config TIMEZONE)."""

from datetime import UTC, date, datetime, time, timedelta
from typing import overload
from zoneinfo import ZoneInfo

from flask import current_app

from tumorboard.db import utcnow  # the one clock (it follows tumorboard.db.recorded_as_of)


def hospital_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


@overload
def to_local(value: datetime) -> datetime: ...
@overload
def to_local(value: None) -> None: ...
@overload
def to_local(value: datetime | None) -> datetime | None: ...
def to_local(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(hospital_tz())


def local_day_start_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=hospital_tz()).astimezone(UTC)


def local_day_end_utc(day: date) -> datetime:
    return local_day_start_utc(day + timedelta(days=1))


# The hospital's formats: every page shows dates and times through the template filters built on these
# (`date`, `datetime`, `month`), never with a raw strftime or isoformat.
DATE_FORMAT = "%d %b %Y"
DATETIME_FORMAT = "%d %b %Y %H:%M"
MONTH_FORMAT = "%b %Y"


def format_datetime(value: datetime | None, fmt: str = DATETIME_FORMAT) -> str:
    local = to_local(value)
    return "" if local is None else local.strftime(fmt)


def format_date(value: date | datetime | None, fmt: str = DATE_FORMAT) -> str:
    """A calendar date as it is (a birth date, a study date), or a moment's date in the hospital's zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, fmt)
    return value.strftime(fmt)


def hospital_today() -> date:
    return utc_to_local_now().date()


def utc_to_local_now() -> datetime:
    return utcnow().astimezone(hospital_tz())
