"""Frozen records: insert-only rows that hold a JSON document exactly as it was at one moment, with its
SHA-256.

A signed decision's snapshot and the agenda snapshot taken when a meeting starts are frozen records: the
documents and past pages are rendered from them, never from the live case. They are protected three
times: the operations only insert them, a flush-time guard refuses any change or deletion whatever code
path tries it, and database triggers (see the migration) refuse UPDATE and DELETE from any client. The
hash is recorded in the audit event of the moment, so `flask audit verify` shows an edited body.
"""

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from tumorboard.db import UTCDateTime, utcnow


def canonical_json(data: Any) -> str:
    """One text per document: sorted keys, no spaces, Unicode kept."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class FrozenRecordChanged(RuntimeError):
    """Raised at flush when code tries to change or delete a frozen record: a programming error."""


class FrozenRecord:
    """Columns of a frozen record. The model adds the key of what it freezes, `RECORDED_BY` (the actions
    of the audit events that record its hashes) and `recorded_hashes(events) -> {key: sha256}`, which
    reads those events."""

    RECORDED_BY: tuple[str, ...] = ()

    if TYPE_CHECKING:  # what each frozen model adds (see above)
        __tablename__: str

        @staticmethod
        def recorded_hashes(events: Iterable[Any]) -> dict[int, str]: ...

    schema_version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def freeze(self, data: dict, schema_version: int) -> None:
        self.schema_version = schema_version
        self.body = canonical_json(data)
        self.sha256 = sha256_hex(self.body)

    @property
    def data(self) -> dict:
        return json.loads(self.body)

    @property
    def intact(self) -> bool:
        """The body still hashes to the value taken when it was frozen."""
        return sha256_hex(self.body) == self.sha256


@event.listens_for(Session, "before_flush")
def _frozen_records_never_change(session, _context, _instances) -> None:
    for obj in session.deleted:
        if isinstance(obj, FrozenRecord):
            raise FrozenRecordChanged(f"{type(obj).__name__} is frozen and cannot be deleted")
    for obj in session.dirty:
        if isinstance(obj, FrozenRecord) and session.is_modified(obj, include_collections=False):
            raise FrozenRecordChanged(f"{type(obj).__name__} is frozen and cannot change")
