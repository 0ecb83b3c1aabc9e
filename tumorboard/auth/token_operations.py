"""Making and revoking API tokens, and the administrator's service accounts (auth.tokens).

Each function takes the acting user, checks, changes, and records one audit event; a token's secret is
returned to the caller once and is never recorded anywhere.
"""

import re
import secrets
from collections.abc import Iterable
from datetime import timedelta

from flask_babel import gettext as _

from tumorboard.audit.recording import record
from tumorboard.auth import operations as account_operations
from tumorboard.auth.fields import AccountFields, TokenFields
from tumorboard.auth.models import User, UserRole
from tumorboard.auth.roles import Role
from tumorboard.auth.tokens import (
    ApiToken,
    ServiceAccount,
    TokenLifetime,
    TokenScope,
    is_service_account,
    new_secret,
    token_hash,
)
from tumorboard.db import atomic, utcnow
from tumorboard.errors import OperationError
from tumorboard.extensions import db

# No provider can hold an address under .invalid (RFC 2606), so single sign-on never links to it.
SERVICE_EMAIL_DOMAIN = "service-account.invalid"
# argon2 accepts no hash of this shape: no password signs a service account in to the web.
NO_PASSWORD = "!service-account"  # noqa: S105 (no password: a hash no password matches)
# What an integration does: register patients, open cases and add findings for its boards.
SERVICE_ROLES = frozenset({Role.SUBMITTER})


def _clean_token(name: str, scope: str, lifetime: str) -> tuple[str, TokenScope, TokenLifetime]:
    cleaned_name = " ".join(TokenFields.name.clean(name, "name").split())
    cleaned_scope = TokenScope(str(TokenFields.scope.clean(scope, "scope")))
    cleaned_lifetime = TokenLifetime(str(TokenFields.lifetime.clean(lifetime, "lifetime")))
    return cleaned_name, cleaned_scope, cleaned_lifetime


def _make(actor: User, owner: User, name: str, scope: str, lifetime: str) -> tuple[ApiToken, str]:
    cleaned_name, cleaned_scope, cleaned_lifetime = _clean_token(name, scope, lifetime)
    if not owner.active:
        raise OperationError(_("This account is disabled: it cannot have a new token."))
    secret = new_secret()
    token = ApiToken(
        user_id=owner.id,
        name=cleaned_name,
        token_hash=token_hash(secret),
        hint=secret[:10],
        scope=cleaned_scope,
        created_by_id=actor.id,
        expires_at=utcnow() + timedelta(days=cleaned_lifetime.days),
    )
    db.session.add(token)
    db.session.flush()
    record(
        "api_token.created",
        actor=actor,
        entity=token,
        details={
            "owner_id": owner.id,
            "name": cleaned_name,
            "scope": cleaned_scope.value,
            "expires_at": token.expires_at.isoformat(),
        },
    )
    return token, secret


@atomic
def create_personal_token(actor: User, *, name: str, scope: str, lifetime: str) -> tuple[ApiToken, str]:
    """A personal access token of the acting user; the secret is returned once."""
    if is_service_account(actor):
        raise OperationError(_("A service account's tokens are made by an administrator."))
    return _make(actor, actor, name, scope, lifetime)


@atomic
def revoke_token(actor: User, token: ApiToken) -> None:
    if not token.can_revoke(actor):
        raise OperationError(_("This token cannot be revoked (it is revoked already, or not yours)."))
    token.revoked_at = utcnow()
    record("api_token.revoked", actor=actor, entity=token, details={"owner_id": token.user_id})


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "integration"


@atomic
def create_service_account(
    actor: User, *, name: str, description: str = "", board_ids: Iterable[int] = ()
) -> ServiceAccount:
    """An administrator makes the account of an integration, limited to the named boards."""
    if not actor.is_admin:
        raise OperationError(_("Only an administrator makes service accounts."))
    cleaned_name = " ".join(AccountFields.name.clean(name, "name").split())
    cleaned_description = TokenFields.description.clean(description, "description")
    boards = account_operations._clean_boards(board_ids)
    if not boards:
        raise OperationError(_("Choose at least one board the integration works for."), field="boards")
    email = f"{_slug(cleaned_name)}-{secrets.token_hex(4)}@{SERVICE_EMAIL_DOMAIN}"
    user = User(email=email, name=cleaned_name, password_hash=NO_PASSWORD, must_change_password=False)
    user.role_rows = [UserRole(role=role.value) for role in sorted(SERVICE_ROLES)]
    db.session.add(user)
    db.session.flush()
    account_operations._apply_boards(user, boards)
    account = ServiceAccount(user_id=user.id, description=cleaned_description, created_by_id=actor.id)
    db.session.add(account)
    db.session.flush()
    record(
        "service_account.created",
        actor=actor,
        entity=user,
        details={"name": cleaned_name, "board_ids": sorted(boards)},
    )
    return account


@atomic
def create_service_token(
    actor: User, account: ServiceAccount, *, name: str, scope: str, lifetime: str
) -> tuple[ApiToken, str]:
    if not actor.is_admin:
        raise OperationError(_("Only an administrator makes a service account's tokens."))
    return _make(actor, account.user, name, scope, lifetime)
