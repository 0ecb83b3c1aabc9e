"""Checking the audit trail: the hash chain of the events, and every frozen document (a signed decision's
snapshot, an agenda snapshot) against the hash that the audit event of its moment recorded."""

from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import inspect, select

from tumorboard.audit.models import AuditChainHead, AuditEvent
from tumorboard.audit.recording import verify_chain
from tumorboard.clinical.labels import N_
from tumorboard.extensions import Model, db
from tumorboard.frozen import FrozenRecord


@dataclass(frozen=True)
class FrozenProblem:
    """A frozen record that does not match its audit event; `message` a catalogue message (N_)."""

    table: str
    key: int
    message: str

    @property
    def text(self) -> str:
        return gettext(self.message)


def verify_frozen_records() -> Iterator[FrozenProblem]:
    """Every frozen record still hashes to the value in the audit event of its moment, and every hash an
    event recorded still has its record. The events' own integrity is the chain's (`verify_chain`)."""
    for model in sorted(_frozen_models(), key=lambda m: m.__tablename__):
        table = model.__tablename__
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(model.RECORDED_BY)).order_by(AuditEvent.seq)
        ).all()
        recorded = model.recorded_hashes(events)
        key_column = inspect(model).primary_key[0]
        seen = set()
        for row in db.session.scalars(select(model).order_by(key_column).execution_options(yield_per=500)):
            key = getattr(row, key_column.key)
            seen.add(key)
            if not row.intact:
                yield FrozenProblem(table, key, N_("the frozen document was changed after it was frozen"))
            elif key not in recorded:
                yield FrozenProblem(table, key, N_("no audit event recorded this frozen document's hash"))
            elif recorded[key] != row.sha256:
                yield FrozenProblem(table, key, N_("the frozen document differs from its recorded hash"))
        for key in sorted(set(recorded) - seen):
            yield FrozenProblem(
                table, key, N_("an audit event recorded this frozen document, but it is missing")
            )


def _frozen_models() -> list[type[FrozenRecord]]:
    return [mapper.class_ for mapper in Model.registry.mappers if issubclass(mapper.class_, FrozenRecord)]


def audit_problems() -> list[str]:
    """Everything wrong with the audit trail, one line each (empty when it is intact)."""
    problems = [gettext("event %(seq)s: %(problem)s", seq=p.seq, problem=p.text) for p in verify_chain()]
    return problems + [f"{p.table} {p.key}: {p.text}" for p in verify_frozen_records()]


def head_problems(expected: tuple[int, str]) -> list[str]:
    """What is wrong with the chain against a head kept outside the database (`flask audit head`): the
    chain must still reach that event, with the same hash (empty when it does)."""
    seq, digest = expected
    held = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq))
    if held is None:
        head = db.session.get(AuditChainHead, 1)
        if head is not None:
            return [
                gettext(
                    "the chain no longer reaches event %(seq)s (it ends at %(last)s): cut back or reset",
                    seq=seq,
                    last=head.seq,
                )
            ]
        return [gettext("the chain no longer reaches event %(seq)s: cut back or reset", seq=seq)]
    if held != digest:
        return [
            gettext(
                "event %(seq)s differs from the head kept outside the database: the chain was rewritten",
                seq=seq,
            )
        ]
    return []
