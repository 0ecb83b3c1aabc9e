"""Notifying users. The message is written in the transaction of the change it reports; the e-mail goes
out only after that transaction has committed (`send_pending_mail`), so a rolled-back change sends none.

Messages name cases by number and link to them, never by patient name: e-mail leaves the hospital's
systems.
"""

import logging
from collections.abc import Iterable
from typing import Any, cast

from flask import current_app, g, has_request_context
from flask_mail import Message
from sqlalchemy import CursorResult, select, update

from tumorboard.auth.models import User
from tumorboard.db import utcnow
from tumorboard.extensions import db, mail
from tumorboard.notifications.models import Notification
from tumorboard.public_url import public_url

log = logging.getLogger("tumorboard.mail")


def notify(user_ids: Iterable[int], kind: str, message: str, link: str = "") -> list[Notification]:
    notes = [
        Notification(user_id=uid, kind=kind, message=message, link=link) for uid in sorted(set(user_ids))
    ]
    db.session.add_all(notes)
    db.session.flush()
    if has_request_context():
        g.setdefault("pending_mail", []).extend(n.id for n in notes)
    return notes


def mark_read(user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when no ids are given); returns how many."""
    stmt = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_ids is not None:
        stmt = stmt.where(Notification.id.in_(list(notification_ids)))
    # an UPDATE's result is a CursorResult; Session.execute is annotated with the rows' Result only
    return cast(CursorResult[Any], db.session.execute(stmt.values(read_at=utcnow()))).rowcount


def unread_count(user: User) -> int:
    return db.session.execute(
        select(db.func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    ).scalar_one()


def send_pending_mail(ids: Iterable[int] | None = None) -> int:
    """E-mail notifications not yet e-mailed (those of this request, or all); returns how many went out.

    Without MAIL_SERVER the site has no mail: nothing is sent and the notifications stay in-app only.
    """
    if not current_app.config.get("MAIL_SERVER"):
        return 0
    stmt = (
        select(Notification, User.email)
        .join(User, User.id == Notification.user_id)
        .where(Notification.emailed_at.is_(None), User.active.is_(True))
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(list(ids)))
    sent = 0
    base = public_url().rstrip("/")
    for note, email in db.session.execute(stmt.limit(500)).all():
        body = f"{note.message}\n\n{base}{note.link}\n\n— TumorBoard, {current_app.config['HOSPITAL_NAME']}"
        try:
            mail.send(Message(subject=f"TumorBoard: {note.message[:80]}", recipients=[email], body=body))
        except Exception:  # noqa: BLE001 - a mail server outage must not fail the clinical action
            log.exception("could not e-mail notification %s", note.id)
            continue
        note.emailed_at = utcnow()
        sent += 1
    db.session.commit()
    return sent
