"""Small helpers the cases tests share: counting rows and reading the audit trail."""

from datetime import date, timedelta

from sqlalchemy import func, select

from tumorboard.audit.models import AuditEvent
from tumorboard.extensions import db
from tumorboard.timezones import hospital_today


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def audit_count() -> int:
    return count(AuditEvent)


def last_event() -> AuditEvent:
    return db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))


def days_ago(days: int) -> date:
    return hospital_today() - timedelta(days=days)


def case_data(board, **overrides) -> dict:
    """What the case form sends for a pancreatic NET G2, 2.5 cm, N0 (0/12), liver metastases."""
    data = {
        "board_id": board.id,
        "conference_type": "pre_therapeutic",
        "primary_site": "pancreas",
        "tumour_size_cm": "2.5",
        "extent": "limited_to_pancreas",
        "nodes_examined": "12",
        "nodes_positive": "0",
        "mesenteric_mass_cm": "",
        "metastatic_sites": ["liver"],
        "differentiation": "well",
        "functional_status": "non_functional",
        "syndrome": "",
        "symptoms": "Weight loss",
        "hereditary_syndrome": "none",
        "ecog": "1",
        "comorbidities": "",
        "patient_preferences": "",
        "clinical_question": "Surgery or surveillance?",
        "no_pathology_reason": "",
    }
    data.update(overrides)
    return data


def case_data_of(case) -> dict:
    """The data an edit form would send back unchanged for `case`."""
    return {
        "board_id": case.board_id,
        "conference_type": case.conference_type,
        "primary_site": case.primary_site,
        "tumour_size_cm": case.tumour_size_cm,
        "extent": case.extent,
        "nodes_examined": case.nodes_examined,
        "nodes_positive": case.nodes_positive,
        "mesenteric_mass_cm": case.mesenteric_mass_cm,
        "metastatic_sites": case.metastatic_site_list,
        "differentiation": case.differentiation,
        "functional_status": case.functional_status,
        "syndrome": case.syndrome,
        "symptoms": case.symptoms,
        "hereditary_syndrome": case.hereditary_syndrome,
        "ecog": None if case.ecog is None else str(case.ecog),
        "comorbidities": case.comorbidities,
        "patient_preferences": case.patient_preferences,
        "clinical_question": case.clinical_question,
        "no_pathology_reason": case.no_pathology_reason,
    }
