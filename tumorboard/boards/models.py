"""Boards and board membership.

A case submitted to a board is visible to that board's members, so boards sit below cases, meetings and
decisions: every later package may import this one, and this one imports none of them.
"""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tumorboard.auth.roles import Role
from tumorboard.clinical.specialties import Specialty
from tumorboard.db import UTCDateTime, utcnow
from tumorboard.extensions import Model

# The specialties a NET board needs by default; the last group is satisfied by either of its members.
DEFAULT_REQUIRED_SPECIALTIES: tuple[tuple[Specialty, ...], ...] = (
    (Specialty.MEDICAL_ONCOLOGY,),
    (Specialty.SURGERY,),
    (Specialty.RADIOLOGY,),
    (Specialty.PATHOLOGY,),
    (Specialty.NUCLEAR_MEDICINE,),
    (Specialty.GASTROENTEROLOGY, Specialty.ENDOCRINOLOGY),
)


def encode_groups(groups) -> str:
    """("a",), ("b", "c") → "a;b|c": one group per ";", alternatives within a group joined by "|"."""
    return ";".join("|".join(str(s) for s in group) for group in groups)


def decode_groups(text: str) -> tuple[tuple[Specialty, ...], ...]:
    return tuple(tuple(Specialty(s) for s in part.split("|") if s) for part in text.split(";") if part)


DEFAULT_REQUIRED_TEXT = encode_groups(DEFAULT_REQUIRED_SPECIALTIES)


def missing_specialties(
    present: set[str], required: tuple[tuple[Specialty, ...], ...]
) -> list[tuple[Specialty, ...]]:
    """The required specialty groups (a board's own, `Board.required_groups`) of which nobody in
    `present` is a member: the quorum rule."""
    return [group for group in required if not present.intersection(group)]


def coordinated_board_ids(user) -> frozenset[int]:
    """The boards whose meetings the user plans: where their membership says coordinator, and they hold
    the coordinator role."""
    if not user.is_authenticated or not user.has_role(Role.COORDINATOR):
        return frozenset()
    return frozenset(m.board_id for m in user.memberships if m.is_coordinator)


class Board(Model):
    __tablename__ = "board"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(
        String(120), unique=True
    )  # casefolded: names are unique regardless of case
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Quorum and the defaults a new meeting starts from (the coordinator can change each meeting).
    required_specialties: Mapped[str] = mapped_column(String(300), default=DEFAULT_REQUIRED_TEXT)
    default_weekday: Mapped[int] = mapped_column(Integer, default=2)  # Monday = 0
    default_start_time: Mapped[str] = mapped_column(String(5), default="16:00")  # hospital time, HH:MM
    default_duration_minutes: Mapped[int] = mapped_column(Integer, default=90)
    default_capacity_cases: Mapped[int | None] = mapped_column(Integer, default=12)
    default_capacity_minutes: Mapped[int | None] = mapped_column(Integer)
    default_cutoff_hours: Mapped[int] = mapped_column(Integer, default=48)
    default_room: Mapped[str] = mapped_column(String(200), default="")
    default_video_link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    memberships: Mapped[list["BoardMembership"]] = relationship(
        back_populates="board", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Board {self.id}>"

    @property
    def required_groups(self) -> tuple[tuple[Specialty, ...], ...]:
        return decode_groups(self.required_specialties)

    def membership_of(self, user) -> "BoardMembership | None":
        if not user.is_authenticated:
            return None
        return next((m for m in user.memberships if m.board_id == self.id), None)

    def can_manage_meetings(self, user) -> bool:
        """The board's own coordinators plan its meetings and build its agendas."""
        return self.id in coordinated_board_ids(user)

    def can_decide(self, user) -> bool:
        """The board's specialists, chairs and coordinators record its decisions."""
        return (
            user.is_authenticated
            and self.id in user.board_ids
            and user.has_role(Role.SPECIALIST, Role.CHAIR, Role.COORDINATOR)
        )

    def can_chair(self, user) -> bool:
        membership = self.membership_of(user)
        return membership is not None and membership.is_chair and user.has_role(Role.CHAIR)

    def coordinator_ids(self) -> set[int]:
        """Who is told what reaches the board's pool: its active coordinators."""
        return {m.user_id for m in self.memberships if m.is_coordinator and m.user.active}

    def chair_ids(self) -> set[int]:
        """Who signs the board's decisions: its active chairs."""
        return {m.user_id for m in self.memberships if m.user.active and self.can_chair(m.user)}


class BoardMembership(Model):
    __tablename__ = "board_membership"
    __table_args__ = (UniqueConstraint("board_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    is_coordinator: Mapped[bool] = mapped_column(Boolean, default=False)
    is_chair: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    board: Mapped[Board] = relationship(back_populates="memberships")
    user = relationship("User", back_populates="memberships")
