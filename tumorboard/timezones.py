"""Times are stored in UTC and shown in the hospital's time zone (config TIMEZONE)."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import overload
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import current_app, has_app_context
from flask_babel import get_locale

from tumorboard.db import utcnow
from tumorboard.formats import PATTERNS, pattern  # the one clock (it follows tumorboard.db.recorded_as_of)


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


def _locale(locale: str | None) -> str:
    """The language to format in: the one asked for, else the request's (the hospital's without one)."""
    if locale in PATTERNS:
        return str(locale)
    current = str(get_locale() or "") if has_app_context() else ""
    if current in PATTERNS:
        return current
    default = current_app.config.get("DEFAULT_LOCALE", "en") if has_app_context() else "en"
    return default if default in PATTERNS else "en"


@cache
def _babel_locale(language: str) -> Locale:
    """Babel's locale data of a language, parsed once per process (Babel parses a code on each call)."""
    return Locale.parse(language)


def format_datetime(value: datetime | None, style: str = "datetime", locale: str | None = None) -> str:
    """A moment in the hospital's time zone."""
    local = to_local(value)
    if local is None:
        return ""
    language = _locale(locale)
    return babel_dates.format_datetime(
        local, pattern(style, language), tzinfo=local.tzinfo, locale=_babel_locale(language)
    )


def format_date(value: date | datetime | None, style: str = "date", locale: str | None = None) -> str:
    """A calendar date as it is (a birth date, a study date), or a moment's date in the hospital's zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, style, locale)
    language = _locale(locale)
    return babel_dates.format_date(value, pattern(style, language), locale=_babel_locale(language))


def format_time(value: datetime | None, locale: str | None = None) -> str:
    """A moment's time of day in the hospital's zone (16:00)."""
    return format_datetime(value, "time", locale)


def format_number(
    value: float | Decimal | int | None,
    digits: int | None = None,
    locale: str | None = None,
    *,
    grouped: bool = True,
) -> str:
    """A number in the language's digits (2.8 / 2,8; 1,200 / 1.200); `digits` fixes the decimals shown,
    else a value shows the decimals it has (up to three). `grouped=False`: a measured value as the
    laboratory writes it (1000 / 2,8), with no separator a reader of the other language could take for
    the decimal sign."""
    if value is None:
        return ""
    language = _locale(locale)
    whole = "#,##0" if grouped else "0"
    if digits is None:
        return babel_numbers.format_decimal(value, format=f"{whole}.###", locale=_babel_locale(language))
    pattern = f"{whole}." + "0" * digits if digits > 0 else whole
    return babel_numbers.format_decimal(
        value, format=pattern, locale=_babel_locale(language), decimal_quantization=True
    )


def format_measure(
    value: float | Decimal | int | None, unit: str, digits: int | None = None, locale: str | None = None
) -> str:
    """A measured value and its unit, as written in the language (2.8 cm / 2,8 cm); units are the clinic's
    symbols (cm, ng/mL, %), unchanged."""
    if value is None:
        return ""
    number = format_number(value, digits, locale)
    return f"{number}%" if unit == "%" and _locale(locale) == "en" else f"{number}\u00a0{unit}"


def hospital_today() -> date:
    return utc_to_local_now().date()


def utc_to_local_now() -> datetime:
    return utcnow().astimezone(hospital_tz())
