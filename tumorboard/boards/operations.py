"""Creating and editing boards. Memberships are set on the user (auth.operations.update_user)."""

from sqlalchemy import select

from tumorboard.audit.recording import diff, record, serialize_writes, snapshot
from tumorboard.boards.models import Board
from tumorboard.db import atomic
from tumorboard.errors import OperationError, check_version
from tumorboard.extensions import db

BOARD_FIELDS = ("name", "description", "active")


def _clean(name: str, description: str, board: Board | None = None) -> tuple[str, str]:
    name = " ".join((name or "").split())
    if not name or len(name) > 120:
        raise OperationError("Enter the board's name (at most 120 characters).", field="name")
    serialize_writes()  # no other writer can add the same name between this check and the insert
    clash = db.session.scalar(select(Board).where(Board.name_key == name.casefold()))
    if clash is not None and clash is not board:
        raise OperationError("Another board already has this name.", field="name")
    description = (description or "").strip()
    if len(description) > 2000:
        raise OperationError("The description is too long (at most 2000 characters).", field="description")
    return name, description


@atomic
def create_board(actor, *, name: str, description: str = "", active: bool = True) -> Board:
    name, description = _clean(name, description)
    board = Board(name=name, name_key=name.casefold(), description=description, active=active)
    db.session.add(board)
    db.session.flush()
    record("board.created", actor=actor, entity=board, changes=diff({}, snapshot(board, BOARD_FIELDS)))
    return board


@atomic
def update_board(
    actor, board: Board, *, expected_version: int | None, name: str, description: str, active: bool
) -> None:
    check_version(board, expected_version)
    before = snapshot(board, BOARD_FIELDS)
    board.name, board.description = _clean(name, description, board)
    board.name_key = board.name.casefold()
    board.active = bool(active)
    db.session.flush()
    changes = diff(before, snapshot(board, BOARD_FIELDS))
    if changes:
        record("board.updated", actor=actor, entity=board, changes=changes)
