"""Sign-in throttling on Flask-Limiter's storage (memory in development, Redis in production, shared by
every app process).

Three counters, each with its limit in config (`LOGIN_LIMIT_*`):

- per (account, client address): every attempt is counted before the password is checked, with the
  storage's atomic increment, so parallel guesses cannot slip past the limit; a successful sign-in clears
  it. This is the counter that stops a guesser, and it stops only that guesser: the account's owner at
  another address is not refused because of it.
- per client address: only failures count (colleagues behind one hospital NAT do not lock each other out
  by signing in), across all accounts, against one address trying many accounts.
- per account, from any address, over a long window (`LOGIN_ACCOUNT_CEILING`, e.g. 50 failures a day):
  against guessing spread over many addresses. Reaching it never locks the account: from then on one
  attempt is admitted per delay, and the delay doubles with each further failure
  (`LOGIN_ACCOUNT_DELAY_BASE_SECONDS` up to `LOGIN_ACCOUNT_DELAY_MAX_SECONDS`). Anyone refused is told how
  many seconds to wait (429 with Retry-After). A success does not clear it (the guesser does not stop
  because the owner signed in); it ends with its window.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from flask import current_app, request
from limits import RateLimitItem, parse

from tumorboard.auth.models import email_key
from tumorboard.extensions import limiter

# One audit row per throttled account and window, not one per refused request.
_AUDIT_ONCE = parse("1 per 15 minutes")


@dataclass(frozen=True)
class Refusal:
    """Why an attempt was not admitted, and how long to wait before the next one may be."""

    retry_after: int


def _prefix() -> str:
    return current_app.config.get("RATELIMIT_KEY_PREFIX", "") or "tumorboard"


def _account(email: str) -> str:
    return hashlib.sha256(email_key(email[:254]).encode()).hexdigest()


def _address() -> str:
    return request.remote_addr or ""


def _limit(name: str) -> RateLimitItem:
    return parse(current_app.config[name])


def _seconds_until(reset_time: float) -> int:
    return max(1, math.ceil(reset_time - time.time()))


def _ceiling_key(account: str) -> str:
    return _limit("LOGIN_ACCOUNT_CEILING").key_for(_prefix(), "login-account-failures", account)


def _delay_key(account: str) -> str:
    return f"{_prefix()}/login-account-delay/{account}"


def account_delay(failures: int) -> int:
    """Seconds between admitted attempts for an account with `failures` in the long window: none below
    the ceiling, then the base doubled per failure past it, at most the maximum."""
    cfg = current_app.config
    over = failures - _limit("LOGIN_ACCOUNT_CEILING").amount
    if over < 0:
        return 0
    return min(
        cfg["LOGIN_ACCOUNT_DELAY_BASE_SECONDS"] * 2 ** min(over, 32), cfg["LOGIN_ACCOUNT_DELAY_MAX_SECONDS"]
    )


def admit_attempt(email: str) -> Refusal | None:
    """Counts this attempt against (account, address); a Refusal when it, the address or the account's
    delay says wait, None when the password may be checked."""
    account, address = _account(email), _address()
    strategy, storage = limiter.limiter, limiter.storage
    per_ip = _limit("LOGIN_LIMIT_PER_IP")
    if not strategy.test(per_ip, _prefix(), "login-ip", address):
        return Refusal(_seconds_until(strategy.get_window_stats(per_ip, _prefix(), "login-ip", address)[0]))
    delay = account_delay(int(storage.get(_ceiling_key(account)) or 0))
    if delay and storage.incr(_delay_key(account), delay) > 1:
        # one attempt per delay, whoever makes it; the key lives `delay` seconds from the admitted one
        return Refusal(_seconds_until(storage.get_expiry(_delay_key(account))))
    per_pair = _limit("LOGIN_LIMIT_PER_ACCOUNT_AND_IP")
    if not strategy.hit(per_pair, _prefix(), "login-account-ip", account, address):
        reset = strategy.get_window_stats(per_pair, _prefix(), "login-account-ip", account, address)[0]
        return Refusal(_seconds_until(reset))
    return None


def record_failure(email: str) -> None:
    """A wrong password (or an unknown or disabled account): counts for the address and, over the long
    window, for the account."""
    strategy, storage = limiter.limiter, limiter.storage
    strategy.hit(_limit("LOGIN_LIMIT_PER_IP"), _prefix(), "login-ip", _address())
    if email:
        ceiling = _limit("LOGIN_ACCOUNT_CEILING")
        storage.incr(_ceiling_key(_account(email)), ceiling.get_expiry())


def record_success(email: str) -> None:
    limiter.limiter.clear(
        _limit("LOGIN_LIMIT_PER_ACCOUNT_AND_IP"), _prefix(), "login-account-ip", _account(email), _address()
    )


def first_refusal_in_window(email: str) -> bool:
    """True once per account and window: only then is the refusal worth an audit row."""
    return limiter.limiter.hit(_AUDIT_ONCE, _prefix(), "login-throttle-audit", _account(email))


def admit_reauthentication(user_id: int) -> bool:
    """A signed-in user who types their password again (to sign a decision, to change it): each attempt
    counts, per user; a right password clears the count. Guessing at an unlocked ward computer stops at
    the limit as it does at the sign-in page."""
    return limiter.limiter.hit(_limit("REAUTH_LIMIT_PER_USER"), _prefix(), "reauth-user", str(user_id))


def clear_reauthentication(user_id: int) -> None:
    limiter.limiter.clear(_limit("REAUTH_LIMIT_PER_USER"), _prefix(), "reauth-user", str(user_id))


def admit_reset_mail(email: str) -> bool:
    """Password-reset mails per account (`RESET_LIMIT_PER_ACCOUNT`): nobody can flood a mailbox."""
    return limiter.limiter.hit(_limit("RESET_LIMIT_PER_ACCOUNT"), _prefix(), "reset-account", _account(email))


def admit_reset_request_from_address() -> bool:
    """Password-reset requests per client address (`RESET_LIMIT_PER_IP`), whatever the address typed and
    whether or not it names an account: one address cannot mail every account of the hospital, nor probe
    them. Counted in the same storage as the sign-in throttle (Redis in production, shared by every
    server)."""
    return limiter.limiter.hit(_limit("RESET_LIMIT_PER_IP"), _prefix(), "reset-ip", _address())


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
