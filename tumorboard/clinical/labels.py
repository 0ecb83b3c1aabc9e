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


_translator: Callable[[str], str] = _untranslated


def set_translator(translator: Callable[[str], str]) -> None:
    global _translator  # noqa: PLW0603 (one translator per process, installed at the app's start)
    _translator = translator


def translated(text: str) -> str:
    return _translator(text)
