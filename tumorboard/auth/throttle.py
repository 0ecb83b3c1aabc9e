"""Sign-in throttling on Flask-Limiter's storage (memory in development, Redis in production).

Per account, every attempt is counted before the password is checked, with the storage's atomic
increment, so parallel guesses cannot slip past the limit; a successful sign-in clears the account's
count. Per client IP only failures count, so colleagues behind one hospital NAT are not locked out by
each other's successful sign-ins.
"""

import hashlib

from flask import current_app, request
from limits import parse

from tumorboard.auth.models import email_key
from tumorboard.extensions import limiter

# One audit row per throttled account and window, not one per refused request.
_AUDIT_ONCE = parse("1 per 15 minutes")


def _prefix() -> str:
    return current_app.config.get("RATELIMIT_KEY_PREFIX", "") or "tumorboard"


def _account(email: str) -> str:
    return hashlib.sha256(email_key(email[:254]).encode()).hexdigest()


def _limits():
    cfg = current_app.config
    return parse(cfg["LOGIN_LIMIT_PER_ACCOUNT"]), parse(cfg["LOGIN_LIMIT_PER_IP"])


def admit_attempt(email: str) -> bool:
    """Count this attempt against the account; False when the account or the client IP is over its limit."""
    per_account, per_ip = _limits()
    account_ok = limiter.limiter.hit(per_account, _prefix(), "login-account", _account(email))
    ip_ok = limiter.limiter.test(per_ip, _prefix(), "login-ip", request.remote_addr or "")
    return account_ok and ip_ok


def record_failure() -> None:
    _, per_ip = _limits()
    limiter.limiter.hit(per_ip, _prefix(), "login-ip", request.remote_addr or "")


def record_success(email: str) -> None:
    per_account, _ = _limits()
    limiter.limiter.clear(per_account, _prefix(), "login-account", _account(email))


def first_refusal_in_window(email: str) -> bool:
    """True once per account and window: only then is the refusal worth an audit row."""
    return limiter.limiter.hit(_AUDIT_ONCE, _prefix(), "login-throttle-audit", _account(email))


def admit_reauthentication(user_id: int) -> bool:
    """A signed-in user who types their password again (to sign a decision, to change it): each attempt
    counts, per user; a right password clears the count. Guessing at an unlocked ward computer stops at
    the limit as it does at the sign-in page."""
    limit = parse(current_app.config["REAUTH_LIMIT_PER_USER"])
    return limiter.limiter.hit(limit, _prefix(), "reauth-user", str(user_id))


def clear_reauthentication(user_id: int) -> None:
    limit = parse(current_app.config["REAUTH_LIMIT_PER_USER"])
    limiter.limiter.clear(limit, _prefix(), "reauth-user", str(user_id))


def storage_answers() -> bool:
    """Whether the throttling store (Redis in production, shared by every app server) answers: without
    it nobody can sign in, so the health check reports it."""
    try:
        return bool(limiter.storage.check())
    except Exception:  # noqa: BLE001 - any failure of the store's client means "not answering"
        return False


def admit_second_factor(user_id: int) -> bool:
    """Each code typed (the sign-in's second step, signing a decision) counts, per user; a right code
    clears the count."""
    limit = parse(current_app.config["SECOND_FACTOR_LIMIT_PER_USER"])
    return limiter.limiter.hit(limit, _prefix(), "second-factor-user", str(user_id))


def clear_second_factor(user_id: int) -> None:
    limit = parse(current_app.config["SECOND_FACTOR_LIMIT_PER_USER"])
    limiter.limiter.clear(limit, _prefix(), "second-factor-user", str(user_id))
