"""Session lifetime: an idle timeout and an absolute lifetime, on top of Flask-Login.

The session cookie is signed, so the timestamps in it cannot be moved by the client; the per-user session
token in the login id voids cookies captured before a logout, a password change, a password reset or a
disabling. The cookie itself carries no expiry: it ends with the browser.
"""

import hmac
import time

from flask import current_app, flash, g, session
from flask_login import login_user, logout_user
from sqlalchemy.orm import selectinload

from tumorboard.auth.models import User
from tumorboard.db import MAX_ID
from tumorboard.extensions import db, login_manager


@login_manager.user_loader
def load_user(login_id: str) -> User | None:
    user_id, _, token = login_id.partition(":")
    if not user_id.isdigit() or not token or not 0 < int(user_id) <= MAX_ID:
        return None
    user = db.session.get(
        User, int(user_id), options=[selectinload(User.role_rows), selectinload(User.memberships)]
    )
    if user is None or not user.active or not hmac.compare_digest(user.session_token, token):
        return None
    return user


def start_session(user: User) -> None:
    g.session_started = True  # an error later in this request must not leave the user signed in
    session.clear()
    login_user(user, remember=False)
    # A browser-session cookie (no Expires, no Max-Age): it goes when the browser closes, on a shared
    # ward computer too. The idle timeout and the absolute lifetime are checked here, on the server.
    session.permanent = False
    now = int(time.time())
    session["login_at"] = now
    session["seen_at"] = now


def end_session() -> None:
    logout_user()
    session.clear()


def session_expired() -> bool:
    """True (and the session ended) when idle too long or past its absolute lifetime."""
    now = int(time.time())
    login_at, seen_at = session.get("login_at"), session.get("seen_at")
    idle = current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    if (
        not isinstance(login_at, int)
        or not isinstance(seen_at, int)
        or now - seen_at > idle
        or now - login_at > lifetime
    ):
        end_session()
        flash("Your session has expired. Please sign in again.", "info")
        return True
    if now - seen_at >= 30:
        session["seen_at"] = now
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
    user = load_user(f"{pending.get('user')}:{pending.get('token')}")
    return user, str(pending.get("next") or "")


def end_second_step() -> None:
    session.pop(_SECOND_STEP, None)
