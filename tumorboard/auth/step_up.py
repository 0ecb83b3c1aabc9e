"""Re-authentication of a signed-in user for an act that needs it (signing a decision, changing the
password): the password (and the second factor when the user has one), or, for a session the hospital's
provider opened, a fresh sign-in at the provider (step-up: `max_age=0`, `prompt=login`).

The way there and back, kept in the signed session (the views call these):

1. `begin(session, user, purpose, return_to, keep)`: the pending act (what it is for, where to come back,
   what the form held that is not saved elsewhere, e.g. the override reason) and the time of the request;
   the browser goes to the provider's authorization endpoint with a fresh state, nonce and PKCE verifier.
2. `complete(session, user)` at the callback: every check of a sign-in (auth.oidc.complete_sign_in) and
   `auth_time` present and not older than the request (STEP_UP_CLOCK_SKEW), and the identity the
   signed-in user's own linked one (issuer and subject). Then a `Proof` is kept in the session, valid
   STEP_UP_VALID_SECONDS, for that purpose only.
3. `proof_for(session, user, purpose)`: the proof, while it is valid, for the page's "Sign now".

The rule itself is `confirm(actor, …)`, called by the operations (one home): it checks the proof again
(who, which identity, how old, for what) or the password and the second factor, and says how the user
confirmed, for the audit event.
"""

import time
from dataclasses import asdict, dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from tumorboard.auth import oidc
from tumorboard.auth.models import User
from tumorboard.auth.operations import confirm_password
from tumorboard.auth.second_factor import check_second_factor
from tumorboard.clinical.labels import N_
from tumorboard.errors import OperationError

PASSWORD = "password"  # noqa: S105 (how the user confirmed, for the audit event)
PASSWORD_AND_TOTP = "password+TOTP"  # noqa: S105
PROVIDER = "provider re-authentication"

# The seconds by which the provider's clock may be behind ours when comparing auth_time with the request.
STEP_UP_CLOCK_SKEW = 10

_PENDING = "step_up_pending"
_PROOF = "step_up_proof"

PROVIDER_ONLY = N_(
    "Your account signs in at the hospital's sign-in service and has no TumorBoard password: confirm "
    "there instead (the button that names it)."
)
PROOF_INVALID = N_(
    "The confirmation at the hospital's sign-in service is no longer valid (it lasts a few minutes, for "
    "this act only): confirm there again. Nothing has been signed."
)


@dataclass(frozen=True)
class Proof:
    """The provider re-authenticated `user_id` as (issuer, subject) at `auth_time`, for `purpose`."""

    user_id: int
    issuer: str
    subject: str
    auth_time: int
    purpose: str


class StepUpRefused(Exception):
    """The provider's answer does not confirm the signed-in user; `reason` for the audit log, `message`
    for the page, `return_to` the page the user came from (their draft is there)."""

    def __init__(self, reason: str, message: str, return_to: str, status: int = 403):
        super().__init__(reason)
        self.reason, self.message, self.return_to, self.status = reason, message, return_to, status


def offered(session: Any, user: User) -> bool:
    """The provider confirms this user: a session the provider opened, for an account linked to it."""
    return (
        oidc.enabled()
        and bool(session.get(oidc.SIGNED_IN_SESSION_KEY))
        and bool(user.oidc_issuer and user.oidc_subject)
    )


def valid_seconds() -> int:
    return int(current_app.config["STEP_UP_VALID_SECONDS"])


def begin(session: Any, user: User, *, purpose: str, return_to: str, keep: dict | None = None):
    """The redirect to the provider's login page, the pending act remembered; SignInRefused (503) when
    the provider does not answer."""
    session.pop(_PROOF, None)
    response = oidc.authorize_redirect(max_age=0, prompt="login")
    session[_PENDING] = {
        "user": user.id,
        "purpose": purpose,
        "return_to": return_to,
        "keep": keep or {},
        "requested_at": int(time.time()),
    }
    return response


def pending(session: Any, user: User) -> dict | None:
    """The act this user went to the provider for, or None."""
    value = session.get(_PENDING)
    if isinstance(value, dict) and value.get("user") == user.id:
        return value
    return None


def kept(session: Any, user: User, purpose: str) -> dict:
    """What the form held when the user went to the provider for `purpose` (e.g. the override reason)."""
    value = session.get(_PROOF)
    if isinstance(value, dict) and value.get("user_id") == user.id and value.get("purpose") == purpose:
        return dict(value.get("keep") or {})
    return {}


def kept_return_to(session: Any, user: User) -> str:
    """Where the user goes back after a step-up that passed."""
    value = session.get(_PROOF)
    if isinstance(value, dict) and value.get("user_id") == user.id:
        return str(value.get("return_to") or "")
    return ""


def complete(session: Any, user: User) -> Proof:
    """The provider sent the browser back for the pending act: check all, keep the proof, or refuse."""
    waiting = pending(session, user)
    session.pop(_PENDING, None)
    session.pop(_PROOF, None)
    if waiting is None:
        raise StepUpRefused("no step-up pending", PROOF_INVALID, "/", status=400)
    return_to = str(waiting["return_to"])
    try:
        identity = oidc.complete_sign_in()
    except oidc.SignInRefused as refused:
        raise StepUpRefused(
            refused.reason,
            N_(
                "The confirmation at the hospital's sign-in service could not be completed: its answer "
                "was not valid for this browser. Nothing has been signed; your draft is kept."
            ),
            return_to,
            status=refused.status,
        ) from refused
    if identity.auth_time is None:
        raise StepUpRefused(
            "no auth_time",
            N_(
                "The hospital's sign-in service did not say when you signed in there, so it cannot confirm "
                "you. Nothing has been signed; your draft is kept. Ask your administrator."
            ),
            return_to,
        )
    if identity.auth_time < int(waiting["requested_at"]) - STEP_UP_CLOCK_SKEW:
        raise StepUpRefused(
            "auth_time older than the request",
            N_(
                "The hospital's sign-in service did not ask you to sign in again, so it did not confirm "
                "you now. Nothing has been signed; your draft is kept. Try again."
            ),
            return_to,
        )
    if (identity.issuer, identity.subject) != (user.oidc_issuer, user.oidc_subject):
        raise StepUpRefused(
            "another identity",
            _(
                "Someone else signed in at the hospital's sign-in service, not %(name)s. Only the "
                "signed-in chair confirms their own signature: nothing has been signed, your draft is kept, "
                "and you are still signed in as yourself.",
                name=user.name,
            ),
            return_to,
        )
    proof = Proof(user.id, identity.issuer, identity.subject, identity.auth_time, str(waiting["purpose"]))
    session[_PROOF] = {**asdict(proof), "keep": waiting.get("keep") or {}, "return_to": return_to}
    return proof


def proof_for(session: Any, user: User, purpose: str) -> Proof | None:
    """The proof kept for this user and purpose while it is valid, else None."""
    value = session.get(_PROOF)
    if not isinstance(value, dict):
        return None
    try:
        proof = Proof(
            user_id=int(value["user_id"]),
            issuer=str(value["issuer"]),
            subject=str(value["subject"]),
            auth_time=int(value["auth_time"]),
            purpose=str(value["purpose"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
    if proof.user_id != user.id or proof.purpose != purpose or not _fresh(proof):
        return None
    return proof


def valid_until(proof: Proof) -> int:
    return proof.auth_time + valid_seconds()


def forget(session: Any) -> None:
    session.pop(_PROOF, None)
    session.pop(_PENDING, None)


def _fresh(proof: Proof) -> bool:
    now = int(time.time())
    return proof.auth_time - STEP_UP_CLOCK_SKEW <= now <= valid_until(proof)


def confirm(
    actor: User, *, purpose: str, password: str = "", code: str = "", proof: Proof | None = None
) -> str:
    """Inside an operation: the actor confirmed who they are for `purpose`, or OperationError (field
    "password", "code" or "step_up"). Returns how, for the audit event: PASSWORD, PASSWORD_AND_TOTP or
    PROVIDER."""
    if proof is not None:
        if (
            proof.user_id != actor.id
            or proof.purpose != purpose
            or (proof.issuer, proof.subject) != (actor.oidc_issuer, actor.oidc_subject)
            or not _fresh(proof)
        ):
            raise OperationError(_(PROOF_INVALID), field="step_up")
        return PROVIDER
    if not actor.password_hash:
        raise OperationError(_(PROVIDER_ONLY), field="password")
    confirm_password(actor, password, field="password", wrong=_("The password is not correct."))
    if actor.has_second_factor:
        check_second_factor(actor, code, field="code")
        return PASSWORD_AND_TOTP
    return PASSWORD
