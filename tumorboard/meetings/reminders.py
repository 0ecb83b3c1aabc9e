"""The meetings' reminders, sent by background jobs: the submission cut-off (to submitters who still
have drafts for the board), the locked agenda (to the board's members, queued by the lock), and the
meeting itself the day before (to the board's members). Each goes once per meeting and person
(`notifications.operations.remind`, held by a unique key), so a job run twice sends nothing twice.

Messages name cases by number, never the patient: e-mail leaves the hospital.
"""

from datetime import timedelta
from functools import partial

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from tumorboard.audit.recording import record
from tumorboard.auth.models import User
from tumorboard.boards.models import Board, BoardMembership
from tumorboard.cases.models import Case, CaseStatus
from tumorboard.db import atomic, utcnow
from tumorboard.extensions import db
from tumorboard.meetings.models import Meeting, MeetingStatus
from tumorboard.notifications.models import ReminderKind
from tumorboard.notifications.operations import remind
from tumorboard.timezones import format_datetime

UPCOMING = (MeetingStatus.PLANNED.value, MeetingStatus.LOCKED.value)


def _when(moment) -> str:
    """A meeting's time in the (forced) language of the message: "Wed 02 Dec 2026, 16:00"."""
    return format_datetime(moment, "weekday_datetime")


def _cutoff_message(board: str, starts_at, cutoff_at, cases: str) -> str:
    return _(
        "Submission cut-off for the %(board)s meeting of %(when)s: %(cutoff)s. Not submitted yet: case "
        "%(cases)s.",
        board=board,
        when=_when(starts_at),
        cutoff=_when(cutoff_at),
        cases=cases,
    )


def _meeting_message(board: str, starts_at, cases: str) -> str:
    if cases:
        return _(
            "Reminder: the %(board)s meeting is on %(when)s, with case %(cases)s.",
            board=board,
            when=_when(starts_at),
            cases=cases,
        )
    return _("Reminder: the %(board)s meeting is on %(when)s.", board=board, when=_when(starts_at))


def _agenda_message(board: str, starts_at, cases: str) -> str:
    if cases:
        return _(
            "The agenda of the %(board)s meeting of %(when)s is locked: case %(cases)s.",
            board=board,
            when=_when(starts_at),
            cases=cases,
        )
    return _(
        "The agenda of the %(board)s meeting of %(when)s is locked: no cases.",
        board=board,
        when=_when(starts_at),
    )


def _cases(ids: list[int]) -> str:
    return ", ".join(str(i) for i in ids)


def _members(board_id: int) -> list[int]:
    """The board's active members (coordinators, specialists, chairs …)."""
    return list(
        db.session.scalars(
            select(BoardMembership.user_id)
            .join(User, User.id == BoardMembership.user_id)
            .where(BoardMembership.board_id == board_id, User.active.is_(True))
        )
    )


def _upcoming(column, hours: int) -> list[Meeting]:
    now = utcnow()
    return list(
        db.session.scalars(
            select(Meeting)
            .join(Board, Board.id == Meeting.board_id)
            .where(
                Board.active.is_(True),
                Meeting.status.in_(UPCOMING),
                column > now,
                column <= now + timedelta(hours=hours),
            )
            .order_by(Meeting.board_id, column, Meeting.id)
        )
    )


@atomic
def remind_cutoff() -> int:
    """Each submitter with draft cases for a board whose next meeting's cut-off is within
    CUTOFF_REMINDER_HOURS is told which drafts, once per meeting; returns how many were told."""
    told: dict[int, list[int]] = {}
    seen_boards: set[int] = set()
    for meeting in _upcoming(Meeting.cutoff_at, current_app.config["CUTOFF_REMINDER_HOURS"]):
        if meeting.board_id in seen_boards:
            continue  # the board's next cut-off only
        seen_boards.add(meeting.board_id)
        drafts: dict[int, list[int]] = {}
        for case_id, submitter_id in db.session.execute(
            select(Case.id, Case.submitter_id)
            .join(User, User.id == Case.submitter_id)
            .where(
                Case.board_id == meeting.board_id,
                Case.status == CaseStatus.DRAFT.value,
                User.active.is_(True),
            )
            .order_by(Case.id)
        ):
            drafts.setdefault(submitter_id, []).append(case_id)
        for submitter_id, case_ids in drafts.items():
            message = partial(
                _cutoff_message, meeting.board.name, meeting.starts_at, meeting.cutoff_at, _cases(case_ids)
            )
            link = f"/cases/{case_ids[0]}" if len(case_ids) == 1 else "/cases/"
            if remind(ReminderKind.CUTOFF, meeting.id, [submitter_id], message, link):
                told.setdefault(meeting.id, []).append(submitter_id)
    _record("reminders.cutoff_sent", told)
    return sum(len(users) for users in told.values())


@atomic
def remind_meetings() -> int:
    """The board's members are reminded of a meeting starting within MEETING_REMINDER_HOURS, with the
    cases on its agenda, once per meeting; returns how many were reminded."""
    told: dict[int, list[int]] = {}
    for meeting in _upcoming(Meeting.starts_at, current_app.config["MEETING_REMINDER_HOURS"]):
        case_ids = [item.case_id for item in meeting.items]
        message = partial(_meeting_message, meeting.board.name, meeting.starts_at, _cases(case_ids))
        sent = remind(ReminderKind.MEETING, meeting.id, _members(meeting.board_id), message, _link(meeting))
        if sent:
            told[meeting.id] = sent
    _record("reminders.meeting_sent", told)
    return sum(len(users) for users in told.values())


@atomic
def send_agenda(meeting_id: int) -> int:
    """Queued when a meeting's agenda is locked: its board's members get the agenda (the cases by
    number), once per meeting (a re-lock after an unlock sends nothing new); returns how many got it."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.status != MeetingStatus.LOCKED:
        return 0  # unlocked again, started or cancelled before the job ran
    case_ids = [item.case_id for item in meeting.items]
    message = partial(_agenda_message, meeting.board.name, meeting.starts_at, _cases(case_ids))
    sent = remind(ReminderKind.AGENDA, meeting.id, _members(meeting.board_id), message, _link(meeting))
    _record("reminders.agenda_sent", {meeting.id: sent} if sent else {})
    return len(sent)


def _link(meeting: Meeting) -> str:
    return f"/meetings/{meeting.id}"


def _record(action: str, told: dict[int, list[int]]) -> None:
    if told:
        record(action, actor=None, details={"meetings": {str(k): sorted(v) for k, v in told.items()}})
