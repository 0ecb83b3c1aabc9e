"""Server-side sessions: the cookie carries only a session key; its record (`UserSession`) says whose it
is, since when, and whether it still holds.

Every request loads the record and its user in one statement; the idle timeout (SESSION_IDLE_TIMEOUT)
and the absolute lifetime (PERMANENT_SESSION_LIFETIME) are judged on the record's times, so ending a
session (signing out, from the signed-in sessions page, by an admin, a password change or reset, a
disabling, a second factor's reset) takes effect at once, on every app process. The record is stored
with the key's SHA-256 only: a copy of the table opens no session. The cookie itself carries no expiry:
it ends with the browser.

Keeping `last_seen_at` is bookkeeping, not a user action: an UPDATE of that one row at most every
`SEEN_EVERY` seconds, outside the writers' lock (the audit chain's), so that browsing never queues
behind the writers. An idle or expired session is ended the same way, unaudited (nobody acted).
"""

import hashlib
import secrets
import time
from datetime import timedelta
from functools import cache
from typing import Any, cast

from flask import current_app, flash, g, has_request_context, request, session
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import CursorResult, Select, bindparam, select, update
from sqlalchemy.orm import contains_eager
from ua_parser import parse as parse_user_agent

from tumorboard.auth.models import SessionEnd, SignInMethod, User, UserSession, new_session_token
from tumorboard.boards.models import BoardMembership
from tumorboard.db import MAX_ID, atomic, utcnow
from tumorboard.extensions import db, login_manager

SEEN_EVERY = timedelta(seconds=60)
KEY_BYTES = 32
_KEY_LENGTH = len(secrets.token_urlsafe(KEY_BYTES))
USER_AGENT_LENGTH = 120
ADDRESS_LENGTH = 45  # the longest text form of an IPv6 address


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def current_session() -> UserSession | None:
    """The record of this request's session (loaded with the user), or None."""
    return g.get("user_session") if has_request_context() else None


@cache
def _session_statement() -> Select:
    """Built once per process (every request runs it): only the key's hash is bound per request, and the
    compiled form stays in the engine's cache."""
    user = contains_eager(UserSession.user)
    return (
        select(UserSession)
        .join(UserSession.user)
        .where(UserSession.key_hash == bindparam("key_hash"), UserSession.ended_at.is_(None))
        .options(
            user,
            user.joinedload(User.role_rows),
            user.joinedload(User.memberships).joinedload(BoardMembership.board),
        )
    )


@login_manager.user_loader
def load_user(key: str) -> User | None:
    """The one statement per request: the active session record with its user, their roles and their
    boards (the permissions, the navigation and the dashboard read them on every page), joined in the same
    statement instead of three lazy loads after it."""
    if not isinstance(key, str) or len(key) != _KEY_LENGTH:
        return None
    record = (
        db.session.execute(_session_statement(), {"key_hash": key_hash(key)}).unique().scalar_one_or_none()
    )
    if record is None or not record.user.active:
        return None
    g.user_session = record
    return record.user


def user_agent_summary(header: str | None) -> str:
    """ "Firefox 128 on Ubuntu": enough for a person to recognise their own browser, nothing more."""
    if not header:
        return "Unknown browser"
    result = parse_user_agent(header[:1000])
    browser = result.user_agent
    system = result.os
    name = browser.family if browser and browser.family != "Other" else "Unknown browser"
    if browser and browser.major and name != "Unknown browser":
        name = f"{name} {browser.major}"
    if system and system.family != "Other":
        name = f"{name} on {system.family}"
    return name[:USER_AGENT_LENGTH]


@atomic
def open_session(user: User, method: SignInMethod) -> tuple[UserSession, str]:
    """The record of a new session and its key (for the cookie only). The sign-in itself is audited by
    the operation that checked it (auth.login, auth.second_factor_passed, auth.sso_login)."""
    key = secrets.token_urlsafe(KEY_BYTES)
    record = UserSession(
        key_hash=key_hash(key),
        user_id=user.id,
        method=method,
        user_agent=user_agent_summary(request.headers.get("User-Agent") if has_request_context() else ""),
        client_address=((request.remote_addr or "") if has_request_context() else "")[:ADDRESS_LENGTH],
    )
    db.session.add(record)
    db.session.flush()
    return record, key


def start_session(user: User, method: SignInMethod) -> None:
    g.session_started = True  # an error later in this request must not leave the user signed in
    session.clear()
    record, key = open_session(user, method)
    g.new_session_key = key
    login_user(user, remember=False)
    g.pop("new_session_key")
    # A browser-session cookie (no Expires, no Max-Age): it goes when the browser closes, on a shared
    # ward computer too. The idle timeout and the absolute lifetime are checked on the server.
    session.permanent = False
    g.user_session = record


def session_method() -> SignInMethod:
    """How this request's session was signed in (a new session after a password change keeps it)."""
    record = current_session()
    return record.method if record is not None else SignInMethod.PASSWORD


def end_session() -> None:
    """Forget the session in this browser (its record is ended by the operation that asked for it)."""
    logout_user()
    session.clear()
    g.pop("user_session", None)


def end_sessions(user: User, reason: SessionEnd, *, keep: UserSession | None = None) -> int:
    """Inside an operation: end every active session of `user` (but `keep`), and renew the user's
    session token (which voids a sign-in halfway through its second step). How many ended."""
    stmt = (
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep.id)
    ended = cast(CursorResult[Any], db.session.execute(stmt)).rowcount
    user.session_token = new_session_token()
    return ended


def _limits() -> tuple[timedelta, timedelta]:
    return current_app.config["SESSION_IDLE_TIMEOUT"], current_app.config["PERMANENT_SESSION_LIFETIME"]


def expired_reason(record: UserSession, now=None) -> SessionEnd | None:
    now = now or utcnow()
    idle, lifetime = _limits()
    if now - record.created_at > lifetime:
        return SessionEnd.LIFETIME
    if now - record.last_seen_at > idle:
        return SessionEnd.IDLE
    return None


def session_expired() -> bool:
    """True (and the session ended, its record too) when idle too long or past its absolute lifetime;
    otherwise the record's last_seen_at moves on, at most every SEEN_EVERY."""
    record = current_session()
    if record is None:
        end_session()
        return True
    now = utcnow()
    reason = expired_reason(record, now)
    if reason is not None:
        db.session.execute(
            update(UserSession)
            .where(UserSession.id == record.id, UserSession.ended_at.is_(None))
            .values(ended_at=now, end_reason=reason)
            .execution_options(synchronize_session=False)
        )
        end_session()
        flash(_("Your session has expired. Please sign in again."), "info")
        return True
    if now - record.last_seen_at >= SEEN_EVERY:
        db.session.execute(
            update(UserSession)
            .where(UserSession.id == record.id)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.expire(record, ["last_seen_at"])
    return False


# The sign-in's second step: the password was right, the code is still to come. Nothing but the user's
# id, their session token (so a logout elsewhere voids it) and the time is kept, in the signed cookie.
_SECOND_STEP = "second_step"


def begin_second_step(user: User, next_path: str) -> None:
    session.clear()
    session[_SECOND_STEP] = {
        "user": user.id,
        "token": user.session_token,
        "at": int(time.time()),
        "next": next_path,
    }


def second_step_user() -> tuple[User | None, str]:
    """The user halfway through signing in and where they were going, or None when there is none, or
    it is older than SECOND_STEP_SECONDS (then it is forgotten)."""
    pending = session.get(_SECOND_STEP)
    if not isinstance(pending, dict):
        return None, ""
    at = pending.get("at")
    if not isinstance(at, int) or int(time.time()) - at > current_app.config["SECOND_STEP_SECONDS"]:
        session.pop(_SECOND_STEP, None)
        return None, ""
    user_id, token = pending.get("user"), pending.get("token")
    if not isinstance(user_id, int) or not 0 < user_id <= MAX_ID or not isinstance(token, str):
        return None, ""
    user = db.session.get(User, user_id)
    if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
        return None, ""
    return user, str(pending.get("next") or "")


def end_second_step() -> None:
    session.pop(_SECOND_STEP, None)
