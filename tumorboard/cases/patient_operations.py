"""Registering and correcting patients. The MRN is unique and follows the hospital's format."""

from collections.abc import Mapping

from flask import current_app
from sqlalchemy import select

from tumorboard.audit.recording import diff, record, snapshot
from tumorboard.auth.roles import Role
from tumorboard.cases import validation as v
from tumorboard.cases.models import Case, Patient, Sex
from tumorboard.db import atomic
from tumorboard.errors import OperationError, check_version
from tumorboard.extensions import db
from tumorboard.timezones import hospital_today

PATIENT_FIELDS = ("mrn", "family_name", "given_name", "birth_date", "sex")


class DuplicatePatient(OperationError):
    def __init__(self, patient: Patient):
        super().__init__("A patient with this MRN is already registered.", field="mrn")
        self.patient = patient


def _clean_patient(data: Mapping, patient: Patient | None = None) -> dict:
    cfg = current_app.config
    cleaned = {
        "mrn": v.mrn(data.get("mrn"), cfg["MRN_PATTERN"], cfg["MRN_HINT"]),
        "family_name": v.text(
            data.get("family_name"), "family name", "family_name", max_length=100, required=True
        ),
        "given_name": v.text(
            data.get("given_name"), "given name", "given_name", max_length=100, required=True
        ),
        "sex": v.choice(data.get("sex"), Sex, "sex", "sex"),
    }
    birth_date = data.get("birth_date")
    cleaned["birth_date"] = v.clinical_date(
        birth_date, "birth date", "birth_date", today=hospital_today(), birth_date=None
    )
    if birth_date.year < 1900:
        raise OperationError("The birth date must be after 1900.", field="birth_date")
    other = db.session.scalar(select(Patient).where(Patient.mrn == cleaned["mrn"]))
    if other is not None and other is not patient:
        raise DuplicatePatient(other)
    return cleaned


def _name_key(family_name: str, given_name: str) -> str:
    return f"{family_name} {given_name}".casefold()


@atomic
def register_patient(actor, **data) -> Patient:
    """A submitter registers a patient; the MRN is unique and follows the hospital's format."""
    if not actor.has_role(Role.SUBMITTER):
        raise OperationError("Only referring clinicians register patients.")
    cleaned = _clean_patient(data)
    patient = Patient(
        **cleaned, name_key=_name_key(cleaned["family_name"], cleaned["given_name"]), created_by_id=actor.id
    )
    db.session.add(patient)
    db.session.flush()
    record(
        "patient.registered", actor=actor, entity=patient, changes=diff({}, snapshot(patient, PATIENT_FIELDS))
    )
    return patient


@atomic
def update_patient(actor, patient: Patient, *, expected_version: int | None, **data) -> None:
    if not actor.has_role(Role.SUBMITTER):
        raise OperationError("Only referring clinicians edit patients.")
    check_version(patient, expected_version)
    before = snapshot(patient, PATIENT_FIELDS)
    cleaned = _clean_patient(data, patient)
    earliest_finding = min(
        (d for case in patient.cases for d in _finding_dates(case)),
        default=None,
    )
    if earliest_finding is not None and cleaned["birth_date"] > earliest_finding:
        raise OperationError(
            "The birth date would fall after a recorded finding of this patient.", field="birth_date"
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
