"""German and English (Flask-Babel): the request's language, the catalogues and the hospital's formats.

The language of a request is, in order: the signed-in user's choice on their profile (``User.locale``,
when set; the navigation's switch sets it too), for a visitor not signed in the switch's cookie
(``LOCALE_COOKIE``), the browser's Accept-Language among ``LANGUAGES``, the hospital's
``DEFAULT_LOCALE``; the API (under /api, but for its documentation page) answers in English. Times are
shown in the hospital's time zone (``TIMEZONE``) whatever the language. Enum values
stay stable in the database and the API; their labels are translated where they are shown.

Catalogues live in ``translations/<lang>/LC_MESSAGES/messages.po`` and are compiled to ``.mo`` beside
them (both kept in git so that a fresh clone runs); ``make i18n`` extracts the messages of the code and
templates (``babel.cfg``), updates the catalogues and compiles them.
"""

from enum import StrEnum
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel, LazyString, get_locale, get_translations, refresh
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept

from tumorboard.clinical import labels as clinical_labels
from tumorboard.problems import is_api_request
from tumorboard.timezones import format_date, format_number


class Language(StrEnum):
    """A language of the interface (config ``LANGUAGES``), stored on the user's profile as its code.
    Its label is the language's own name (a German speaker looks for "Deutsch" on an English page)."""

    DE = "de"
    EN = "en"

    @property
    def label(self) -> str:
        return {Language.DE: "Deutsch", Language.EN: "English"}[self]


# An anonymous visitor's choice from the navigation's switch (a signed-in user's is on their profile).
LOCALE_COOKIE = "tb_locale"
API_DOCS_PAGE = "api_docs.docs_page"  # under /api, but a page people read: in their language
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
babel = Babel()


def _user_locale() -> str | None:
    if not has_request_context() or not current_user or not getattr(current_user, "is_authenticated", False):
        return None
    return getattr(current_user, "locale", None)


def offered(code: str | None) -> str | None:
    """`code` when the hospital offers it (config LANGUAGES), else None."""
    return str(code) if code is not None and str(code) in current_app.config["LANGUAGES"] else None


def select_locale() -> str:
    """The language of this request (see the module's docstring for the order)."""
    languages = current_app.config["LANGUAGES"]
    if request and is_api_request() and request.endpoint != API_DOCS_PAGE:
        return Language.EN.value  # the API's answers (its problem JSON too) are English, whoever asks
    profile = _user_locale()
    chosen = offered(profile)
    if chosen:
        return chosen
    if request:
        cookie = offered(request.cookies.get(LOCALE_COOKIE))
        if profile is None and cookie:  # the switch, signed out
            return cookie
        # "*" (any language will do) leaves the choice to the hospital, not to the order of LANGUAGES.
        named = LanguageAccept([(value, q) for value, q in request.accept_languages if value != "*"])
        best = named.best_match(languages)
        if best:
            return best
    return current_app.config["DEFAULT_LOCALE"]


def current_language() -> str:
    """The language of this request's page (its <html lang>, the switch's current button)."""
    return str(get_locale() or current_app.config["DEFAULT_LOCALE"])


def in_sentence(label: str) -> str:
    """A label (a status, a vocabulary's word) inside a sentence of the current language: English writes
    it in lower case ("a draft case"), German keeps its capital (a noun is a noun: "Entwurf")."""
    return label.lower() if current_language() == Language.EN.value else label


def lazy_label(member: Any, attribute: str = "label") -> LazyString:
    """An enum member's label (or another of its words) read when it is shown, in that request's
    language: for choices built once, when a form class is defined (a label read then would stay in the
    language of the first request)."""
    return LazyString(lambda: getattr(member, attribute))


def _translations():
    """The catalogue of this request's language. Flask-Babel finds it anew for each message (its context,
    its domain, the locale and the locale's identifier, each through Flask's `g` proxy: about a third of a
    page's translation time, with 100 to 200 messages on a page); this keeps the one it found beside the
    locale it was found for, and asks again when the locale is another (a letter or a mail in the
    recipient's language, force_locale).

    The locale is read where Flask-Babel 4 keeps it (`g._flask_babel.babel_locale`, set by its
    get_locale and by force_locale), through one read of `g`; before Flask-Babel has chosen it, or were
    that place to move, get_locale() answers (tests/test_i18n.py checks both ways agree)."""
    try:
        namespace = g._get_current_object()
    except RuntimeError:  # no app context (the clinical core used alone): the untranslated catalogue
        return get_translations()
    locale = getattr(getattr(namespace, "_flask_babel", None), "babel_locale", None) or get_locale()
    found = namespace.__dict__.get("_tb_translations")
    if found is None or found[0] is not locale:
        found = (locale, get_translations())
        namespace._tb_translations = found
    return found[1]


def fast_gettext(string: str, **variables: Any) -> str:
    """flask_babel.gettext, through `_translations` (the templates' and the clinical labels' gettext)."""
    text = _translations().ugettext(string)
    return text % variables if variables else text


def _template_ngettext(singular: str, plural: str, num: int) -> str:
    return _translations().ungettext(singular, plural, num)


def _template_pgettext(context: str, string: str) -> str:
    return _translations().upgettext(context, string)


def _template_npgettext(context: str, singular: str, plural: str, num: int) -> str:
    return _translations().unpgettext(context, singular, plural, num)


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def init_app(app: Flask) -> None:
    if app.config["DEFAULT_LOCALE"] not in app.config["LANGUAGES"]:
        raise RuntimeError(
            f"DEFAULT_LOCALE must be one of {', '.join(app.config['LANGUAGES'])}, "
            f"not {app.config['DEFAULT_LOCALE']!r}."
        )
    unknown = set(app.config["LANGUAGES"]) - {language.value for language in Language}
    if unknown:
        raise RuntimeError(
            f"LANGUAGES holds {', '.join(sorted(unknown))}, which i18n.Language does not know."
        )
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_LOCALE"]
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]
    # the clinical vocabularies' labels and rule texts, their numbers and days (clinical.labels, pure
    # Python) through the same catalogues and formats
    clinical_labels.set_translator(fast_gettext, format_number, format_date, in_sentence)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # the templates' _() and ngettext (Jinja's i18n extension formats and escapes what they return), as
    # Flask-Babel installs them but through the request's catalogue found once
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        fast_gettext,
        _template_ngettext,
        newstyle=True,
        pgettext=_template_pgettext,
        npgettext=_template_npgettext,
    )
    # Flask-Babel keeps the locale it chose on `g`, which lives as long as the app context: where one
    # context serves several requests (the tests' client inside an app context, a CLI command rendering
    # mail for several users) a request would inherit the previous one's language. Each request chooses.
    app.before_request(refresh)
