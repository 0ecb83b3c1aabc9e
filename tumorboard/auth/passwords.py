"""Password hashing with argon2id (argon2-cffi) and the password policy.

The policy (`password_problem`) is the one home of what makes a new password acceptable.

Parameters come from config (at least m = 19 MiB, t = 2, p = 1, the OWASP minimum for argon2id); a hash
made with older parameters is replaced at the next successful login.
"""

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _

from tumorboard.clinical.labels import N_

MIN_MEMORY_KIB = 19 * 1024
MIN_TIME_COST = 2
MAX_LENGTH = 256


@lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(
        time_cost=max(time_cost, MIN_TIME_COST),
        memory_cost=max(memory_kib, MIN_MEMORY_KIB),
        parallelism=parallelism,
        type=Type.ID,
    )


def hasher() -> PasswordHasher:
    cfg = current_app.config
    return _hasher(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST_KIB"], cfg["ARGON2_PARALLELISM"])


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)


@lru_cache(maxsize=8)
def _dummy_hash(time_cost: int, memory_kib: int, parallelism: int) -> str:
    return _hasher(time_cost, memory_kib, parallelism).hash("not-a-real-password-used-for-timing")


def burn_verification_time(password: str) -> None:
    """Verify against a dummy hash, so an unknown email takes as long to refuse as a wrong password."""
    cfg = current_app.config
    verify_password(
        _dummy_hash(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST_KIB"], cfg["ARGON2_PARALLELISM"]),
        password,
    )


# The public demo password (README, the demo seed): never accepted when a person sets a password, in any
# configuration; the demo seed writes its hashes directly.
PUBLIC_DEMO_PASSWORD = "tumorboard-demo"  # noqa: S105 - the published one, refused here
# NIST SP 800-63B (5.1.1.2): refuse what an attacker tries first. zxcvbn (Dropbox's estimator, MIT) ships
# the 30,000 most frequent passwords of the leaked corpora in its lists and finds them inside a password
# too, with dictionary words, keyboard walks, sequences, repeats, dates and the words we give it (the
# person's name and e-mail, the app's name). It estimates how many guesses an attacker needs; below 10^8
# is refused (zxcvbn's score 2 or less). It reads at most 72 characters: a longer password is judged by
# its first 72.
MIN_GUESSES_LOG10 = 8
_ESTIMATED = 72
APP_WORDS = ("tumorboard", "tumor", "board", "tumour")
TOO_GUESSABLE = N_(
    "This password is too easy to guess: it is on lists of common or breached passwords, or is a word "
    "with digits, a keyboard row or a sequence. Use a passphrase of several unrelated words."
)
TOO_PERSONAL = N_("The password must not be made of your name, your e-mail address or the name of this app.")
DEMO = N_("This is the public demo password: choose your own.")


def _context_words(email: str, name: str) -> list[str]:
    local = email.strip().lower().partition("@")[0]
    words = [email.strip().lower(), local, *local.replace("-", ".").replace("_", ".").split(".")]
    words += [name.lower(), *name.lower().split()]
    return [w for w in dict.fromkeys(words) if len(w) >= 3] + list(APP_WORDS)


def _only_made_of(typed: str, words: list[str]) -> bool:
    """Whether the letters of a password are nothing but these words (and at most three letters more):
    "Kowalski2024!", "anna.kowalski1" for Anna Kowalski, with digits and signs around them."""
    letters = "".join(c for c in typed if c.isalpha())
    before = letters
    for word in sorted(words, key=len, reverse=True):
        letters = letters.replace("".join(c for c in word if c.isalpha()) or "\0", "")
    return letters != before and len(letters) <= 3


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """The reason a new password is refused, or None when it is acceptable (NIST SP 800-63B: a length,
    no composition rules, a check against common and breached passwords and the person's own data)."""
    min_length = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < min_length:
        return _("The password must have at least %(count)d characters.", count=min_length)
    if len(password) > MAX_LENGTH:
        return _("The password must have at most %(count)d characters.", count=MAX_LENGTH)
    typed = password.strip().lower()
    if typed in {PUBLIC_DEMO_PASSWORD, current_app.config["DEMO_PASSWORD"].lower()}:
        return _(DEMO)
    if email and typed == email.strip().lower():
        return _("The password must not be your email address.")
    words = _context_words(email, name)
    if _only_made_of(typed, words):
        return _(TOO_PERSONAL)
    from zxcvbn import zxcvbn  # its lists take a moment to load: when a password is set, not at boot

    estimate = zxcvbn(password[:_ESTIMATED], user_inputs=words)
    if estimate["guesses_log10"] < MIN_GUESSES_LOG10:
        personal = any(m.get("dictionary_name") == "user_inputs" for m in estimate["sequence"])
        return _(TOO_PERSONAL) if personal else _(TOO_GUESSABLE)
    return None
