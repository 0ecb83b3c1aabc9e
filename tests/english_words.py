"""English left on a German page: the words of English UI text that German UI text never uses.

The list is short on purpose: English function words and the verbs of buttons and prompts, none of them a
German word, none a name, code or clinical abbreviation (``NET``, ``ICD-10``, ``Ki-67``, ``GEP-NET board``
pass). What a page marks as English (``lang="en"``: a signed record's clinical rule texts, kept as they
were signed) and what the user typed are not the interface's text; the walks type German.

Read by the test client's walk (tests/decisions/test_board_cycle_pages_in_german.py) and by the browser's
(tests/e2e/test_board_cycle_in_german.py).
"""

import re
from collections.abc import Collection
from html.parser import HTMLParser

TELLTALE_WORDS = (
    "the", "and", "with", "without", "of", "for", "from", "to", "is", "are", "by", "this", "your",
    "not", "since", "between", "must", "cannot", "latest", "unknown", "none", "yes", "no", "high",
    "low", "male", "female", "results", "result", "reported", "recorded", "changed",
    "Choose", "Enter", "Save", "Add", "Edit", "Remove", "Submit", "Back", "Cancel", "Delete",
)  # fmt: skip
_TELLTALE = re.compile(r"(?<![\w-])(" + "|".join(TELLTALE_WORDS) + r")(?![\w-])")
ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _VisibleText(HTMLParser):
    """A page's visible text (its elements' text and the attributes read out), without scripts, styles
    and what is marked as written in another language than the page's."""

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.language = language
        self.texts: list[str] = []
        self._open: list[tuple[str, bool]] = []  # the open elements: tag, and is it hidden from the check

    def _hidden(self) -> bool:
        return any(hidden for _, hidden in self._open)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        foreign = values.get("lang") not in (None, self.language) and tag != "html"
        if not self._hidden() and not foreign:
            self.texts += [values[name] for name in ATTRIBUTES if values.get(name)]
        if tag not in _VOID:
            self._open.append((tag, foreign or tag in ("script", "style", "template")))

    def handle_startendtag(self, tag, attrs):
        values = dict(attrs)
        if not self._hidden() and values.get("lang") in (None, self.language):
            self.texts += [values[name] for name in ATTRIBUTES if values.get(name)]

    def handle_endtag(self, tag):
        """Closes `tag` and what was left open inside it (HTML closes a <p> or <li> without its end tag)."""
        if any(name == tag for name, _ in self._open):
            while self._open.pop()[0] != tag:
                pass

    def handle_data(self, data):
        if not self._hidden() and data.strip():
            self.texts.append(data.strip())


def visible_texts(page: str, language: str = "de") -> list[str]:
    finder = _VisibleText(language)
    finder.feed(page)
    finder.close()
    return finder.texts


def english_in(texts: list[str], typed: Collection[str] = ()) -> list[str]:
    """The texts that hold a tell-tale English word, each with the word found; `typed`: what people typed
    (the demo data's clinical questions, in English), no text of the interface's, so left out."""
    return [
        f"{found.group(1)!r} in {text!r}"
        for text in texts
        if (found := _TELLTALE.search(text)) and not any(words in text for words in typed)
    ]


def english_on(page: str, typed: Collection[str] = ()) -> list[str]:
    """The tell-tale English of an HTML page shown in German."""
    return english_in(visible_texts(page), typed)
