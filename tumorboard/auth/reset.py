"""Password reset by e-mail for local accounts: the signed link and the job that mails it.

The link carries an itsdangerous token signed with SECRET_KEY (its own salt): the user's id and a
fingerprint of their current password hash, with the time it was made. It is valid for
`PASSWORD_RESET_VALID_MINUTES` and for one use without a table of tokens: setting a password (by this
link, by the owner, by an admin) changes the hash, so every earlier link stops matching.

Where the token travels: the link puts it in the query string of `/password/reset`, which no access log
keeps (gunicorn's and nginx's log the path only). That page answers at once with a redirect to itself
without the query, having moved the token into the signed session cookie, so the page the person types
the new password into, and any Referer it could send, never holds it. The token is made inside the mail
job, at sending time, so it never rests in the job queue (the queue holds the user's id only).
"""

import hashlib
import logging
from urllib.parse import urlencode

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mail import Message
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from tumorboard.auth.models import User
from tumorboard.extensions import db, mail
from tumorboard.hospital import hospital_name
from tumorboard.languages import recipient_locale
from tumorboard.public_url import public_url

log = logging.getLogger("tumorboard.mail")

_SALT = "tumorboard.password-reset"
# The page the link opens (auth.views.reset_password_page); built here without a request, in the worker.
RESET_PATH = "/password/reset"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:32]


def make_token(user: User) -> str:
    return _serializer().dumps({"user": user.id, "hash": _fingerprint(user)})


def max_age_seconds() -> int:
    return current_app.config["PASSWORD_RESET_VALID_MINUTES"] * 60


def user_for_token(token: str) -> User | None:
    """The active account this token was made for, while it is fresh and the password is still the one
    it was made under; None for an expired, altered, used or foreign token."""
    try:
        data = _serializer().loads(token, max_age=max_age_seconds())
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        return None
    user = db.session.get(User, data["user"])
    if user is None or not user.active or data.get("hash") != _fingerprint(user):
        return None
    return user


def mail_reset_link(user_id: int) -> bool:
    """The background job (tumorboard.jobs) that e-mails the link; returns whether it was sent. Nothing
    is sent without MAIL_SERVER or to a disabled account."""
    if not current_app.config.get("MAIL_SERVER"):
        log.warning("password reset asked for user %s, but no MAIL_SERVER is set", user_id)
        return False
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return False
    base = public_url().rstrip("/")
    link = f"{base}{RESET_PATH}?{urlencode({'token': make_token(user)})}"
    minutes = current_app.config["PASSWORD_RESET_VALID_MINUTES"]
    with force_locale(recipient_locale(user)):  # the e-mail in its reader's language, not the asker's
        body = _(
            "Someone (we hope you) asked to reset your TumorBoard password. To choose a new one, open this "
            "link within %(minutes)s minutes; it works once:\n\n%(link)s\n\n"
            "If you did not ask for it, ignore this message: your password stays as it is.\n\n"
            "— TumorBoard, %(hospital)s",
            minutes=minutes,
            link=link,
            hospital=hospital_name(),
        )
        subject = _("TumorBoard: reset your password")
    mail.send(Message(subject=subject, recipients=[user.email], body=body))
    return True
