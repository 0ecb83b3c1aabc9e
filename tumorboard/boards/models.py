"""Boards and board membership.

A case submitted to a board is visible to that board's members, so boards sit below cases, meetings and
decisions: every later package may import this one, and this one imports none of them.
"""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tumorboard.clinical.specialties import Specialty
from tumorboard.db import UTCDateTime, utcnow
from tumorboard.extensions import db

# The specialties a NET board needs by default; the last group is satisfied by either of its members.
DEFAULT_REQUIRED_SPECIALTIES: tuple[tuple[Specialty, ...], ...] = (
    (Specialty.MEDICAL_ONCOLOGY,),
    (Specialty.SURGERY,),
    (Specialty.RADIOLOGY,),
    (Specialty.PATHOLOGY,),
    (Specialty.NUCLEAR_MEDICINE,),
    (Specialty.GASTROENTEROLOGY, Specialty.ENDOCRINOLOGY),
)


def missing_specialties(present: set[str]) -> list[tuple[Specialty, ...]]:
    """The required specialty groups of which nobody in `present` is a member."""
    return [group for group in DEFAULT_REQUIRED_SPECIALTIES if not present.intersection(group)]


class Board(db.Model):
    __tablename__ = "board"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(
        String(120), unique=True
    )  # casefolded: names are unique regardless of case
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    memberships: Mapped[list["BoardMembership"]] = relationship(
        back_populates="board", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Board {self.id}>"

    def is_member(self, user) -> bool:
        return user.is_authenticated and self.id in user.board_ids


class BoardMembership(db.Model):
    __tablename__ = "board_membership"
    __table_args__ = (UniqueConstraint("board_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    board: Mapped[Board] = relationship(back_populates="memberships")
    user = relationship("User", back_populates="memberships")
