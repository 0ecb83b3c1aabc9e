"""A create form is saved once, however often it is sent: Back and Save again, a double click, a browser
or proxy retrying the POST. Each create form carries a random token (`OnceField`) drawn when the form is
shown; `once()` runs the create operation and keeps the token with what it made, in the same transaction
and under the writers' lock (tumorboard.db.atomic), so a second POST with the token finds the first
record instead of making another.

A refused form comes back with the same token (nothing was made). A caller without a token (the CLI, an
import) is not deduplicated: it has its own ways to say what it wants.
"""

import re
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import HiddenField

from tumorboard.db import UTCDateTime, atomic, utcnow
from tumorboard.errors import OperationError
from tumorboard.extensions import Model, db

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
T = TypeVar("T")


class FormSubmission(Model):
    """A create form's token and the record it made."""

    __tablename__ = "form_submission"
    __table_args__ = (UniqueConstraint("user_id", "token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlreadySaved(OperationError):
    """The form was sent before and its record exists: the caller shows that record."""

    def __init__(self, entity_type: str, entity_id: int):
        super().__init__("This form was already saved (it was sent twice): here is what it made.")
        self.entity_type = entity_type
        self.entity_id = entity_id


@atomic
def once(actor, token: str | None, create: Callable[[], T]) -> T:
    """`create()` (a create operation), unless this user's form with `token` was saved already: then
    AlreadySaved names the record it made. For a series (a list), the first record stands for it."""
    earlier = saved_with(actor, token)
    if earlier is not None:
        raise AlreadySaved(earlier.entity_type, earlier.entity_id)
    made = create()
    if token:
        entity: Any = made[0] if isinstance(made, list) else made
        db.session.add(
            FormSubmission(
                user_id=actor.id, token=token, entity_type=entity.__tablename__, entity_id=entity.id
            )
        )
        db.session.flush()
    return made


def saved_with(actor, token: str | None) -> FormSubmission | None:
    """What this user's form with `token` made, if it was saved (a create that refuses a second record
    of its own, like a decision's one follow-up, asks before refusing a retry)."""
    if not token:
        return None
    return db.session.scalar(
        select(FormSubmission).where(FormSubmission.user_id == actor.id, FormSubmission.token == token)
    )


def new_token() -> str:
    return secrets.token_urlsafe(24)


class OnceField(HiddenField):
    """The create form's token: drawn when the form is first shown, sent back unchanged."""

    data: str | None

    def __init__(self, label="", **kwargs):
        super().__init__(label, default=new_token, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data and not TOKEN.fullmatch(self.data):
            self.data = None  # not one we drew (a damaged or crafted form): saved without deduplication
