"""Creating and editing boards. Memberships are set on the user (auth.operations.update_user)."""

import re

from flask_babel import gettext as _
from sqlalchemy import select

from tumorboard.audit.recording import diff, record, serialize_writes, snapshot
from tumorboard.boards.fields import BoardFields, MeetingPlanFields
from tumorboard.boards.models import Board, BoardMembership, encode_groups
from tumorboard.clinical.specialties import Specialty
from tumorboard.db import atomic
from tumorboard.errors import OperationError, check_version
from tumorboard.extensions import db
from tumorboard.fields import clean_all

BOARD_FIELDS = ("name", "description", "active")


def _clean(name: str, description: str, board: Board | None = None) -> tuple[str, str]:
    name = BoardFields.name.clean(name, "name")
    name = " ".join(name.split())
    serialize_writes()  # no other writer can add the same name between this check and the insert
    clash = db.session.scalar(select(Board).where(Board.name_key == name.casefold()))
    if clash is not None and clash is not board:
        raise OperationError(_("Another board already has this name."), field="name")
    return name, BoardFields.description.clean(description, "description")


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


SETTINGS_FIELDS = (
    "required_specialties",
    "default_weekday",
    "default_start_time",
    "default_duration_minutes",
    "default_capacity_cases",
    "default_capacity_minutes",
    "default_cutoff_hours",
    "default_room",
    "default_video_link",
)
EITHER_GROUP = (Specialty.GASTROENTEROLOGY, Specialty.ENDOCRINOLOGY)


def required_groups(specialties, either_gi_or_endocrinology: bool) -> tuple[tuple[Specialty, ...], ...]:
    """The quorum rule from the chosen specialties; gastroenterology and endocrinology may count as one."""
    try:
        chosen = [Specialty(s) for s in specialties]
    except ValueError:
        raise OperationError(_("Unknown specialty."), field="required") from None
    if not chosen:
        raise OperationError(_("Choose at least one specialty for quorum."), field="required")
    if either_gi_or_endocrinology and not all(s in chosen for s in EITHER_GROUP):
        raise OperationError(
            _("To let gastroenterology or endocrinology count for each other, choose both."), field="required"
        )
    merge = either_gi_or_endocrinology
    groups = [(s,) for s in Specialty if s in chosen and not (merge and s in EITHER_GROUP)]
    return (*groups, EITHER_GROUP) if merge else tuple(groups)


@atomic
def update_board_settings(
    actor,
    board: Board,
    *,
    expected_version: int | None,
    required,
    either_gi_or_endocrinology,
    weekday: int,
    start_time: str,
    duration_minutes: int,
    capacity_cases: int | None,
    capacity_minutes: int | None,
    cutoff_hours: int,
    room: str,
    video_link: str,
) -> None:
    """Quorum and meeting defaults: the board's admins and coordinators keep them."""
    if not (actor.is_admin or board.can_manage_meetings(actor)):
        raise OperationError(_("Only an administrator or the board's coordinators change its settings."))
    check_version(board, expected_version)
    if not 0 <= int(weekday) <= 6:
        raise OperationError(_("Choose a weekday."), field="weekday")
    start_time = BoardFields.start_time.clean(start_time, "start_time")
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", start_time):
        raise OperationError(_("The time is HH:MM, e.g. 16:00."), field="start_time")
    plan = clean_all(
        MeetingPlanFields,
        {
            "duration_minutes": duration_minutes,
            "cutoff_hours": cutoff_hours,
            "capacity_cases": capacity_cases,
            "capacity_minutes": capacity_minutes,
            "room": room,
            "video_link": video_link,
        },
    )
    duration_minutes, cutoff_hours = plan["duration_minutes"], plan["cutoff_hours"]
    capacity_cases, capacity_minutes = plan["capacity_cases"], plan["capacity_minutes"]
    room, video_link = plan["room"], plan["video_link"]
    before = snapshot(board, SETTINGS_FIELDS)
    board.required_specialties = encode_groups(required_groups(required, either_gi_or_endocrinology))
    board.default_weekday, board.default_start_time = int(weekday), start_time
    board.default_duration_minutes, board.default_cutoff_hours = int(duration_minutes), int(cutoff_hours)
    board.default_capacity_cases, board.default_capacity_minutes = capacity_cases, capacity_minutes
    board.default_room, board.default_video_link = room, video_link
    db.session.flush()
    changes = diff(before, snapshot(board, SETTINGS_FIELDS))
    if changes:
        record("board.settings_updated", actor=actor, entity=board, changes=changes)


@atomic
def set_member_functions(
    actor, board: Board, membership: BoardMembership, *, is_coordinator: bool, is_chair: bool
) -> None:
    """An administrator names the board's coordinators and chairs among its members."""
    if not actor.is_admin:
        raise OperationError(_("Only an administrator names coordinators and chairs."))
    if membership.board_id != board.id:
        raise OperationError(_("This person is not a member of the board."))
    before = {"is_coordinator": membership.is_coordinator, "is_chair": membership.is_chair}
    membership.is_coordinator, membership.is_chair = bool(is_coordinator), bool(is_chair)
    db.session.flush()
    changes = diff(before, {"is_coordinator": membership.is_coordinator, "is_chair": membership.is_chair})
    if changes:
        record(
            "board.member_functions",
            actor=actor,
            entity=board,
            changes=changes,
            details={"user": membership.user_id},
        )
