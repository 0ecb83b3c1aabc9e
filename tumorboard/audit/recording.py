"""Writing and verifying the audit chain.

Each event's hash is HMAC-SHA256(key, previous hash + canonical JSON of the row). Writers lock the chain's
head row (SELECT ... FOR UPDATE; SQLite serialises writers with BEGIN IMMEDIATE), so concurrent
transactions queue up instead of forking the chain; a unique prev_hash makes a fork impossible anyway.
"""

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from flask import current_app, g, has_request_context, request
from flask_babel import gettext
from sqlalchemy import select

from tumorboard.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from tumorboard.clinical.labels import N_
from tumorboard.db import on_operation_start, utcnow
from tumorboard.extensions import db

HEAD_ID = 1
REDACTED = "(changed)"


def _key() -> bytes:
    key = current_app.config.get("AUDIT_HMAC_KEY") or current_app.config["SECRET_KEY"]
    return key.encode()


def compute_hash(event: AuditEvent, key: bytes) -> str:
    return hmac.new(key, (event.prev_hash + event.canonical()).encode(), hashlib.sha256).hexdigest()


def json_value(value: Any) -> Any:
    """A JSON-safe form of a model attribute, for before/after records."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | list | tuple):
        return sorted(json_value(v) for v in value)
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {name: json_value(getattr(obj, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value changed."""
    return {
        k: [before.get(k), after.get(k)]
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    }


def _dumps(value: dict | None) -> str:
    return json.dumps(value or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _request_context() -> tuple[str | None, str | None]:
    if not has_request_context():
        return None, None
    return g.get("request_id"), request.remote_addr


def _locked_head() -> AuditChainHead:
    return db.session.execute(
        select(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def serialize_writes() -> None:
    """Take the chain's lock now, before a check that must not race another writer (the last admin, a
    unique name): every writer takes it to append its audit row anyway, so this only takes it earlier."""
    _locked_head()


on_operation_start(serialize_writes)


def record(
    action: str,
    *,
    actor: Any = None,
    entity: Any = None,
    entity_type: str | None = None,
    entity_id: Any = None,
    changes: dict | None = None,
    details: dict | None = None,
    scope: Any = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction (it commits or rolls back with it).

    The record's board and patient come from `scope` (the entity unless given: a removed finding's case),
    through its `audit_scope()`; the log shows a patient record's values to that board's members only.
    """
    if entity is not None:
        db.session.flush()
        entity_type = entity_type or entity.__tablename__
        entity_id = entity.id
    scope = entity if scope is None else scope
    board_id, patient_id = scope.audit_scope() if hasattr(scope, "audit_scope") else (None, None)
    head = _locked_head()
    request_id, client_ip = _request_context()
    actor_id = actor.id if actor is not None and getattr(actor, "is_authenticated", False) else None
    event = AuditEvent(
        seq=head.seq + 1,
        occurred_at=utcnow(),
        actor_id=actor_id,
        actor_label=actor.email if actor_id else None,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        changes_json=_dumps(changes),
        details_json=_dumps(details),
        request_id=request_id,
        client_ip=client_ip,
        board_id=board_id,
        patient_id=patient_id,
        prev_hash=head.hash,
    )
    event.hash = compute_hash(event, _key())
    head.seq, head.hash = event.seq, event.hash
    db.session.add(event)
    db.session.flush()
    return event


@dataclass(frozen=True)
class ChainProblem:
    """A break of the chain: `message` is a catalogue message (English, marked N_) with %(name)s
    placeholders, `values` fill them; `text` is it in the reader's language."""

    seq: int | None
    message: str
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return gettext(self.message, **self.values)


def verify_chain(batch_size: int = 1000) -> Iterator[ChainProblem]:
    """Walk the chain in order and yield each break: an edited row (hash differs), a deleted row (a gap in
    seq and a broken link), rows moved (links broken), or rows cut off the end (the head disagrees)."""
    key = _key()
    expected_seq, expected_prev = 1, GENESIS_HASH
    stmt = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch_size)
    for event in db.session.scalars(stmt):
        if event.seq != expected_seq:
            yield ChainProblem(
                event.seq,
                N_("expected event %(expected)s here, found %(seq)s: rows missing"),
                {"expected": expected_seq, "seq": event.seq},
            )
        if event.prev_hash != expected_prev:
            yield ChainProblem(event.seq, N_("link to the previous event is broken (a row deleted or moved)"))
        if not hmac.compare_digest(event.hash, compute_hash(event, key)):
            yield ChainProblem(event.seq, N_("content does not match its hash (the row was edited)"))
        expected_seq, expected_prev = event.seq + 1, event.hash
    head = db.session.get(AuditChainHead, HEAD_ID)
    if head is None:
        yield ChainProblem(None, N_("the chain head is missing"))
    elif head.seq != expected_seq - 1 or head.hash != expected_prev:
        yield ChainProblem(
            head.seq,
            N_("the chain ends at event %(last)s but its head says %(head)s"),
            {"last": expected_seq - 1, "head": head.seq},
        )
