"""A German reader's request for tests that call an operation directly: the language chosen as a page's
would be (tumorboard.i18n.select_locale, here from the browser's Accept-Language), not forced."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask_babel import get_locale, refresh

GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}


@contextmanager
def german_request(app: Flask) -> Iterator[None]:
    """Inside a request whose reader reads German. Flask-Babel keeps the chosen locale on `g`, which the
    tests' app context outlives a request with: it is chosen afresh going in and dropped going out."""
    with app.test_request_context(headers=GERMAN):
        refresh()
        assert str(get_locale()) == "de"
        try:
            yield
        finally:
            refresh()
