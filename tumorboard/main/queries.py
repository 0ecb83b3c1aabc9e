"""Read side of the dashboard and the readiness check: each panel in a fixed number of statements."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Select, and_, bindparam, func, or_, select, text, union_all
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload

from tumorboard.audit.models import AuditEvent
from tumorboard.auth.models import User, UserRole
from tumorboard.auth.roles import Role
from tumorboard.boards.models import Board, BoardMembership, coordinated_board_ids, missing_specialties
from tumorboard.cases.models import Case, CaseStatus
from tumorboard.db import utcnow
from tumorboard.decisions.models import Decision, DecisionStatus
from tumorboard.decisions.queries import follow_up_due
from tumorboard.extensions import db, migrate
from tumorboard.meetings.models import AgendaItem, Attendance, AttendanceStatus, Meeting, MeetingStatus
from tumorboard.meetings.operations import by_ids, pool_counts, pool_ids


def my_boards(user: User) -> list[dict]:
    """The user's boards with their members by specialty, in one statement whatever the number of boards:
    the boards themselves came with the signed-in user (auth.sessions.load_user joins them)."""
    boards = sorted((m.board for m in user.memberships), key=lambda board: board.name)
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
            "missing": missing_specialties(set(members[board.id]), board.required_groups),
        }
        for board in boards
    ]


@dataclass(frozen=True)
class PreviousSignIn:
    occurred_at: datetime
    client_ip: str | None


@cache
def _sign_in_history_statement() -> Select:
    """Built once per process (the dashboard runs it on every view): scalar subqueries on the audit log's
    entity index, with no FROM of their own, so there is always one row."""
    of_user = (AuditEvent.entity_type == "users", AuditEvent.entity_id == bindparam("user_id"))

    def previous(column: Any) -> Any:
        return (
            select(column)
            .where(*of_user, AuditEvent.action == "auth.login")
            .order_by(AuditEvent.seq.desc())
            .offset(1)
            .limit(1)
            .scalar_subquery()
        )

    failed = (
        select(func.count(AuditEvent.id))
        .where(
            *of_user,
            AuditEvent.action == "auth.login_failed",
            AuditEvent.seq > func.coalesce(previous(AuditEvent.seq), 0),
        )
        .scalar_subquery()
    )
    return select(failed, previous(AuditEvent.occurred_at), previous(AuditEvent.client_ip))


def sign_in_history(user: User) -> dict:
    """The sign-in before this one, and failed attempts on this account since then, in one statement."""
    row: Any = db.session.execute(_sign_in_history_statement(), {"user_id": str(user.id)}).one()
    failed_since, occurred_at, client_ip = row
    return {
        "previous": PreviousSignIn(occurred_at, client_ip) if occurred_at is not None else None,
        "failed_since": failed_since,
    }


def admin_overview() -> dict:
    """The admin's panel: active and disabled accounts, admins, people on no board, boards, recent events."""
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


MY_CASES = 10  # the dashboard's "my open cases"
MY_OPEN_STATUSES = (CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.SCHEDULED, CaseStatus.DEFERRED)


def my_cases(user: User) -> dict | None:
    """A submitter's open cases: drafts to finish first, then what is with the board, newest first (None
    for others). Two statements whatever the number of cases: the newest MY_CASES of each open status,
    each a short range of ix_tumor_case_submitter_status_updated, merged and cut to MY_CASES; then those
    cases by primary key. (Ordered by "is a draft" in one query, every open case of the submitter was
    read and sorted first: 156 ms for a submitter with 60,000 at 100,000 cases on PostgreSQL.)"""
    if not user.has_role(Role.SUBMITTER):
        return None
    branches = [
        select(
            *select(Case.id, Case.status, Case.updated_at)
            .where(Case.submitter_id == user.id, Case.status == status.value)
            .order_by(Case.updated_at.desc(), Case.id.desc())
            .limit(MY_CASES)
            .subquery()
            .c
        )
        for status in MY_OPEN_STATUSES
    ]
    mine = union_all(*branches).subquery("mine")
    drafts_first = (mine.c.status == CaseStatus.DRAFT.value).desc()
    ids: list[int] = list(
        db.session.scalars(
            select(mine.c.id)
            .order_by(drafts_first, mine.c.updated_at.desc(), mine.c.id.desc())
            .limit(MY_CASES)
        )
    )
    return {"cases": by_ids(ids, joinedload(Case.patient), joinedload(Case.board))}


POOL_COUNT_CAP = 500  # per board and status: beyond it the dashboard says "or more"


def board_pool(user: User) -> dict | None:
    """For board members: their boards' cases waiting for a meeting, counted per board, the oldest ten."""
    if not user.board_ids or not user.has_role(Role.COORDINATOR, Role.SPECIALIST, Role.CHAIR):
        return None
    latest = by_ids(
        pool_ids(user.board_ids, 10, deferred_first=False), joinedload(Case.patient), joinedload(Case.board)
    )
    counts = pool_counts(user.board_ids, POOL_COUNT_CAP)
    return {"counts": counts, "cases": latest}


def overdue_follow_ups(user: User) -> list | None:
    """A submitter's signed decisions whose follow-up is due (decisions.queries.follow_up_due)."""
    if not user.has_role(Role.SUBMITTER):
        return None
    return list(
        db.session.scalars(
            select(Decision)
            .join(Case, Case.id == Decision.case_id)
            .where(Case.submitter_id == user.id, follow_up_due())
            .options(joinedload(Decision.case).joinedload(Case.patient))
            .order_by(Decision.signed_at)
            .limit(20)
        )
    )


def chaired_board_ids(user: User) -> frozenset[int]:
    """The boards the user chairs: their membership says chair, and they hold the chair role."""
    if not user.has_role(Role.CHAIR):
        return frozenset()
    return frozenset(m.board_id for m in user.memberships if m.is_chair)


def run_board_ids(user: User) -> frozenset[int]:
    """The boards whose meetings the user runs (as coordinator or chair)."""
    return coordinated_board_ids(user) | chaired_board_ids(user)


@dataclass(frozen=True)
class NextMeeting:
    meeting: Meeting
    cases: int
    attendance_recorded: bool
    quorum_missing: list


def next_meetings(user: User) -> list[NextMeeting] | None:
    """For coordinators and chairs: each of their boards' next meeting (the one in progress, else the
    next one ahead), its number of cases and its quorum as recorded so far. Three statements, whatever the
    number of boards, cases or people."""
    board_ids = sorted(run_board_ids(user))
    if not board_ids:
        return None
    now = utcnow()
    ahead = Meeting.status.in_([s.value for s in (MeetingStatus.PLANNED, MeetingStatus.LOCKED)]) & (
        Meeting.starts_at > now
    )
    candidates = (
        select(
            Meeting.id,
            func.row_number()
            .over(
                partition_by=Meeting.board_id,
                order_by=((Meeting.status == MeetingStatus.IN_PROGRESS.value).desc(), Meeting.starts_at),
            )
            .label("rank"),
        )
        .where(Meeting.board_id.in_(board_ids), or_(Meeting.status == MeetingStatus.IN_PROGRESS.value, ahead))
        .subquery()
    )
    meetings = db.session.scalars(
        select(Meeting)
        .join(candidates, candidates.c.id == Meeting.id)
        .where(candidates.c.rank == 1)
        .options(joinedload(Meeting.board))
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    if not meetings:
        return []
    ids = [m.id for m in meetings]
    cases = dict(
        db.session.execute(
            select(AgendaItem.meeting_id, func.count(AgendaItem.id))
            .where(AgendaItem.meeting_id.in_(ids))
            .group_by(AgendaItem.meeting_id)
        ).all()
    )
    present: dict[int, set[str]] = defaultdict(set)
    recorded: set[int] = set()
    for meeting_id, specialty, status in db.session.execute(
        select(Attendance.meeting_id, Attendance.specialty, Attendance.status).where(
            Attendance.meeting_id.in_(ids)
        )
    ):
        recorded.add(meeting_id)
        if status != AttendanceStatus.ABSENT:
            present[meeting_id].add(specialty)
    return [
        NextMeeting(
            meeting=m,
            cases=cases.get(m.id, 0),
            attendance_recorded=m.id in recorded,
            quorum_missing=missing_specialties(present[m.id], m.board.required_groups),
        )
        for m in meetings
    ]


def decisions_to_sign(user: User) -> list[Decision] | None:
    """For chairs: the drafts of their boards that wait for the signature and can be signed now (a first
    version while its meeting is in progress, an amendment at any time). One statement."""
    board_ids = sorted(chaired_board_ids(user))
    if not board_ids:
        return None
    return list(
        db.session.scalars(
            select(Decision)
            .join(Meeting, Meeting.id == Decision.meeting_id)
            .join(AgendaItem, AgendaItem.id == Decision.agenda_item_id)
            .where(
                Meeting.board_id.in_(board_ids),
                Decision.status == DecisionStatus.DRAFT.value,
                or_(
                    Decision.number > 1,
                    # a first version while its meeting runs, unless the board deferred the case there
                    and_(Meeting.status == MeetingStatus.IN_PROGRESS.value, AgendaItem.outcome.is_(None)),
                ),
            )
            .options(joinedload(Decision.case).joinedload(Case.patient), joinedload(Decision.meeting))
            .order_by(Meeting.starts_at, Decision.id)
            .limit(20)
        )
    )


def database_answers() -> bool:
    """Whether the database answers `SELECT 1`; a failure is rolled back so the session stays usable."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return True


@cache
def _migration_revisions(directory: str) -> tuple[frozenset[str], frozenset[str]]:
    """The code's head revisions and every revision it knows, read once per process from the migrations
    directory (it changes only with a new release, which restarts the process)."""
    script = ScriptDirectory.from_config(migrate.get_config(directory))
    return frozenset(script.get_heads()), frozenset(r.revision for r in script.walk_revisions())


def migration_state() -> str:
    """Where the database's migrations stand: "ok" at the code's head revision; "behind" when it lacks
    migrations the code has (`flask db upgrade` not run yet); "ahead" when it carries a revision this code
    does not know (a newer release migrated it); "unknown" when the database does not answer."""
    heads, known = _migration_revisions(str(migrate.directory))
    try:
        current = set(MigrationContext.configure(db.session.connection()).get_current_heads())
    except SQLAlchemyError:
        db.session.rollback()
        return "unknown"
    if current == heads:
        return "ok"
    return "ahead" if current - known else "behind"
