"""The reads of the HL7 package: the message log, the work list of unmatched results."""

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from tumorboard.boards.models import coordinated_board_ids
from tumorboard.cases.models import Case, LabResult, Patient
from tumorboard.extensions import db
from tumorboard.hl7.models import Hl7Message, UnmatchedResult, UnmatchedStatus


def logged_message(sending_application: str, control_id: str) -> Hl7Message | None:
    return db.session.scalar(
        select(Hl7Message).where(
            Hl7Message.sending_application == sending_application, Hl7Message.control_id == control_id
        )
    )


def patient_holding(mrn: str) -> Patient | None:
    """The patient whose own MRN this is (not one a merge retired)."""
    return db.session.scalar(select(Patient).where(Patient.mrn == mrn))


def received_results(patient_id: int, source: tuple[str, str]) -> list[LabResult]:
    """The results filed under this laboratory name on the patient's cases, withdrawn ones included (by
    the case's (case, source) index)."""
    system, identifier = source
    return list(
        db.session.scalars(
            select(LabResult)
            .join(Case, Case.id == LabResult.case_id)
            .where(
                Case.patient_id == patient_id,
                LabResult.source_system == system,
                LabResult.source_id == identifier,
            )
            .order_by(LabResult.id)
        )
    )


def results_held_for(patient_id: int) -> list[UnmatchedResult]:
    return list(db.session.scalars(select(UnmatchedResult).where(UnmatchedResult.patient_id == patient_id)))


# newest first, by the (received_at, id) index; a jump goes to a day
MESSAGE_ORDER = (Hl7Message.received_at.desc(), Hl7Message.id.desc())
# newest first, by the (status, received_at, id) index
UNMATCHED_ORDER = (UnmatchedResult.received_at.desc(), UnmatchedResult.id.desc())


def message_log() -> Select:
    """The admin's log, newest first (indexed on received_at, id)."""
    return select(Hl7Message).order_by(*MESSAGE_ORDER)


def unmatched_results(user, status: UnmatchedStatus) -> Select:
    """The work list of a coordinator, newest first: the results of patients with a case on a board they
    coordinate, and every result whose patient is unknown or has no case (`UnmatchedResult.can_view`,
    in SQL)."""
    boards = sorted(coordinated_board_ids(user))
    of_patient = Case.patient_id == UnmatchedResult.patient_id
    # one case of the patient, probed per result by the case's patient index (a LIMIT 1 subquery: an
    # EXISTS under OR is planned on PostgreSQL as a hash of the whole case table)
    no_case = select(Case.id).where(of_patient).limit(1).scalar_subquery().is_(None)
    on_board = select(Case.id).where(of_patient, Case.board_id.in_(boards)).limit(1).scalar_subquery()
    return (
        select(UnmatchedResult)
        .where(
            UnmatchedResult.status == status,
            or_(UnmatchedResult.patient_id.is_(None), no_case, on_board.is_not(None)),
        )
        .options(selectinload(UnmatchedResult.patient))
        .order_by(*UNMATCHED_ORDER)
    )


def unmatched_result(item_id: int) -> UnmatchedResult | None:
    return db.session.scalar(
        select(UnmatchedResult)
        .where(UnmatchedResult.id == item_id)
        .options(selectinload(UnmatchedResult.patient).selectinload(Patient.cases))
    )
