"""Read side of the meetings package: a meeting page's data in a fixed number of statements."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from flask import current_app
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from tumorboard.auth.models import User
from tumorboard.boards.models import Board, BoardMembership
from tumorboard.cases.models import Case
from tumorboard.cases.operations import readiness_texts
from tumorboard.cases.readiness import missing_for_board
from tumorboard.cases.records import frozen_case, frozen_summary
from tumorboard.cases.summary import CaseSummary, summarise
from tumorboard.extensions import db
from tumorboard.keyset import Listing, listing
from tumorboard.meetings.models import AgendaItem, Attendance, Meeting, MeetingRequest, MeetingStatus
from tumorboard.timezones import hospital_today

CASE_FINDINGS = (
    joinedload(Case.patient),
    selectinload(Case.imaging),
    selectinload(Case.lab_results),
    selectinload(Case.pathology),
)


@dataclass
class AgendaRow:
    """An agenda item with its case: the live case while the board has yet to deal with it, the case as
    it was then (transient, from the item's snapshot) once its outcome is recorded."""

    item: AgendaItem
    case: Case
    summary: CaseSummary
    missing: list[str]
    frozen: bool = False


@dataclass
class PoolRow:
    case: Case
    missing: list[str]
    waiting_days: int
    requested: MeetingRequest | None


def meeting_list(user: User, *, upcoming: bool, now: datetime) -> Select:
    """The user's boards' meetings: upcoming and in progress soonest first, or past ones latest first."""
    boards = sorted(user.board_ids)
    stmt = select(Meeting).where(Meeting.board_id.in_(boards or [0])).options(joinedload(Meeting.board))
    in_progress = Meeting.status == MeetingStatus.IN_PROGRESS.value
    if upcoming:
        return stmt.where(or_(Meeting.starts_at >= now, in_progress)).order_by(*meeting_order(upcoming))
    return stmt.where(Meeting.starts_at < now, ~in_progress).order_by(*meeting_order(upcoming))


def meeting_order(upcoming: bool):
    """Upcoming meetings soonest first, past ones latest first (the id breaking ties); jumps by day."""
    if upcoming:
        return (Meeting.starts_at.asc(), Meeting.id.asc())
    return (Meeting.starts_at.desc(), Meeting.id.desc())


def managed_boards(user: User) -> list[Board]:
    """The user's boards whose meetings they may plan, by name."""
    boards = sorted(user.board_ids)
    return [
        b
        for b in db.session.scalars(select(Board).where(Board.id.in_(boards or [0])).order_by(Board.name))
        if b.can_manage_meetings(user)
    ]


def user_by_calendar_token(token: str) -> User | None:
    """The person whose calendar feed the token opens; a token too short to be one is not looked up."""
    if len(token) < 32:
        return None
    return db.session.scalar(select(User).where(User.calendar_token == token))


def feed_meetings(user: User, since: datetime, limit: int = 500) -> list[Meeting]:
    """The meetings of the user's boards from `since` on, with their boards and agenda items loaded."""
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.board_id.in_(sorted(user.board_ids) or [0]), Meeting.starts_at >= since)
            .options(joinedload(Meeting.board), selectinload(Meeting.items))
            .order_by(Meeting.starts_at)
            .limit(limit)
        )
    )


def load_meeting(meeting_id: int) -> Meeting | None:
    """The meeting with its board, agenda (cases and their findings) and attendance."""
    return db.session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(
            joinedload(Meeting.board),
            selectinload(Meeting.items).options(
                joinedload(AgendaItem.presenter),
                # the items first, then their cases by primary key (WHERE id IN …): a join from the items
                # to the case table leaves the planner free to walk the whole case index (issue 14)
                selectinload(AgendaItem.case).options(*CASE_FINDINGS),
                selectinload(AgendaItem.snapshot),
            ),
            selectinload(Meeting.attendance).joinedload(Attendance.user),
        )
        .execution_options(populate_existing=True)
    )


def _missing(case: Case) -> list[str]:
    return readiness_texts(
        missing_for_board(case, hospital_today(), current_app.config["IMAGING_MAX_AGE_WEEKS"])
    )


def agenda_row(item: AgendaItem) -> AgendaRow:
    if item.snapshot is None:
        return AgendaRow(item, item.case, summarise(item.case), _missing(item.case))
    presented = item.snapshot.data["presented"]
    case = frozen_case(presented)
    missing = readiness_texts(presented["missing"])
    return AgendaRow(item, case, frozen_summary(presented, case), missing, frozen=True)


def agenda_rows(meeting: Meeting) -> list[AgendaRow]:
    return [agenda_row(item) for item in meeting.items]


POOL_PAGE = 50  # cases a page of the meeting page's pool


def pool_rows(
    board: Board, now: datetime, limit: int | None = None, args: Mapping[str, str] | None = None
) -> tuple[list[PoolRow], Listing]:
    """The page of the board's pool that `args` ask for (the meeting page's URL: `after`, `before`, `last`),
    `limit` cases (POOL_PAGE) with what the page shows of each, and its pager."""
    limit = limit or POOL_PAGE
    from tumorboard.meetings.operations import POOL_ORDER, by_ids, pool_page

    def page(asked: Mapping[str, str]) -> Listing:
        return listing(
            None, POOL_ORDER, sort="pool", args=asked, limit=limit, seeker=partial(pool_page, board.id)
        )

    pages = page(args or {})
    if not pages.rows and pages.page.has_prev:  # the cases after the link's were taken meanwhile
        pages = page({})
    cases = by_ids(pages.rows, *CASE_FINDINGS)
    wishes = (
        {
            w.case_id: w
            for w in db.session.scalars(
                select(MeetingRequest)
                .where(MeetingRequest.case_id.in_([c.id for c in cases]))
                .options(joinedload(MeetingRequest.meeting))
            )
        }
        if cases
        else {}
    )
    rows = [
        PoolRow(
            case, _missing(case), (now - (case.submitted_at or case.created_at)).days, wishes.get(case.id)
        )
        for case in cases
    ]
    return rows, pages


def board_members(board: Board) -> list[tuple[User, BoardMembership]]:
    return list(
        db.session.execute(
            select(User, BoardMembership)
            .join(BoardMembership, BoardMembership.user_id == User.id)
            .where(BoardMembership.board_id == board.id, User.active.is_(True))
            .order_by(User.specialty, User.name)
        ).all()
    )


def guest_directory(meeting: Meeting) -> list[User]:
    """Whom the attendance page offers as a guest: the hospital's directory (every active account) less
    the board's members and the meeting's recorded guests, by name. The coordinator chooses by name; no
    address is typed, so the page answers nothing about an address."""
    members = select(BoardMembership.user_id).where(BoardMembership.board_id == meeting.board_id)
    recorded = select(Attendance.user_id).where(Attendance.meeting_id == meeting.id)
    return list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.id.not_in(members), User.id.not_in(recorded))
            .order_by(func.lower(User.name), User.id)
        )
    )


def patient_label(case: Case) -> str:
    """How printed agendas name a patient (config AGENDA_PATIENT_LABEL)."""
    patient = case.patient
    if current_app.config.get("AGENDA_PATIENT_LABEL") == "full_name":
        return f"{patient.display_name} · MRN {patient.mrn}"
    return f"{patient.initials} · MRN {patient.mrn}"


def presenter_choices(members: list[tuple[User, BoardMembership]]):
    """The presenter select of an agenda item: nobody, or one of the board's members."""
    from tumorboard.forms import choices

    return choices([(0, "—"), *((user.id, user.name) for user, _ in members)])
