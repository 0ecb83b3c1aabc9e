"""Planning meetings, building agendas, attendance, quorum, starting and closing a meeting.

Every agenda change moves the meeting's version on, so two coordinators working on one agenda never
overwrite each other: the second save answers 409. Positions are unique per meeting, and a case can be on
one open agenda only (`AgendaItem.open_case_id` is unique), whatever the race.

When the board is done with an agenda item (its outcome is recorded, it is deferred when the meeting
closes, or the meeting is cancelled), the case is frozen as it was then in an agenda snapshot: from then
on the meeting's pages and documents show that, never what was added to the case later.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, delete, func, literal, select, tuple_, union_all

from tumorboard.audit.recording import diff, record, snapshot
from tumorboard.boards.fields import MeetingPlanFields
from tumorboard.boards.models import Board, missing_specialties
from tumorboard.cases import operations as case_operations
from tumorboard.cases.models import BOARD_OUTCOMES, IN_POOL, Case, CaseStatus
from tumorboard.cases.records import case_record
from tumorboard.cases.summary import summarise
from tumorboard.clinical.specialties import Specialty
from tumorboard.db import atomic, utcnow
from tumorboard.errors import OperationError, check_version
from tumorboard.extensions import db
from tumorboard.fields import clean_all, reason_given
from tumorboard.jobs import enqueue
from tumorboard.keyset import AFTER, BEFORE, FIRST, LAST, BadCursor, SeekPage
from tumorboard.meetings.fields import AgendaFields, MeetingFields
from tumorboard.meetings.models import (
    AgendaItem,
    AgendaMode,
    AgendaSnapshot,
    Attendance,
    AttendanceStatus,
    Frequency,
    Meeting,
    MeetingAction,
    MeetingRequest,
    MeetingSeries,
    MeetingStatus,
)
from tumorboard.meetings.reminders import send_agenda
from tumorboard.notifications.models import Notification
from tumorboard.notifications.operations import in_recipients_languages, notify
from tumorboard.timezones import format_date, format_datetime, hospital_today, hospital_tz, to_local

AGENDA_SNAPSHOT_SCHEMA = 1
MEETING_FIELDS = (
    "starts_at",
    "duration_minutes",
    "room",
    "video_link",
    "cutoff_at",
    "capacity_cases",
    "capacity_minutes",
    "status",
)


@dataclass(frozen=True)
class MeetingPlan:
    """What a coordinator fills in for a meeting: local wall-clock start and the meeting's settings."""

    start_local: datetime  # naive, in the hospital's time zone
    duration_minutes: int
    room: str = ""
    video_link: str = ""
    cutoff_hours: int = 48
    capacity_cases: int | None = None
    capacity_minutes: int | None = None


def _require_manager(actor, board: Board) -> None:
    """For a meeting yet to be planned: the board's coordinators."""
    if not board.can_manage_meetings(actor):
        raise OperationError(MeetingAction.CHANGE_DETAILS.not_allowed)


def _require(actor, meeting: Meeting, action: MeetingAction) -> None:
    """The person may do `action`, and the meeting's state allows it (MEETING_LIFECYCLE)."""
    if not meeting.is_for(action.who, actor):
        raise OperationError(action.not_allowed)
    if not meeting.allows(action):
        raise OperationError(action.not_now)


def _move(meeting: Meeting, action: MeetingAction) -> tuple[str, str]:
    """The meeting takes the state the action leads to; returns (before, after) for the audit trail."""
    before = meeting.status
    meeting.status = meeting.after(action)
    return str(before), str(meeting.status)


def local_to_utc(start_local: datetime) -> datetime:
    """A wall-clock time in the hospital's zone to UTC. A time that does not exist (the hour skipped when
    clocks go forward) is refused rather than guessed."""
    zone = hospital_tz()
    aware = start_local.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != start_local:
        raise OperationError(_("This time does not exist on that day (the clocks change)."), field="start")
    return aware.astimezone(UTC)


def _clean_plan(board: Board, plan: MeetingPlan, *, allow_past: bool = False) -> dict:
    clean = clean_all(MeetingPlanFields, vars(plan))
    room, video = clean["room"], clean["video_link"]
    if not room and not video:
        raise OperationError(_("Give a room, a video link, or both."), field="room")
    starts_at = local_to_utc(plan.start_local)
    if not allow_past and starts_at < utcnow():
        raise OperationError(_("The meeting would start in the past."), field="start")
    return {
        "board_id": board.id,
        "starts_at": starts_at,
        "duration_minutes": clean["duration_minutes"],
        "room": room,
        "video_link": video,
        "cutoff_at": starts_at - timedelta(hours=clean["cutoff_hours"]),
        "capacity_cases": clean["capacity_cases"],
        "capacity_minutes": clean["capacity_minutes"],
    }


@atomic
def plan_meeting(actor, board: Board, plan: MeetingPlan) -> Meeting:
    _require_manager(actor, board)
    meeting = Meeting(**_clean_plan(board, plan), created_by_id=actor.id)
    db.session.add(meeting)
    db.session.flush()
    record(
        "meeting.planned", actor=actor, entity=meeting, changes=diff({}, snapshot(meeting, MEETING_FIELDS))
    )
    return meeting


def series_dates(first: date, frequency: str, count: int, skip: Iterable[date] = ()) -> list[date]:
    """The dates of a series: every 7 or 14 days from `first`, `count` of them, less the dropped dates."""
    try:
        every = Frequency(frequency).days
    except ValueError:
        raise OperationError(_("Choose weekly or fortnightly."), field="frequency") from None
    count = int(MeetingFields.count.clean(count, "count") or 1)
    dropped = set(skip)
    days = [first + timedelta(days=every * n) for n in range(count)]
    return [d for d in days if d not in dropped]


@atomic
def plan_series(
    actor, board: Board, plan: MeetingPlan, *, frequency: str, count: int, skip: Iterable[date] = ()
) -> list[Meeting]:
    """Weekly or fortnightly meetings at the same local time: 16:00 stays 16:00 across the change to and
    from daylight-saving time, so the UTC time moves by an hour."""
    _require_manager(actor, board)
    skip = set(skip)  # read twice below: once for the dates, once for the audit record
    dates = series_dates(plan.start_local.date(), frequency, count, skip)
    if not dates:
        raise OperationError(_("Every date of the series was dropped."), field="skip")
    series = MeetingSeries(board_id=board.id, frequency=frequency, created_by_id=actor.id)
    db.session.add(series)
    db.session.flush()
    meetings = []
    for day in dates:
        local = datetime.combine(day, plan.start_local.time())
        meeting = Meeting(
            **_clean_plan(board, MeetingPlan(**{**plan.__dict__, "start_local": local})),
            series_id=series.id,
            created_by_id=actor.id,
        )
        db.session.add(meeting)
        meetings.append(meeting)
    db.session.flush()
    record(
        "meeting.series_planned",
        actor=actor,
        entity=series,
        details={
            "frequency": frequency,
            "meetings": [m.id for m in meetings],
            "dropped": sorted(d.isoformat() for d in skip),
        },
    )
    return meetings


@atomic
def update_meeting(actor, meeting: Meeting, plan: MeetingPlan, *, expected_version: int | None) -> None:
    _require(actor, meeting, MeetingAction.CHANGE_DETAILS)
    check_version(meeting, expected_version)
    before = snapshot(meeting, MEETING_FIELDS)
    moved = False
    for name, value in _clean_plan(meeting.board, plan).items():
        if name == "starts_at" and value != meeting.starts_at:
            moved = True
        setattr(meeting, name, value)
    db.session.flush()
    changes = diff(before, snapshot(meeting, MEETING_FIELDS))
    if changes:
        record("meeting.updated", actor=actor, entity=meeting, changes=changes)
    if moved:
        _tell_submitters(
            meeting,
            meeting.items,
            "meeting_moved",
            lambda **say: _("The meeting of case %(case)s moved to %(when)s.", **say),
        )


def freeze_item(item: AgendaItem) -> str:
    """The case as the board had it for this item, frozen (once); returns the snapshot's SHA-256."""
    if item.snapshot is None:
        case = item.case
        frozen = AgendaSnapshot(agenda_item_id=item.id)
        frozen.freeze(
            {
                "schema": AGENDA_SNAPSHOT_SCHEMA,
                "presented": case_record(case, summarise(case), case_operations.readiness(case)),
            },
            AGENDA_SNAPSHOT_SCHEMA,
        )
        item.snapshot = frozen
    return item.snapshot.sha256


def _when(meeting: Meeting) -> str:
    """The meeting's time in the (forced) language of the message: "Wed 02 Dec 2026, 16:00"."""
    return format_datetime(meeting.starts_at, "weekday_datetime")


def _tell_submitters(
    meeting: Meeting, items: Sequence[AgendaItem], kind: str, write: Callable[..., str]
) -> None:
    """Each case's submitter, in their language: `write(case=, when=, board=)` writes the message."""
    for item in items:
        notify(
            [item.case.submitter_id],
            kind,
            partial(_written, write, case=item.case_id, meeting=meeting),
            f"/cases/{item.case_id}",
        )


def _written(write: Callable[..., str], *, case: int, meeting: Meeting) -> str:
    return write(case=case, when=_when(meeting), board=meeting.board.name)


@atomic
def cancel_meeting(actor, meeting: Meeting, *, reason: str, expected_version: int | None) -> None:
    """Its cases go back to the board's pool and their submitters are told."""
    _require(actor, meeting, MeetingAction.CANCEL)
    check_version(meeting, expected_version)
    reason = MeetingFields.cancel_reason.clean(reason, "reason")
    items = list(meeting.items)
    frozen = {str(item.id): freeze_item(item) for item in items}
    for item in items:
        case_operations.unschedule_case(
            actor, item.case, details={"meeting": meeting.id, "reason": "meeting cancelled"}
        )
        item.open_case_id = None
    status = _move(meeting, MeetingAction.CANCEL)
    meeting.cancel_reason = reason
    # wishes for this meeting cannot be met any more: the pool must not show them
    db.session.execute(delete(MeetingRequest).where(MeetingRequest.meeting_id == meeting.id))
    db.session.flush()
    record(
        "meeting.cancelled",
        actor=actor,
        entity=meeting,
        changes={"status": list(status)},
        details={"reason": reason, "cases_returned": [i.case_id for i in items], "snapshots": frozen},
    )
    _tell_submitters(
        meeting,
        items,
        "meeting_cancelled",
        lambda **say: _(
            "The %(board)s meeting of %(when)s was cancelled; case %(case)s is back in the pool.", **say
        ),
    )


@atomic
def set_agenda_locked(actor, meeting: Meeting, *, locked: bool, expected_version: int | None) -> None:
    action = MeetingAction.LOCK_AGENDA if locked else MeetingAction.UNLOCK_AGENDA
    other = MeetingAction.UNLOCK_AGENDA if locked else MeetingAction.LOCK_AGENDA
    check_version(meeting, expected_version)
    if meeting.is_for(action.who, actor) and not meeting.allows(action) and meeting.allows(other):
        return  # locked already (or unlocked already): nothing to do
    _require(actor, meeting, action)
    status = _move(meeting, action)
    db.session.flush()
    record(
        "meeting.agenda_locked" if locked else "meeting.agenda_unlocked",
        actor=actor,
        entity=meeting,
        changes={"status": list(status)},
    )
    if locked:
        enqueue(send_agenda, meeting.id)  # after the commit: a refused lock sends no agenda


# Agenda --------------------------------------------------------------------------------------------


def pool(board: Board) -> Select:
    """The board's cases waiting for a meeting: deferred ones first, then the longest waiting."""
    return (
        select(Case)
        .where(Case.board_id == board.id, Case.status.in_(sorted(IN_POOL)))
        .order_by((Case.status == CaseStatus.DEFERRED.value).desc(), Case.submitted_at, Case.id)
    )


def _pool_branches(board_ids: Iterable[int], limit: int) -> list[Select]:
    """For each (board, waiting status), its `limit` longest waiting (id, status, submitted_at): each an
    ordered range of ix_tumor_case_pool_order, a seek however many cases the table or the pool holds."""
    branches = []
    for board_id in sorted(set(board_ids)) or [0]:
        for status in sorted(IN_POOL):
            branch = (
                select(Case.id, Case.board_id, Case.status, Case.submitted_at)
                .where(Case.board_id == board_id, Case.status == status.value)
                .order_by(Case.submitted_at, Case.id)
                .limit(limit)
                .subquery()
            )
            branches.append(select(*branch.c))
    return branches


def pool_ids(board_ids: Iterable[int], limit: int, *, deferred_first: bool) -> list[int]:
    """The ids of the first `limit` waiting cases of the boards, in one statement: the branches merged and
    cut to `limit`. Deferred ones first (the meeting page) or strictly by submission (the dashboard). The
    cases are then read by primary key (`by_ids`), so no plan can walk the case table to join them."""
    waiting = union_all(*_pool_branches(board_ids, limit)).subquery("waiting")
    order: list[Any] = [waiting.c.submitted_at, waiting.c.id]
    if deferred_first:
        order.insert(0, (waiting.c.status == CaseStatus.DEFERRED.value).desc())
    return list(db.session.scalars(select(waiting.c.id).order_by(*order).limit(limit)))


# The meeting page's pool in its order: deferred first ('deferred' sorts before 'submitted'), then the longest
# waiting; each status one ordered range of ix_tumor_case_pool_order.
POOL_ORDER = (Case.status.asc(), Case.submitted_at.asc(), Case.id.asc())
POOL_STATUSES = tuple(sorted(status.value for status in IN_POOL))  # deferred first: a test holds it


def pool_page(
    board_id: int,
    *,
    limit: int,
    direction: str = FIRST,
    boundary: Sequence[Any] | None = None,
    jump: None = None,
) -> SeekPage:
    """One keyset page of the board's pool in POOL_ORDER (`direction` and `boundary` as `keyset.seek`; the
    pool offers no jump):
    each status's branch a seek on its own index range, the branches merged and cut in one statement, so
    the last page costs what the first costs. The rows are the cases' ids with their sort keys."""
    reverse = direction in (BEFORE, LAST)
    boundary = tuple(boundary) if direction in (AFTER, BEFORE) and boundary is not None else None
    if boundary is not None and boundary[0] not in POOL_STATUSES:
        raise BadCursor("not a status of the pool")
    branches = []
    for status in POOL_STATUSES:
        branch = select(Case.id, Case.status, Case.submitted_at).where(
            Case.board_id == board_id, Case.status == status
        )
        if boundary is not None:
            passed = status < boundary[0] if not reverse else status > boundary[0]
            if passed:
                continue
            if status == boundary[0]:
                rest = tuple_(Case.submitted_at, Case.id)
                key = tuple_(literal(boundary[1], Case.submitted_at.type), literal(boundary[2]))
                branch = branch.where(rest < key if reverse else rest > key)
        walk = (Case.submitted_at.desc(), Case.id.desc()) if reverse else (Case.submitted_at, Case.id)
        branches.append(select(*branch.order_by(*walk).limit(limit + 1).subquery().c))
    if not branches:
        return SeekPage([], [], has_prev=direction == AFTER, has_next=direction == BEFORE)
    merged = union_all(*branches).subquery("pool")
    order = [merged.c.status, merged.c.submitted_at, merged.c.id]
    walked = [column.desc() for column in order] if reverse else order
    found = list(db.session.execute(select(*order).order_by(*walked).limit(limit + 1)).all())
    more = len(found) > limit
    found = found[:limit]
    if reverse:
        found.reverse()
    keys = [tuple(row) for row in found]
    if reverse:
        has_prev, has_next = more, direction == BEFORE
    else:
        has_prev, has_next = direction == AFTER, more
    return SeekPage([key[2] for key in keys], keys, has_prev=has_prev, has_next=has_next)


def pool_counts(board_ids: Iterable[int], cap: int) -> dict[int, tuple[int, bool]]:
    """How many cases wait per board, and whether that is a lower bound: each (board, status) is counted
    up to `cap` (its branch an index range of at most `cap` rows), in one statement, so counting a pool
    never reads more than 2 x `cap` index entries per board, whatever its size."""
    waiting = union_all(*_pool_branches(board_ids, cap)).subquery("waiting")
    rows: Any = db.session.execute(
        select(waiting.c.board_id, waiting.c.status, func.count(waiting.c.id)).group_by(
            waiting.c.board_id, waiting.c.status
        )
    ).all()
    counts: dict[int, tuple[int, bool]] = {}
    for board_id, _status, count in rows:
        total, capped = counts.get(board_id, (0, False))
        counts[board_id] = (total + count, capped or count >= cap)
    return counts


def by_ids(ids: Sequence[int], *options: Any) -> list[Case]:
    """The cases of `ids` by primary key, in the order of `ids`."""
    if not ids:
        return []
    found = {c.id: c for c in db.session.scalars(select(Case).where(Case.id.in_(ids)).options(*options))}
    return [found[i] for i in ids if i in found]


def _touch(meeting: Meeting) -> None:
    """Any agenda change moves the meeting's version on (optimistic locking of the whole agenda)."""
    meeting.updated_at = utcnow()


def _check_agenda_editable(actor, meeting: Meeting, expected_version: int | None) -> None:
    _require(actor, meeting, MeetingAction.EDIT_AGENDA)
    check_version(meeting, expected_version)


def _clean_item(meeting: Meeting, minutes, presenter_id, mode) -> dict:
    minutes = AgendaFields.minutes.clean(minutes, "minutes")
    try:
        mode = AgendaMode(mode).value
    except ValueError:
        raise OperationError(_("Choose full discussion or for noting."), field="mode") from None
    if presenter_id not in (None, "", 0):
        presenter_id = int(presenter_id)
        if presenter_id not in member_ids(meeting.board):
            raise OperationError(_("The presenter must be a member of the board."), field="presenter_id")
    else:
        presenter_id = None
    return {"minutes": int(minutes), "presenter_id": presenter_id, "mode": mode}


def member_ids(board: Board) -> set[int]:
    from tumorboard.boards.models import BoardMembership

    return set(
        db.session.scalars(select(BoardMembership.user_id).where(BoardMembership.board_id == board.id))
    )


@atomic
def add_to_agenda(
    actor,
    meeting: Meeting,
    case: Case,
    *,
    expected_version: int | None,
    minutes: int = 10,
    presenter_id: int | None = None,
    mode: str = AgendaMode.FULL.value,
    late_reason: str = "",
) -> AgendaItem:
    """Put a case from the pool on the agenda. After the cut-off it needs a reason and is marked late; over
    capacity is allowed but shown as a warning."""
    _check_agenda_editable(actor, meeting, expected_version)
    if case.board_id != meeting.board_id or not case.is_in_pool:
        raise OperationError(_("Only a case waiting in this board's pool can go on the agenda."))
    late = utcnow() > meeting.cutoff_at
    reason = AgendaFields.late_reason.clean(late_reason, "late_reason")
    if late and not reason:
        raise OperationError(
            _("The submission cut-off has passed: give a reason to add the case anyway."), field="late_reason"
        )
    position = (
        db.session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id))
        or 0
    ) + 1
    item = AgendaItem(
        meeting=meeting,
        case=case,
        open_case_id=case.id,
        position=position,
        added_by_id=actor.id,
        late=late,
        late_reason=reason if late else "",
        **_clean_item(meeting, minutes, presenter_id, mode),
    )
    db.session.add(item)
    case_operations.schedule_case(actor, case, details={"meeting": meeting.id, "late": late})
    db.session.query(MeetingRequest).filter(MeetingRequest.case_id == case.id).delete()
    _touch(meeting)
    db.session.flush()
    record(
        "agenda.case_added",
        actor=actor,
        entity=meeting,
        details={"case": case.id, "position": position, "late": late, "reason": item.late_reason},
        scope=case,
    )
    notify(
        [case.submitter_id],
        "case_scheduled",
        lambda: _(
            "Case %(case)s is on the agenda of the %(board)s on %(when)s.",
            case=case.id,
            board=meeting.board.name,
            when=_when(meeting),
        ),
        f"/cases/{case.id}",
    )
    return item


def _renumber(meeting: Meeting, ordered: list[AgendaItem]) -> None:
    """Write positions 1..n. Two passes through free (negative) numbers keep (meeting, position) unique
    at every statement."""
    for n, item in enumerate(ordered, start=1):
        item.position = -n
    db.session.flush()
    for n, item in enumerate(ordered, start=1):
        item.position = n
    db.session.flush()
    meeting.items.sort(key=lambda item: item.position)  # the loaded list follows (later moves read it)


@atomic
def remove_from_agenda(actor, item: AgendaItem, *, expected_version: int | None) -> None:
    meeting = item.meeting
    _check_agenda_editable(actor, meeting, expected_version)
    case_operations.unschedule_case(actor, item.case, details={"meeting": meeting.id})
    remaining = [i for i in meeting.items if i is not item]
    meeting.items.remove(item)
    db.session.flush()
    _renumber(meeting, remaining)
    _touch(meeting)
    record(
        "agenda.case_removed", actor=actor, entity=meeting, details={"case": item.case_id}, scope=item.case
    )
    notify(
        [item.case.submitter_id],
        "case_unscheduled",
        lambda: _(
            "Case %(case)s was taken off the agenda of %(when)s and is back in the pool.",
            case=item.case_id,
            when=_when(meeting),
        ),
        f"/cases/{item.case_id}",
    )


@atomic
def reorder_agenda(actor, meeting: Meeting, item_ids: Sequence[int], *, expected_version: int | None) -> None:
    """Set the whole order at once (drag and drop sends it); it must name every item exactly once."""
    _check_agenda_editable(actor, meeting, expected_version)
    by_id = {item.id: item for item in meeting.items}
    if sorted(item_ids) != sorted(by_id) or len(set(item_ids)) != len(item_ids):
        raise OperationError(_("The agenda changed meanwhile: reload the page."))
    before = [i.case_id for i in meeting.items]
    ordered = [by_id[i] for i in item_ids]
    _renumber(meeting, ordered)
    _touch(meeting)
    after = [i.case_id for i in ordered]
    if before != after:
        record("agenda.reordered", actor=actor, entity=meeting, changes={"order": [before, after]})
        for item in ordered:
            if before.index(item.case_id) != after.index(item.case_id):
                _tell_moved(item, meeting, after.index(item.case_id) + 1)


def _tell_moved(item: AgendaItem, meeting: Meeting, position: int) -> None:
    """A submitter hears once per case and meeting that the case moved: a later move rewrites that
    notification (the latest position, unread again) instead of adding another."""

    def message() -> str:
        return _(
            "Case %(case)s moved to position %(position)s on the agenda of %(when)s.",
            case=item.case_id,
            position=position,
            when=_when(meeting),
        )

    link = f"/cases/{item.case_id}"
    earlier = db.session.scalar(
        select(Notification).where(
            Notification.user_id == item.case.submitter_id,
            Notification.kind == "case_moved",
            Notification.link == link,
            Notification.created_at >= item.added_at,
        )
    )
    if earlier is None:
        notify([item.case.submitter_id], "case_moved", message, link)
    else:
        earlier.message = in_recipients_languages([earlier.user_id], message)[earlier.user_id]
        earlier.read_at = None


def move_item(actor, item: AgendaItem, step: int, *, expected_version: int | None) -> None:
    """Up (-1) or down (+1) one place: the order without JavaScript."""
    ids = [i.id for i in item.meeting.items]
    index = ids.index(item.id)
    target = index + step
    if step not in (-1, 1) or not 0 <= target < len(ids):
        raise OperationError(_("The case cannot move further."))
    ids[index], ids[target] = ids[target], ids[index]
    reorder_agenda(actor, item.meeting, ids, expected_version=expected_version)


@atomic
def update_item(
    actor, item: AgendaItem, *, expected_version: int | None, minutes, presenter_id, mode
) -> None:
    meeting = item.meeting
    _check_agenda_editable(actor, meeting, expected_version)
    fields = ("minutes", "presenter_id", "mode")
    before = snapshot(item, fields)
    for name, value in _clean_item(meeting, minutes, presenter_id, mode).items():
        setattr(item, name, value)
    _touch(meeting)
    db.session.flush()
    changes = diff(before, snapshot(item, fields))
    if changes:
        record(
            "agenda.item_updated",
            actor=actor,
            entity=meeting,
            changes=changes,
            details={"case": item.case_id},
            scope=item.case,
        )


@atomic
def request_meeting(actor, case: Case, meeting: Meeting, *, note: str = "") -> MeetingRequest:
    """The submitter asks for a meeting; the coordinator sees the wish in the pool."""
    if case.submitter_id != actor.id:
        raise OperationError(_("Only the submitter asks for a meeting for their case."))
    if meeting.board_id != case.board_id or not meeting.is_open or meeting.starts_at < utcnow():
        raise OperationError(_("Choose an upcoming meeting of the case's board."), field="meeting_id")
    if not case.can_request_meeting(actor):
        raise OperationError(_("The case is already on an agenda or has been discussed."))
    wish = db.session.scalar(select(MeetingRequest).where(MeetingRequest.case_id == case.id))
    if wish is None:
        wish = MeetingRequest(case_id=case.id, meeting_id=meeting.id, requested_by_id=actor.id)
        db.session.add(wish)
    wish.meeting_id, wish.note = meeting.id, AgendaFields.preferred_note.clean(note, "note")
    db.session.flush()
    record(
        "case.meeting_requested", actor=actor, entity=case, details={"meeting": meeting.id, "note": wish.note}
    )
    return wish


# Attendance, quorum, start and close ---------------------------------------------------------------


def quorum_missing(meeting: Meeting) -> list[tuple[Specialty, ...]]:
    """The board's required specialty groups that nobody present (member or guest) covers."""
    present: set[str] = {a.specialty for a in meeting.attendance if a.status != AttendanceStatus.ABSENT.value}
    return missing_specialties(present, meeting.board.required_groups)


@atomic
def record_attendance(
    actor, meeting: Meeting, statuses: dict[int, str], *, expected_version: int | None
) -> None:
    """Present, absent or guest per person; the specialty is taken from the person's account."""
    from tumorboard.auth.models import User

    _require(actor, meeting, MeetingAction.RECORD_ATTENDANCE)
    check_version(meeting, expected_version)
    members = member_ids(meeting.board)
    existing = {a.user_id: a for a in meeting.attendance}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(statuses))))}
    changes = {}
    for user_id, status in statuses.items():
        if status in ("", None):
            continue
        try:
            chosen = AttendanceStatus(status)
        except ValueError:
            raise OperationError(_("Attendance is present, absent or guest.")) from None
        status = chosen.value
        user = users.get(user_id)
        if user is None or not user.active:
            raise OperationError(_("Unknown person."))
        if (status == AttendanceStatus.GUEST) == (user_id in members):
            raise OperationError(
                _("%(name)s: members are present or absent; guests are not members.", name=user.name)
            )
        row = existing.get(user_id)
        if row is None:
            row = Attendance(
                meeting=meeting,
                user_id=user_id,
                specialty=user.specialty,
                status=status,
                recorded_by_id=actor.id,
            )
            db.session.add(row)
            changes[str(user_id)] = [None, status]
        elif row.status != status:
            changes[str(user_id)] = [row.status, status]
            row.status, row.recorded_by_id = chosen, actor.id
    _touch(meeting)
    db.session.flush()
    if changes:
        record("meeting.attendance", actor=actor, entity=meeting, changes=changes)


def planned_day(meeting: Meeting) -> date:
    """The meeting's day in the hospital's zone."""
    return to_local(meeting.starts_at).date()


def starts_before_its_day(meeting: Meeting) -> bool:
    """Today (in the hospital's zone) is before the meeting's day; earlier on the day itself is not early."""
    return hospital_today() < planned_day(meeting)


def _day(meeting: Meeting) -> str:
    """The meeting's day as the chair reads it: "Thu 3 Dec", "Do., 03.12."."""
    return format_date(planned_day(meeting), "weekday_day")


def early_start_question(meeting: Meeting) -> str:
    return _("This meeting is planned for %(day)s; start it today anyway?", day=_day(meeting))


@atomic
def start_meeting(
    actor,
    meeting: Meeting,
    *,
    expected_version: int | None,
    override_reason: str = "",
    confirm_early: bool = False,
) -> None:
    """A coordinator or the chair starts the meeting; without quorum only the chair can, with a reason.
    Before the meeting's day only the chair can, confirming it (`confirm_early`): the operation is the
    gate, whatever the form sent."""
    board = meeting.board
    _require(actor, meeting, MeetingAction.START)
    check_version(meeting, expected_version)
    missing = quorum_missing(meeting)
    reason = MeetingFields.quorum_override_reason.clean(override_reason, "override_reason")
    if missing:
        if not board.can_chair(actor):
            raise OperationError(_("Quorum is not reached: the chair must confirm the start, with a reason."))
        if not reason:
            raise OperationError(_("Say why the board meets without quorum."), field="override_reason")
        reason_given(reason, "override_reason")
    early = starts_before_its_day(meeting)
    if early:
        if not meeting.can_start_early(actor):
            raise OperationError(
                _(
                    "This meeting is planned for %(day)s: only the chair can start it before its day.",
                    day=_day(meeting),
                )
            )
        if not confirm_early:
            raise OperationError(
                _("This meeting is planned for %(day)s: confirm that you start it today.", day=_day(meeting)),
                field="confirm_early",
            )
    if missing:
        meeting.quorum_override_reason, meeting.quorum_override_by_id = reason, actor.id
    status = _move(meeting, MeetingAction.START)
    meeting.started_at = utcnow()
    db.session.flush()
    record(
        "meeting.started",
        actor=actor,
        entity=meeting,
        changes={"status": list(status)},
        details={
            "quorum_missing": [" or ".join(s.value for s in g) for g in missing],
            "override_reason": meeting.quorum_override_reason,
            "early": early,
            "planned_day": planned_day(meeting).isoformat(),
        },
    )


@atomic
def set_outcome(actor, item: AgendaItem, outcome: str, *, expected_version: int | None) -> None:
    """In the meeting: the case was discussed, or is deferred to a later meeting."""
    meeting = item.meeting
    _require(actor, meeting, MeetingAction.RECORD_OUTCOME)
    check_version(meeting, expected_version)
    chosen = next((o for o in BOARD_OUTCOMES if o == outcome), None)
    if chosen is None:
        raise OperationError(_("The outcome is discussed or deferred."))
    if item.outcome == chosen:
        return
    if item.outcome is not None:
        raise OperationError(_("The outcome of this case is already recorded."))
    frozen = freeze_item(item)
    if chosen is CaseStatus.DISCUSSED:
        case_operations.mark_discussed(actor, item.case, details={"meeting": meeting.id})
    else:
        case_operations.defer_case(actor, item.case, details={"meeting": meeting.id})
        notify(
            [item.case.submitter_id],
            "case_deferred",
            lambda: _(
                "Case %(case)s was deferred at the meeting of %(when)s; it goes first at the next one.",
                case=item.case_id,
                when=_when(meeting),
            ),
            f"/cases/{item.case_id}",
        )
    item.outcome = chosen
    item.open_case_id = None  # the case has left this agenda: a deferred one may go on the next at once
    _touch(meeting)
    db.session.flush()
    record(
        "agenda.outcome",
        actor=actor,
        entity=meeting,
        details={"case": item.case_id, "item": item.id, "outcome": chosen.value, "snapshot_sha256": frozen},
        scope=item.case,
    )


@dataclass(frozen=True)
class Deferral:
    """Where the cases without an outcome go when the meeting closes: first on the board's next planned
    meeting's agenda, or, when there is none or its agenda is locked, back to the pool (first in line)."""

    to: Meeting | None
    cases: tuple[int, ...] = ()  # the cases deferred, in agenda order
    why_pool: str = ""  # said on the close page and in the flash when the cases go to the pool
    over_capacity: str = ""  # the next meeting will be over capacity: how, in words

    @property
    def message(self) -> str:
        if self.to is None:
            return self.why_pool
        text = _("The cases without an outcome go first on the agenda of %(when)s.", when=_when(self.to))
        return f"{text} {self.over_capacity}" if self.over_capacity else text


def next_planned_meeting(board_id: int) -> Meeting | None:
    """The board's next open meeting that has not started and is still ahead (planned or locked)."""
    return db.session.scalar(
        select(Meeting)
        .where(
            Meeting.board_id == board_id,
            Meeting.status.in_([s.value for s in (MeetingStatus.PLANNED, MeetingStatus.LOCKED)]),
            Meeting.starts_at > utcnow(),
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(1)
    )


def deferral_for(meeting: Meeting, items: Sequence[AgendaItem] | None = None) -> Deferral:
    """Where `items` (by default the meeting's items without an outcome) would go if it closed now."""
    items = [i for i in meeting.items if i.outcome is None] if items is None else list(items)
    cases = tuple(i.case_id for i in items)
    nxt = next_planned_meeting(meeting.board_id)
    if nxt is None:
        return Deferral(None, cases, _("No next meeting is planned: the cases will wait in the pool."))
    if not nxt.allows(MeetingAction.EDIT_AGENDA):
        return Deferral(
            None,
            cases,
            _(
                "The agenda of the next meeting (%(when)s) is locked: the cases will wait in the pool, first"
                " in line, for the coordinator to add.",
                when=_when(nxt),
            ),
        )
    total = len(nxt.items) + len(items)
    minutes = sum(i.minutes for i in nxt.items) + sum(i.minutes for i in items)
    over = []
    if nxt.capacity_cases and total > nxt.capacity_cases:
        over.append(_("%(count)s of %(capacity)s cases", count=total, capacity=nxt.capacity_cases))
    if nxt.capacity_minutes and minutes > nxt.capacity_minutes:
        over.append(_("%(count)s of %(capacity)s minutes", count=minutes, capacity=nxt.capacity_minutes))
    warning = (
        _(
            "It will then be over capacity (%(over)s): the coordinator may move cases on.",
            over=", ".join(over),
        )
        if over
        else ""
    )
    return Deferral(nxt, cases, over_capacity=warning)


def _put_first(actor, target: Meeting, deferred: Sequence[AgendaItem], source: Meeting) -> None:
    """The deferred cases open the next agenda in their order; the cases already there follow in theirs."""
    already = list(target.items)
    top = max((i.position for i in already), default=0)
    new_items = []
    for n, old in enumerate(deferred, start=1):
        case = old.case
        case_operations.schedule_case(actor, case, details={"meeting": target.id, "deferred_from": source.id})
        with db.session.no_autoflush:
            item = AgendaItem(
                meeting=target,
                case=case,
                open_case_id=case.id,
                position=top + n,
                minutes=old.minutes,
                presenter_id=old.presenter_id,
                mode=old.mode,
                added_by_id=actor.id,
            )
            db.session.add(item)
        new_items.append(item)
    db.session.execute(
        delete(MeetingRequest).where(MeetingRequest.case_id.in_([i.case_id for i in deferred]))
    )
    db.session.flush()
    _renumber(target, [*new_items, *already])
    _touch(target)
    db.session.flush()
    for item in new_items:
        record(
            "agenda.case_added",
            actor=actor,
            entity=target,
            details={
                "case": item.case_id,
                "position": item.position,
                "late": False,
                "deferred_from": source.id,
            },
            scope=item.case,
        )


def _tell_deferred(meeting: Meeting, items: Sequence[AgendaItem], target: Meeting | None) -> None:
    """One notification per submitter, naming all their deferred cases."""
    by_submitter: dict[int, list[int]] = {}
    for item in items:
        by_submitter.setdefault(item.case.submitter_id, []).append(item.case_id)
    for submitter_id, case_ids in by_submitter.items():
        named = ", ".join(str(c) for c in case_ids)
        notify(
            [submitter_id],
            "case_deferred",
            partial(_deferred_message, named, meeting, target),
            f"/cases/{case_ids[0]}",
        )


def _deferred_message(named: str, meeting: Meeting, target: Meeting | None) -> str:
    if target is not None:
        return _(
            "Case(s) %(cases)s were not discussed at the meeting of %(when)s; they go first on the agenda of "
            "%(next)s.",
            cases=named,
            when=_when(meeting),
            next=_when(target),
        )
    return _(
        "Case(s) %(cases)s were not discussed at the meeting of %(when)s; they wait first in the pool.",
        cases=named,
        when=_when(meeting),
    )


@atomic
def close_meeting(
    actor, meeting: Meeting, *, expected_version: int | None, defer_remaining: bool = False
) -> Deferral:
    """Every case is discussed or deferred; with `defer_remaining` the undiscussed ones are deferred now,
    onto the board's next planned meeting, first on its agenda (`deferral_for` says where, and why the
    pool when there is no next meeting or its agenda is locked). Submitters are told once each."""
    _require(actor, meeting, MeetingAction.CLOSE)
    check_version(meeting, expected_version)
    open_items = [i for i in meeting.items if i.outcome is None]
    if open_items and not defer_remaining:
        raise OperationError(
            ngettext(
                "%(num)d case(s) have no outcome yet: record them, or defer them when you close.",
                "%(num)d case(s) have no outcome yet: record them, or defer them when you close.",
                len(open_items),
            )
        )
    frozen = {str(item.id): freeze_item(item) for item in open_items}
    for item in open_items:
        case_operations.defer_case(
            actor, item.case, details={"meeting": meeting.id, "reason": "not discussed"}
        )
        item.outcome = CaseStatus.DEFERRED
    for item in meeting.items:
        item.open_case_id = None
    status = _move(meeting, MeetingAction.CLOSE)
    meeting.closed_at = utcnow()
    db.session.flush()
    deferral = deferral_for(meeting, open_items) if open_items else Deferral(None)
    if deferral.to is not None:
        _put_first(actor, deferral.to, open_items, meeting)
    record(
        "meeting.closed",
        actor=actor,
        entity=meeting,
        changes={"status": list(status)},
        details={
            "deferred_at_close": [i.case_id for i in open_items],
            "deferred_to": deferral.to.id if deferral.to else None,
            "snapshots": frozen,
        },
    )
    if open_items:
        _tell_deferred(meeting, open_items, deferral.to)
    return deferral


def next_meetings(board_id: int, limit: int = 10) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting)
            .where(
                Meeting.board_id == board_id,
                Meeting.status.in_([s.value for s in (MeetingStatus.PLANNED, MeetingStatus.LOCKED)]),
                Meeting.starts_at > utcnow(),
            )
            .order_by(Meeting.starts_at)
            .limit(limit)
        )
    )


def next_weekday_at(weekday: int, at: time, today: date) -> datetime:
    """The first `weekday` (Monday = 0) after `today`, at the local wall-clock time `at` (naive)."""
    return datetime.combine(today + timedelta(days=(weekday - today.weekday()) % 7 or 7), at)


def meeting_start_choices(board: Board, today: date) -> datetime:
    """The board's next default slot after `today`: its weekday at its usual time (local, naive)."""
    hours, minutes = (int(p) for p in board.default_start_time.split(":"))
    return next_weekday_at(board.default_weekday, time(hours, minutes), today)
