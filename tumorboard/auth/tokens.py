"""API tokens: personal access tokens and the tokens of service accounts (tumorboard.api).

A token is shown once, when it is made; the database keeps its SHA-256 only (a token is 256 random bits,
so a fast hash is enough: nothing to guess, and the lookup is one unique index). A token is named, scoped
(read, or read and write), expires, and can be revoked; it stops working when its user is disabled.

A service account is a user of its own (`ServiceAccount` marks it) that cannot sign in to the web (no
password hash argon2 accepts, an address no provider can hold); its boards are its board memberships,
so every permission of the app applies to it unchanged.
"""

import hashlib
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tumorboard.auth.models import User
from tumorboard.db import UTCDateTime, enum_type, utcnow
from tumorboard.extensions import Model, db

PREFIX = "tbp_"
# last_used_at is written at most this often per token: every use is in the request log and, for patient
# data, in the access log; this column only answers "is this token still in use?" on the account page.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenScope(StrEnum):
    READ = "read"
    WRITE = "write"

    @property
    def label(self) -> str:
        return str({"read": _l("Read only"), "write": _l("Read and write")}[self.value])


class TokenLifetime(StrEnum):
    """How long a new token works, in days."""

    WEEK = "7"
    MONTH = "30"
    QUARTER = "90"
    YEAR = "365"

    @property
    def label(self) -> str:
        return str(
            {"7": _l("7 days"), "30": _l("30 days"), "90": _l("90 days"), "365": _l("1 year")}[self.value]
        )

    @property
    def days(self) -> int:
        return int(self.value)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


class ApiToken(Model):
    __tablename__ = "api_token"
    __table_args__ = (Index("ix_api_token_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the secret, shown in the list so that its owner can tell tokens apart.
    hint: Mapped[str] = mapped_column(String(16))
    scope: Mapped[TokenScope] = mapped_column(enum_type(TokenScope, 8, "scope"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<ApiToken {self.id}>"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return None, None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at <= (now or utcnow())

    def works(self, now: datetime | None = None) -> bool:
        """Whether a request may use it now: not revoked, not expired, its user not disabled."""
        return not self.is_revoked and not self.is_expired(now) and self.user.active

    @property
    def allows_writes(self) -> bool:
        return self.scope == TokenScope.WRITE

    def can_revoke(self, user) -> bool:
        """Its owner revokes a personal token; an administrator revokes any (a service account's above
        all). A revoked token stays revoked."""
        if self.is_revoked or not getattr(user, "is_authenticated", False):
            return False
        return self.user_id == user.id or user.is_admin


class ServiceAccount(Model):
    """The user row of an integration (the hospital's HL7 engine, a registry export): an administrator
    makes it, names its boards (its memberships) and makes its tokens."""

    __tablename__ = "service_account"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def audit_scope(self) -> tuple[int | None, int | None]:
        return None, None


def find_token(secret: str) -> ApiToken | None:
    """The token with this secret, working or not (the caller asks `works()`), or None."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    return db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == token_hash(secret)))


def note_use(token: ApiToken) -> None:
    """last_used_at, at most once per LAST_USED_RESOLUTION: one conditional UPDATE, which writes nothing
    (and takes no row lock) within the minute."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token.id,
            (ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < now - LAST_USED_RESOLUTION),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )


def user_tokens(user: User, limit: int = 100) -> list[ApiToken]:
    """A user's tokens, newest first (revoked and expired ones too: the list says so)."""
    return list(
        db.session.scalars(
            db.select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
            .limit(limit)
        )
    )


def is_service_account(user: User) -> bool:
    return db.session.get(ServiceAccount, user.id) is not None
