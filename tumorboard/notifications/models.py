"""A message to one user, and which reminders went to whom. Any package may notify; this one imports none
of them."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tumorboard.db import UTCDateTime, enum_type, utcnow
from tumorboard.extensions import Model


class Notification(Model):
    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_read", "user_id", "read_at", "created_at"),
        Index("ix_notification_user_created", "user_id", "created_at", "id"),  # the keyset list
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Taken by the mail job before it sends (tumorboard.notifications.mail): a second run finds it taken.
    mail_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReminderKind(StrEnum):
    """The reminders the scheduler sends; each goes once per (kind, subject, user)."""

    CUTOFF = "cutoff"  # subject: the meeting whose submission cut-off is near
    AGENDA = "agenda"  # subject: the meeting whose agenda was locked
    MEETING = "meeting"  # subject: the meeting of tomorrow
    FOLLOW_UP = "follow_up"  # subject: the decision whose follow-up is due (to the submitter)
    FOLLOW_UP_OVERDUE = "follow_up_overdue"  # subject: the decision, still overdue (to coordinators)


class ReminderSent(Model):
    """That a reminder went to a user: the unique key makes every reminder job idempotent (a tick run
    twice, two ticks at once, a job retried), whatever the race."""

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("kind", "subject_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(enum_type(ReminderKind, 24, "kind"))
    subject_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
