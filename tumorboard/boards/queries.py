"""Read side of the admin's board pages: the board list with member counts, a board's members."""

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from tumorboard.auth.models import User
from tumorboard.boards.models import Board, BoardMembership
from tumorboard.extensions import db

# by name (its casefolded key, unique and indexed), the id breaking ties; a jump goes to an initial
BOARD_ORDER = (Board.name_key.asc(), Board.id.asc())


def board_list() -> Select:
    """Every board by name, for the keyset list."""
    return select(Board).order_by(*BOARD_ORDER)


def member_counts(boards: list[Board]) -> dict[int, int]:
    """How many members each of these boards has, in one statement for the whole page."""
    return dict(
        db.session.execute(
            select(BoardMembership.board_id, func.count(BoardMembership.id))
            .where(BoardMembership.board_id.in_([b.id for b in boards]))
            .group_by(BoardMembership.board_id)
        ).all()
    )


# by specialty, then name (case folded), the user's id breaking ties
MEMBER_ORDER = (User.specialty.asc(), func.lower(User.name).asc(), User.id.asc())


def members_of(board: Board) -> Select:
    """The board's memberships with their users (joined, not one statement each), by specialty and name."""
    return (
        select(BoardMembership)
        .join(User, BoardMembership.user_id == User.id)
        .options(joinedload(BoardMembership.user))
        .where(BoardMembership.board_id == board.id)
        .order_by(*MEMBER_ORDER)
    )


def member_count(board: Board) -> int:
    return (
        db.session.scalar(select(func.count(BoardMembership.id)).where(BoardMembership.board_id == board.id))
        or 0
    )


def find_membership(board: Board, user_id: int) -> BoardMembership | None:
    """The user's membership of the board, if they are a member."""
    return db.session.scalar(
        select(BoardMembership).where(
            BoardMembership.board_id == board.id, BoardMembership.user_id == user_id
        )
    )
