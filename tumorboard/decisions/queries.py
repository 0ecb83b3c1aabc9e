"""Read side of the decision pages and the quality dashboard's board filter."""

from datetime import timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from tumorboard.auth.models import User
from tumorboard.boards.models import Board
from tumorboard.cases.models import Case
from tumorboard.db import utcnow
from tumorboard.decisions.models import Decision, DecisionStatus, FollowUp, ResultNotice
from tumorboard.extensions import db
from tumorboard.meetings.models import Meeting
from tumorboard.timezones import hospital_today

# Without a review date, the submitter is asked what became of the recommendation this long after signing.
FOLLOW_UP_AFTER = timedelta(weeks=6)


def follow_up_due() -> ColumnElement[bool]:
    """A decision in force whose follow-up is due and not recorded: past its review date, or six weeks
    after signing when it has none. The dashboard lists these and the reminders are sent for them."""
    due = or_(
        Decision.next_review_date <= hospital_today(),
        and_(Decision.next_review_date.is_(None), Decision.signed_at <= utcnow() - FOLLOW_UP_AFTER),
    )
    return and_(
        Decision.status == DecisionStatus.SIGNED.value,
        due,
        ~select(FollowUp.id).where(FollowUp.decision_id == Decision.id).exists(),
    )


def boards_of(user: User) -> list[Board]:
    """Every board the user is a member of, inactive ones too: their past still has figures."""
    ids = sorted(user.board_ids)
    if not ids:
        return []
    return list(db.session.scalars(select(Board).where(Board.id.in_(ids)).order_by(Board.name, Board.id)))


def case_decisions(case: Case) -> list[Decision]:
    """Every version of each decision on the case, meeting by meeting, plan items in one statement, the
    notices of results the laboratory changed after signing (with their results) in one more."""
    return list(
        db.session.scalars(
            select(Decision)
            .where(Decision.case_id == case.id)
            .options(
                selectinload(Decision.items),
                selectinload(Decision.result_notices).joinedload(ResultNotice.lab_result),
            )
            .order_by(Decision.meeting_id, Decision.number)
        )
    )


def case_page_decisions(case: Case) -> list[Decision]:
    """Every version of the case's decisions for its page (panel and timeline), with plan, follow-up,
    signatory and meeting: one statement plus the plan's."""
    return list(
        db.session.scalars(
            select(Decision)
            .where(Decision.case_id == case.id)
            .options(
                selectinload(Decision.items),
                joinedload(Decision.follow_up),
                joinedload(Decision.signed_by),
                joinedload(Decision.meeting),
                joinedload(Decision.agenda_item),
            )
            .join(Meeting, Meeting.id == Decision.meeting_id)
            .order_by(Meeting.starts_at, Decision.number)
        ).unique()
    )
