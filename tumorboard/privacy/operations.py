"""The data-protection officer's looks at a patient's record: each one audited, with its reason."""

from sqlalchemy import select

from tumorboard import fields as v
from tumorboard.audit.recording import record
from tumorboard.auth.roles import Role
from tumorboard.cases.models import Patient
from tumorboard.db import atomic
from tumorboard.errors import OperationError
from tumorboard.extensions import db


@atomic
def review_patient(actor, *, mrn: str, reason: str, export: bool = False) -> Patient:
    """The patient with this MRN, for the officer to review (or export); the look itself is audited."""
    if not actor.has_role(Role.PRIVACY):
        raise OperationError("Only the data-protection officer reviews a patient's whole record.")
    reason = v.text(reason, "reason", "reason", max_length=500, required=True)
    wanted = (mrn or "").strip().upper()
    patient = db.session.scalar(select(Patient).where(Patient.mrn == wanted)) if wanted else None
    if patient is None:
        raise OperationError("No patient has this MRN.", field="mrn")
    record(
        "privacy.patient_exported" if export else "privacy.patient_reviewed",
        actor=actor,
        entity=patient,
        details={"reason": reason},
    )
    return patient
