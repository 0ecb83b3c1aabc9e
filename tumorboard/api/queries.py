"""The API's reads: the same visibility as the UI (`visible_cases`, `visible_patients`, the boards'
memberships), in keyset pages (records in id order, `id > after` or `id < before`: one index range, however
deep the page)."""

from typing import Any

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import joinedload, selectinload

from tumorboard.boards.models import Board
from tumorboard.cases import queries as case_queries
from tumorboard.cases.models import Case, ImagingStudy, LabResult, PathologyReport, Patient, PriorTreatment
from tumorboard.decisions.models import Decision, DecisionStatus, FollowUp
from tumorboard.extensions import db
from tumorboard.keyset import Page, keyset
from tumorboard.meetings.models import AgendaItem, Meeting

# Decisions the API shows: signed ones, in force or superseded by an amendment (a draft is the board's
# work in progress, read and written in the UI).
PUBLISHED = (DecisionStatus.SIGNED.value, DecisionStatus.SUPERSEDED.value)


def patients(user, **page) -> Page:
    return keyset(case_queries.visible_patients(user), Patient.id, **page)


def patient(user, patient_id: int) -> Patient | None:
    return case_queries.find_visible_patient(user, patient_id)


def cases(user, *, patient_id: int | None = None, **page) -> Page:
    stmt = case_queries.visible_cases(user)
    if patient_id is not None:
        stmt = stmt.where(Case.patient_id == patient_id)
    return keyset(stmt, Case.id, **page)


def case(user, case_id: int) -> Case | None:
    return case_queries.find_visible_case(user, case_id)


FINDINGS: dict[str, Any] = {
    "imaging": ImagingStudy,
    "lab": LabResult,
    "pathology": PathologyReport,
    "treatment": PriorTreatment,
}


def findings(case: Case, kind: str, **page) -> Page:
    model = FINDINGS[kind]
    return keyset(select(model).where(model.case_id == case.id), model.id, **page)


def finding(user, kind: str, finding_id: int):
    """A finding of a case the user may see, with its case, or None."""
    model = FINDINGS[kind]
    found = db.session.get(model, finding_id)
    if found is None or case(user, found.case_id) is None:
        return None
    return found


def boards(user, **page) -> Page:
    ids = sorted(user.board_ids)
    stmt = select(Board).where(Board.id.in_(ids) if ids else false())
    return keyset(stmt, Board.id, **page)


def board(user, board_id: int) -> Board | None:
    if board_id not in user.board_ids:
        return None
    return db.session.get(Board, board_id)


def meetings(user, *, board_id: int | None = None, **page) -> Page:
    ids = sorted(user.board_ids)
    stmt = select(Meeting).where(Meeting.board_id.in_(ids) if ids else false())
    if board_id is not None:
        stmt = stmt.where(Meeting.board_id == board_id)
    return keyset(stmt, Meeting.id, **page)


def meeting(user, meeting_id: int) -> Meeting | None:
    found = db.session.get(Meeting, meeting_id)
    return found if found is not None and found.can_view(user) else None


def agenda_items(meeting: Meeting, **page) -> Page:
    return keyset(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id), AgendaItem.id, **page)


def agenda_item(user, item_id: int) -> AgendaItem | None:
    found = db.session.get(AgendaItem, item_id)
    return found if found is not None and meeting(user, found.meeting_id) is not None else None


def _visible_decisions(user) -> Select:
    ids = sorted(user.board_ids)
    seen = or_(
        Decision.meeting_id.in_(select(Meeting.id).where(Meeting.board_id.in_(ids))) if ids else false(),
        Decision.case_id.in_(select(Case.id).where(Case.submitter_id == user.id)),
    )
    return (
        select(Decision)
        .where(seen, Decision.status.in_(PUBLISHED))
        .options(joinedload(Decision.meeting), joinedload(Decision.case), selectinload(Decision.items))
    )


def decisions(user, *, case_id: int | None = None, **page) -> Page:
    stmt = _visible_decisions(user)
    if case_id is not None:
        stmt = stmt.where(Decision.case_id == case_id)
    return keyset(stmt, Decision.id, **page)


def decision(user, decision_id: int) -> Decision | None:
    return db.session.scalar(_visible_decisions(user).where(Decision.id == decision_id))


def board_decision(user, decision_id: int) -> Decision | None:
    """A decision of one of the user's boards' meetings, draft or signed (what a draft's writer may
    reach), or None."""
    ids = sorted(user.board_ids)
    if not ids:
        return None
    return db.session.scalar(
        select(Decision)
        .where(Decision.id == decision_id)
        .where(Decision.meeting_id.in_(select(Meeting.id).where(Meeting.board_id.in_(ids))))
        .options(joinedload(Decision.meeting), joinedload(Decision.case))
    )


def follow_up(decision: Decision) -> FollowUp | None:
    return db.session.scalar(select(FollowUp).where(FollowUp.decision_id == decision.id))
