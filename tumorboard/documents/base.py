"""What every document shares: the language it is written in, dates and times written out as on a
printed page in that language, and the check that a document's times carry their zone.

A document is written in one language whatever the reader's screen shows (a letter goes to a referrer
who reads German while the chair signs in English). The builder is given a `Language`: its code and its
catalogue (a gettext `NullTranslations`, which the app takes from Flask-Babel under `force_locale`), and
writes inside `written_in(language)`; `_`, `ngettext` and the date functions below read it. Without one
a document is in English, the catalogue's message ids. The builders stay pure: nothing here reads the
app.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from gettext import NullTranslations

from babel.dates import format_date, format_time

from tumorboard.formats import pattern


@dataclass(frozen=True)
class Language:
    """The language of one document: a code of LANGUAGES ("de", "en") and its compiled catalogue."""

    code: str = "en"
    catalogue: NullTranslations = field(default_factory=NullTranslations, compare=False)


ENGLISH = Language()
_current: ContextVar[Language] = ContextVar("document_language", default=ENGLISH)


@contextmanager
def written_in(language: Language) -> Iterator[Language]:
    """Everything built inside is written in `language` (per thread and task: a context variable)."""
    token = _current.set(language)
    try:
        yield language
    finally:
        _current.reset(token)


def language() -> Language:
    return _current.get()


def _(message: str, **params: object) -> str:
    """The message in the document's language, with its named values filled in."""
    text = _current.get().catalogue.gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, count: int, **params: object) -> str:
    """The singular or plural form the language uses for `count`; `%(num)s` is the count."""
    text = _current.get().catalogue.ngettext(singular, plural, count)
    return text % {"num": count, **params}


def require_aware(**values: datetime) -> None:
    for name, value in values.items():
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware, got {value!r}")


def _written(value: date | datetime, style: str) -> str:
    """A date in one of the hospital's formats (tumorboard.formats), in the document's language:
    "2 December 2026" in English, "02.12.2026" in German."""
    code = _current.get().code
    return format_date(value, pattern(style, code), locale=code)


def long_date(value: date) -> str:
    """A date written out: "2 December 2026"."""
    return _written(value, "written_date")


def short_date(value: date) -> str:
    """A date in a table or a footer: "2 Dec 2026"."""
    return _written(value, "written_short_date")


def clock(value: datetime) -> str:
    """The time of day: "16:00"."""
    code = _current.get().code
    return format_time(value, pattern("time", code), tzinfo=value.tzinfo, locale=code)


def day(value: datetime | date) -> str:
    """Weekday and date, as on a printed invitation: "Wednesday 2 December 2026"."""
    return _written(value, "written_weekday_date")


def when(start: datetime, end: datetime) -> str:
    end = end.astimezone(start.tzinfo)
    if end.date() == start.date():
        return f"{day(start)}, {clock(start)}–{clock(end)}"
    return f"{day(start)}, {clock(start)} – {day(end)}, {clock(end)}"


def at(value: datetime) -> str:
    return f"{day(value)}, {clock(value)}"


def printed(value: datetime) -> str:
    """When a document was printed, for its footer: "2 Dec 2026, 16:00"."""
    return f"{short_date(value)}, {clock(value)}"
