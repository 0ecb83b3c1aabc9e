"""The hospital's date and time formats, one home, as plain data (no app): pages read them through
tumorboard.timezones, the document builders (tumorboard.documents, pure) directly."""

# Every page, letter and PDF shows dates and times through these styles (the template filters `date`,
# `datetime`, `time`, `month`), never with a raw strftime or isoformat: Babel patterns (CLDR) per
# language, 04 Mar 1961 / 04.03.1961, 16:00 in both. English keeps the day-first, 24-hour style the boards
# have always read.
PATTERNS: dict[str, dict[str, str]] = {
    "en": {
        "date": "dd MMM yyyy",
        "datetime": "dd MMM yyyy HH:mm",
        "time": "HH:mm",
        "month": "MMM yyyy",
        "day_month": "dd MMM",
        "long_date": "dd MMMM yyyy",
        "weekday_datetime": "EEE dd MMM yyyy, HH:mm",
        "weekday_day_time": "EEE dd MMM, HH:mm",
        "weekday_day": "EEE d MMM",
        "full_datetime": "EEEE dd MMMM yyyy, HH:mm",
        # a printed page's (letters, agenda PDFs, invitations): the day without its leading zero
        "written_date": "d MMMM yyyy",
        "written_short_date": "d MMM yyyy",
        "written_weekday_date": "EEEE d MMMM yyyy",
        # a chart's: its accessible text's days, and its date axis' ticks (standalone month names)
        "chart_day": "yyyy-MM-dd",
        "tick_day": "dd",
        "tick_month": "LLL",
        "tick_year": "yyyy",
        "tick_month_year": "yyyy-LLL",
    },
    "de": {
        "date": "dd.MM.yyyy",
        "datetime": "dd.MM.yyyy HH:mm",
        "time": "HH:mm",
        "month": "MMM yyyy",
        "day_month": "dd.MM.",
        "long_date": "d. MMMM yyyy",
        "weekday_datetime": "EEE, dd.MM.yyyy, HH:mm",
        "weekday_day_time": "EEE, dd.MM., HH:mm",
        "weekday_day": "EEE, dd.MM.",
        "full_datetime": "EEEE, d. MMMM yyyy, HH:mm",
        "written_date": "dd.MM.yyyy",
        "written_short_date": "dd.MM.yyyy",
        "written_weekday_date": "EEEE, dd.MM.yyyy",
        "chart_day": "dd.MM.yyyy",
        "tick_day": "d.",
        "tick_month": "LLL",
        "tick_year": "yyyy",
        "tick_month_year": "LLL yyyy",
    },
}
# Templates written before the languages name a strftime format; each is one of the styles above.
STRFTIME_STYLES = {
    "%d %b %Y": "date",
    "%d %b %Y %H:%M": "datetime",
    "%H:%M": "time",
    "%b %Y": "month",
    "%d %b": "day_month",
    "%d %B %Y": "long_date",
    "%a %d %b %Y, %H:%M": "weekday_datetime",
    "%a %d %b, %H:%M": "weekday_day_time",
    "%A %d %B %Y, %H:%M": "full_datetime",
}


def pattern(style: str, locale: str) -> str:
    """A style's pattern in the language; an unknown style is a programming error (KeyError), never
    silently another format. For a builder that formats with Babel itself (tumorboard.documents)."""
    return PATTERNS[locale][STRFTIME_STYLES.get(style, style)]
