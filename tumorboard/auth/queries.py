"""Read side of the admin's user management: the filtered user list and the board choices."""

from datetime import timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from tumorboard.auth.models import GroupMapping, User, UserRole, UserSession
from tumorboard.auth.roles import Role
from tumorboard.auth.tokens import ServiceAccount
from tumorboard.boards.models import Board, BoardMembership
from tumorboard.db import utcnow
from tumorboard.extensions import db


def boards_by_name() -> list[tuple[int, str]]:
    """Every board as (id, name) by name: the choices of the board filter and of the user form."""
    return [(b.id, b.name) for b in db.session.scalars(select(Board).order_by(Board.name))]


# by name (case folded), the id breaking ties; a jump goes to an initial
USER_ORDER = (func.lower(User.name).asc(), User.id.asc())
# the most recently used first; a jump goes to a day
SESSION_ORDER = (UserSession.last_seen_at.desc(), UserSession.id.desc())


def user_list(*, text: str = "", role: str = "", status: str = "", board_id: int | None = None) -> Select:
    """Accounts by name, with their roles and boards loaded in one statement each; unknown filters ignored."""
    stmt = select(User).options(
        selectinload(User.role_rows), selectinload(User.memberships).selectinload(BoardMembership.board)
    )
    if text:
        stmt = stmt.where(
            or_(
                func.lower(User.name).contains(text.lower(), autoescape=True),
                User.email.contains(text.lower(), autoescape=True),
            )
        )
    if role in Role.__members__.values():
        stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if status in ("active", "disabled"):
        stmt = stmt.where(User.active.is_(status == "active"))
    if board_id:
        stmt = stmt.where(
            User.id.in_(select(BoardMembership.user_id).where(BoardMembership.board_id == board_id))
        )
    return stmt.order_by(*USER_ORDER)


def group_mappings() -> list[GroupMapping]:
    """The single sign-on group mapping, by group, role and board (an admin's short list: not paginated)."""
    return list(
        db.session.scalars(
            select(GroupMapping)
            .options(selectinload(GroupMapping.board))
            .order_by(GroupMapping.group_name, GroupMapping.role, GroupMapping.board_id)
        )
    )


def other_active_admins(user: User) -> int:
    """How many active administrators there are besides `user`: the last one keeps the role."""
    return db.session.execute(
        select(func.count(User.id))
        .join(UserRole)
        .where(UserRole.role == Role.ADMIN.value, User.active.is_(True), User.id != user.id)
    ).scalar_one()


def active_sessions(user: User, *, idle: timedelta, lifetime: timedelta) -> Select:
    """The user's sessions that still hold (not ended, not idle, within their lifetime), the most recently
    used first."""
    now = utcnow()
    return (
        select(UserSession)
        .where(
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
            UserSession.last_seen_at >= now - idle,
            UserSession.created_at >= now - lifetime,
        )
        .order_by(*SESSION_ORDER)
    )


def own_session(user: User, session_id: int) -> UserSession | None:
    """One session of `user` by its id; another person's is None (the page answers 404)."""
    return db.session.scalar(
        select(UserSession).where(UserSession.id == session_id, UserSession.user_id == user.id)
    )


def active_session_count(user: User, *, idle: timedelta, lifetime: timedelta) -> int:
    return db.session.execute(
        select(func.count()).select_from(active_sessions(user, idle=idle, lifetime=lifetime).subquery())
    ).scalar_one()


def service_accounts(limit: int = 200):
    """The integrations' accounts, by name, with their users."""
    return db.session.scalars(
        select(ServiceAccount)
        .join(ServiceAccount.user)
        .options(joinedload(ServiceAccount.user))
        .order_by(User.name, ServiceAccount.user_id)
        .limit(limit)
    ).all()
