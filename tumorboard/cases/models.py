"""Patients, NET cases and their dated findings: imaging, laboratory and pathology.

What a pathologist or radiologist reported is stored as reported. The grade and stage the app computes
are derived (tumorboard.cases.summary) and shown beside them; the one derived value stored here,
`Case.computed_grade`, is a cache for filtering the case list, refreshed by the operations.
"""

import json
from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship
from sqlalchemy.sql import FromClause

from tumorboard.auth.roles import Role
from tumorboard.boards.models import Board, coordinated_board_ids
from tumorboard.clinical.vocabularies import (
    Analyte,
    Comparator,
    ConferenceType,
    Differentiation,
    FdgVsSstr,
    FunctionalStatus,
    FunctionalSyndrome,
    HereditarySyndrome,
    Histology,
    ImagingModality,
    PrimarySite,
    ResectionMargin,
    SpecimenType,
    SstrTracer,
    Treatment,
)
from tumorboard.db import UTCDateTime, enum_type, utcnow
from tumorboard.extensions import Model
from tumorboard.timezones import format_measure, format_number


class CaseStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    SCHEDULED = "scheduled"
    DISCUSSED = "discussed"
    CLOSED = "closed"
    DEFERRED = "deferred"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return str(_CASE_STATUS_LABELS[self.value])


# lazy: a label reads the catalogue once, when shown (an eager dict translated every status each time)
_CASE_STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "scheduled": _l("Scheduled"),
    "discussed": _l("Discussed"),
    "closed": _l("Closed"),
    "deferred": _l("Deferred"),
    "withdrawn": _l("Withdrawn"),
}


# The case lifecycle, in one table: each status and the statuses it may move to. The moves themselves are
# the operations of tumorboard.cases.operations; every guard reads this table.
TRANSITIONS: Mapping[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.DRAFT: frozenset({CaseStatus.SUBMITTED, CaseStatus.WITHDRAWN}),
    CaseStatus.SUBMITTED: frozenset({CaseStatus.DRAFT, CaseStatus.SCHEDULED, CaseStatus.WITHDRAWN}),
    # A scheduled case leaves the agenda (back to submitted) before it can be withdrawn.
    CaseStatus.SCHEDULED: frozenset({CaseStatus.SUBMITTED, CaseStatus.DISCUSSED, CaseStatus.DEFERRED}),
    CaseStatus.DEFERRED: frozenset({CaseStatus.SCHEDULED, CaseStatus.WITHDRAWN}),
    CaseStatus.DISCUSSED: frozenset({CaseStatus.CLOSED, CaseStatus.SUBMITTED}),
    CaseStatus.CLOSED: frozenset({CaseStatus.SUBMITTED}),
    CaseStatus.WITHDRAWN: frozenset(),
}

# The moves back to SUBMITTED differ by where they start: off an agenda, or presented again.
ON_AGENDA = frozenset({CaseStatus.SCHEDULED})
PRESENTED_AGAIN_FROM = frozenset({CaseStatus.DISCUSSED, CaseStatus.CLOSED})
# Waiting in the board's pool for a meeting.
IN_POOL = frozenset({CaseStatus.SUBMITTED, CaseStatus.DEFERRED})

# What the board can make of a case at a meeting: the outcome of an agenda item.
BOARD_OUTCOMES = (CaseStatus.DISCUSSED, CaseStatus.DEFERRED)

# Findings may change until the board has discussed the case.
FINDINGS_OPEN = frozenset({CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.SCHEDULED, CaseStatus.DEFERRED})
# The submitter keeps editing the case itself until it is on an agenda.
DETAILS_OPEN = frozenset({CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.DEFERRED})


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return str(
            {"female": _l("Female"), "male": _l("Male"), "other": _l("Other"), "unknown": _l("Unknown")}[
                self.value
            ]
        )


class Patient(Model):
    __tablename__ = "patient"

    id: Mapped[int] = mapped_column(primary_key=True)
    mrn: Mapped[str] = mapped_column(String(32), unique=True)
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    # casefolded "family given" for search; kept by the operations
    name_key: Mapped[str] = mapped_column(String(201), index=True)
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[Sex] = mapped_column(enum_type(Sex, 16, "sex"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    cases: Mapped[list["Case"]] = relationship(back_populates="patient", order_by="Case.created_at")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Patient {self.id}>"

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.given_name}"

    @property
    def initials(self) -> str:
        return f"{self.given_name[:1]}{self.family_name[:1]}".upper()

    def can_edit(self, user) -> bool:
        """A referring clinician corrects the identity of a patient they registered."""
        return user.is_authenticated and user.has_role(Role.SUBMITTER) and self.created_by_id == user.id

    def audit_scope(self) -> tuple[int | None, int | None]:
        """Patients belong to no board: their audit values are shown to the data-protection officer only."""
        return None, self.id

    def age_on(self, day: date) -> int:
        return (
            day.year
            - self.birth_date.year
            - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))
        )


class Case(Model):
    __tablename__ = "tumor_case"
    __table_args__ = (
        Index("ix_tumor_case_board_status_updated", "board_id", "status", "updated_at"),
        Index("ix_tumor_case_board_updated", "board_id", "updated_at"),
        Index("ix_tumor_case_submitter_updated", "submitter_id", "updated_at"),
        # a submitter's open cases on the dashboard: one short range per status, newest first
        Index("ix_tumor_case_submitter_status_updated", "submitter_id", "status", "updated_at", "id"),
        Index("ix_tumor_case_board_site", "board_id", "primary_site"),
        Index("ix_tumor_case_board_grade", "board_id", "computed_grade"),
        # the list's default order with what its visibility rule reads, so a page of 25 needs no sort and
        # the capped count of the unfiltered list reads the index alone
        Index(
            "ix_tumor_case_updated_visibility",
            "updated_at",
            "id",
            "submitter_id",
            "board_id",
            "status",
            "submitted_at",
        ),
        # a patient's cases; with the id, the cases of the patients a search found read this index alone
        Index("ix_tumor_case_patient_id", "patient_id", "id"),
        # the list filtered by board, status, site and grade (and its capped count): one range, in order
        Index(
            "ix_tumor_case_list_filters",
            "board_id",
            "status",
            "primary_site",
            "computed_grade",
            "updated_at",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    board_id: Mapped[int] = mapped_column(ForeignKey("board.id"))
    submitter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[CaseStatus] = mapped_column(enum_type(CaseStatus, 16, "status"), default=CaseStatus.DRAFT)
    conference_type: Mapped[ConferenceType] = mapped_column(enum_type(ConferenceType, 24, "conference_type"))
    primary_site: Mapped[PrimarySite] = mapped_column(enum_type(PrimarySite, 24, "primary_site"))
    tumour_size_cm: Mapped[float | None] = mapped_column(Float)
    extent: Mapped[str | None] = mapped_column(String(40))
    nodes_examined: Mapped[int | None] = mapped_column(Integer)
    nodes_positive: Mapped[int | None] = mapped_column(Integer)
    mesenteric_mass_cm: Mapped[float | None] = mapped_column(Float)
    metastatic_sites: Mapped[str] = mapped_column(
        String(200), default=""
    )  # comma-separated vocabulary values
    # Empty until the clinician answers (a draft may wait); required to submit, see cases.readiness.
    differentiation: Mapped[Differentiation | None] = mapped_column(
        enum_type(Differentiation, 16, "differentiation")
    )
    functional_status: Mapped[FunctionalStatus | None] = mapped_column(
        enum_type(FunctionalStatus, 16, "functional_status")
    )
    syndrome: Mapped[FunctionalSyndrome | None] = mapped_column(enum_type(FunctionalSyndrome, 24, "syndrome"))
    symptoms: Mapped[str] = mapped_column(Text, default="")
    hereditary_syndrome: Mapped[HereditarySyndrome | None] = mapped_column(
        enum_type(HereditarySyndrome, 16, "hereditary_syndrome")
    )
    ecog: Mapped[int | None] = mapped_column(Integer)
    comorbidities: Mapped[str] = mapped_column(Text, default="")
    patient_preferences: Mapped[str] = mapped_column(Text, default="")
    clinical_question: Mapped[str] = mapped_column(Text, default="")
    no_pathology_reason: Mapped[str] = mapped_column(Text, default="")
    computed_grade: Mapped[str | None] = mapped_column(String(24))
    # Set when the case is first put on an agenda: from then on its board is fixed (its history is there).
    first_scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A referral to another board is a new case that names the one it came from.
    referred_from_id: Mapped[int | None] = mapped_column(ForeignKey("tumor_case.id"), index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    readiness_missing: Mapped[str] = mapped_column(Text, default="[]")  # JSON list, as at submission
    readiness_override_reason: Mapped[str] = mapped_column(Text, default="")
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    patient: Mapped[Patient] = relationship(back_populates="cases")
    board: Mapped[Board] = relationship()
    submitter = relationship("User", foreign_keys=[submitter_id])
    imaging: Mapped[list["ImagingStudy"]] = relationship(
        back_populates="case", order_by="ImagingStudy.study_date", cascade="all, delete-orphan"
    )
    # every laboratory result of the case, withdrawn ones too (`labs` and `withdrawn_labs` split them)
    lab_results: Mapped[list["LabResult"]] = relationship(
        back_populates="case", order_by="LabResult.sample_date", cascade="all, delete-orphan"
    )
    pathology: Mapped[list["PathologyReport"]] = relationship(
        back_populates="case", order_by="PathologyReport.report_date", cascade="all, delete-orphan"
    )
    prior_treatments: Mapped[list["PriorTreatment"]] = relationship(
        back_populates="case", order_by="PriorTreatment.start_date", cascade="all, delete-orphan"
    )
    referred_from: Mapped["Case | None"] = relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Case {self.id}>"

    @property
    def labs(self) -> list["LabResult"]:
        """The results in force. One the laboratory withdrew (HL7 OBX-11 D or W) is kept, never deleted, and
        shown apart (`withdrawn_labs`): no chart, readiness check, summary or frozen record counts it."""
        return [r for r in self.lab_results if r.status is not LabStatus.WITHDRAWN]

    @labs.setter
    def labs(self, results: list["LabResult"]) -> None:
        """A frozen record's results (`cases.records.frozen_case`): transient, never flushed."""
        self.lab_results = results

    @property
    def withdrawn_labs(self) -> list["LabResult"]:
        return [r for r in self.lab_results if r.status is LabStatus.WITHDRAWN]

    @property
    def board_is_fixed(self) -> bool:
        """Once on an agenda, a case stays with its board: another board gets a referral (a new case)."""
        return self.first_scheduled_at is not None

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.board_id, self.patient_id

    @property
    def metastatic_site_list(self) -> list[str]:
        return [s for s in self.metastatic_sites.split(",") if s]

    @property
    def missing_at_submission(self) -> list[str]:
        return json.loads(self.readiness_missing or "[]")

    # Access: the model decides, views and templates ask.
    def can_view(self, user) -> bool:
        """The submitter always; the board's members once the case is submitted (drafts are private, and so
        is a draft withdrawn before it was ever submitted)."""
        if not user.is_authenticated:
            return False
        if self.submitter_id == user.id:
            return True
        if self.status == CaseStatus.DRAFT:
            return False
        if self.status == CaseStatus.WITHDRAWN and self.submitted_at is None:
            return False  # withdrawn as a draft: the board never received it
        return self.board_id in user.board_ids

    def can_edit(self, user) -> bool:
        """A submitter edits only their own case, and only until it is on an agenda."""
        return user.is_authenticated and self.submitter_id == user.id and self.status in DETAILS_OPEN

    def can_import_findings(self, user) -> bool:
        """Findings from the hospital's systems (a FHIR Bundle) are added by whoever may add them by hand."""
        return self.can_edit_findings(user)

    def can_edit_findings(self, user) -> bool:
        """The submitter, and the board's specialists and chairs (radiology and pathology add their
        reports), until the case has been discussed."""
        if self.status not in FINDINGS_OPEN or not self.can_view(user):
            return False
        return self.submitter_id == user.id or user.has_role(Role.SPECIALIST, Role.CHAIR)

    def can_file_received_result(self, user) -> bool:
        """A laboratory result received from the hospital (HL7 ORU) is filed on a case whose findings are
        still open, the case its board is preparing (a discussed case keeps what the board saw): by the
        interface's account (`User.is_hl7_interface`), or by a coordinator of the case's board who matched
        it from the work list of unmatched results."""
        if self.status not in FINDINGS_OPEN or not user.is_authenticated:
            return False
        return user.is_hl7_interface or self.board_id in coordinated_board_ids(user)

    def can_submit(self, user) -> bool:
        return user.is_authenticated and self.submitter_id == user.id and self.status == CaseStatus.DRAFT

    def can_withdraw(self, user) -> bool:
        return (
            user.is_authenticated
            and self.submitter_id == user.id
            and self.status in (CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.DEFERRED)
        )

    def can_refer(self, user) -> bool:
        """The submitter refers a case the board has had on an agenda to another of their boards."""
        return (
            user.is_authenticated
            and self.submitter_id == user.id
            and self.board_is_fixed
            and self.status != CaseStatus.SCHEDULED
            and self.status != CaseStatus.WITHDRAWN
            and self.has_other_active_board(user)
        )

    def has_other_active_board(self, user) -> bool:
        """A board to refer to: another of the user's boards that still takes cases."""
        return any(m.board.active for m in user.memberships if m.board_id != self.board_id)

    def can_present_again(self, user) -> bool:
        """The submitter sends a discussed or closed case back to the board (follow-up, progression)."""
        return user.is_authenticated and self.submitter_id == user.id and self.status in PRESENTED_AGAIN_FROM

    def can_request_meeting(self, user) -> bool:
        """The submitter asks for a meeting until the case is on an agenda."""
        return (
            user.is_authenticated
            and self.submitter_id == user.id
            and (self.status in IN_POOL or self.status == CaseStatus.DRAFT)
        )

    @property
    def is_in_pool(self) -> bool:
        return self.status in IN_POOL

    @property
    def is_draft(self) -> bool:
        return self.status == CaseStatus.DRAFT

    @property
    def is_deferred(self) -> bool:
        return self.status == CaseStatus.DEFERRED

    @property
    def is_functional(self) -> bool:
        return self.functional_status == FunctionalStatus.FUNCTIONAL

    def can_recall(self, user) -> bool:
        """Back to draft for more work, as long as no coordinator has put it on an agenda."""
        return user.is_authenticated and self.submitter_id == user.id and self.status == CaseStatus.SUBMITTED

    # A form opened while the case was open may outlive it (a second tab, the browser's Back after
    # submitting): whoever could use it is told why it is closed now, never answered with a bare 403.
    def no_longer_editable_by(self, user) -> bool:
        """The submitter, once the case is past editing its details (on an agenda, discussed, withdrawn)."""
        return user.is_authenticated and self.submitter_id == user.id and not self.can_edit(user)

    def no_longer_submittable_by(self, user) -> bool:
        """The submitter, once the case is no longer a draft (submitted already, or withdrawn)."""
        return user.is_authenticated and self.submitter_id == user.id and not self.can_submit(user)

    def findings_no_longer_editable_by(self, user) -> bool:
        """The submitter and the board's specialists and chairs, once the board has discussed the case."""
        return (
            self.status not in FINDINGS_OPEN
            and self.can_view(user)
            and (self.submitter_id == user.id or user.has_role(Role.SPECIALIST, Role.CHAIR))
        )

    def why_not_referable(self, user) -> str | None:
        """Why the submitter cannot refer the case now (None: they can, or it was never theirs to refer)."""
        if self.can_refer(user) or not (user.is_authenticated and self.submitter_id == user.id):
            return None
        if self.status == CaseStatus.WITHDRAWN:
            return "A withdrawn case is not referred."
        if self.status == CaseStatus.SCHEDULED:
            return "A case on an agenda is referred once its board has discussed it."
        if not self.board_is_fixed:
            return "Until its board has had it on an agenda, choose another board on the case form instead."
        return "None of your other boards takes cases now."

    @property
    def where_it_stands(self) -> str:
        """Where the case is now, in a sentence for a page that can no longer change it (no patient data)."""
        values = {"id": self.id, "board": self.board.name}
        return {
            CaseStatus.DRAFT: _("Case %(id)s is a draft.", **values),
            CaseStatus.SUBMITTED: _("Case %(id)s has been submitted to the %(board)s.", **values),
            CaseStatus.SCHEDULED: _("Case %(id)s is on a meeting agenda of the %(board)s.", **values),
            CaseStatus.DEFERRED: _(
                "Case %(id)s has been deferred to a later meeting of the %(board)s.", **values
            ),
            CaseStatus.DISCUSSED: _("The %(board)s has discussed case %(id)s.", **values),
            CaseStatus.CLOSED: _("Case %(id)s is closed.", **values),
            CaseStatus.WITHDRAWN: _("Case %(id)s has been withdrawn.", **values),
        }[CaseStatus(self.status)]


# The case list's other orders (tumorboard.keyset seeks in them from a page's boundary row): each walked in
# one index from the boundary, whatever the depth of the page.
Index("ix_tumor_case_submitted_order", Case.submitted_at, Case.id)
Index("ix_tumor_case_site_order", Case.primary_site, Case.updated_at.desc(), Case.id.desc())
Index("ix_tumor_case_status_order", Case.status, Case.updated_at.desc(), Case.id.desc())
# The pools (the dashboard's and the meeting page's waiting cases): one ordered range per (board, status).
Index("ix_tumor_case_pool_order", Case.board_id, Case.status, Case.submitted_at, Case.id)


class PatientRegistration(Model):
    """Who registered the patient: the first submitter, and each one whose registration matched the
    patient's MRN, name and birth date. They see the patient (and their own boards' cases of them)."""

    __tablename__ = "patient_registration"
    # the patients a user registered (their patient list, a user without boards); the primary key is
    # (patient_id, user_id), which answers only the other way round
    __table_args__ = (Index("ix_patient_registration_user", "user_id", "patient_id"),)

    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PatientAlias(Model):
    """An MRN retired by a merge (HL7 A40): later messages that still carry it resolve to the survivor."""

    __tablename__ = "patient_alias"

    mrn: Mapped[str] = mapped_column(String(32), primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FindingMixin:
    """Each finding is dated and attributed: who entered it, and who reported it (person or institution)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    reported_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # where an imported finding came from (a FHIR resource's identifier system and value): a second import
    # of the same resource updates it; None for a finding typed in
    source_system: Mapped[str | None] = mapped_column(String(255))
    source_id: Mapped[str | None] = mapped_column(String(255))

    if TYPE_CHECKING:  # what each finding's class has: its table, and its own relationship to the case
        __table__: ClassVar[FromClause]
        case: Mapped[Case]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.case.audit_scope()


def _one_per_source(table: str) -> Index:
    """One finding of a case per imported source resource, held by the database against a raced import."""
    return Index(f"uq_{table}_case_source", "case_id", "source_system", "source_id", unique=True)


class ImagingStudy(FindingMixin, Model):
    __tablename__ = "imaging_study"
    __table_args__ = (_one_per_source("imaging_study"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("tumor_case.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    study_date: Mapped[date] = mapped_column(Date)
    modality: Mapped[ImagingModality] = mapped_column(enum_type(ImagingModality, 24, "modality"))
    tracer: Mapped[SstrTracer | None] = mapped_column(enum_type(SstrTracer, 24, "tracer"))
    region: Mapped[str] = mapped_column(String(200), default="")
    krenning_score: Mapped[int | None] = mapped_column(Integer)
    uptake_positive: Mapped[bool | None] = mapped_column(Boolean)  # PET: any tumour uptake
    fdg_vs_sstr: Mapped[FdgVsSstr | None] = mapped_column(
        enum_type(FdgVsSstr, 8, "fdg_vs_sstr")
    )  # FDG vs SSTR uptake
    target_lesion_sum_mm: Mapped[float | None] = mapped_column(Float)
    new_lesions: Mapped[bool] = mapped_column(Boolean, default=False)
    report_text: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[Case] = relationship(back_populates="imaging")
    created_by = relationship("User")

    @property
    def modality_label(self) -> str:
        return ImagingModality(self.modality).label


class LabStatus(StrEnum):
    """Where a laboratory result stands (HL7 table 0085, OBX-11, as far as a board reads it): a result typed
    in is final; the laboratory may send it preliminary, then final, correct it, or withdraw it."""

    FINAL = "final"
    PRELIMINARY = "preliminary"
    CORRECTED = "corrected"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return str(
            {
                "final": _l("Final"),
                "preliminary": _l("Preliminary"),
                "corrected": _l("Corrected"),
                "withdrawn": _l("Withdrawn"),
            }[self.value]
        )


class Withdrawal(StrEnum):
    """Why the laboratory withdrew a result: OBX-11 D (delete it) or W (it was sent for the wrong
    patient)."""

    DELETED = "deleted"
    WRONG_PATIENT = "wrong_patient"

    @property
    def label(self) -> str:
        return str(
            {
                "deleted": _l("Withdrawn by the laboratory"),
                "wrong_patient": _l("Withdrawn by the laboratory: sent for the wrong patient"),
            }[self.value]
        )


# A result's place against its lab's reference range, as LabResult.flag gives it, in the reader's words.
FLAG_LABELS = {"high": _l("high"), "low": _l("low")}


class LabResult(FindingMixin, Model):
    __tablename__ = "lab_result"
    __table_args__ = (
        Index("ix_lab_result_case_analyte", "case_id", "analyte", "sample_date"),
        _one_per_source("lab_result"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("tumor_case.id", ondelete="CASCADE"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sample_date: Mapped[date] = mapped_column(Date)
    analyte: Mapped[Analyte] = mapped_column(enum_type(Analyte, 32, "analyte"))
    value: Mapped[float] = mapped_column(Float)
    # a censored value ("<2": below the assay's limit of 2): how the value relates to the number; None: equal
    comparator: Mapped[Comparator | None] = mapped_column(enum_type(Comparator, 2, "comparator"))
    unit: Mapped[str] = mapped_column(String(20))
    ref_low: Mapped[float | None] = mapped_column(Float)
    ref_high: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[LabStatus] = mapped_column(
        enum_type(LabStatus, 16, "status"), default=LabStatus.FINAL, server_default=LabStatus.FINAL.value
    )
    withdrawal: Mapped[Withdrawal | None] = mapped_column(enum_type(Withdrawal, 16, "withdrawal"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship(back_populates="lab_results")
    created_by = relationship("User")

    @property
    def flag(self) -> str | None:
        """ "high" or "low" against the lab's own reference range; None inside it, without one, or when a
        censored value does not say ("<50" with a range of 2–40 may be inside it)."""
        below = self.comparator in (Comparator.LT, Comparator.LE)
        above = self.comparator in (Comparator.GT, Comparator.GE)
        if self.ref_high is not None and not below and self.value > self.ref_high:
            return "high"
        if self.ref_low is not None and not above and self.value < self.ref_low:
            return "low"
        return None

    @property
    def flag_label(self) -> str:
        """The flag in the reader's words ("erhöht"); empty inside the range."""
        return str(FLAG_LABELS[self.flag]) if self.flag else ""

    @property
    def censored(self) -> bool:
        return self.comparator is not None

    @property
    def shown_value(self) -> str:
        """The value as the laboratory wrote it, in the reader's digits: "<2", "≥1000", "182", "2,8"."""
        return f"{self.comparator.sign if self.comparator else ''}{format_number(self.value, grouped=False)}"

    @property
    def typed_value(self) -> str:
        """The value as the form takes it back ("<=5", not "≤5")."""
        return f"{self.comparator.value if self.comparator else ''}{self.value:g}"


class PathologyReport(FindingMixin, Model):
    __tablename__ = "pathology_report"
    __table_args__ = (_one_per_source("pathology_report"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("tumor_case.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    report_date: Mapped[date] = mapped_column(Date)
    specimen_type: Mapped[SpecimenType] = mapped_column(enum_type(SpecimenType, 24, "specimen_type"))
    specimen_site: Mapped[str] = mapped_column(String(200), default="")
    histology: Mapped[Histology | None] = mapped_column(enum_type(Histology, 16, "histology"))
    differentiation: Mapped[Differentiation] = mapped_column(
        enum_type(Differentiation, 16, "differentiation"), default=Differentiation.UNKNOWN
    )
    ki67_percent: Mapped[float | None] = mapped_column(Float)
    mitoses_per_2mm2: Mapped[float | None] = mapped_column(Float)
    mitoses_count: Mapped[int | None] = mapped_column(Integer)
    mitoses_area_mm2: Mapped[float | None] = mapped_column(Float)
    necrosis: Mapped[bool | None] = mapped_column(Boolean)
    ihc_results: Mapped[str] = mapped_column(
        Text, default="{}"
    )  # JSON {marker: "positive" | "negative" | ...}
    margins: Mapped[ResectionMargin | None] = mapped_column(enum_type(ResectionMargin, 4, "margins"))
    lymphovascular_invasion: Mapped[bool | None] = mapped_column(Boolean)
    perineural_invasion: Mapped[bool | None] = mapped_column(Boolean)
    nodes_examined: Mapped[int | None] = mapped_column(Integer)
    nodes_positive: Mapped[int | None] = mapped_column(Integer)
    reported_grade: Mapped[str | None] = mapped_column(String(24))
    reported_tnm: Mapped[str] = mapped_column(String(60), default="")  # e.g. "pT2 pN1 (m)", as written
    report_text: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[Case] = relationship(back_populates="pathology")
    created_by = relationship("User")

    @property
    def ihc(self) -> dict[str, str]:
        return json.loads(self.ihc_results or "{}")

    @property
    def summary_line(self) -> str:
        parts = [SpecimenType(self.specimen_type).label]
        if self.ki67_percent is not None:
            parts.append(f"Ki-67 {format_measure(self.ki67_percent, '%')}")
        if self.mitoses_per_2mm2 is not None:
            parts.append(_("%(count)s mitoses/2 mm²", count=format_number(self.mitoses_per_2mm2)))
        if self.reported_grade:
            parts.append(_("reported %(grade)s", grade=self.reported_grade))
        return ", ".join(parts)


class PriorTreatment(Model):
    __tablename__ = "prior_treatment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("tumor_case.id", ondelete="CASCADE"), index=True)
    treatment: Mapped[Treatment] = mapped_column(enum_type(Treatment, 24, "treatment"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")

    case: Mapped[Case] = relationship(back_populates="prior_treatments")
