"""The second factor's operations: enrolling, passing the sign-in's second step, renewing the recovery
codes, the admin's reset, and the check that signing a decision repeats (auth.totp has the mechanics).

Who needs one: every user holding a role of SECOND_FACTOR_ROLES (`needs_second_factor`); they cannot
use the app until enrolled (security._deny_by_default). A user who has one always passes it at sign-in.
"""

from flask_babel import gettext as _
from sqlalchemy import select

from tumorboard.audit.recording import record
from tumorboard.auth import throttle, totp
from tumorboard.auth.models import RecoveryCode, SecondFactor, SessionEnd, User
from tumorboard.auth.sessions import end_sessions
from tumorboard.clinical.labels import N_
from tumorboard.db import atomic, utcnow
from tumorboard.errors import OperationError, check_version
from tumorboard.extensions import db

WRONG_CODE = N_("The code is not correct, or it has been used already. Type the code your app shows now.")
TOO_MANY_CODES = N_("Too many wrong codes: wait 15 minutes, then try again.")
PROVIDER_FACTORS = N_(
    "Your account signs in with the hospital's sign-in service, which asks for its own second factor "
    "(and again when you sign a decision). TumorBoard's second factor is for TumorBoard passwords only."
)


class CodeThrottled(OperationError):
    """Too many wrong codes for this user in the window (auth.throttle)."""


def needs_second_factor(user: User) -> bool:
    roles = totp.required_roles()
    return bool(roles) and user.has_role(*roles)


def missing_second_factor(user: User) -> bool:
    """The user's role needs a second factor and they have none yet: enrolment is all they may do."""
    return needs_second_factor(user) and not user.has_second_factor


def _recovery_rows(user_id: int, codes: list[str]) -> list[RecoveryCode]:
    return [RecoveryCode(code_hash=totp.recovery_hash(user_id, code)) for code in codes]


@atomic
def enrol(user: User, *, secret: str, code: str) -> list[str]:
    """The user confirms the secret their app holds with a current code; the second factor takes effect
    and its ten recovery codes are returned, to be shown this once."""
    if user.has_second_factor:
        raise OperationError(_("You have a second factor already."), field="code")
    if not user.has_local_password:
        raise OperationError(_(PROVIDER_FACTORS), field="code")
    step = totp.matching_step(secret, code, after=None)
    if step is None:
        raise OperationError(
            _(
                "The code does not match: check that the app shows TumorBoard's entry and that the phone's "
                "clock is right, then type the code it shows now."
            ),
            field="code",
        )
    codes = totp.new_recovery_codes()
    user.second_factor = SecondFactor(
        secret_encrypted=totp.encrypt_secret(secret),
        last_step=step,
        recovery_codes=_recovery_rows(user.id, codes),
    )
    db.session.flush()
    record("auth.second_factor_enrolled", actor=user, entity=user)
    return codes


def _use_code(user: User, code: str) -> str | None:
    """Checks a code (an app's code, or a recovery code) and uses it up; how it passed, or None."""
    factor = user.second_factor
    if factor is None:
        return None
    if totp.looks_like_totp(code):
        secret = totp.decrypt_secret(factor.secret_encrypted)
        step = totp.matching_step(secret, code, after=factor.last_step) if secret else None
        if step is None:
            return None
        factor.last_step = step
        return "app code"
    row = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == totp.recovery_hash(user.id, code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return None
    row.used_at = utcnow()
    return "recovery code"


def check_second_factor(user: User, code: str, *, field: str = "code") -> str:
    """Inside an operation: the code must pass (throttled per user), or the operation is refused."""
    if not throttle.admit_second_factor(user.id):
        raise CodeThrottled(_(TOO_MANY_CODES), field=field)
    how = _use_code(user, code or "")
    if how is None:
        raise OperationError(_(WRONG_CODE), field=field)
    db.session.flush()
    throttle.clear_second_factor(user.id)
    return how


@atomic
def pass_second_step(user: User, code: str) -> str:
    """The sign-in's second step, after the right password."""
    how = check_second_factor(user, code)
    record("auth.second_factor_passed", actor=user, entity=user, details={"with": how})
    return how


@atomic
def record_wrong_code(user: User, purpose: str) -> None:
    """A wrong, reused or throttled code: audited after the refused action has been rolled back."""
    record(
        "auth.second_factor_failed",
        actor=user,
        entity_type="users",
        entity_id=user.id,
        details={"for": purpose},
    )


@atomic
def renew_recovery_codes(user: User, code: str) -> list[str]:
    """Ten new recovery codes, confirmed by a current code; the old ones stop working."""
    if user.second_factor is None:
        raise OperationError(_("Set up the second factor first."), field="code")
    check_second_factor(user, code)
    codes = totp.new_recovery_codes()
    user.second_factor.recovery_codes = _recovery_rows(user.id, codes)
    db.session.flush()
    record("auth.recovery_codes_renewed", actor=user, entity=user)
    return codes


def unused_recovery_codes(user: User) -> int:
    factor = user.second_factor
    return sum(1 for row in factor.recovery_codes if row.used_at is None) if factor else 0


@atomic
def reset_second_factor(actor: User, user: User, *, expected_version: int | None) -> None:
    """An admin removes a user's second factor (a lost phone): the user's sessions end, and a user whose
    role needs one enrols again at the next sign-in."""
    check_version(user, expected_version)
    if user.second_factor is None:
        raise OperationError(_("%(name)s has no second factor.", name=user.name))
    user.second_factor = None
    end_sessions(user, SessionEnd.SECOND_FACTOR_RESET)
    db.session.flush()
    record("user.second_factor_reset", actor=actor, entity=user, changes={"second_factor": [True, False]})
