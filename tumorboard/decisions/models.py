"""The board's decision for an agenda item: the treatment plan, signed by the chair, then immutable.

A change after signing is an amendment: a new `Decision` whose `supersedes_id` names the one it replaces,
with a reason; the old one is marked superseded and keeps every word. A flush-time guard refuses any
change to a signed decision or its plan items, whatever code path tries it.
"""

import json
from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from tumorboard.auth.roles import Role
from tumorboard.cases.models import Case
from tumorboard.clinical.specialties import Specialty
from tumorboard.clinical.vocabularies import DeviationReason, PlanIntent, Treatment
from tumorboard.db import UTCDateTime, enum_type, utcnow
from tumorboard.extensions import Model
from tumorboard.frozen import FrozenRecord
from tumorboard.i18n import Language
from tumorboard.meetings.models import AgendaItem, Meeting


class DecisionStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    SUPERSEDED = "superseded"


class DecisionAction(StrEnum):
    """What people do with a version of the decision; each is allowed in the states the lifecycle says."""

    SAVE = "save"  # the draft, typed in the meeting (or an amendment's, after it)
    SIGN = "sign"
    AMEND = "amend"  # start the amendment that will supersede it
    SUPERSEDE = "supersede"  # its amendment is signed
    FOLLOW_UP = "follow_up"  # was it carried out?


# The decision's lifecycle, in one table: each state, the actions it allows, the state each leads to.
DECISION_LIFECYCLE = {
    DecisionStatus.DRAFT: {
        DecisionAction.SAVE: DecisionStatus.DRAFT,
        DecisionAction.SIGN: DecisionStatus.SIGNED,
    },
    DecisionStatus.SIGNED: {
        DecisionAction.AMEND: DecisionStatus.SIGNED,
        DecisionAction.SUPERSEDE: DecisionStatus.SUPERSEDED,
        DecisionAction.FOLLOW_UP: DecisionStatus.SIGNED,
    },
    DecisionStatus.SUPERSEDED: {},
}


class DecisionOutcome(StrEnum):
    RECOMMENDATION = "recommendation"
    FURTHER_DIAGNOSTICS = "further_diagnostics"
    DEFERRED = "deferred"

    @property
    def label(self) -> str:
        labels = {
            "recommendation": _l("Recommendation"),
            "further_diagnostics": _l("Further diagnostics needed"),
            "deferred": _l("Deferred"),
        }
        return str(labels[self.value])


class GuidelineBasis(StrEnum):
    ENETS = "enets"
    ESMO = "esmo"
    NCCN = "nccn"
    LOCAL = "local"
    NONE = "none"

    @property
    def label(self) -> str:
        # the societies' names are names, the same in every language
        labels = {
            "enets": "ENETS",
            "esmo": "ESMO",
            "nccn": "NCCN",
            "local": _l("Local standard"),
            "none": _l("None cited"),
        }
        return str(labels[self.value])


class FollowUpStatus(StrEnum):
    FULLY = "fully"
    PARTLY = "partly"
    NOT = "not"

    @property
    def label(self) -> str:
        labels = {
            "fully": _l("Carried out fully"),
            "partly": _l("Carried out partly"),
            "not": _l("Not carried out"),
        }
        return str(labels[self.value])


# What the board decides: the fields a draft holds, an amendment copies and a snapshot freezes.
DECISION_FIELDS = (
    "outcome",
    "recommendation",
    "rationale",
    "guideline_basis",
    "guideline_reference",
    "trial_candidate",
    "trial_identifier",
    "trial_name",
    "dissent",
    "dissent_by",
    "preference_weighing",
    "next_review_date",
    "present_again",
)


def _only(status: DecisionStatus):
    """A partial index's condition, the same on SQLite and PostgreSQL."""
    return {"sqlite_where": text(f"status = '{status}'"), "postgresql_where": text(f"status = '{status}'")}


class Decision(Model):
    """One version of the board's decision for an agenda item.

    The database keeps the item's record straight whatever the race: a version number once per item, at
    most one draft (the first one, or the amendment being prepared) and at most one signed decision in
    force; the one it replaced is superseded.
    """

    __tablename__ = "decision"
    __table_args__ = (
        Index("ix_decision_case", "case_id", "number"),
        Index("ix_decision_meeting", "meeting_id"),
        Index("ix_decision_status_signed", "status", "signed_at"),
        Index("uq_decision_item_number", "agenda_item_id", "number", unique=True),
        Index("uq_decision_item_draft", "agenda_item_id", unique=True, **_only(DecisionStatus.DRAFT)),
        Index("uq_decision_item_signed", "agenda_item_id", unique=True, **_only(DecisionStatus.SIGNED)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("tumor_case.id"))
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"))
    number: Mapped[int] = mapped_column(Integer, default=1)  # 1 for the first version, 2 for its amendment …
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"), unique=True)
    status: Mapped[DecisionStatus] = mapped_column(
        enum_type(DecisionStatus, 16, "status"), default=DecisionStatus.DRAFT
    )
    outcome: Mapped[DecisionOutcome] = mapped_column(
        enum_type(DecisionOutcome, 24, "outcome"), default=DecisionOutcome.RECOMMENDATION
    )
    recommendation: Mapped[str] = mapped_column(Text, default="")
    rationale: Mapped[str] = mapped_column(Text, default="")
    guideline_basis: Mapped[GuidelineBasis] = mapped_column(
        enum_type(GuidelineBasis, 8, "guideline_basis"), default=GuidelineBasis.NONE
    )
    guideline_reference: Mapped[str] = mapped_column(String(300), default="")
    trial_candidate: Mapped[bool] = mapped_column(Boolean, default=False)
    trial_identifier: Mapped[str] = mapped_column(String(40), default="")
    trial_name: Mapped[str] = mapped_column(String(200), default="")
    dissent: Mapped[str] = mapped_column(Text, default="")
    dissent_by: Mapped[str] = mapped_column(String(200), default="")
    preference_weighing: Mapped[str] = mapped_column(Text, default="")
    next_review_date: Mapped[date | None] = mapped_column(Date)
    present_again: Mapped[bool] = mapped_column(Boolean, default=False)
    amendment_reason: Mapped[str] = mapped_column(Text, default="")
    # the language its letter is written in (None: the hospital's DEFAULT_LOCALE), whoever signs it in
    # whatever language; how the letter is worded, not what was decided, so it may be chosen after signing
    letter_language: Mapped[Language | None] = mapped_column(enum_type(Language, 2, "letter_language"))
    # recorded at signing: the attendees present and the consistency warnings with the chair's reason
    attendees_json: Mapped[str] = mapped_column(Text, default="[]")
    warnings_json: Mapped[str] = mapped_column(Text, default="[]")
    override_reason: Mapped[str] = mapped_column(Text, default="")
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    agenda_item: Mapped[AgendaItem] = relationship()
    case: Mapped[Case] = relationship()
    meeting: Mapped[Meeting] = relationship()
    supersedes: Mapped["Decision | None"] = relationship(remote_side=[id])
    signed_by = relationship("User", foreign_keys=[signed_by_id])
    result_notices: Mapped[list["ResultNotice"]] = relationship(order_by="ResultNotice.id", viewonly=True)
    items: Mapped[list["PlanItem"]] = relationship(
        back_populates="decision", order_by="PlanItem.position", cascade="all, delete-orphan"
    )
    follow_up: Mapped["FollowUp | None"] = relationship(back_populates="decision", uselist=False)
    snapshot: Mapped["DecisionSnapshot | None"] = relationship(uselist=False)
    publication: Mapped["FhirPublication | None"] = relationship(back_populates="decision", uselist=False)

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Decision {self.id}>"

    @property
    def is_signed(self) -> bool:
        """Signed, whether still in force or superseded since: it never changes again."""
        return self.status != DecisionStatus.DRAFT

    @property
    def is_in_force(self) -> bool:
        return self.status == DecisionStatus.SIGNED

    def allows(self, action: DecisionAction) -> bool:
        return action in DECISION_LIFECYCLE[self.status]

    def after(self, action: DecisionAction) -> DecisionStatus:
        return DECISION_LIFECYCLE[self.status][action]

    @property
    def attendees(self) -> list[dict]:
        return json.loads(self.attendees_json or "[]")

    @property
    def warnings(self) -> list[dict]:
        return json.loads(self.warnings_json or "[]")

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.meeting.board_id, self.case.patient_id

    def can_view(self, user) -> bool:
        """The board that decided, and the case's submitter (the letter's addressee). A decision stays
        with the meeting's board, whatever becomes of the case afterwards."""
        if not user.is_authenticated:
            return False
        return self.meeting.board_id in user.board_ids or self.case.submitter_id == user.id

    def can_edit(self, user) -> bool:
        """Drafts are typed by the board's specialists, chairs and coordinators."""
        return self.allows(DecisionAction.SAVE) and self.meeting.board.can_decide(user)

    def can_sign(self, user) -> bool:
        """The board's chair signs."""
        return self.allows(DecisionAction.SIGN) and self.meeting.board.can_chair(user)

    def is_amender(self, user) -> bool:
        """The board's specialists and chair amend its decisions."""
        return (
            user.is_authenticated
            and self.meeting.board_id in user.board_ids
            and user.has_role(Role.SPECIALIST, Role.CHAIR)
        )

    def can_amend(self, user) -> bool:
        """An amendment is started from the version in force."""
        return self.allows(DecisionAction.AMEND) and self.is_amender(user)

    def can_choose_letter_language(self, user) -> bool:
        """The board that decided writes its letter: its specialists, chairs and coordinators."""
        return self.is_signed and self.meeting.board.can_decide(user)

    def can_record_follow_up(self, user) -> bool:
        """The case's submitter says whether the version in force was carried out."""
        return (
            self.allows(DecisionAction.FOLLOW_UP)
            and user.is_authenticated
            and self.case.submitter_id == user.id
        )


class DecisionSnapshot(FrozenRecord, Model):
    """Everything a signed version's letter, FHIR export and screen show, frozen at signing
    (tumorboard.decisions.documents builds it and renders from it)."""

    __tablename__ = "decision_snapshot"
    RECORDED_BY = ("decision.signed",)

    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), primary_key=True)

    @staticmethod
    def recorded_hashes(events) -> dict[int, str]:
        """The hash in each signing event (events from before snapshots were kept have none)."""
        return {
            int(e.entity_id): e.details["snapshot_sha256"] for e in events if "snapshot_sha256" in e.details
        }


class PlanItem(Model):
    __tablename__ = "plan_item"
    __table_args__ = (UniqueConstraint("decision_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    # A draft keeps a row as typed, even incomplete; signing requires all three (decisions.operations).
    treatment: Mapped[Treatment | None] = mapped_column(enum_type(Treatment, 24, "treatment"))
    detail: Mapped[str] = mapped_column(String(500), default="")
    intent: Mapped[PlanIntent | None] = mapped_column(enum_type(PlanIntent, 16, "intent"))
    responsible_specialty: Mapped[Specialty | None] = mapped_column(
        enum_type(Specialty, 32, "responsible_specialty")
    )

    @property
    def is_complete(self) -> bool:
        return None not in (self.treatment, self.intent, self.responsible_specialty)

    target_date: Mapped[date | None] = mapped_column(Date)

    decision: Mapped[Decision] = relationship(back_populates="items")


class ResultChange(StrEnum):
    """What the laboratory did to a result a signed record holds (HL7 OBX-11 C, D, W)."""

    CORRECTED = "corrected"
    DELETED = "deleted"
    WRONG_PATIENT = "wrong_patient"

    @property
    def label(self) -> str:
        return str(
            {
                "corrected": _l("Corrected by the laboratory"),
                "deleted": _l("Withdrawn by the laboratory"),
                "wrong_patient": _l("Withdrawn by the laboratory: sent for the wrong patient"),
            }[self.value]
        )


class ResultNotice(Model):
    """A laboratory result that a signed decision's frozen record holds, corrected or withdrawn by the
    laboratory after the signing. The record stays as signed; the decision's page shows the notice, and
    the board's coordinators and the signing chair are told, so the board can amend if the plan rests on
    the value."""

    __tablename__ = "result_notice"
    __table_args__ = (UniqueConstraint("decision_id", "lab_result_id", "hl7_message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), index=True)
    lab_result_id: Mapped[int] = mapped_column(ForeignKey("lab_result.id"))
    hl7_message_id: Mapped[int | None] = mapped_column(ForeignKey("hl7_message.id"))
    change: Mapped[ResultChange] = mapped_column(enum_type(ResultChange, 16, "change"))
    before: Mapped[str] = mapped_column(String(60), default="")  # as the record shows it: "182 ng/mL"
    after: Mapped[str] = mapped_column(String(60), default="")  # the corrected value; "" once withdrawn
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lab_result = relationship("LabResult")


class FollowUp(Model):
    """Whether the signed recommendation was carried out, recorded by the submitter afterwards."""

    __tablename__ = "follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), unique=True)
    status: Mapped[FollowUpStatus] = mapped_column(enum_type(FollowUpStatus, 8, "status"))
    # why it was not (fully) carried out
    reason: Mapped[DeviationReason | None] = mapped_column(enum_type(DeviationReason, 24, "reason"))
    reason_text: Mapped[str] = mapped_column(Text, default="")
    started_on: Mapped[date | None] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    decision: Mapped[Decision] = relationship(back_populates="follow_up")

    __mapper_args__ = {"version_id_col": version}


class PublicationStatus(StrEnum):
    """Where a signed decision's Bundle stands with the hospital's FHIR server."""

    PENDING = "pending"  # waiting for the background job (or its next try)
    SENT = "sent"
    FAILED = "failed"  # the last try failed; retried with back-off, then a dead letter


class FhirPublication(Model):
    """A signed decision's mCODE Bundle sent to the hospital's FHIR server (config FHIR_PUBLISH_URL):
    one per signed version, made with the signature, updated by the job (`decisions.publication`)."""

    __tablename__ = "fhir_publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), unique=True)
    status: Mapped[PublicationStatus] = mapped_column(
        enum_type(PublicationStatus, 8, "status"), default=PublicationStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")  # an HTTP status, never a body
    location: Mapped[str] = mapped_column(String(500), default="")  # where the server keeps it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    decision: Mapped[Decision] = relationship(back_populates="publication")

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.decision.audit_scope()

    @property
    def is_sent(self) -> bool:
        return self.status == PublicationStatus.SENT

    @property
    def has_failed(self) -> bool:
        return self.status == PublicationStatus.FAILED


class SignedDecisionChanged(RuntimeError):
    """Raised at flush when anything tries to change a signed decision: a programming error, never a user
    path (the operations refuse first, with a message)."""


# signed → superseded, and the language its letter is written in (not part of the snapshot or its hash)
_MUTABLE_AFTER_SIGNING = frozenset({"status", "version", "updated_at", "letter_language"})


def _was_signed(decision: Decision) -> bool:
    """Signed (or superseded) in the database; a decision not yet inserted has nothing to protect (its
    status default is applied only at the insert)."""
    state = inspect(decision)
    if not state.persistent:
        return False
    status = state.attrs.status.history.deleted or [decision.status]
    return status[0] != DecisionStatus.DRAFT.value


@event.listens_for(Session, "before_flush")
def _signed_decisions_are_immutable(session, _context, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, Decision):
            if not _was_signed(obj):
                continue
            state = inspect(obj)
            if obj in session.deleted:
                raise SignedDecisionChanged(f"decision {obj.id} is signed and cannot be deleted")
            changed = {a.key for a in state.attrs if a.history.has_changes()} - {
                "items",
                "follow_up",
                "snapshot",
            }
            if changed - _MUTABLE_AFTER_SIGNING or (
                "status" in changed and obj.status != DecisionStatus.SUPERSEDED.value
            ):
                raise SignedDecisionChanged(f"decision {obj.id} is signed: {sorted(changed)} cannot change")
        elif isinstance(obj, PlanItem):
            _check_plan_item(session, obj)
    for obj in session.new:
        if isinstance(obj, PlanItem):
            _check_plan_item(session, obj)


def _check_plan_item(session: Session, item: PlanItem) -> None:
    """The item's decision now, the one it was taken from (removed from a plan, or moved), and the one its
    `decision_id` names (set directly, or left behind by the removal): none of them may be signed."""
    state = inspect(item)
    decisions = [item.decision, *state.attrs.decision.history.deleted]
    ids = {item.decision_id, *state.attrs.decision_id.history.deleted} - {None}
    decisions += [session.get(Decision, decision_id) for decision_id in ids]
    for decision in decisions:
        if decision is not None and _was_signed(decision):
            raise SignedDecisionChanged(f"plan of decision {decision.id} is signed and cannot change")
