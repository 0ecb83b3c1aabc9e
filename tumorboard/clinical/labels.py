"""The vocabularies' labels in the reader's language, while the clinical core stays pure Python.

A label is declared in English, marked with ``N_`` so that ``make i18n`` puts it in the catalogues
(``-k N_``), and read through ``translated``: the app (tumorboard.i18n) installs Flask-Babel's gettext
as the translator, so a page shows the label in the request's language; without an app (the clinical
tests, a script) the English text is the label. The stored values never change, nor do the display
names of code systems (ICD-O-3, ICD-10-CM), which are not marked.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Protocol


def N_(text: str) -> str:  # noqa: N802 (the catalogue tools' name for a marker that translates nothing)
    """Marks a label for the catalogue; the text itself is kept as declared."""
    return text


def _untranslated(text: str) -> str:
    return text


class NumberFormat(Protocol):
    """A number in the reader's digits, with ``digits`` decimals when given (the app's format_number)."""

    def __call__(self, value: float, digits: int | None = None) -> str: ...


def _plain_number(value: float, digits: int | None = None) -> str:
    return f"{value:g}" if digits is None else f"{value:.{digits}f}"


def _plain_date(value: date) -> str:
    return f"{value:%d %b %Y}"


def _english_sentence_case(label: str) -> str:
    return label.lower()


_translator: Callable[[str], str] = _untranslated
_number_format: NumberFormat = _plain_number
_date_format: Callable[[date], str] = _plain_date
_sentence_case: Callable[[str], str] = _english_sentence_case


def set_translator(
    translator: Callable[[str], str],
    number_format: NumberFormat | None = None,
    date_format: Callable[[date], str] | None = None,
    sentence_case: Callable[[str], str] | None = None,
) -> None:
    """The app's gettext, and its number format (2.8 / 2,8) for the numbers a label holds, its day
    format (02.12.2026) for the days a rule's text names, and how a label is written inside a sentence
    (English: "a primary of the pancreas"; German keeps the noun's capital: "Pankreas")."""
    global _translator, _number_format, _date_format, _sentence_case  # noqa: PLW0603 (set at the start)
    _translator = translator
    _number_format = number_format or _plain_number
    _date_format = date_format or _plain_date
    _sentence_case = sentence_case or _english_sentence_case


def translated(text: str) -> str:
    return _translator(text)


def number(value: float) -> str:
    """A number in the reader's digits (without an app: as Python writes it, 2.8)."""
    return _number_format(value)


def category_label(category: object) -> str:
    """A rule's category as the reader reads it: a code (G2, T1b, IIIA, P3) as written, a category in words
    ("unknown", "not staged", "atypical carcinoid", declared with ``N_``) in the reader's language."""
    text = str(category)
    return translated(text) if text.islower() or " " in text else text


class Text(str):
    """A rule's text: the English sentence itself (what logs, the API, the FHIR export and the frozen
    records of signed decisions keep, as before), and the catalogue message with the values it was
    written from, so that a page can write it again in its reader's language (``written``).

    ``message`` is the English msgid, marked ``N_``, with named %(x)s placeholders (and %% for a
    percent sign, values or none); a value is another
    Text, a vocabulary member (its label), a rule's category (``category_label``), a number (the reader's
    digits) or a code kept as written (a plain str). The core writes no sentence in another language:
    the edge (tumorboard.i18n.clinical_text) passes the request's gettext and number format.
    """

    message: str
    values: Mapping[str, object]

    def __new__(cls, message: str, /, **values: object) -> "Text":
        text = super().__new__(cls, _write(message, values, _ENGLISH))
        text.message = message
        text.values = MappingProxyType(values)
        return text

    def __reduce__(self) -> tuple[Any, ...]:  # copy and pickle: the message and values, not the str
        return (_text, (self.message, dict(self.values)))

    def written(
        self,
        translate: Callable[[str], str] = _untranslated,
        number_format: NumberFormat = _plain_number,
        date_format: Callable[[date], str] = _plain_date,
        sentence_case: Callable[[str], str] = _english_sentence_case,
    ) -> str:
        """The text in the language of ``translate``, its numbers and days as the formats write them."""
        formats = _Formats(translate, number_format, date_format, sentence_case)
        return _write(self.message, self.values, formats)


def _text(message: str, values: dict[str, object]) -> Text:
    return Text(message, **values)


@dataclass(frozen=True)
class _Formats:
    translate: Callable[[str], str]
    number: NumberFormat
    day: Callable[[date], str]
    sentence_case: Callable[[str], str] = _english_sentence_case


_ENGLISH = _Formats(_untranslated, _plain_number, _plain_date)


@dataclass(frozen=True)
class InSentence:
    """A value (a vocabulary member's label) written inside a sentence: lower case in English, as the
    language writes it in another ("a primary of the pancreas", "ein Primärtumor des Pankreas")."""

    value: object


def _write(message: str, values: Mapping[str, object], formats: _Formats) -> str:
    return formats.translate(message) % {name: _value(value, formats) for name, value in values.items()}


def _value(value: object, formats: _Formats) -> str:
    if isinstance(value, InSentence):
        return formats.sentence_case(_value(value.value, formats))
    if isinstance(value, Text):
        return _write(value.message, value.values, formats)
    label_text = getattr(value, "label_text", None)
    if isinstance(label_text, str):  # a vocabulary member: its label
        return formats.translate(label_text)
    if isinstance(value, StrEnum):  # a rule's category: a code as written, words translated
        text = str(value)
        return formats.translate(text) if text.islower() or " " in text else text
    if isinstance(value, Signed):
        return ("-" if value.value < 0 else "+") + formats.number(abs(value.value), value.digits)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return formats.number(value)
    if isinstance(value, date):
        return formats.day(value)
    return str(value)


@dataclass(frozen=True)
class Signed:
    """A change written with its sign (+20.0, -30.0; in German +20,0), ``digits`` decimals when given."""

    value: float
    digits: int | None = None


def joined(items: Sequence[object], conjunction: str) -> object:
    """Items as one value, each pair linked by ``conjunction`` (a message of ``first`` and ``next``, e.g.
    AND or OR): "M1a or M1b or M1c" in English, "M1a oder M1b oder M1c" in German."""
    if not items:
        return ""
    text = items[0]
    for item in items[1:]:
        text = Text(conjunction, first=text, next=item)
    return text


AND = N_("%(first)s and %(next)s")
OR = N_("%(first)s or %(next)s")
LIST = N_("%(first)s, %(next)s")
SEMICOLON = N_("%(first)s; %(next)s")
SENTENCES = N_("%(first)s %(next)s")


def in_reader_language(text: object) -> str:
    """A rule's text as the reader reads it: a Text in the installed translator's language (the app's:
    the request's), any other text (an English sentence a frozen record kept) as it was written."""
    if isinstance(text, Text):
        return text.written(_translator, _number_format, _date_format, _sentence_case)
    return "" if text is None else str(text)


def is_translatable(text: object) -> bool:
    """Whether ``in_reader_language`` writes ``text`` in the reader's language (else it is English)."""
    return isinstance(text, Text)
