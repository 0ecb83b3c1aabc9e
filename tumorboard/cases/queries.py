"""Read-side queries of the cases package: who sees which case and patient, the case list, the case page.

Each page's data comes in a fixed number of statements, whatever the number of rows or findings.
"""

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import (
    Select,
    SQLColumnExpression,
    UnaryExpression,
    and_,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from tumorboard import keyset
from tumorboard.audit.models import AuditEvent
from tumorboard.auth.models import User
from tumorboard.boards.models import Board
from tumorboard.cases import search
from tumorboard.cases.models import (
    Case,
    CaseStatus,
    ImagingStudy,
    LabResult,
    LabStatus,
    PathologyReport,
    Patient,
    PatientRegistration,
)
from tumorboard.extensions import db
from tumorboard.timezones import local_day_end_utc, local_day_start_utc

SORTS: dict[str, tuple[UnaryExpression[Any], ...]] = {
    "updated": (Case.updated_at.desc(), Case.id.desc()),
    "oldest": (Case.updated_at.asc(), Case.id.asc()),
    "submitted": (Case.submitted_at.desc(), Case.id.desc()),
    "patient": (Patient.name_key.asc(), Case.id.asc()),
    "site": (Case.primary_site.asc(), Case.updated_at.desc(), Case.id.desc()),
    "status": (Case.status.asc(), Case.updated_at.desc(), Case.id.desc()),
}


def visible_cases(user, *, in_list_order: bool = False) -> Select:
    """The cases a user may see: their own, and their boards' cases once submitted (drafts are private).

    `in_list_order`: the caller reads a page of the list. SQLite would answer the OR from two indexes and
    then sort every visible case (0.4 to 1.2 s at 100,000 cases); a unary plus (SQLite's documented way to
    keep an index out of a term) makes it walk the list's covering index in order and stop after a page
    (under 10 ms newest first), use the index of a board filter, or scan once for the other orders (tens of
    milliseconds).
    """
    submitter: SQLColumnExpression[Any] = Case.submitter_id
    board: SQLColumnExpression[Any] = Case.board_id
    if in_list_order and db.session.get_bind().dialect.name == "sqlite":
        submitter = literal_column(f"+{Case.__tablename__}.submitter_id")
        board = literal_column(f"+{Case.__tablename__}.board_id")
    boards = sorted(user.board_ids)
    # as Case.can_view: a draft, or a draft withdrawn before it was ever submitted, stays private
    never_shared = or_(
        Case.status == CaseStatus.DRAFT.value,
        and_(Case.status == CaseStatus.WITHDRAWN.value, Case.submitted_at.is_(None)),
    )
    shared = and_(board.in_(boards), ~never_shared) if boards else false()
    return select(Case).where(or_(submitter == user.id, shared))


def visible_patients(user) -> Select:
    """Patients of the user's boards: those with a case the user may see, and those the user registered
    (first, or by a registration matched to the patient).

    A page of patients (by name, or by id in the API) is read in its order and stops after the page, so
    each patient's visible case is looked up by ix_tumor_case_patient_id, one short range per patient read:
    a correlated scalar subquery (its first visible case's id), which PostgreSQL runs per row. As an EXISTS
    under the OR, PostgreSQL hashed the subquery instead, and so read every visible case before the first
    patient of a page: 100,013 rows of tumor_case, 56 to 71 ms, for 26 patients at 100,000 cases. A user
    without boards sees only the patients they registered or submitted a case of: those few are found
    from their side (the registrations and the user's own cases), not by reading every patient in order
    for the few that match."""
    registered = select(PatientRegistration.patient_id).where(PatientRegistration.user_id == user.id)
    if not user.board_ids:
        own = select(Case.patient_id).where(Case.submitter_id == user.id)
        return select(Patient).where(Patient.id.in_(registered.union(own)))
    seen = (
        visible_cases(user)
        .with_only_columns(Case.id)
        .where(Case.patient_id == Patient.id)
        .limit(1)
        .scalar_subquery()
    )
    mine = registered.where(PatientRegistration.patient_id == Patient.id)
    return select(Patient).where(or_(exists(mine), seen.is_not(None)))


def find_visible_case(user, case_id: int) -> Case | None:
    return db.session.scalar(visible_cases(user).where(Case.id == case_id))


def find_visible_patient(user, patient_id: int) -> Patient | None:
    return db.session.scalar(visible_patients(user).where(Patient.id == patient_id))


def patient_cases(user, patient: Patient, limit: int = 100) -> list[Case]:
    """The patient's cases the user may see, newest first, with their boards joined."""
    return list(
        db.session.scalars(
            visible_cases(user)
            .where(Case.patient_id == patient.id)
            .options(joinedload(Case.board))
            .order_by(Case.created_at.desc())
            .limit(limit)
        )
    )


# the patient list by name, by the (name_key) index (the id, its row's own, breaks ties); jumps by initial
PATIENT_ORDER = (Patient.name_key.asc(), Patient.id.asc())


def patient_list(user, text: str = "") -> tuple[Select, tuple[UnaryExpression[Any], ...]]:
    """The patients the user may see and the order of their pages: by name; with `text`, those the search
    index finds (cases.search), best match first (SearchRefused for text that cannot be searched)."""
    if not text.strip():
        return visible_patients(user), PATIENT_ORDER
    return search.ranked(visible_patients(user), search.parse(text))


def search_patients(user, text: str, limit: int = 50) -> list[Patient]:
    """By MRN (exact, or its beginning) or by name (the words' beginnings, folded), best match first, through
    the search index (cases.search); SearchRefused for text that cannot be searched."""
    stmt, order = search.ranked(visible_patients(user), search.parse(text))
    return list(db.session.scalars(stmt.order_by(*order).limit(limit)))


@dataclass(frozen=True)
class CaseFilters:
    board_id: int | None = None
    status: str | None = None
    site: str | None = None
    grade: str | None = None
    submitter: str | None = None  # "me" or a user id as text
    date_from: date | None = None
    date_to: date | None = None
    text: str = ""  # patient name, MRN or words of the clinical question; sent by POST only
    sort: str = "updated"


def _listed_cases(user, filters: CaseFilters) -> Select:
    """The cases the list shows (visible, filtered), without their patient's join or an order."""
    stmt = visible_cases(user, in_list_order=True)
    if filters.board_id:
        stmt = stmt.where(Case.board_id == filters.board_id)
    if filters.status:
        stmt = stmt.where(Case.status == filters.status)
    if filters.site:
        stmt = stmt.where(Case.primary_site == filters.site)
    if filters.grade:
        grade: SQLColumnExpression[Any] = Case.computed_grade
        if filters.sort == "patient" and db.session.get_bind().dialect.name == "sqlite":
            grade = literal_column(f"+{Case.__tablename__}.computed_grade")  # see below
        stmt = stmt.where(grade == filters.grade)
    if filters.submitter == "me":
        stmt = stmt.where(Case.submitter_id == user.id)
    elif filters.submitter and filters.submitter.isdigit():
        stmt = stmt.where(Case.submitter_id == int(filters.submitter))
    if filters.date_from:
        stmt = stmt.where(Case.updated_at >= local_day_start_utc(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(Case.updated_at < local_day_end_utc(filters.date_to))
    if filters.text:
        stmt = stmt.where(search.in_ids(Case.id, search.case_ids(search.parse(filters.text))))
    return stmt


def case_list(user, filters: CaseFilters) -> Select:
    stmt = _listed_cases(user, filters).join(Patient, Patient.id == Case.patient_id)
    if filters.sort == "patient" and db.session.get_bind().dialect.name == "sqlite":
        # a range on the name index (every name is >= ''), so that SQLite walks the patients in name order
        # and finds their cases by the patient index, instead of scanning every case and sorting them (the
        # grade's unary plus keeps SQLite from preferring a scan for the board-and-grade index)
        stmt = stmt.where(Patient.name_key >= "")
    return stmt.options(
        contains_eager(Case.patient), joinedload(Case.board), joinedload(Case.submitter)
    ).order_by(*SORTS.get(filters.sort, SORTS["updated"]))


# What a jump into each order goes by: a day for the orders by a date, a name's initial for the patient's.
JUMPS = {"updated": "date", "oldest": "date", "submitted": "date", "patient": "initial"}


def jump_value(sort: str, day: date | None, initial: str | None) -> Any:
    """The first column's bound of a jump into the case list in `sort` (`keyset.jump_bound`)."""
    return keyset.jump_bound(SORTS.get(sort, SORTS["updated"]), JUMPS.get(sort), day, initial)


def case_page(
    user,
    filters: CaseFilters,
    *,
    limit: int,
    direction: str = keyset.FIRST,
    boundary: tuple[Any, ...] | None = None,
    jump: Any = None,
) -> keyset.SeekPage:
    """One keyset page of the case list in its sort: first, after or before a boundary, last, or a jump."""
    order = SORTS.get(filters.sort, SORTS["updated"])
    return keyset.seek(
        case_list(user, filters), order, limit=limit, direction=direction, boundary=boundary, jump=jump
    )


def count_capped(user, filters: CaseFilters) -> int:
    """The number of cases of the list (`case_list(user, filters)`), counted up to COUNT_CAP + 1 only (the
    list says "more than 1,000").

    The cases alone (each has its patient: the page's join adds no row), in the list's default order,
    whatever the page's: the indexes that serve each filter in that order (the plan test checks them) let
    the LIMIT stop an index range after COUNT_CAP + 1 rows, an index-only one for the unfiltered list.
    Unordered, the planner expected the LIMIT to stop a sequential scan early, and at 1,000,000 cases
    filtered by board, status, site and grade that scan read 170,000 rows before its 1,001st match. A
    search's cases are counted unordered (in order they would all be sorted first): on SQLite by their ids
    (search.in_ids); on PostgreSQL each way of matching up to the cap by itself, so that a common name
    stops after 1,001 of its cases, where the array of every patient it matched read them all (50,000
    'schmidt' from the heap: 862 ms of the 1,000,000-case search, 83 ms now)."""
    if filters.text and db.session.get_bind().dialect.name == "postgresql":
        # each way of matching up to the cap, the union of both holding the cap's worth or every match: the
        # patients found by the GIN indexes are joined to their cases until the cap (an array of every
        # patient found read all 50,000 'schmidt' from the heap first); the questions' by their index
        query = search.parse(filters.text)
        listed = _listed_cases(user, replace(filters, text="")).with_only_columns(Case.id)
        found = select(Patient.id).where(search.patient_matches(query)).subquery("found")
        # LATERAL, with a LIMIT that keeps the planner from flattening it into a join: each patient found,
        # then its cases by the patient index, until the cap (joined, a small table's plan hashed them
        # against a scan of every case)
        of_each = listed.where(Case.patient_id == found.c.id).limit(COUNT_CAP + 1).lateral("of_each")
        by_patient = select(of_each.c.id).select_from(found).join(of_each, true())
        by_question = listed.where(search.in_ids(Case.id, search.question_case_ids(query)))
        each = union(by_patient.limit(COUNT_CAP + 1), by_question.limit(COUNT_CAP + 1)).subquery()
        limited = select(each.c.id).limit(COUNT_CAP + 1).subquery()
        return db.session.execute(select(func.count()).select_from(limited)).scalar_one()
    order = () if filters.text else SORTS["updated"]
    stmt = _listed_cases(user, filters).with_only_columns(Case.id)
    limited = stmt.order_by(*order).limit(COUNT_CAP + 1).subquery()
    return db.session.execute(select(func.count()).select_from(limited)).scalar_one()


COUNT_CAP = 1000


def active_boards_of(user) -> list[Board]:
    """The user's active boards by name (none read when they have none): the board filter and new cases."""
    ids = sorted(user.board_ids)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Board).where(Board.id.in_(ids), Board.active.is_(True)).order_by(Board.name)
        )
    )


def submitters_of(user) -> list[tuple[int, str]]:
    """Who has submitted cases to the user's boards: the submitter filter's choices."""
    # one EXISTS per user answered by the (submitter_id, updated_at) index, not a scan of every case
    has_visible_case = exists(
        visible_cases(user).with_only_columns(Case.id).where(Case.submitter_id == User.id)
    )
    return [
        (u.id, u.name) for u in db.session.scalars(select(User).where(has_visible_case).order_by(User.name))
    ]


def load_case_page(user, case_id: int) -> Case | None:
    """The case with everything its page shows, in one statement per collection."""
    return db.session.scalar(
        visible_cases(user)
        .where(Case.id == case_id)
        .options(
            joinedload(Case.patient),
            joinedload(Case.board),
            selectinload(Case.imaging).joinedload(ImagingStudy.created_by),
            selectinload(Case.lab_results).joinedload(LabResult.created_by),
            selectinload(Case.pathology).joinedload(PathologyReport.created_by),
            selectinload(Case.prior_treatments),
        )
    )


def case_events(case: Case, limit: int = 200) -> list[AuditEvent]:
    """The case's own lifecycle events (created, submitted, scheduled …), newest first, with who did them
    (the timeline names people; the audit label is their e-mail address)."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == Case.__tablename__, AuditEvent.entity_id == str(case.id))
            .options(joinedload(AuditEvent.actor))
            .order_by(AuditEvent.seq.desc())
            .limit(limit)
        )
    )


def marker_results(case: Case, analyte: str, limit: int = 500) -> list[LabResult]:
    """The case's results in force of one analyte in sample order, for its chart (not the withdrawn)."""
    return list(
        db.session.scalars(
            select(LabResult)
            .where(
                LabResult.case_id == case.id,
                LabResult.analyte == analyte,
                LabResult.status != LabStatus.WITHDRAWN,
            )
            .order_by(LabResult.sample_date, LabResult.id)
            .limit(limit)
        )
    )
