"""User actions on accounts: signing in and out, passwords, and the admin's user management.

Each function takes the acting user, checks the rules, changes the objects, flushes, and records the audit
event in the caller's transaction.
"""

import secrets
from collections.abc import Iterable
from typing import Any, cast

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import CursorResult, and_, delete, or_, select

from tumorboard import jobs
from tumorboard.audit.recording import REDACTED, diff, record, serialize_writes, snapshot
from tumorboard.auth import reset, throttle
from tumorboard.auth.fields import AccountFields, ProfileFields
from tumorboard.auth.models import (
    SessionEnd,
    User,
    UserRole,
    UserSession,
    email_key,
    find_user_by_email,
)
from tumorboard.auth.passwords import (
    burn_verification_time,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from tumorboard.auth.queries import other_active_admins
from tumorboard.auth.roles import Role
from tumorboard.auth.sessions import end_sessions
from tumorboard.auth.tokens import is_service_account
from tumorboard.boards.models import Board, BoardMembership
from tumorboard.clinical.labels import N_
from tumorboard.clinical.specialties import Specialty
from tumorboard.db import atomic, utcnow
from tumorboard.errors import OperationError, check_version
from tumorboard.extensions import db
from tumorboard.i18n import Language

USER_FIELDS = ("email", "name", "specialty", "active", "roles", "board_ids", "must_change_password")


def _user_snapshot(user: User) -> dict:
    return snapshot(user, USER_FIELDS)


def authenticate(email: str, password: str) -> User | None:
    """Sign-in check. Unknown email, wrong password and a disabled account get the same answer (None) and
    take the same time; each failure is audited with its true reason for the admins."""
    user = find_user_by_email(email) if email else None
    if user is None:
        burn_verification_time(password)
        reason = "unknown email"
    elif not verify_password(user.password_hash, password):
        reason = "wrong password"
    elif not user.active:
        reason = "account disabled"
    elif is_service_account(user):  # whatever password an admin may have set: the API only
        reason = "service account"
    else:
        user.last_login_at = utcnow()
        changes = {}
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
            changes["password_hash"] = ["(old parameters)", "(rehashed)"]
        record("auth.login", actor=user, entity=user, changes=changes)
        return user
    # The typed email is kept only when it names an account: a password typed into the email box by
    # mistake must not end up in the audit log.
    record(
        "auth.login_failed",
        entity=user,
        entity_type="users",
        details={"email": user.email if user else "(no such account)", "reason": reason},
    )
    return None


@atomic
def log_out(user: User) -> None:
    """Ends every session of this user (their records), so every cookie of theirs, including copies
    captured earlier, and the other browsers they left signed in on shared ward computers."""
    ended = end_sessions(user, SessionEnd.SIGNED_OUT)
    record("auth.logout", actor=user, entity=user, details={"sessions_ended": ended})


def record_throttled_login(email: str) -> None:
    user = find_user_by_email(email) if email else None
    record(
        "auth.login_throttled",
        entity=user,
        entity_type="users",
        details={"email": user.email if user else "(no such account)"},
    )


def record_access_denied(actor: User | None, endpoint: str | None, method: str) -> None:
    record("access.denied", actor=actor, details={"endpoint": endpoint, "method": method})


TOO_MANY_PASSWORDS = N_("Too many wrong passwords: wait 15 minutes, then try again.")
PROVIDER_ONLY_ACCOUNT = N_(
    "Your account signs in with the hospital's sign-in service and has no TumorBoard password to change: "
    "change your password there."
)


def confirm_password(user: User, password: str, *, field: str, wrong: str) -> None:
    """The signed-in user's password, typed again for an act that needs it; throttled per user
    (auth.throttle), so that nobody at an unlocked computer can guess it."""
    if not throttle.admit_reauthentication(user.id):
        raise OperationError(_(TOO_MANY_PASSWORDS), field=field)
    if not verify_password(user.password_hash, password or ""):
        raise OperationError(wrong, field=field)
    throttle.clear_reauthentication(user.id)


@atomic
def record_wrong_password(user: User, purpose: str) -> None:
    """A password typed again was wrong (or the limit reached): kept in the audit log, after the refused
    action has been rolled back."""
    record(
        "auth.reauthentication_failed",
        actor=user,
        entity_type="users",
        entity_id=user.id,
        details={"for": purpose},
    )


@atomic
def change_password(user: User, current_password: str, new_password: str) -> None:
    """The owner changes their password; the current one is required, and other sessions end. An account
    the provider alone signs in has none here (its password is the provider's)."""
    if not user.has_local_password:
        raise OperationError(PROVIDER_ONLY_ACCOUNT)
    confirm_password(
        user, current_password, field="current_password", wrong=_("The current password is not correct.")
    )
    if verify_password(user.password_hash, new_password):
        raise OperationError(_("The new password must differ from the current one."), field="new_password")
    _set_password(user, new_password, SessionEnd.PASSWORD_CHANGED)
    user.must_change_password = False
    record("user.password_changed", actor=user, entity=user, changes={"password": [REDACTED, REDACTED]})


def _set_password(user: User, password: str, ended_by: SessionEnd) -> None:
    problem = password_problem(password, email=user.email, name=user.name)
    if problem:
        raise OperationError(problem, field="new_password")
    user.password_hash = hash_password(password)
    end_sessions(user, ended_by)


def _clean_roles(roles: Iterable[str]) -> set[Role]:
    try:
        cleaned = {Role(r) for r in roles}
    except ValueError:
        raise OperationError(_("Unknown role."), field="roles") from None
    if not cleaned:
        raise OperationError(_("Choose at least one role."), field="roles")
    return cleaned


def _clean_specialty(specialty: str) -> Specialty:
    try:
        return Specialty(specialty)
    except ValueError:
        raise OperationError(_("Unknown specialty."), field="specialty") from None


def _clean_boards(board_ids: Iterable[int]) -> set[int]:
    wanted = {int(b) for b in board_ids}
    if not wanted:
        return wanted
    found = set(db.session.scalars(select(Board.id).where(Board.id.in_(wanted))))
    if found != wanted:
        raise OperationError(_("Unknown board."), field="boards")
    return wanted


def _clean_identity(email: str, name: str, user: User | None = None) -> tuple[str, str]:
    email = email_key(AccountFields.email.clean(email, "email"))
    name = " ".join(AccountFields.name.clean(name, "name").split())
    if "@" not in email:
        raise OperationError(_("Enter a valid email address."), field="email")
    other = find_user_by_email(email)
    if other is not None and other is not user:
        raise OperationError(_("Another account already uses this email address."), field="email")
    return email, name


def _apply_roles(user: User, roles: set[Role]) -> None:
    current = {Role(r.role): r for r in user.role_rows}
    for role, row in current.items():
        if role not in roles:
            user.role_rows.remove(row)
    for role in roles - current.keys():
        user.role_rows.append(UserRole(role=role.value))


def _apply_boards(user: User, board_ids: set[int]) -> None:
    for membership in list(user.memberships):
        if membership.board_id not in board_ids:
            user.memberships.remove(membership)
    for board_id in board_ids - user.board_ids:
        user.memberships.append(BoardMembership(board_id=board_id))


@atomic
def create_user(
    actor: User | None,
    *,
    email: str,
    name: str,
    specialty: str,
    roles: Iterable[str],
    password: str,
    board_ids: Iterable[int] = (),
    must_change_password: bool = True,
    demo_seed: bool = False,
) -> User:
    """An admin opens an account; the user chooses their own password at first sign-in. Only the demo
    seed (`demo_seed=True`) may give an account the public demo password, which the policy refuses."""
    email, name = _clean_identity(email, name)
    user = User(
        email=email,
        name=name,
        specialty=_clean_specialty(specialty),
        password_hash="",
        must_change_password=must_change_password,
    )
    problem = None if demo_seed else password_problem(password, email=email, name=name)
    if problem:
        raise OperationError(problem, field="new_password")
    user.password_hash = hash_password(password)
    _apply_roles(user, _clean_roles(roles))
    wanted_boards = _clean_boards(board_ids)
    db.session.add(user)
    db.session.flush()
    _apply_boards(user, wanted_boards)
    db.session.flush()
    record("user.created", actor=actor, entity=user, changes=diff({}, _user_snapshot(user)))
    return user


@atomic
def update_user(
    actor: User,
    user: User,
    *,
    expected_version: int | None,
    email: str,
    name: str,
    specialty: str,
    roles: Iterable[str],
    board_ids: Iterable[int],
) -> None:
    check_version(user, expected_version)
    before = _user_snapshot(user)
    email, name = _clean_identity(email, name, user)
    new_roles = _clean_roles(roles)
    new_boards = _clean_boards(board_ids)
    serialize_writes()
    if Role.ADMIN not in new_roles and user.is_admin and other_active_admins(user) == 0:
        raise OperationError(
            _("This is the last active administrator: the admin role must stay."), field="roles"
        )
    user.email, user.name, user.specialty = email, name, _clean_specialty(specialty)
    _apply_roles(user, new_roles)
    _apply_boards(user, new_boards)
    db.session.flush()
    changes = diff(before, _user_snapshot(user))
    if changes:
        user.updated_at = utcnow()  # roles and boards live in other tables: move the version on anyway
        record("user.updated", actor=actor, entity=user, changes=changes)


@atomic
def set_user_active(actor: User, user: User, *, active: bool, expected_version: int | None) -> None:
    """Disabling ends the user's sessions at once; nobody can lock themselves or the last admin out."""
    check_version(user, expected_version)
    if user.active == active:
        return
    if not active:
        if user.id == actor.id:
            raise OperationError(_("You cannot disable your own account."))
        serialize_writes()
        if user.is_admin and other_active_admins(user) == 0:
            raise OperationError(_("This is the last active administrator and cannot be disabled."))
        end_sessions(user, SessionEnd.ACCOUNT_DISABLED)
    user.active = active
    record(
        "user.enabled" if active else "user.disabled",
        actor=actor,
        entity=user,
        changes={"active": [not active, active]},
    )


@atomic
def reset_password(actor: User, user: User, *, new_password: str, expected_version: int | None) -> None:
    """An admin sets a temporary password; the user must change it at their next sign-in."""
    check_version(user, expected_version)
    _set_password(user, new_password, SessionEnd.PASSWORD_RESET)
    user.must_change_password = True
    record("user.password_reset", actor=actor, entity=user, changes={"password": [REDACTED, REDACTED]})


RESET_LINK_INVALID = N_(
    "This password-reset link has expired, has been used already or is not valid. Ask for a new one."
)


@atomic
def request_password_reset(email: str) -> None:
    """Someone at the sign-in page asks for a reset link. Whether or not the address has an account, the
    same answer and the same work in this request (one audit row; the mail is a job, sent after the
    commit by the worker); the audit row keeps the typed address only when it names an account. An
    account gets at most `RESET_LIMIT_PER_ACCOUNT` mails, and one client address's requests send at most
    `RESET_LIMIT_PER_IP` (past either, the same answer and no mail). An account without a local password
    (made at its first single sign-on) gets none: its password is the provider's, and a link would give
    it a second way in."""
    email = (email or "")[:254]
    # Both counted for any address, known or not: the same work and the same answer either way.
    from_address = throttle.admit_reset_request_from_address()
    allowed = throttle.admit_reset_mail(email) and from_address
    user = find_user_by_email(email) if email else None
    mailed = user is not None and user.active and bool(user.password_hash) and allowed
    record(
        "auth.password_reset_requested",
        entity=user,
        entity_type="users",
        details={"email": user.email if user else "(no such account)", "mailed": mailed},
    )
    if mailed and user is not None:
        jobs.enqueue(reset.mail_reset_link, user.id)


@atomic
def reset_password_by_link(token: str, new_password: str) -> User:
    """The owner of a reset link sets a new password. Every session of theirs ends (a new session
    token), and the link stops working with the password it was made under."""
    user = reset.user_for_token(token)
    if user is None:
        raise OperationError(RESET_LINK_INVALID)
    _set_password(user, new_password, SessionEnd.PASSWORD_RESET)
    user.must_change_password = False
    record("user.password_reset_by_link", actor=user, entity=user, changes={"password": [REDACTED, REDACTED]})
    return user


@atomic
def renew_calendar_token(user: User) -> str:
    """A new secret for the personal calendar feed; the old link stops working."""
    user.calendar_token = secrets.token_urlsafe(32)
    record("user.calendar_link_renewed", actor=user, entity=user)
    return user.calendar_token


@atomic
def choose_language(user: User, locale: str | None, expected_version: int | None = None) -> None:
    """The user's language of the interface (None: the browser's, else the hospital's). From the account
    page the form's version is checked; the navigation's switch carries none (the last choice wins, and
    nothing else of the profile changes)."""
    if expected_version is not None:
        check_version(user, expected_version)
    cleaned = ProfileFields.locale.clean(locale, "locale")
    chosen = Language(cleaned) if cleaned else None
    if user.locale == chosen:
        return
    before = user.locale.value if user.locale else None
    user.locale = chosen
    record(
        "user.language_chosen",
        actor=user,
        entity=user,
        changes={"locale": [before, chosen.value if chosen else None]},
    )


# Signed-in sessions (auth.sessions keeps them; the user's page lists them) -------------------------

SESSION_ENDED_ALREADY = N_("This session has ended already.")
THIS_SESSION_ENDED = N_("Your session has ended meanwhile: sign in again.")
NO_OTHER_SESSIONS = N_("No other session of yours is active.")


def _still_active(current: UserSession) -> None:
    """The session the user acts from: ended meanwhile (another browser ended it first), it acts no more."""
    if current.ended_at is not None:
        raise OperationError(_(THIS_SESSION_ENDED))


@atomic
def end_own_session(actor: User, current: UserSession, target: UserSession) -> None:
    """The user ends one of their other sessions (a browser left signed in elsewhere); from this moment
    its cookie opens nothing, on every app process."""
    if not target.can_end(actor):
        raise OperationError(_("This session is not yours."))
    _still_active(current)
    if target.id == current.id:
        raise OperationError(_("Sign out to end this session."))
    if target.ended_at is not None:
        raise OperationError(_(SESSION_ENDED_ALREADY))
    target.ended_at, target.end_reason = utcnow(), SessionEnd.ENDED_BY_USER
    record(
        "auth.session_ended",
        actor=actor,
        entity=target,
        details={"browser": target.user_agent, "started": target.created_at.isoformat()},
    )


@atomic
def end_other_sessions(actor: User, current: UserSession) -> int:
    """The user ends every session of theirs but this one; how many ended."""
    _still_active(current)
    ended = end_sessions(actor, SessionEnd.ENDED_BY_USER, keep=current)
    if ended == 0:
        raise OperationError(_(NO_OTHER_SESSIONS))
    record("auth.other_sessions_ended", actor=actor, entity=actor, details={"sessions_ended": ended})
    return ended


@atomic
def end_all_sessions_of(actor: User, user: User, *, keep: UserSession | None = None) -> int:
    """An administrator ends every session of `user` (a lost laptop, a leaving colleague); `keep` is the
    admin's own session when they end their own others. How many ended."""
    if not actor.can_end_sessions_of(user):
        raise OperationError(_("Only an administrator ends another person's sessions."))
    ended = end_sessions(user, SessionEnd.ENDED_BY_ADMIN, keep=keep if user.id == actor.id else None)
    record("user.sessions_ended", actor=actor, entity=user, details={"sessions_ended": ended})
    return ended


@atomic
def prune_session_records() -> int:
    """A scheduled job (`flask jobs tick`): deletes the records of sessions that ended, or were last used,
    more than SESSION_RECORD_RETENTION ago (a session unused that long ended by its idle timeout long
    since); how many went. Idempotent: a second run finds nothing more."""
    cutoff = utcnow() - current_app.config["SESSION_RECORD_RETENTION"]
    result = db.session.execute(
        delete(UserSession)
        .where(
            or_(
                UserSession.ended_at < cutoff,
                and_(UserSession.ended_at.is_(None), UserSession.last_seen_at < cutoff),
            )
        )
        .execution_options(synchronize_session=False)
    )
    pruned = cast(CursorResult[Any], result).rowcount
    if pruned:
        record("auth.sessions_pruned", details={"records": pruned, "older_than": cutoff.isoformat()})
    return pruned
