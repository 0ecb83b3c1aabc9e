"""Meetings of a board, their agendas and attendance.

A case is on at most one open agenda: `AgendaItem.open_case_id` repeats the case id while the item is open
and is NULL once the item has its outcome or its meeting is over, and a unique constraint on it lets the
database itself refuse a second open item even when two requests race.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tumorboard.boards.models import Board
from tumorboard.cases.models import BOARD_OUTCOMES, Case, CaseStatus
from tumorboard.clinical.specialties import Specialty
from tumorboard.db import UTCDateTime, enum_type, utcnow
from tumorboard.extensions import Model
from tumorboard.frozen import FrozenRecord


class MeetingStatus(StrEnum):
    PLANNED = "planned"
    LOCKED = "agenda_locked"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(
            {
                "planned": _l("Planned"),
                "agenda_locked": _l("Agenda locked"),
                "in_progress": _l("In progress"),
                "closed": _l("Closed"),
                "cancelled": _l("Cancelled"),
            }[self.value]
        )


OPEN_STATUSES = frozenset({MeetingStatus.PLANNED, MeetingStatus.LOCKED, MeetingStatus.IN_PROGRESS})


class Who(StrEnum):
    """Whom a meeting action is for."""

    COORDINATORS = "coordinators"  # the board's coordinators plan its meetings and build its agendas
    RUNNERS = "runners"  # the board's coordinators or its chair run the meeting
    DECIDERS = "deciders"  # the board's specialists, chair and coordinators record its decisions


class MeetingAction(StrEnum):
    """What people do with a meeting; each is allowed in the states `MEETING_LIFECYCLE` says."""

    who: Who
    not_allowed: str  # the refusal when the person may not
    not_now: str  # the refusal when the meeting's state does not allow it

    def __new__(cls, value: str, who: Who, not_allowed: str, not_now: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.who, member.not_allowed, member.not_now = who, not_allowed, not_now
        return member

    CHANGE_DETAILS = (
        "change_details",
        Who.COORDINATORS,
        "Only the board's coordinators plan its meetings.",
        "A meeting that has started or ended cannot be changed.",
    )
    EDIT_AGENDA = (
        "edit_agenda",
        Who.COORDINATORS,
        "Only the board's coordinators plan its meetings.",
        "The agenda is locked or the meeting has started: unlock it first.",
    )
    LOCK_AGENDA = (
        "lock_agenda",
        Who.COORDINATORS,
        "Only the board's coordinators plan its meetings.",
        "The agenda of a meeting that has started cannot be locked or unlocked.",
    )
    UNLOCK_AGENDA = (
        "unlock_agenda",
        Who.COORDINATORS,
        "Only the board's coordinators plan its meetings.",
        "The agenda of a meeting that has started cannot be locked or unlocked.",
    )
    CANCEL = (
        "cancel",
        Who.COORDINATORS,
        "Only the board's coordinators plan its meetings.",
        "Only a meeting that has not started can be cancelled.",
    )
    RECORD_ATTENDANCE = (
        "record_attendance",
        Who.RUNNERS,
        "Only the board's coordinators or chair record attendance.",
        "Attendance is recorded until the meeting closes.",
    )
    START = (
        "start",
        Who.RUNNERS,
        "Only the board's coordinators or chair start a meeting.",
        "This meeting cannot be started.",
    )
    RECORD_OUTCOME = (
        "record_outcome",
        Who.RUNNERS,
        "Only the board's coordinators or chair record the outcome.",
        "Outcomes are recorded while the meeting is in progress.",
    )
    CLOSE = (
        "close",
        Who.RUNNERS,
        "Only the board's coordinators or chair close a meeting.",
        "Only a meeting in progress can be closed.",
    )
    RECORD_DECISIONS = (
        "record_decisions",
        Who.DECIDERS,
        "Only the board's specialists, chair and coordinators record its decisions.",
        "Decisions are recorded while the meeting is in progress.",
    )


# The meeting's lifecycle, in one table: each state, the actions it allows, and the state each leads to.
# Every guard (operations, views, templates) reads it through `Meeting.allows` and `Meeting.can`.
_P, _L, _R, _C, _X = (
    MeetingStatus.PLANNED,
    MeetingStatus.LOCKED,
    MeetingStatus.IN_PROGRESS,
    MeetingStatus.CLOSED,
    MeetingStatus.CANCELLED,
)
_A = MeetingAction
MEETING_LIFECYCLE: Mapping[MeetingStatus, Mapping[MeetingAction, MeetingStatus]] = {
    _P: {
        _A.CHANGE_DETAILS: _P,
        _A.EDIT_AGENDA: _P,
        _A.LOCK_AGENDA: _L,
        _A.RECORD_ATTENDANCE: _P,
        _A.START: _R,
        _A.CANCEL: _X,
    },
    _L: {_A.CHANGE_DETAILS: _L, _A.UNLOCK_AGENDA: _P, _A.RECORD_ATTENDANCE: _L, _A.START: _R, _A.CANCEL: _X},
    _R: {_A.RECORD_ATTENDANCE: _R, _A.RECORD_OUTCOME: _R, _A.RECORD_DECISIONS: _R, _A.CLOSE: _C},
    _C: {},
    _X: {},
}


class AgendaMode(StrEnum):
    FULL = "full"
    NOTING = "noting"

    @property
    def label(self) -> str:
        return str(_l("Full discussion") if self is AgendaMode.FULL else _l("Standard of care – for noting"))


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    GUEST = "guest"


class Frequency(StrEnum):
    """How often the meetings of a series recur."""

    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"

    @property
    def days(self) -> int:
        return {"weekly": 7, "fortnightly": 14}[self.value]


class MeetingSeries(Model):
    """Meetings made together (weekly or fortnightly); each is a meeting of its own afterwards."""

    __tablename__ = "meeting_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id"), index=True)
    frequency: Mapped[Frequency] = mapped_column(enum_type(Frequency, 16, "frequency"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Meeting(Model):
    __tablename__ = "meeting"
    __table_args__ = (
        Index("ix_meeting_board_starts", "board_id", "starts_at"),
        Index("ix_meeting_starts", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id"))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_series.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    room: Mapped[str] = mapped_column(String(200), default="")
    video_link: Mapped[str] = mapped_column(String(500), default="")
    cutoff_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity_cases: Mapped[int | None] = mapped_column(Integer)
    capacity_minutes: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[MeetingStatus] = mapped_column(
        enum_type(MeetingStatus, 16, "status"), default=MeetingStatus.PLANNED
    )
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    quorum_override_reason: Mapped[str] = mapped_column(Text, default="")
    quorum_override_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    board: Mapped[Board] = relationship()
    items: Mapped[list["AgendaItem"]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    attendance: Mapped[list["Attendance"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Meeting {self.id}>"

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_in_progress(self) -> bool:
        return self.status == MeetingStatus.IN_PROGRESS

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED

    @property
    def present(self) -> list["Attendance"]:
        """Who is there: members present and guests, by specialty and name."""
        return sorted(
            (a for a in self.attendance if a.is_there), key=lambda a: (str(a.specialty), a.user.name)
        )

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.board_id, None

    # Access: the model decides; operations, views and templates ask.
    def can_view(self, user) -> bool:
        return user.is_authenticated and self.board_id in user.board_ids

    def can_manage(self, user) -> bool:
        """The board's coordinators plan its meetings and build its agendas."""
        return self.board.can_manage_meetings(user)

    def can_run(self, user) -> bool:
        """The board's coordinators or its chair run the meeting: attendance, start, outcomes, close."""
        return self.can_manage(user) or self.board.can_chair(user)

    def is_for(self, who: Who, user) -> bool:
        if who is Who.COORDINATORS:
            return self.can_manage(user)
        if who is Who.RUNNERS:
            return self.can_run(user)
        return self.board.can_decide(user)

    def allows(self, action: MeetingAction) -> bool:
        """The meeting's state allows the action (whoever asks)."""
        return action in MEETING_LIFECYCLE[self.status]

    def after(self, action: MeetingAction) -> MeetingStatus:
        """The state the action leads to (the caller has checked that it is allowed)."""
        return MEETING_LIFECYCLE[self.status][action]

    def can(self, action: MeetingAction, user) -> bool:
        return self.allows(action) and self.is_for(action.who, user)

    def can_edit_agenda(self, user) -> bool:
        """Cases are added, moved and removed while the meeting is planned; a locked agenda is unlocked
        first."""
        return self.can(MeetingAction.EDIT_AGENDA, user)

    def can_change_details(self, user) -> bool:
        return self.can(MeetingAction.CHANGE_DETAILS, user)

    def can_lock(self, user) -> bool:
        return self.can(MeetingAction.LOCK_AGENDA, user)

    def can_unlock(self, user) -> bool:
        return self.can(MeetingAction.UNLOCK_AGENDA, user)

    def can_cancel(self, user) -> bool:
        return self.can(MeetingAction.CANCEL, user)

    def can_record_attendance(self, user) -> bool:
        return self.can(MeetingAction.RECORD_ATTENDANCE, user)

    def can_start(self, user) -> bool:
        return self.can(MeetingAction.START, user)

    def can_start_early(self, user) -> bool:
        """Before the meeting's day only its chair starts it (and confirms it)."""
        return self.can_start(user) and self.board.can_chair(user)

    def can_record_outcome(self, user) -> bool:
        return self.can(MeetingAction.RECORD_OUTCOME, user)

    def can_close(self, user) -> bool:
        return self.can(MeetingAction.CLOSE, user)

    def can_record_decisions(self, user) -> bool:
        return self.can(MeetingAction.RECORD_DECISIONS, user)


class AgendaItem(Model):
    __tablename__ = "agenda_item"
    __table_args__ = (
        UniqueConstraint("meeting_id", "position"),
        # the outcome is a case status, and only one the board can give (discussed or deferred)
        CheckConstraint(
            "outcome IN ({})".format(", ".join(f"'{s.value}'" for s in BOARD_OUTCOMES)), name="board_outcome"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("tumor_case.id"), index=True)
    open_case_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    position: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer, default=10)
    presenter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    mode: Mapped[AgendaMode] = mapped_column(enum_type(AgendaMode, 8, "mode"), default=AgendaMode.FULL)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    late_reason: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[CaseStatus | None] = mapped_column(enum_type(CaseStatus, 16, "outcome"))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    case: Mapped[Case] = relationship()
    presenter = relationship("User", foreign_keys=[presenter_id])
    snapshot: Mapped["AgendaSnapshot | None"] = relationship(uselist=False)

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_for_noting(self) -> bool:
        return self.mode == AgendaMode.NOTING

    @property
    def was_discussed(self) -> bool:
        return self.outcome == CaseStatus.DISCUSSED

    @property
    def was_deferred(self) -> bool:
        return self.outcome == CaseStatus.DEFERRED


class AgendaSnapshot(FrozenRecord, Model):
    """The case as the board had it when the meeting started (tumorboard.cases.records), so that the
    meeting's pages show it as discussed, never with what was added later."""

    __tablename__ = "agenda_snapshot"
    RECORDED_BY = ("agenda.outcome", "meeting.closed", "meeting.cancelled")

    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id"), primary_key=True)

    @staticmethod
    def recorded_hashes(events) -> dict[int, str]:
        """The item's hash in the event that froze it: its outcome, or the meeting's close or cancellation."""
        hashes = {}
        for event in events:
            details = event.details
            if "snapshot_sha256" in details:
                hashes[int(details["item"])] = details["snapshot_sha256"]
            hashes.update({int(item): sha for item, sha in details.get("snapshots", {}).items()})
        return hashes


class Attendance(Model):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    specialty: Mapped[Specialty] = mapped_column(enum_type(Specialty, 32, "specialty"))
    status: Mapped[AttendanceStatus] = mapped_column(enum_type(AttendanceStatus, 8, "status"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    user = relationship("User", foreign_keys=[user_id])

    @property
    def is_there(self) -> bool:
        return self.status != AttendanceStatus.ABSENT

    @property
    def is_guest(self) -> bool:
        return self.status == AttendanceStatus.GUEST


class MeetingRequest(Model):
    """A submitter's wish that their case be discussed at a given meeting; the coordinator decides."""

    __tablename__ = "meeting_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("tumor_case.id", ondelete="CASCADE"), unique=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship()
