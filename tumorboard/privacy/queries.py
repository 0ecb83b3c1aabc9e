"""Read side of the data-protection officer's review: everything held about one patient."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tumorboard.audit.access import patient_accesses
from tumorboard.audit.models import AuditEvent
from tumorboard.cases.models import Case
from tumorboard.extensions import db

LIMIT = 1000


def patient_record(patient_id: int) -> dict:
    """The patient's cases on every board, the audit trail with its values and the access log (LIMIT each)."""
    cases = db.session.scalars(
        select(Case).where(Case.patient_id == patient_id).options(joinedload(Case.board)).order_by(Case.id)
    ).all()
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.patient_id == patient_id)
        .order_by(AuditEvent.seq.desc())
        .limit(LIMIT)
    ).all()
    return {"cases": cases, "events": events, "accesses": patient_accesses(patient_id, limit=LIMIT)}
