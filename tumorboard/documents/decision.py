"""What a signed decision's documents (the letter, the FHIR bundle) are made of.

Plain frozen dataclasses filled by the caller from the database, already in the clinic's words (labels),
so that the document builders are pure functions that need neither the app nor the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class PlanLine:
    """One item of the recommended plan."""

    treatment_code: str  # section 6 code, e.g. "SSA-LAN"
    treatment_label: str
    detail: str  # may be ""
    intent: str  # label: "Palliative", "Curative", ...
    responsible: str  # specialty label
    target_date: date | None


@dataclass(frozen=True)
class Attendee:
    name: str
    specialty: str  # label


@dataclass(frozen=True)
class DecisionDocument:
    """A signed decision with what the board saw, as sent to the referrer and exported."""

    hospital: str
    letterhead_lines: tuple[str, ...]  # address lines from config
    decision_id: int
    version_no: int
    supersedes_version: int | None
    amendment_reason: str
    board_name: str
    meeting_at: datetime  # aware, in the hospital's zone
    signed_at: datetime  # aware
    signed_by: str
    patient_name: str
    patient_mrn: str
    patient_birth_date: date
    patient_sex: str  # "female", "male", "other", "unknown"
    referrer_name: str
    referrer_email: str
    case_id: int
    primary_site: str  # label
    primary_site_code: str  # vocabulary value, e.g. "pancreas"
    diagnosis: str  # e.g. "Well-differentiated NET G2 of the pancreas"
    morphology_code: str | None  # ICD-O-3, e.g. "8249/3"
    icd10_code: str | None  # ICD-10-CM, e.g. "C25.4"
    grade: str | None
    grade_rule: str
    stage: str | None  # e.g. "IV"
    tnm: str | None  # e.g. "T2 N0 M1a"
    stage_rule: str
    key_findings: tuple[str, ...]  # short lines: "Ki-67 8 %", ...
    question: str
    outcome: str  # label: "Recommendation", "Further diagnostics needed", "Deferred"
    recommendation: str
    rationale: str
    guideline: str  # may be ""
    trial: str  # may be ""
    dissent: str  # may be ""
    preference_weighing: str  # may be ""
    next_review: date | None
    present_again: bool
    plan: tuple[PlanLine, ...]
    attendees: tuple[Attendee, ...]
    # tumour markers for FHIR: (LOINC code or "", label, value, unit, date)
    # (LOINC, label, value, unit, sample date, comparator): a comparator "<" is a value below the number
    observations: tuple[tuple[str, str, float, str, date, str | None], ...] = ()
    supersedes_decision_id: int | None = None  # the version this one replaces (FHIR CarePlan.replaces)
    # set once a later version is signed: this one is no longer in force
    superseded_by_version: int | None = None
    superseded_at: datetime | None = None  # aware
    warnings: tuple[str, ...] = ()  # the consistency warnings the chair signed despite
    override_reason: str = ""
    fingerprint: str = ""  # SHA-256 of the snapshot the document is rendered from
    frozen: bool = True  # False only for a decision signed before snapshots were kept
    base_url: str = ""  # the site's address when it was signed (FHIR identifiers)
    quorum_reason: str = ""  # the chair's reason to start the meeting without quorum
    outcome_code: str = ""  # the outcome's stable value ("recommendation", "deferred" …): its colour
    findings_as_of: datetime | None = None  # an amendment: the findings are those of this moment
    topography_code: str | None = None  # ICD-O-3 topography of the primary site, e.g. "C25.9"

    @property
    def is_superseded(self) -> bool:
        return self.superseded_by_version is not None
