"""The request's language: the user's profile, else the browser's Accept-Language, else DEFAULT_LOCALE."""

import pytest
from flask_babel import get_locale, get_timezone

from tumorboard import create_app
from tumorboard.i18n import select_locale


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("de-DE,de;q=0.9,en;q=0.8", "de"),
        ("en-GB,en;q=0.9", "en"),
        ("fr-FR,fr;q=0.9,de;q=0.5", "de"),  # the first language we have, in the browser's order
        ("fr-FR,fr;q=0.9", None),  # none we have: the hospital's
        ("", None),
        ("*;q=0.1,;;;garbage", None),
    ],
)
def test_browser_language_else_hospital_default(app, accept, expected):
    headers = {"Accept-Language": accept} if accept else {}
    with app.test_request_context("/", headers=headers):
        assert select_locale() == (expected or app.config["DEFAULT_LOCALE"])
        assert str(get_locale()) == (expected or app.config["DEFAULT_LOCALE"])


def test_hospital_default_and_time_zone(app):
    with app.test_request_context("/"):
        app.config["DEFAULT_LOCALE"] = "de"
        try:
            assert select_locale() == "de"
        finally:
            app.config["DEFAULT_LOCALE"] = "en"
        assert str(get_timezone()) == app.config["TIMEZONE"]


def test_a_default_locale_we_do_not_have_is_refused_at_start():
    with pytest.raises(RuntimeError, match="DEFAULT_LOCALE must be one of de, en"):
        create_app("test", DEFAULT_LOCALE="fr")
