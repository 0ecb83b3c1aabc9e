"""Single sign-on's writes: signing in a person the provider vouched for, and the admin's group mapping.

Each function takes the acting user (or the provider's identity), checks, changes, flushes and records
one audit event in the caller's transaction.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from tumorboard.audit.recording import diff, record, snapshot
from tumorboard.auth.fields import AccountFields, GroupMappingFields
from tumorboard.auth.models import GroupMapping, User, UserRole, email_key, find_user_by_email
from tumorboard.auth.oidc import Identity
from tumorboard.auth.queries import other_active_admins
from tumorboard.auth.roles import Role
from tumorboard.boards.models import Board, BoardMembership
from tumorboard.clinical.labels import N_
from tumorboard.clinical.specialties import Specialty
from tumorboard.db import atomic, utcnow
from tumorboard.errors import OperationError
from tumorboard.extensions import db

NO_ACCOUNT = N_(
    "You signed in at the hospital's sign-in service, but TumorBoard has no account for you. "
    "Ask your administrator to open one (or to map one of your groups to a role)."
)
DISABLED = N_("Your TumorBoard account is disabled. Ask your administrator if you need it again.")
NO_ROLE = N_(
    "None of your groups at the hospital's sign-in service gives a role in TumorBoard. "
    "Ask your administrator to map your group to a role."
)
OTHER_IDENTITY = N_(
    "The TumorBoard account with your e-mail address is linked to another identity at the sign-in "
    "service. Ask your administrator."
)
NO_EMAIL = N_(
    "The hospital's sign-in service did not send a verified e-mail address, which a new account needs. "
    "Ask your administrator."
)

TOO_LONG = (
    "The hospital's sign-in service sent {what} longer than a TumorBoard account holds ({limit} characters "
    "at most). Nothing has been created or changed and nobody has been signed in. Ask your administrator."
)


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    message: str = ""  # why nobody was signed in


def _refuse(identity: Identity, reason: str, message: str, user: User | None = None) -> SignInResult:
    record(
        "auth.login_failed",
        entity=user,
        entity_type="users",
        details={
            "via": "oidc",
            "reason": reason,
            "issuer": identity.issuer,
            "subject": identity.subject,
            "email": user.email if user else "(no such account)",
        },
    )
    return SignInResult(None, message)


def _mapped(groups: frozenset[str]) -> tuple[set[Role], set[int]]:
    if not groups:
        return set(), set()
    rows = db.session.scalars(select(GroupMapping).where(GroupMapping.group_name.in_(sorted(groups))))
    roles: set[Role] = set()
    boards: set[int] = set()
    for row in rows:
        roles.add(Role(row.role))
        if row.board_id is not None:
            boards.add(row.board_id)
    return roles, boards


def _apply(user: User, roles: set[Role], board_ids: set[int]) -> dict:
    """The user's roles and boards as the groups say; the changes, for the audit event."""
    before = {"roles": sorted(r.value for r in user.roles), "board_ids": sorted(user.board_ids)}
    current = {Role(r.role): r for r in user.role_rows}
    for role, row in current.items():
        if role not in roles:
            user.role_rows.remove(row)
    for role in roles - current.keys():
        user.role_rows.append(UserRole(role=role.value))
    for membership in list(user.memberships):
        if membership.board_id not in board_ids:
            user.memberships.remove(membership)  # a coordinator's or chair's function goes with it
    for board_id in board_ids - user.board_ids:
        user.memberships.append(BoardMembership(board_id=board_id))
    db.session.flush()
    after = {"roles": sorted(r.value for r in user.roles), "board_ids": sorted(user.board_ids)}
    return diff(before, after)


def _find(identity: Identity) -> User | None:
    return db.session.scalar(
        select(User).where(User.oidc_issuer == identity.issuer, User.oidc_subject == identity.subject)
    )


def _column_length(column) -> int:
    return int(column.type.length)


def _new_account_name(identity: Identity) -> str:
    """The name a new account gets: the provider's, with its spaces made single; else the e-mail's
    local part."""
    return " ".join((identity.name or email_key(identity.email).split("@")[0]).split())


def _over_long(identity: Identity, *, new_account: bool) -> tuple[str, int] | None:
    """The first claim to be copied into the account that its column cannot hold (what, limit): refused,
    never cut. The issuer and subject are copied when an account is linked or made; the name and e-mail
    only when one is made."""
    checks = [
        ("an issuer", identity.issuer, _column_length(User.__table__.c.oidc_issuer)),
        ("a subject (sub)", identity.subject, _column_length(User.__table__.c.oidc_subject)),
    ]
    if new_account:
        checks += [
            ("an e-mail address", email_key(identity.email), AccountFields.email.max_length),
            ("a name", _new_account_name(identity), AccountFields.name.max_length),
        ]
    for what, value, limit in checks:
        if len(value) > limit:
            return what, limit
    return None


def _refuse_over_long(identity: Identity, what: str, limit: int, user: User | None = None) -> SignInResult:
    return _refuse(identity, f"claim too long: {what}", TOO_LONG.format(what=what, limit=limit), user)


@atomic
def sign_in_with_provider(identity: Identity, *, allow_signup: bool) -> SignInResult:
    """The provider vouched for `identity` (its ID token checked): find the account by (issuer, subject);
    the first time, a pre-created account with the e-mail the provider verified; else a new account when
    the admin allowed it. Roles and boards are made again from the groups. Audited either way."""
    roles, board_ids = _mapped(identity.groups)
    too_long = _over_long(identity, new_account=False)
    if too_long:
        return _refuse_over_long(identity, *too_long)
    user = _find(identity)
    linked = False
    if user is None and identity.email and identity.email_verified:
        user = find_user_by_email(identity.email)
        if user is not None:
            if user.oidc_subject is not None:
                return _refuse(identity, "account linked to another identity", OTHER_IDENTITY, user)
            linked = True
    if user is None:
        if not allow_signup:
            return _refuse(identity, "no account, sign-up not allowed", NO_ACCOUNT)
        if not identity.email_verified or "@" not in identity.email or find_user_by_email(identity.email):
            return _refuse(identity, "no verified e-mail for a new account", NO_EMAIL)
        too_long = _over_long(identity, new_account=True)
        if too_long:
            return _refuse_over_long(identity, *too_long)
        if not roles:
            return _refuse(identity, "no mapped group", NO_ROLE)
        return SignInResult(_create(identity, roles, board_ids))
    if not user.active:
        return _refuse(identity, "account disabled", DISABLED, user)
    if user.is_admin and Role.ADMIN not in roles and other_active_admins(user) == 0:
        roles = roles | {Role.ADMIN}  # the last active administrator keeps the role (break-glass)
    if not roles:
        return _refuse(identity, "no mapped group", NO_ROLE, user)
    changes = _apply(user, roles, board_ids)
    if linked:
        user.oidc_issuer, user.oidc_subject = identity.issuer, identity.subject
        changes["oidc_subject"] = [None, identity.subject]
    if changes:
        user.updated_at = utcnow()  # roles and boards live in other tables: move the version on anyway
    user.last_login_at = utcnow()
    record("auth.login", actor=user, entity=user, changes=changes, details={"via": "oidc"})
    return SignInResult(user)


def _create(identity: Identity, roles: set[Role], board_ids: set[int]) -> User:
    email = email_key(identity.email)
    user = User(
        email=email,
        name=_new_account_name(identity),  # its length checked by sign_in_with_provider: never cut
        specialty=Specialty.OTHER,
        password_hash="",  # no local password: argon2 refuses an empty hash, so only the provider signs in
        must_change_password=False,
        oidc_issuer=identity.issuer,
        oidc_subject=identity.subject,
        last_login_at=utcnow(),
    )
    user.role_rows = [UserRole(role=r.value) for r in sorted(roles)]
    db.session.add(user)
    db.session.flush()
    user.memberships.extend(BoardMembership(board_id=b) for b in sorted(board_ids))
    db.session.flush()
    fields = ("email", "name", "specialty", "active", "roles", "board_ids", "oidc_subject")
    record(
        "user.created",
        actor=user,
        entity=user,
        changes=diff({}, snapshot(user, fields)),
        details={"via": "oidc sign-up"},
    )
    return user


@atomic
def record_failed_step_up(user: User, reason: str) -> None:
    """A signed-in user went to the provider to confirm an act (auth.step_up) and the answer did not
    confirm them (stale, another person, a forged or replayed answer): nothing done, the admins see why."""
    record(
        "auth.reauthentication_failed",
        actor=user,
        entity_type="users",
        entity_id=user.id,
        details={"via": "oidc", "reason": reason},
    )


@atomic
def record_refused_answer(reason: str) -> None:
    """The provider's answer failed a check (state, code, signature, audience, expiry …): nobody is
    signed in, and the admins see why."""
    record("auth.login_failed", entity_type="users", details={"via": "oidc", "reason": reason})


# The admin's group mapping.


def _mapping_snapshot(mapping: GroupMapping) -> dict:
    return {
        "group_name": mapping.group_name,
        "role": Role(mapping.role).value,
        "board": mapping.board.name if mapping.board else None,
    }


@atomic
def add_group_mapping(actor: User, *, group_name: str, role: str, board_id: int | None) -> GroupMapping:
    if not actor.is_admin:
        raise OperationError(_("Only an administrator maps groups."))
    group_name = GroupMappingFields.group_name.clean(group_name, "group_name")
    cleaned_role = Role(GroupMappingFields.role.clean(role, "role") or "")
    board = None
    if board_id is not None:
        board = db.session.get(Board, board_id)
        if board is None:
            raise OperationError(_("Unknown board."), field="board")
    existing = db.session.scalar(
        select(GroupMapping).where(
            GroupMapping.group_name == group_name,
            GroupMapping.role == cleaned_role.value,
            GroupMapping.board_id.is_(None) if board_id is None else GroupMapping.board_id == board_id,
        )
    )
    if existing is not None:
        raise OperationError(_("This group already gives this role on this board."), field="group_name")
    mapping = GroupMapping(group_name=group_name, role=cleaned_role, board=board)
    db.session.add(mapping)
    db.session.flush()
    record(
        "oidc.group_mapping_added",
        actor=actor,
        entity=mapping,
        changes=diff({}, _mapping_snapshot(mapping)),
    )
    return mapping


@atomic
def remove_group_mapping(actor: User, mapping: GroupMapping) -> None:
    if not actor.is_admin:
        raise OperationError(_("Only an administrator maps groups."))
    record(
        "oidc.group_mapping_removed",
        actor=actor,
        entity=mapping,
        changes=diff(_mapping_snapshot(mapping), {}),
    )
    db.session.delete(mapping)
    db.session.flush()
