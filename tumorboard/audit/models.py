"""Audit events: one row per change, login, failed login or denied access, chained by HMAC."""

import json
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tumorboard.db import UTCDateTime, enum_type, utcnow
from tumorboard.extensions import Model

GENESIS_HASH = "0" * 64


class AuditEvent(Model):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_entity", "entity_type", "entity_id", "seq"),
        Index("ix_audit_event_actor", "actor_id", "seq"),
        Index("ix_audit_event_occurred_at", "occurred_at"),
        # the log's keyset pages, newest first: alone, by record, by actor
        Index("ix_audit_event_occurred_seq", "occurred_at", "seq"),
        Index("ix_audit_event_entity_occurred", "entity_type", "entity_id", "occurred_at", "seq"),
        Index("ix_audit_event_actor_occurred", "actor_id", "occurred_at", "seq"),
        Index("ix_audit_event_patient", "patient_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str | None] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    changes_json: Mapped[str] = mapped_column(Text, default="{}")
    details_json: Mapped[str] = mapped_column(Text, default="{}")
    request_id: Mapped[str | None] = mapped_column(String(64))
    client_ip: Mapped[str | None] = mapped_column(String(64))
    # Whose record it is: the board it belongs to and the patient it is about (None for staff records).
    board_id: Mapped[int | None] = mapped_column(Integer)
    patient_id: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    actor = relationship("User", lazy="raise")

    @property
    def changes(self) -> dict:
        return json.loads(self.changes_json)

    @property
    def details(self) -> dict:
        return json.loads(self.details_json)

    @property
    def is_patient_data(self) -> bool:
        return self.patient_id is not None

    def values_visible_to(self, user) -> bool:
        """Who did what to which record is for every reader of the log; the values of a board's record
        (a case, a finding, a decision, a meeting's reasons and notes, which may name patients) only for
        that board's members. A patient's own record belongs to no board: its values are for the
        data-protection officer, who states a reason for each look."""
        if self.board_id is not None:
            return self.board_id in user.board_ids
        return not self.is_patient_data

    def canonical(self) -> str:
        """The row as canonical JSON: what the hash covers (everything but the surrogate id and the hash).
        The record's board and patient are covered where set (events from before they were kept have
        neither, and hash as they always did)."""
        scope = {
            key: value
            for key, value in (("board_id", self.board_id), ("patient_id", self.patient_id))
            if value is not None
        }
        return json.dumps(
            {
                **scope,
                "seq": self.seq,
                "occurred_at": self.occurred_at.isoformat(),
                "actor_id": self.actor_id,
                "actor_label": self.actor_label,
                "action": self.action,
                "entity_type": self.entity_type,
                "entity_id": self.entity_id,
                "changes": self.changes_json,
                "details": self.details_json,
                "request_id": self.request_id,
                "client_ip": self.client_ip,
                "prev_hash": self.prev_hash,
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )


class AuditChainHead(Model):
    """The chain's single head row: locked by every writer so the chain never forks, and an anchor that
    shows when rows were cut off the end."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)


class AccessPage(StrEnum):
    """The pages and documents that show patient data, as the access log names them."""

    CASE = "case"
    CASE_LIST = "case_list"
    CASE_FORM = "case_form"
    FINDING_FORM = "finding_form"
    MARKER_CHART = "marker_chart"
    PATIENT = "patient"
    PATIENT_SEARCH = "patient_search"
    PATIENT_FORM = "patient_form"
    DASHBOARD = "dashboard"
    MEETING = "meeting"
    AGENDA_PRINT = "agenda_print"
    AGENDA_PDF = "agenda_pdf"
    MEETING_MODE = "meeting_mode"
    DECISIONS = "decisions"
    DECISION_EDIT = "decision_edit"
    LETTER = "letter"
    LETTER_PDF = "letter_pdf"
    FHIR = "fhir"
    FOLLOW_UP = "follow_up"
    PRIVACY_REVIEW = "privacy_review"
    UNMATCHED_RESULTS = "unmatched_results"

    @property
    def label(self) -> str:
        return str(ACCESS_PAGE_LABELS[self])


ACCESS_PAGE_LABELS = {
    AccessPage.CASE: _l("Case page"),
    AccessPage.CASE_LIST: _l("Case list"),
    AccessPage.CASE_FORM: _l("Case form"),
    AccessPage.FINDING_FORM: _l("Finding form"),
    AccessPage.MARKER_CHART: _l("Marker chart"),
    AccessPage.PATIENT: _l("Patient page"),
    AccessPage.PATIENT_SEARCH: _l("Patient search"),
    AccessPage.PATIENT_FORM: _l("Patient form"),
    AccessPage.DASHBOARD: _l("Dashboard"),
    AccessPage.MEETING: _l("Meeting page"),
    AccessPage.AGENDA_PRINT: _l("Printed agenda"),
    AccessPage.AGENDA_PDF: _l("Agenda PDF"),
    AccessPage.MEETING_MODE: _l("Meeting mode"),
    AccessPage.DECISIONS: _l("Board decisions"),
    AccessPage.DECISION_EDIT: _l("Decision draft"),
    AccessPage.LETTER: _l("Letter"),
    AccessPage.LETTER_PDF: _l("Letter PDF"),
    AccessPage.FHIR: _l("FHIR export"),
    AccessPage.FOLLOW_UP: _l("Follow-up"),
    AccessPage.PRIVACY_REVIEW: _l("Data-protection review"),
    AccessPage.UNMATCHED_RESULTS: _l("Unmatched laboratory results"),
}


class AccessEvent(Model):
    """One view of one patient's data: who, when, which patient (and case), which page. Append-only (the
    migration's triggers refuse UPDATE and DELETE); written once per request, in one statement."""

    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_log_patient", "patient_id", "occurred_at"),
        Index("ix_access_log_user", "user_id", "occurred_at"),
        Index("ix_access_log_board_patient", "board_id", "patient_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    patient_id: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(Integer)
    board_id: Mapped[int | None] = mapped_column(Integer)
    page: Mapped[AccessPage] = mapped_column(enum_type(AccessPage, 24, "page"))
    request_id: Mapped[str | None] = mapped_column(String(64))

    user = relationship("User", lazy="raise")

    @property
    def page_enum(self) -> AccessPage:
        return AccessPage(self.page)


class HeldResultAccess(Model):
    """One view of a laboratory result held for a patient TumorBoard does not know (the HL7 work list):
    the access log names a patient, which such a result has none of, so its views are noted here by the
    held result's id (`hl7_unmatched_result.id`): who saw which result, when, on which page."""

    __tablename__ = "held_result_access"
    __table_args__ = (
        Index("ix_held_result_access_result", "result_id", "occurred_at"),
        Index("ix_held_result_access_user", "user_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    result_id: Mapped[int] = mapped_column(Integer)
    page: Mapped[AccessPage] = mapped_column(enum_type(AccessPage, 24, "page"))
    request_id: Mapped[str | None] = mapped_column(String(64))
