"""Read side of the audit log's page: the events a set of filters selects."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, false, select

from tumorboard.audit.models import AuditEvent
from tumorboard.timezones import local_day_end_utc, local_day_start_utc


@dataclass(frozen=True)
class AuditFilters:
    """The log's filters as the form read them; an empty value filters nothing."""

    entity_type: str | None = None
    entity_id: int | None = None
    actor_id: int | None = None  # -1: an e-mail address nobody has, so that nothing matches
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None


# newest first: by (occurred_at, seq), alone or after the entity's or the actor's columns; jumps by day
ORDER = (AuditEvent.occurred_at.desc(), AuditEvent.seq.desc())


def audit_events(filters: AuditFilters | None) -> Select:
    """The events the filters select, newest first; none at all for filters that could not be read."""
    stmt = select(AuditEvent).order_by(*ORDER)
    if filters is None:
        return stmt.where(false())
    if filters.entity_type:
        stmt = stmt.where(AuditEvent.entity_type == filters.entity_type)
    if filters.entity_id:
        stmt = stmt.where(AuditEvent.entity_id == str(filters.entity_id))
    if filters.actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == filters.actor_id)
    if filters.action:
        stmt = stmt.where(AuditEvent.action.startswith(filters.action.strip(), autoescape=True))
    if filters.date_from:
        stmt = stmt.where(AuditEvent.occurred_at >= local_day_start_utc(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(AuditEvent.occurred_at < local_day_end_utc(filters.date_to))
    return stmt
