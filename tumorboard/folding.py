"""The one folding of search text, for what is indexed and for what is typed: case and accents folded and
German umlauts written either way, so that Müller, Mueller and muller are one word.

Pure Python (the standard library's Unicode tables): SQLite calls `document` from its index triggers
(`tumorboard.db.configure_sqlite` registers it), the search folds the typed words with `terms`, and
PostgreSQL's `tb_search_fold` (the migration of issue 14: unaccent, lower, the same contraction) folds
alike, so both databases index and search the same words.
"""

import re
import unicodedata

# Letters that carry no combining mark to drop (NFKD leaves them whole), folded as unaccent folds them.
_LETTERS = str.maketrans({"ø": "o", "đ": "d", "ð": "d", "ł": "l", "ı": "i", "þ": "th", "æ": "ae", "œ": "oe"})
# ä/ö/ü are also written ae/oe/ue: both ways fold to the plain vowel (ü -> u above, ue -> u here)
_UMLAUT_SPELLED_OUT = re.compile(r"([aou])e")
_WORD = re.compile(r"[^\W_]+")

MAX_LENGTH = 100
MAX_TERMS = 8


def fold(text: str) -> str:
    """Casefolded (ß -> ss), accents dropped (é -> e, ü -> u), ae/oe/ue -> a/o/u."""
    decomposed = unicodedata.normalize("NFKD", text.casefold()).translate(_LETTERS)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _UMLAUT_SPELLED_OUT.sub(r"\1", plain)


def words(text: str) -> list[str]:
    """The folded words of a text: letters and digits only, so no query syntax survives."""
    return _WORD.findall(fold(text))


def document(text: str | None) -> str:
    """What SQLite's index holds for a text: its folded words and, for a word written with punctuation
    (an MRN like NET-000123), the word run together too (net000123), so that the whole MRN matches."""
    if not text:
        return ""
    found = words(text)
    joined = ["".join(parts) for chunk in text.split() if len(parts := words(chunk)) > 1]
    return " ".join(found + joined)
