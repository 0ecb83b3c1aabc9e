"""The data-protection officer's looks at a patient's record: each one audited, with its reason."""

import hashlib

from flask_babel import gettext as _
from sqlalchemy import select

from tumorboard.audit.recording import record
from tumorboard.auth.roles import Role
from tumorboard.cases.models import Patient
from tumorboard.db import atomic
from tumorboard.errors import OperationError
from tumorboard.extensions import db
from tumorboard.privacy.fields import PrivacyFields


class PatientNotFound(OperationError):
    """No patient has the MRN asked about: the view records the look that found nobody."""


@atomic
def record_not_found(actor, *, mrn: str, reason: str) -> None:
    """A review that found nobody is kept too: who looked for which MRN (as its SHA-256, which a later
    inquiry can compare with the MRN it asks about, without the log holding the number) and why."""
    wanted = (mrn or "").strip().upper()
    record(
        "privacy.patient_not_found",
        actor=actor,
        details={"mrn_sha256": hashlib.sha256(wanted.encode()).hexdigest(), "reason": reason[:500]},
    )


@atomic
def review_patient(actor, *, mrn: str, reason: str, export: bool = False) -> Patient:
    """The patient with this MRN, for the officer to review (or export); the look itself is audited."""
    if not actor.has_role(Role.PRIVACY):
        raise OperationError(_("Only the data-protection officer reviews a patient's whole record."))
    reason = PrivacyFields.reason.clean(reason, "reason")
    wanted = PrivacyFields.mrn.clean(mrn, "mrn").upper()
    patient = db.session.scalar(select(Patient).where(Patient.mrn == wanted)) if wanted else None
    if patient is None:
        raise PatientNotFound(_("No patient has this MRN."), field="mrn")
    record(
        "privacy.patient_exported" if export else "privacy.patient_reviewed",
        actor=actor,
        entity=patient,
        details={"reason": reason},
    )
    return patient
