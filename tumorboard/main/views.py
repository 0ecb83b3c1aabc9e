"""The signed-in user's dashboard, and a health check for the load balancer."""

from collections import defaultdict

from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from tumorboard.audit.models import AuditEvent
from tumorboard.auth.access import public, require_login
from tumorboard.auth.models import User, UserRole
from tumorboard.auth.roles import Role
from tumorboard.boards.models import Board, BoardMembership, missing_specialties
from tumorboard.extensions import db

bp = Blueprint("main", __name__)


def _my_boards(user: User) -> list[dict]:
    """The user's boards with their members grouped by specialty, in two queries."""
    boards = db.session.scalars(
        select(Board).join(BoardMembership).where(BoardMembership.user_id == user.id).order_by(Board.name)
    ).all()
    if not boards:
        return []
    rows = db.session.execute(
        select(BoardMembership.board_id, User.name, User.specialty)
        .join(User, User.id == BoardMembership.user_id)
        .where(BoardMembership.board_id.in_([b.id for b in boards]), User.active.is_(True))
        .order_by(User.specialty, User.name)
    ).all()
    members: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for board_id, name, specialty in rows:
        members[board_id][specialty].append(name)
    return [
        {
            "board": board,
            "members": dict(members[board.id]),
            "missing": missing_specialties(set(members[board.id])),
        }
        for board in boards
    ]


def _sign_in_history(user: User) -> dict:
    """The sign-in before this one, and failed attempts on this account since then."""
    logins = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.entity_type == "users",
            AuditEvent.entity_id == str(user.id),
            AuditEvent.action == "auth.login",
        )
        .order_by(AuditEvent.seq.desc())
        .limit(2)
    ).all()
    previous = logins[1] if len(logins) > 1 else None
    failed = select(func.count(AuditEvent.id)).where(
        AuditEvent.entity_type == "users",
        AuditEvent.entity_id == str(user.id),
        AuditEvent.action == "auth.login_failed",
    )
    if previous is not None:
        failed = failed.where(AuditEvent.seq > previous.seq)
    return {"previous": previous, "failed_since": db.session.scalar(failed)}


def _admin_overview() -> dict:
    counts = dict(db.session.execute(select(User.active, func.count(User.id)).group_by(User.active)).all())
    admins = db.session.scalar(
        select(func.count(User.id))
        .join(UserRole)
        .where(UserRole.role == Role.ADMIN.value, User.active.is_(True))
    )
    without_board = db.session.scalar(
        select(func.count(User.id)).where(User.active.is_(True), ~User.memberships.any())
    )
    recent = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(8)).all()
    return {
        "active": counts.get(True, 0),
        "disabled": counts.get(False, 0),
        "admins": admins,
        "without_board": without_board,
        "boards": db.session.scalar(select(func.count(Board.id))),
        "recent": recent,
    }


@bp.get("/")
@require_login
def dashboard():
    user = current_user._get_current_object()
    return render_template(
        "main/dashboard.html",
        boards=_my_boards(user),
        history=_sign_in_history(user),
        admin=_admin_overview() if user.is_admin else None,
    )


@bp.get("/healthz")
@public
def health():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
