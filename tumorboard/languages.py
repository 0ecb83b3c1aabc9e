"""The language a document, an e-mail or a calendar entry is written in, whoever's request builds it.

The screen follows the request (`tumorboard.i18n`); what leaves the app follows its reader: a letter its
own chosen language, an e-mail or a calendar entry its recipient's (`User.locale` when the profile has one,
else the hospital's `DEFAULT_LOCALE`). `document_language` hands the pure builders of
`tumorboard.documents` the catalogue Flask-Babel loads under `force_locale`.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale, get_translations

from tumorboard.auth.models import User
from tumorboard.documents.base import Language
from tumorboard.i18n import offered


def supported(code: str | None) -> str:
    """`code` when it is one of LANGUAGES, else the hospital's DEFAULT_LOCALE."""
    return offered(code) or current_app.config["DEFAULT_LOCALE"]


def recipient_locale(user: User) -> str:
    """The language a person reads what is sent to them in: their profile's, else the hospital's."""
    return supported(user.locale)


def document_language(code: str | None) -> Language:
    """The language and catalogue a pure document builder writes in (`tumorboard.documents.base`)."""
    code = supported(code)
    with force_locale(code):
        return Language(code, get_translations())
