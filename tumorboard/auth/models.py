"""Users and their roles."""

import secrets
from datetime import datetime
from enum import StrEnum

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tumorboard.auth.roles import Role
from tumorboard.clinical.specialties import Specialty
from tumorboard.db import UTCDateTime, enum_type, utcnow
from tumorboard.extensions import Model, db
from tumorboard.i18n import Language


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    specialty: Mapped[Specialty] = mapped_column(
        enum_type(Specialty, 32, "specialty"), default=Specialty.OTHER
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # Renewed whenever the user's sessions end (auth.sessions.end_sessions): a sign-in halfway through its
    # second step carries it, so ending the sessions voids that too.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The secret in the URL of the personal calendar feed (calendar apps send no cookie); renewable.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The language of the interface the user chose on their account page; None: the browser's, else the
    # hospital's (tumorboard.i18n.select_locale).
    locale: Mapped[Language | None] = mapped_column(enum_type(Language, 8, "locale"))
    # The person at the hospital's OpenID provider (auth.oidc): linked at their first single sign-on, and
    # from then on found by this pair, never by e-mail again.
    oidc_issuer: Mapped[str | None] = mapped_column(String(500))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))

    role_rows: Mapped[list["UserRole"]] = relationship(back_populates="user", cascade="all, delete-orphan")
    memberships = relationship("BoardMembership", back_populates="user", cascade="all, delete-orphan")
    second_factor: Mapped["SecondFactor | None"] = relationship(cascade="all, delete-orphan", uselist=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    def __repr__(self) -> str:
        return f"<User {self.id}>"

    # One object per row in a session (the identity map): UserMixin's equality by get_id() is not wanted.
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    def get_id(self) -> str:
        """What Flask-Login keeps in the cookie: the key of the session being started, never the user's
        id (auth.sessions.start_session sets it; the record keeps only its hash)."""
        key = g.get("new_session_key")
        if not key:
            raise RuntimeError("a user is signed in through auth.sessions.start_session only")
        return key

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(row.role) for row in self.role_rows)

    def has_role(self, *roles: Role | str) -> bool:
        return not self.roles.isdisjoint(Role(r) for r in roles)

    @property
    def is_admin(self) -> bool:
        return self.has_role(Role.ADMIN)

    def can_end_sessions_of(self, other: "User") -> bool:
        return self.is_admin

    @property
    def has_local_password(self) -> bool:
        """False for an account made at its first single sign-on: only the provider signs it in."""
        return bool(self.password_hash)

    @property
    def is_hl7_interface(self) -> bool:
        """The account the HL7 listener acts as (`HL7_ACCOUNT`): the laboratory's results it files."""
        account = current_app.config.get("HL7_ACCOUNT") or ""
        return bool(account) and email_key(self.email) == email_key(account)

    @property
    def has_second_factor(self) -> bool:
        return self.second_factor is not None

    @property
    def specialty_label(self) -> str:
        return Specialty(self.specialty).label

    @property
    def board_ids(self) -> frozenset[int]:
        return frozenset(m.board_id for m in self.memberships)


class UserRole(Model):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, 16, "role"), primary_key=True, index=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class GroupMapping(Model):
    """A group at the hospital's OpenID provider gives its members a role, and optionally a board's
    membership; at each single sign-on a person's roles and boards are made again from their groups."""

    __tablename__ = "oidc_group_mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_type(Role, 16, "role"))
    board_id: Mapped[int | None] = mapped_column(ForeignKey("board.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    board = relationship("Board")

    __table_args__ = (
        UniqueConstraint("group_name", "role", "board_id"),
        # NULLs differ in a unique constraint: the mapping without a board is held by its own index.
        Index(
            "uq_oidc_group_mapping_group_name_role_no_board",
            "group_name",
            "role",
            unique=True,
            sqlite_where=text("board_id IS NULL"),
            postgresql_where=text("board_id IS NULL"),
        ),
    )


def email_key(email: str) -> str:
    """Emails compare case-insensitively and without surrounding space."""
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    """Emails are stored as email_key() gives them, so the unique index answers this."""
    return db.session.scalar(db.select(User).where(User.email == email_key(email)))


class SecondFactor(Model):
    """A user's TOTP second factor (auth.totp): the secret, encrypted; the last time step used, so that
    a code is accepted once. A row exists only once the user confirmed it with a code."""

    __tablename__ = "second_factor"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret_encrypted: Mapped[str] = mapped_column(String(255))
    last_step: Mapped[int | None] = mapped_column(Integer)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recovery_codes: Mapped[list["RecoveryCode"]] = relationship(cascade="all, delete-orphan")


class RecoveryCode(Model):
    """One of the ten single-use recovery codes, as its keyed hash (auth.totp.recovery_hash)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("second_factor.user_id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInMethod(StrEnum):
    """How a session was signed in, shown on the signed-in sessions page."""

    PASSWORD = "password"  # noqa: S105 (a way of signing in)
    PASSWORD_AND_CODE = "password_code"  # noqa: S105
    PROVIDER = "provider"

    @property
    def label(self) -> str:
        return str(
            {
                SignInMethod.PASSWORD: _l("Password"),
                SignInMethod.PASSWORD_AND_CODE: _l("Password and second factor"),
                SignInMethod.PROVIDER: _l("Hospital sign-in (single sign-on)"),
            }[self]
        )


# the admin's user list by name, case folded (its keyset order)
Index("ix_users_name_lower", func.lower(User.name), User.id)


class SessionEnd(StrEnum):
    """Why a session ended."""

    SIGNED_OUT = "signed_out"
    ENDED_BY_USER = "ended_by_user"
    ENDED_BY_ADMIN = "ended_by_admin"
    IDLE = "idle"
    LIFETIME = "lifetime"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (why a session ended)
    PASSWORD_RESET = "password_reset"  # noqa: S105
    ACCOUNT_DISABLED = "account_disabled"
    SECOND_FACTOR_RESET = "second_factor_reset"


class UserSession(Model):
    """One signed-in browser (auth.sessions): the cookie carries only its key, stored here as its
    SHA-256, so that a copy of this table opens no session. Every request reads the record with its user;
    ending it takes effect at once for every app process."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[SessionEnd | None] = mapped_column(enum_type(SessionEnd, 32, "session_end"))
    method: Mapped[SignInMethod] = mapped_column(enum_type(SignInMethod, 16, "sign_in_method"))
    user_agent: Mapped[str] = mapped_column(String(120), default="")
    client_address: Mapped[str] = mapped_column(String(45), default="")

    user: Mapped[User] = relationship()

    __table_args__ = (
        # the user's active sessions (the sessions page, ending them all) and the pruning by age
        Index("ix_user_session_user_id_ended_at", "user_id", "ended_at"),
        Index("ix_user_session_last_seen_at", "last_seen_at"),
        Index("ix_user_session_user_seen", "user_id", "last_seen_at", "id"),  # the sessions page's keyset
    )

    def __repr__(self) -> str:
        return f"<UserSession {self.id}>"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    def can_end(self, user: User) -> bool:
        """Only the owner ends one session of theirs; an administrator ends all of a user's at once
        (`User.can_end_sessions_of`)."""
        return self.user_id == user.id
