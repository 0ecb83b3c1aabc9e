"""Password hashing with argon2id (argon2-cffi) and the password policy.

Parameters come from config (at least m = 19 MiB, t = 2, p = 1, the OWASP minimum for argon2id); a hash
made with older parameters is replaced at the next successful login.
"""

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

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


def password_problem(password: str, *, email: str = "") -> str | None:
    """The reason a new password is refused, or None when it is acceptable."""
    min_length = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < min_length:
        return f"The password must have at least {min_length} characters."
    if len(password) > MAX_LENGTH:
        return f"The password must have at most {MAX_LENGTH} characters."
    if email and password.strip().lower() == email.strip().lower():
        return "The password must not be your email address."
    if len(set(password)) < 4:
        return "The password is too simple: use a passphrase of several words."
    return None
