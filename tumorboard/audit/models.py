"""Audit events: one row per change, login, failed login or denied access, chained by HMAC."""

import json
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tumorboard.db import UTCDateTime, utcnow
from tumorboard.extensions import db

GENESIS_HASH = "0" * 64


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_entity", "entity_type", "entity_id", "seq"),
        Index("ix_audit_event_actor", "actor_id", "seq"),
        Index("ix_audit_event_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str | None] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    changes_json: Mapped[str] = mapped_column(Text, default="{}")
    details_json: Mapped[str] = mapped_column(Text, default="{}")
    request_id: Mapped[str | None] = mapped_column(String(64))
    client_ip: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    actor = relationship("User", lazy="raise")

    @property
    def changes(self) -> dict:
        return json.loads(self.changes_json)

    @property
    def details(self) -> dict:
        return json.loads(self.details_json)

    def canonical(self) -> str:
        """The row as canonical JSON: what the hash covers (everything but the surrogate id and the hash)."""
        return json.dumps(
            {
                "seq": self.seq,
                "occurred_at": self.occurred_at.isoformat(),
                "actor_id": self.actor_id,
                "actor_label": self.actor_label,
                "action": self.action,
                "entity_type": self.entity_type,
                "entity_id": self.entity_id,
                "changes": self.changes_json,
                "details": self.details_json,
                "request_id": self.request_id,
                "client_ip": self.client_ip,
                "prev_hash": self.prev_hash,
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )


class AuditChainHead(db.Model):
    """The chain's single head row: locked by every writer so the chain never forks, and an anchor that
    shows when rows were cut off the end."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
