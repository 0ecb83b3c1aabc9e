"""What the HL7 listener keeps: each message it answered (the log, and the key of idempotency), and the
results it could not file. (The MRNs a merge retired are `cases.models.PatientAlias`.)

The log holds no patient data: the sender, the type, the control id, what became of it and why. A result
it could not file keeps what the laboratory sent, for the coordinator who matches or dismisses it.
"""

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tumorboard.auth.roles import Role
from tumorboard.boards.models import coordinated_board_ids
from tumorboard.cases.models import Patient
from tumorboard.clinical.vocabularies import Analyte
from tumorboard.db import UTCDateTime, enum_type, utcnow
from tumorboard.extensions import Model


class AckCode(StrEnum):
    """HL7 table 0008: accepted, application error (the sender may correct and resend), rejected (the
    message itself cannot be used: its header, type or framing)."""

    AA = "AA"
    AE = "AE"
    AR = "AR"


class MessageOutcome(StrEnum):
    PROCESSED = "processed"  # every part filed
    HELD = "held"  # accepted, some result waits in the unmatched work list
    ERROR = "error"  # AE: refused, nothing written
    REJECTED = "rejected"  # AR: unusable, nothing written

    @property
    def label(self) -> str:
        return str(
            {
                "processed": _l("Processed"),
                "held": _l("Held"),
                "error": _l("Error"),
                "rejected": _l("Rejected"),
            }[self.value]
        )


class Hl7Message(Model):
    """One received message and the ACK it was answered with. (sender, control id) is unique: a resent
    message finds its row and is answered with the same ACK, writing nothing."""

    __tablename__ = "hl7_message"
    __table_args__ = (
        Index("uq_hl7_message_sender_control_id", "sending_application", "control_id", unique=True),
        Index("ix_hl7_message_received", "received_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sending_application: Mapped[str | None] = mapped_column(String(227))
    control_id: Mapped[str | None] = mapped_column(String(199))
    message_type: Mapped[str] = mapped_column(String(20), default="")
    outcome: Mapped[MessageOutcome] = mapped_column(enum_type(MessageOutcome, 16, "outcome"))
    ack_code: Mapped[AckCode] = mapped_column(enum_type(AckCode, 2, "ack_code"))
    error: Mapped[str] = mapped_column(String(500), default="")
    ack: Mapped[str] = mapped_column(Text, default="")  # the ACK as sent, to send again


class UnmatchedStatus(StrEnum):
    OPEN = "open"
    MATCHED = "matched"
    DISMISSED = "dismissed"

    @property
    def label(self) -> str:
        return str({"open": _l("Open"), "matched": _l("Matched"), "dismissed": _l("Dismissed")}[self.value])


class UnmatchedReason(StrEnum):
    UNKNOWN_PATIENT = "unknown_patient"
    UNMAPPED_CODE = "unmapped_code"
    NO_OPEN_CASE = "no_open_case"
    NOT_NUMERIC = "not_numeric"
    WRONG_PATIENT = "wrong_patient"  # OBX-11 W: withdrawn from the patient it was sent for, to be re-filed

    @property
    def label(self) -> str:
        return str(UNMATCHED_REASON_LABELS[self])


UNMATCHED_REASON_LABELS = {
    UnmatchedReason.UNKNOWN_PATIENT: _l("No patient with this MRN"),
    UnmatchedReason.UNMAPPED_CODE: _l("Code not mapped to a marker"),
    UnmatchedReason.NO_OPEN_CASE: _l("The patient has no case open for findings"),
    UnmatchedReason.NOT_NUMERIC: _l("The value is not a number"),
    UnmatchedReason.WRONG_PATIENT: _l("Sent for the wrong patient: name the patient it belongs to"),
}


class UnmatchedResult(Model):
    """One OBX the listener could not file, as the laboratory sent it: never dropped, never guessed."""

    __tablename__ = "hl7_unmatched_result"
    __table_args__ = (Index("ix_hl7_unmatched_status_received", "status", "received_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("hl7_message.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[UnmatchedReason] = mapped_column(enum_type(UnmatchedReason, 16, "reason"))
    # the patient the MRN named, when known (the result is then their boards' coordinators' to see)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id", ondelete="SET NULL"), index=True)
    mrn: Mapped[str] = mapped_column(String(250), default="")
    family_name: Mapped[str] = mapped_column(String(194), default="")
    given_name: Mapped[str] = mapped_column(String(194), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    code: Mapped[str] = mapped_column(String(250), default="")
    code_text: Mapped[str] = mapped_column(String(250), default="")
    code_system: Mapped[str] = mapped_column(String(40), default="")
    analyte: Mapped[Analyte | None] = mapped_column(enum_type(Analyte, 32, "analyte"))
    value: Mapped[str] = mapped_column(String(250), default="")
    unit: Mapped[str] = mapped_column(String(250), default="")
    reference_range: Mapped[str] = mapped_column(String(60), default="")
    observed_on: Mapped[date | None] = mapped_column(Date)
    laboratory: Mapped[str] = mapped_column(String(250), default="")
    status: Mapped[UnmatchedStatus] = mapped_column(
        enum_type(UnmatchedStatus, 16, "status"), default=UnmatchedStatus.OPEN
    )
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dismiss_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    patient: Mapped[Patient | None] = relationship()
    message: Mapped[Hl7Message] = relationship()
    resolved_by = relationship("User")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<UnmatchedResult {self.id}>"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return None, self.patient_id

    def can_view(self, user) -> bool:
        """A coordinator of a board that has a case of the named patient; a result whose patient is
        unknown (or has no case yet) is every coordinator's, since nothing says which board it is for."""
        if not user.is_authenticated or not user.has_role(Role.COORDINATOR):
            return False
        boards = {case.board_id for case in self.patient.cases} if self.patient is not None else set()
        return not boards or bool(boards & coordinated_board_ids(user))

    def can_resolve(self, user) -> bool:
        return self.status == UnmatchedStatus.OPEN and self.can_view(user)

    @property
    def is_open(self) -> bool:
        return self.status == UnmatchedStatus.OPEN
