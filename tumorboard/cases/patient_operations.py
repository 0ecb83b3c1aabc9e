"""Registering and correcting patients. The MRN is unique and follows the hospital's format.

Registering an MRN that TumorBoard knows never tells the submitter whether, or which, other board knows
the patient: if the MRN, name and birth date are the same, the registration is matched to the patient
(the submitter then sees the patient, and only their own boards' cases); if the identity differs, one
wording answers, whoever registered the MRN first.
"""

from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tumorboard import fields as v
from tumorboard.audit.recording import diff, record, snapshot
from tumorboard.auth.roles import Role
from tumorboard.cases.fields import PatientFields
from tumorboard.cases.models import Case, Patient, PatientAlias, PatientRegistration, Sex
from tumorboard.clinical.labels import N_
from tumorboard.db import atomic
from tumorboard.errors import OperationError, check_version
from tumorboard.extensions import db
from tumorboard.timezones import hospital_today

PATIENT_FIELDS = ("mrn", "family_name", "given_name", "birth_date", "sex")


MRN_IN_USE = N_(
    "This MRN is already in use with other identity data; check it with the patient administration."
)


class MrnInUse(OperationError):
    """The MRN belongs to a patient with other identity data; the message says nothing of who knows them.
    `holder_id` is for the audit trail only (`record_refused_registration`), never for the page."""

    def __init__(self, holder_id: int):
        super().__init__(_(MRN_IN_USE), field="mrn")
        self.holder_id = holder_id


@atomic
def record_refused_registration(actor, holder_id: int, *, purpose: str) -> None:
    """A registration (or a correction) met an MRN in use with other identity data: kept in the audit
    log of that patient (so the data-protection review shows who tried), after the refusal rolled back."""
    holder = db.session.get(Patient, holder_id)
    if holder is not None:
        record("patient.registration_refused", actor=actor, entity=holder, details={"for": purpose})


def _same_person(patient: Patient, cleaned: Mapping) -> bool:
    """The same MRN, names (whatever the case) and birth date, and no sex that contradicts the record."""
    sexes = {patient.sex, cleaned["sex"]} - {Sex.UNKNOWN}
    return (
        patient.family_name.casefold() == cleaned["family_name"].casefold()
        and patient.given_name.casefold() == cleaned["given_name"].casefold()
        and patient.birth_date == cleaned["birth_date"]
        and len(sexes) <= 1
    )


def _clean_patient(data: Mapping[str, Any], patient: Patient | None = None) -> dict:
    """The identity from the form, checked (the MRN's format, the names, a plausible birth date)."""
    cfg = current_app.config
    cleaned = v.clean_all(PatientFields, data)
    cleaned["mrn"] = v.mrn(cleaned["mrn"], cfg["MRN_PATTERN"], PatientFields.mrn_hint())
    birth_date = v.clinical_date(
        data.get("birth_date"), _l("birth date"), "birth_date", today=hospital_today(), birth_date=None
    )
    cleaned["birth_date"] = birth_date
    if birth_date.year < 1900:
        raise OperationError(_("The birth date must be after 1900."), field="birth_date")
    return cleaned


def _holder_of(mrn: str) -> Patient | None:
    return db.session.scalar(select(Patient).where(Patient.mrn == mrn))


def _refuse_a_retired_mrn(mrn: str) -> None:
    """An MRN an HL7 A40 merge retired still names the surviving patient: registering it, or correcting
    another patient's MRN to it, is refused with the wording of an MRN in use (which says nothing of the
    survivor's record), and the attempt is kept in the survivor's audit log by the caller."""
    alias = db.session.get(PatientAlias, mrn)
    if alias is not None:
        raise MrnInUse(alias.patient_id)


def _name_key(family_name: str, given_name: str) -> str:
    return f"{family_name} {given_name}".casefold()


def _register(actor, patient: Patient) -> None:
    if db.session.get(PatientRegistration, (patient.id, actor.id)) is None:
        db.session.add(PatientRegistration(patient_id=patient.id, user_id=actor.id))


def register_patient(actor, **data) -> Patient:
    return register_or_match_patient(actor, **data)[0]


@atomic
def register_or_match_patient(actor, **data) -> tuple[Patient, bool]:
    """A submitter registers a patient; the MRN is unique and follows the hospital's format. A patient
    already registered with the same MRN, name and birth date is the same person: the registration is
    matched to them (`patient.registration_matched` in the audit log). Returns the patient, and whether
    they were registered before."""
    if not actor.has_role(Role.SUBMITTER):
        raise OperationError(_("Only referring clinicians register patients."))
    cleaned = _clean_patient(data)
    holder = _holder_of(cleaned["mrn"])
    if holder is None:
        _refuse_a_retired_mrn(cleaned["mrn"])
    if holder is not None:
        if not _same_person(holder, cleaned):
            raise MrnInUse(holder.id)
        _register(actor, holder)
        db.session.flush()
        record("patient.registration_matched", actor=actor, entity=holder)
        return holder, True
    patient = Patient(
        **cleaned, name_key=_name_key(cleaned["family_name"], cleaned["given_name"]), created_by_id=actor.id
    )
    db.session.add(patient)
    db.session.flush()
    _register(actor, patient)
    record(
        "patient.registered", actor=actor, entity=patient, changes=diff({}, snapshot(patient, PATIENT_FIELDS))
    )
    return patient, False


@atomic
def update_patient(actor, patient: Patient, *, expected_version: int | None, **data) -> None:
    if not actor.has_role(Role.SUBMITTER):
        raise OperationError(_("Only referring clinicians edit patients."))
    check_version(patient, expected_version)
    before = snapshot(patient, PATIENT_FIELDS)
    cleaned = _clean_patient(data, patient)
    holder = _holder_of(cleaned["mrn"])
    if holder is not None and holder is not patient:
        raise MrnInUse(holder.id)
    if holder is None:
        _refuse_a_retired_mrn(cleaned["mrn"])
    earliest_finding = min(
        (d for case in patient.cases for d in _finding_dates(case)),
        default=None,
    )
    if earliest_finding is not None and cleaned["birth_date"] > earliest_finding:
        raise OperationError(
            _("The birth date would fall after a recorded finding of this patient."), field="birth_date"
        )
    for name, value in cleaned.items():
        setattr(patient, name, value)
    patient.name_key = _name_key(patient.family_name, patient.given_name)
    db.session.flush()
    changes = diff(before, snapshot(patient, PATIENT_FIELDS))
    if changes:
        record("patient.updated", actor=actor, entity=patient, changes=changes)


def _finding_dates(case: Case):
    yield from (s.study_date for s in case.imaging)
    yield from (r.sample_date for r in case.labs)
    yield from (r.report_date for r in case.pathology)
    yield from (t.start_date for t in case.prior_treatments)


def patient_by_mrn(mrn: str) -> Patient | None:
    """The patient the MRN names: theirs, or one a merge retired into them (`PatientAlias`)."""
    holder = _holder_of(mrn)
    if holder is not None:
        return holder
    alias = db.session.get(PatientAlias, mrn)
    return None if alias is None else db.session.get(Patient, alias.patient_id)


@atomic
def merge_patients(actor, survivor: Patient, retired: Patient) -> list[int]:
    """Two MRNs of one person (HL7 A40): the retired patient's cases and registrations move to the
    survivor, the retired record goes, and its MRN is remembered as the survivor's alias. One audit event
    on the survivor names what moved. Returns the ids of the cases moved."""
    if not actor.has_role(Role.SUBMITTER):
        raise OperationError(_("Only referring clinicians merge patients."))
    if survivor.id == retired.id:
        raise OperationError(_("A patient cannot be merged into themselves."))
    moved = [case.id for case in retired.cases]
    for case in list(retired.cases):
        case.patient = survivor
    registered = {
        r.user_id
        for r in db.session.scalars(
            select(PatientRegistration).where(PatientRegistration.patient_id == survivor.id)
        )
    }
    for registration in db.session.scalars(
        select(PatientRegistration).where(PatientRegistration.patient_id == retired.id)
    ).all():
        if registration.user_id not in registered:
            db.session.add(PatientRegistration(patient_id=survivor.id, user_id=registration.user_id))
        db.session.delete(registration)
    for alias in db.session.scalars(select(PatientAlias).where(PatientAlias.patient_id == retired.id)).all():
        alias.patient_id = survivor.id
    db.session.flush()
    retired_id, retired_mrn = retired.id, retired.mrn
    db.session.delete(retired)
    db.session.flush()
    db.session.add(PatientAlias(mrn=retired_mrn, patient_id=survivor.id))
    db.session.flush()
    record(
        "patient.merged",
        actor=actor,
        entity=survivor,
        changes={"retired_mrn": [retired_mrn, None]},
        details={"retired_patient": retired_id, "cases": moved},
    )
    return moved
