"""Notifying users. The message is written in the transaction of the change it reports; its e-mail is a
background job (`notifications.mail.mail_notification`) queued only once that transaction has committed,
so a rolled-back change sends none.

Messages name cases by number and link to them, never by patient name: e-mail leaves the hospital's
systems.

A message is written in its recipient's language (`User.locale`, else the hospital's DEFAULT_LOCALE):
the caller passes a function that writes it (`lambda: _("Case %(id)s …", id=…)`), called once per
language under Flask-Babel's `force_locale`, and each recipient's notification (and so its e-mail) holds
the text in theirs. Rendered when sent, not when read: what a person was told stays as it was.
"""

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, cast

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import CursorResult, Select, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tumorboard.auth.models import User
from tumorboard.db import utcnow
from tumorboard.extensions import db
from tumorboard.jobs import enqueue
from tumorboard.languages import recipient_locale
from tumorboard.notifications.mail import mail_notification
from tumorboard.notifications.models import Notification, ReminderKind, ReminderSent

# a text as it is, or a function that writes it in the current (forced) language
Message = str | Callable[[], str]


def in_recipients_languages(user_ids: Iterable[int], message: Message) -> dict[int, str]:
    """The message for each user, in their language: written once per language among them."""
    ids = sorted(set(user_ids))
    if not callable(message):
        return dict.fromkeys(ids, message)
    users: Iterable[User] = db.session.scalars(select(User).where(User.id.in_(ids))) if ids else []
    languages = {user.id: recipient_locale(user) for user in users}
    written: dict[str, str] = {}
    texts = {}
    for uid in ids:
        language = languages.get(uid) or current_app.config["DEFAULT_LOCALE"]
        if language not in written:
            with force_locale(language):
                written[language] = str(message())
        texts[uid] = written[language]
    return texts


def notify(user_ids: Iterable[int], kind: str, message: Message, link: str = "") -> list[Notification]:
    notes = [
        Notification(user_id=uid, kind=kind, message=text, link=link)
        for uid, text in in_recipients_languages(user_ids, message).items()
    ]
    db.session.add_all(notes)
    db.session.flush()
    if current_app.config.get("MAIL_SERVER"):
        for note in notes:
            enqueue(mail_notification, note.id)
    return notes


def mark_read(user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when no ids are given); returns how many."""
    stmt = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_ids is not None:
        stmt = stmt.where(Notification.id.in_(list(notification_ids)))
    # an UPDATE's result is a CursorResult; Session.execute is annotated with the rows' Result only
    return cast(CursorResult[Any], db.session.execute(stmt.values(read_at=utcnow()))).rowcount


@cache
def _unread_statement() -> Select:
    """Built once per process: the navigation runs it on every page."""
    return select(db.func.count(Notification.id)).where(
        Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None)
    )


def unread_count(user: User) -> int:
    return db.session.execute(_unread_statement(), {"user_id": user.id}).scalar_one()


def claim_reminder(kind: ReminderKind, subject_id: int, user_id: int) -> bool:
    """Note that this reminder goes to this user, unless it went already: True when it is theirs to send
    now. The unique key decides, even between two ticks at once (INSERT … ON CONFLICT DO NOTHING)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(ReminderSent)
        .values(kind=kind, subject_id=subject_id, user_id=user_id, sent_at=utcnow())
        .on_conflict_do_nothing(index_elements=["kind", "subject_id", "user_id"])
        .returning(ReminderSent.id)  # no row when it was there already (rowcount is -1 on psycopg)
    )
    return db.session.execute(statement).scalar() is not None


def remind(
    kind: ReminderKind, subject_id: int, user_ids: Iterable[int], message: Message, link: str
) -> list[int]:
    """Notify (and so e-mail) each user who has not had this reminder of this subject; returns whom."""
    fresh = [uid for uid in sorted(set(user_ids)) if claim_reminder(kind, subject_id, uid)]
    if fresh:
        notify(fresh, f"reminder_{kind.value}", message, link)
    return fresh
