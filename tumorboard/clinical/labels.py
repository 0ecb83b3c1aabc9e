"""The vocabularies' labels in the reader's language, while the clinical core stays pure Python.

A label is declared in English, marked with ``N_`` so that ``make i18n`` puts it in the catalogues
(``-k N_``), and read through ``translated``: the app (tumorboard.i18n) installs Flask-Babel's gettext
as the translator, so a page shows the label in the request's language; without an app (the clinical
tests, a script) the English text is the label. The stored values never change, nor do the display
names of code systems (ICD-O-3, ICD-10-CM), which are not marked.
"""

from collections.abc import Callable


def N_(text: str) -> str:  # noqa: N802 (the catalogue tools' name for a marker that translates nothing)
    """Marks a label for the catalogue; the text itself is kept as declared."""
    return text


def _untranslated(text: str) -> str:
    return text


def _plain_number(value: float) -> str:
    return f"{value:g}"


_translator: Callable[[str], str] = _untranslated
_number_format: Callable[[float], str] = _plain_number


def set_translator(
    translator: Callable[[str], str], number_format: Callable[[float], str] | None = None
) -> None:
    """The app's gettext, and its number format (2.8 / 2,8) for the numbers a label holds."""
    global _translator, _number_format  # noqa: PLW0603 (one per process, installed at the app's start)
    _translator = translator
    _number_format = number_format or _plain_number


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
