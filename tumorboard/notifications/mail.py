"""E-mailing one notification: a background job (tumorboard.jobs), one per notification, queued when the
notification's transaction has committed.

Idempotent, at most once: the job first claims the row (`mail_claimed_at`, set only where it is still
empty, in a committed UPDATE of its own), then sends, then marks it e-mailed. A second run of the same
job (a duplicate enqueue, a retry after the mail went out) finds the claim taken and sends nothing. A
failed send gives the claim back and raises, so the queue retries it. A worker that dies between the
send and the mark leaves the claim taken: that e-mail may be lost, never sent twice. We chose at-most-once
because the notification itself is always in the app (the e-mail is a copy of it), while a reminder mailed
twice, or ten times by a crash loop, teaches people to ignore them.
"""

import logging
from typing import Any, cast

from flask import current_app
from flask_babel import force_locale
from flask_mail import Message
from sqlalchemy import CursorResult, select, update

from tumorboard.auth.models import User
from tumorboard.db import utcnow
from tumorboard.extensions import db, mail
from tumorboard.hospital import hospital_name
from tumorboard.languages import supported
from tumorboard.notifications.models import Notification
from tumorboard.public_url import public_url

log = logging.getLogger("tumorboard.mail")


def _claim(notification_id: int) -> bool:
    claimed = db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.emailed_at.is_(None),
            Notification.mail_claimed_at.is_(None),
        )
        .values(mail_claimed_at=utcnow())
    )
    # an UPDATE's result is a CursorResult; Session.execute is annotated with the rows' Result only
    return cast(CursorResult[Any], claimed).rowcount == 1


def mail_notification(notification_id: int) -> bool:
    """E-mail one notification to its user, once; returns whether it was sent now. Nothing is sent
    without MAIL_SERVER, to a disabled account, or when it was sent (or is being sent) already."""
    if not current_app.config.get("MAIL_SERVER"):
        return False
    row = db.session.execute(
        select(Notification, User.email, User.active, User.locale)
        .join(User, User.id == Notification.user_id)
        .where(Notification.id == notification_id)
    ).first()
    if row is None or not row.active:
        return False
    note, email = row.Notification, row.email
    if not _claim(notification_id):
        return False
    db.session.commit()  # the claim holds before anything leaves: a second run now sends nothing
    base = public_url().rstrip("/")
    with force_locale(supported(row.locale)):  # the message is in its reader's language: its footer too
        hospital = hospital_name()
    body = f"{note.message}\n\n{base}{note.link}\n\n— TumorBoard, {hospital}"
    try:
        mail.send(Message(subject=f"TumorBoard: {note.message[:80]}", recipients=[email], body=body))
    except Exception:
        db.session.execute(
            update(Notification).where(Notification.id == notification_id).values(mail_claimed_at=None)
        )
        db.session.commit()
        log.warning("could not e-mail notification %s; it will be tried again", notification_id)
        raise
    db.session.execute(
        update(Notification).where(Notification.id == notification_id).values(emailed_at=utcnow())
    )
    db.session.commit()
    return True
