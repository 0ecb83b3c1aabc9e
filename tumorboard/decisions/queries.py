"""Read side of the decision pages and the quality dashboard's board filter."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tumorboard.auth.models import User
from tumorboard.boards.models import Board
from tumorboard.cases.models import Case
from tumorboard.decisions.models import Decision
from tumorboard.extensions import db


def boards_of(user: User) -> list[Board]:
    """Every board the user is a member of, inactive ones too: their past still has figures."""
    ids = sorted(user.board_ids)
    if not ids:
        return []
    return list(db.session.scalars(select(Board).where(Board.id.in_(ids)).order_by(Board.name, Board.id)))


def case_decisions(case: Case) -> list[Decision]:
    """Every version of each decision on the case, meeting by meeting, plan items in one statement."""
    return list(
        db.session.scalars(
            select(Decision)
            .where(Decision.case_id == case.id)
            .options(selectinload(Decision.items))
            .order_by(Decision.meeting_id, Decision.number)
        )
    )
