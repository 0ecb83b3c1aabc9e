"""One factory per model: realistic defaults, any field overridable."""

import itertools
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import select

from tumorboard.auth.models import User, UserRole
from tumorboard.auth.passwords import hash_password
from tumorboard.auth.roles import Role
from tumorboard.boards.models import Board, BoardMembership
from tumorboard.cases.models import (
    Case,
    CaseStatus,
    ImagingStudy,
    LabResult,
    PathologyReport,
    Patient,
    PatientRegistration,
)
from tumorboard.clinical.specialties import Specialty
from tumorboard.extensions import db

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)

ROLE_SPECIALTY = {
    Role.SUBMITTER: Specialty.MEDICAL_ONCOLOGY,
    Role.COORDINATOR: Specialty.OTHER,
    Role.SPECIALIST: Specialty.RADIOLOGY,
    Role.CHAIR: Specialty.MEDICAL_ONCOLOGY,
    Role.ADMIN: Specialty.OTHER,
    Role.PRIVACY: Specialty.OTHER,
}


@lru_cache(maxsize=16)
def _hash(password: str) -> str:
    return hash_password(password)


def create_user(
    *, roles=(Role.SUBMITTER,), boards=(), password: str = PASSWORD, email: str | None = None, **overrides
) -> User:
    n = next(_seq)
    roles = [Role(r) for r in roles]
    user = User(
        email=email or f"{roles[0].value}{n}@hospital.org",
        name=overrides.pop("name", f"Dr. Test {roles[0].value.title()} {n}"),
        password_hash=_hash(password),
        specialty=overrides.pop("specialty", ROLE_SPECIALTY[roles[0]].value),
        **overrides,
    )
    user.role_rows = [UserRole(role=r.value) for r in roles]
    user.memberships = [BoardMembership(board=b) for b in boards]
    db.session.add(user)
    db.session.commit()
    return user


def create_board(**overrides) -> Board:
    n = next(_seq)
    name = overrides.pop("name", f"Board {n}")
    board = Board(
        name=name, name_key=name.casefold(), description=overrides.pop("description", ""), **overrides
    )
    db.session.add(board)
    db.session.commit()
    return board


def create_patient(**overrides) -> Patient:
    n = next(_seq)
    family, given = overrides.pop("family_name", f"Muster{n}"), overrides.pop("given_name", "Erika")
    patient = Patient(
        mrn=overrides.pop("mrn", f"MRN{n:06d}"),
        family_name=family,
        given_name=given,
        name_key=f"{family} {given}".casefold(),
        birth_date=overrides.pop("birth_date", date(1961, 4, 12)),
        sex=overrides.pop("sex", "female"),
        created_by_id=overrides.pop("created_by", None).id if "created_by" in overrides else _any_user_id(),
        **overrides,
    )
    db.session.add(patient)
    db.session.flush()
    db.session.add(PatientRegistration(patient_id=patient.id, user_id=patient.created_by_id))
    db.session.commit()
    return patient


def _any_user_id() -> int:
    user = db.session.scalar(select(User).order_by(User.id).limit(1))
    return (user or create_user()).id


def create_case(*, submitter, board, patient=None, **overrides) -> Case:
    """A pancreatic NET G2 draft by default: 2.5 cm, limited to the pancreas, N0, liver metastases."""
    case = Case(
        patient=patient or create_patient(created_by=submitter),
        board_id=board.id,
        submitter_id=submitter.id,
        status=overrides.pop("status", CaseStatus.DRAFT.value),
        conference_type=overrides.pop("conference_type", "pre_therapeutic"),
        primary_site=overrides.pop("primary_site", "pancreas"),
        tumour_size_cm=overrides.pop("tumour_size_cm", 2.5),
        extent=overrides.pop("extent", "limited_to_pancreas"),
        nodes_examined=overrides.pop("nodes_examined", None),
        nodes_positive=overrides.pop("nodes_positive", 0),
        metastatic_sites=overrides.pop("metastatic_sites", ""),
        differentiation=overrides.pop("differentiation", "well"),
        functional_status=overrides.pop("functional_status", "non_functional"),
        hereditary_syndrome=overrides.pop("hereditary_syndrome", "none"),
        clinical_question=overrides.pop("clinical_question", "Surgery or surveillance?"),
        **overrides,
    )
    db.session.add(case)
    db.session.commit()
    return case


def create_imaging(case, *, created_by, **overrides) -> ImagingStudy:
    study = ImagingStudy(
        case=case,
        created_by_id=created_by.id,
        study_date=overrides.pop("study_date", date.today() - timedelta(days=14)),
        modality=overrides.pop("modality", "ct"),
        region=overrides.pop("region", "Abdomen"),
        report_text=overrides.pop("report_text", "Hypervascular lesion in the pancreatic tail, 25 mm."),
        **overrides,
    )
    db.session.add(study)
    db.session.commit()
    return study


def create_lab(case, *, created_by, **overrides) -> LabResult:
    result = LabResult(
        case=case,
        created_by_id=created_by.id,
        sample_date=overrides.pop("sample_date", date.today() - timedelta(days=10)),
        analyte=overrides.pop("analyte", "chromogranin_a"),
        value=overrides.pop("value", 180.0),
        unit=overrides.pop("unit", "ng/mL"),
        ref_low=overrides.pop("ref_low", None),
        ref_high=overrides.pop("ref_high", 93.0),
        **overrides,
    )
    db.session.add(result)
    db.session.commit()
    return result


def create_pathology(case, *, created_by, **overrides) -> PathologyReport:
    report = PathologyReport(
        case=case,
        created_by_id=created_by.id,
        report_date=overrides.pop("report_date", date.today() - timedelta(days=7)),
        specimen_type=overrides.pop("specimen_type", "eus_fna"),
        differentiation=overrides.pop("differentiation", "well"),
        ki67_percent=overrides.pop("ki67_percent", 8.0),
        mitoses_per_2mm2=overrides.pop("mitoses_per_2mm2", 3.0),
        reported_grade=overrides.pop("reported_grade", "G2"),
        **overrides,
    )
    db.session.add(report)
    db.session.commit()
    return report


QUORUM_SPECIALTIES = (
    Specialty.SURGERY,
    Specialty.PATHOLOGY,
    Specialty.NUCLEAR_MEDICINE,
    Specialty.GASTROENTEROLOGY,
    Specialty.RADIOLOGY,
    Specialty.MEDICAL_ONCOLOGY,
)


def create_quorate_panel(board) -> list[User]:
    """One specialist of each specialty a board's default quorum asks for, members of `board`."""
    return [
        create_user(roles=[Role.SPECIALIST], boards=[board], specialty=s.value) for s in QUORUM_SPECIALTIES
    ]
