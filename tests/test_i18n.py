"""The request's language: the user's profile, else the browser's Accept-Language, else DEFAULT_LOCALE."""

import re
from gettext import GNUTranslations
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask_babel import force_locale, get_locale, get_timezone, get_translations, refresh

from tumorboard import create_app, i18n
from tumorboard.cases.models import CaseStatus
from tumorboard.clinical import tnm, vocabularies
from tumorboard.clinical.vocabularies import Vocabulary
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


def test_the_catalogue_found_once_follows_a_forced_locale_and_the_next_request(app):
    """The templates' and labels' gettext keeps the request's catalogue (tumorboard.i18n._translations):
    a letter in another language (force_locale) reads that language's, and the page's again after it;
    the next request in the same app context chooses its own."""
    template = app.jinja_env.from_string("{{ _('Case list') }}|{{ label }}")
    status = CaseStatus.SUBMITTED
    with app.app_context():
        with app.test_request_context("/", headers={"Accept-Language": "de"}):
            refresh()
            assert template.render(label=status.label) == "Fallliste|Angemeldet"
            with force_locale("en"):
                assert template.render(label=status.label) == "Case list|Submitted"
                assert vocabularies.PrimarySite.ILEUM.label == "Ileum"
            assert template.render(label=status.label) == "Fallliste|Angemeldet"
        with app.test_request_context("/", headers={"Accept-Language": "en"}):
            refresh()
            assert template.render(label=status.label) == "Case list|Submitted"


def test_the_kept_catalogue_is_the_one_flask_babel_finds(app):
    """`_translations` reads the locale where Flask-Babel keeps it (one read of `g`, not four): before
    Flask-Babel has chosen it, after, inside force_locale and after it, the catalogue is the one
    Flask-Babel's own get_translations finds for that moment."""
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        first = i18n._translations()  # Flask-Babel has not chosen the locale yet
        assert first is get_translations() and str(get_locale()) == "de"
        with force_locale("en"):
            assert i18n._translations() is get_translations()
            assert i18n._translations() is not first
        assert i18n._translations() is first is get_translations()
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert i18n._translations() is get_translations() is not first


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


# Keeping the catalogues complete -------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "N_": None,  # clinical.labels: the vocabularies' labels
    "lazy_gettext": None,
    "lazy_pgettext": ((1, "c"), 2),
}


def _method_map() -> list[tuple[str, str]]:
    """babel.cfg's sections, as `pybabel extract -F babel.cfg` (make i18n) reads them."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, _options = parse_mapping_cfg(config)
    return method_map


def _extracted() -> dict[str, list[str]]:
    """Every message of the code and the templates, with where it was found."""
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), _method_map(), keywords=KEYWORDS, comment_tags=()
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def _catalogue(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=lang)


TRANSLATIONS = ROOT / "translations"


def test_every_message_has_its_german_translation():
    """A message marked in the code or a template and missing from the German catalogue, or there with an
    empty or fuzzy translation, fails: run `make i18n` and translate it."""
    german = _catalogue("de")
    missing = []
    for msgid, places in sorted(_extracted().items()):
        message = german.get(msgid)
        if message is None or message.fuzzy:
            missing.append(f"{msgid!r} ({places[0]})")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            missing.append(f"{msgid!r} ({places[0]})")
    assert missing == [], "untranslated in de:\n" + "\n".join(missing)
    fuzzy = [message.id for message in german if message.id and message.fuzzy]
    assert fuzzy == [], f"fuzzy in de: {fuzzy}"


def test_the_english_catalogue_holds_every_message_too():
    english = _catalogue("en")
    held = {m.id[0] if isinstance(m.id, tuple) else m.id for m in english if m.id}
    assert sorted(set(_extracted()) - held) == []


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_compiled_catalogue_is_the_po_file(lang):
    """The .mo beside each .po is what `make i18n` compiles from it now (both kept in git)."""
    catalogue = _catalogue(lang)
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo").open("rb") as mo:
        compiled = GNUTranslations(mo)
    expected: dict = {}
    for m in catalogue:
        if not m.id or m.fuzzy:
            continue
        if isinstance(m.id, tuple):  # a plural: gettext keys each form by (msgid, its index)
            forms = m.string if all(m.string) else m.id  # Babel compiles an untranslated plural as its msgids
            expected.update({(m.id[0], i): text for i, text in enumerate(forms)})
        elif m.string:
            expected[m.id] = m.string
    assert {key: value for key, value in compiled._catalog.items() if key} == expected  # type: ignore[attr-defined]


def test_every_vocabulary_label_is_in_the_catalogue():
    """N_ marks each label by hand: a vocabulary member whose label is not a message would stay English.
    The code systems' display names (ICD-O-3, ICD-10-CM) are the systems' own and are not translated."""
    german = _catalogue("de")
    vocabularies_ = [
        cls
        for module in (vocabularies, tnm)
        for cls in vars(module).values()
        if isinstance(cls, type) and issubclass(cls, Vocabulary) and cls is not Vocabulary
    ]
    assert len(vocabularies_) > 15
    untranslated = [
        f"{cls.__name__}.{member.name}"
        for cls in vocabularies_
        for member in cls
        if not (german.get(member.label_text) and german.get(member.label_text).string)
    ]
    assert untranslated == []


# Text in templates outside a translation call -----------------------------------------------------------

TEMPLATES = ROOT / "templates"
# Names that are the same in every language: the product, standards and their codes.
NAMES = frozenset(
    {
        "TumorBoard",
        "HL7",
        "FHIR",
        "API",
        "PDF",
        "CSV",
        "JSON",
        "ICD-O-3",
        "ICD-10",
        "LOINC",
        "SNOMED",
        "CT",
        "WHO",
        "ENETS",
        "AJCC",
        "TNM",
        "TOTP",
        "OpenAPI",
        "Ki-67",
        "MRN",
    }
)
CHECKED_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label"}
# base.html's `{% block container %}` is the main element's CSS class: a page's override of it is no text.
CSS_BLOCK = re.compile(r"\{%-?\s*block\s+container\s*-?%\}.*?\{%-?\s*endblock\b.*?%\}", re.DOTALL)
JINJA = re.compile(r"\{#.*?#\}|\{%-?\s*trans\b.*?endtrans\s*-?%\}|\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
HOLE = "\ue000"  # where a Jinja expression or tag stood


def _visible_words(text: str) -> str:
    """What a reader would read in `text`, with the Jinja holes, punctuation, digits and the names above
    taken out; empty when nothing is left to translate."""
    words = [word for word in re.split(r"[\s" + HOLE + r"]+", text) if word]
    left = [w for w in words if w.strip(".,;:!?()[]{}·–—-/|*+'\"…→←%") not in NAMES]
    return " ".join(w for w in left if re.search(r"[^\W\d_]", w))


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skipping += 1
        attributes = dict(attrs)
        checked = set(CHECKED_ATTRIBUTES)
        # An input button shows its value; a <button> shows its content (its value is what the form sends).
        if tag == "input" and attributes.get("type") in ("submit", "button", "reset"):
            checked.add("value")
        for name, value in attrs:
            if name in checked and value and _visible_words(value):
                self.found.append(f'<{tag} {name}="{_visible_words(value)}">')

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self._skipping -= 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skipping = max(0, self._skipping - 1)

    def handle_data(self, data):
        if not self._skipping and _visible_words(data):
            self.found.append(_visible_words(data))


def untranslated_text(source: str) -> list[str]:
    """The user-visible text of a template outside `_()`, `{% trans %}` and other Jinja expressions."""
    finder = _TextFinder()
    finder.feed(JINJA.sub(HOLE, CSS_BLOCK.sub(HOLE, source)))
    finder.close()
    return finder.found


def test_the_checker_finds_text_and_lets_translated_text_be():
    assert untranslated_text('<p>Hello <b>{{ name }}</b></p><button title="Close">x</button>') == [
        "Hello",
        '<button title="Close">',
        "x",
    ]
    assert (
        untranslated_text(
            '<p>{{ _("Hello") }} {# a note #}</p>{% trans %}Many {{ n }} words{% endtrans %}'
            '<input type="submit" value="{{ _(\'Save\') }}"><input value="typed by the user">'
            "<script>const a = 'not text';</script><span>· 12 % – TumorBoard, HL7 &amp; FHIR</span>"
        )
        == []
    )
    assert untranslated_text('<input type="submit" value="Save">') == ['<input value="Save">']
    assert untranslated_text('<button name="direction" value="up">{{ _("Up") }}</button>') == []
    assert untranslated_text("{% block container %}container-fluid px-2{% endblock %}<p>Text</p>") == ["Text"]


@pytest.mark.parametrize(
    "template", sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")), ids=str
)
def test_a_template_shows_no_text_outside_a_translation_call(template):
    assert untranslated_text((TEMPLATES / template).read_text(encoding="utf-8")) == []
