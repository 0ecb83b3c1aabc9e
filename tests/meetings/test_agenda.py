"""Building an agenda from the board's pool: what may go on it, the cut-off and capacity, positions that
stay 1..n, the meeting's version as the lock of the whole agenda, locking, cancelling, and the
submitter's wish for a meeting."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import log_in
from tests.meetings.support import (
    agenda_cases,
    audit_count,
    changes,
    count,
    details,
    events,
    notes,
    positions,
    snapshot_agenda,
)
from tumorboard.auth.roles import Role
from tumorboard.cases.models import CaseStatus
from tumorboard.db import utcnow
from tumorboard.errors import OperationError, StaleEdit
from tumorboard.extensions import db
from tumorboard.meetings import operations
from tumorboard.meetings.models import AgendaItem, MeetingRequest, MeetingStatus

NOT_IN_POOL = "Only a case waiting in this board's pool can go on the agenda."
LOCKED = "The agenda is locked or the meeting has started: unlock it first."


def add(actor, meeting, case, **kwargs):
    return operations.add_to_agenda(actor, meeting, case, expected_version=meeting.version, **kwargs)


@pytest.fixture
def agenda(coordinator, meeting, pool_case):
    """Four cases on the meeting's agenda, the longest waiting first."""
    cases = [pool_case(waiting_days=10 - n) for n in range(4)]
    for case in cases:
        add(coordinator, meeting, case)
    return cases


# Adding ----------------------------------------------------------------------------------------------


def test_a_case_from_the_pool_goes_on_the_agenda(coordinator, meeting, pool_case, submitter):
    case = pool_case()
    operations.request_meeting(submitter, case, meeting, note="Before the next cycle, please")
    version = meeting.version
    item = add(coordinator, meeting, case, minutes=15, mode="noting")
    assert (item.position, item.minutes, item.mode, item.late, item.open_case_id) == (
        1,
        15,
        "noting",
        False,
        case.id,
    )
    assert case.status == CaseStatus.SCHEDULED
    assert meeting.version > version
    assert count(MeetingRequest) == 0  # the wish is fulfilled
    (event,) = events("agenda.case_added")
    assert details(event) == {"case": case.id, "position": 1, "late": False, "reason": ""}
    assert events("case.scheduled")[-1].entity_id == str(case.id)
    (note,) = notes(submitter, "case_scheduled")
    assert note.link == f"/cases/{case.id}"


@pytest.mark.parametrize("which", ["draft", "other board", "already scheduled", "withdrawn", "discussed"])
def test_only_a_case_waiting_in_this_boards_pool_is_added(
    coordinator, meeting, plan_meeting, pool_case, create_board, which
):
    if which == "draft":
        case = pool_case(status=CaseStatus.DRAFT.value)
    elif which == "other board":
        case = pool_case(on_board=create_board(name="Lung board"))
    elif which == "already scheduled":
        case = pool_case()
        other = plan_meeting(days=14)
        add(coordinator, other, case)
    else:
        case = pool_case(status=which)
    status, version, items, audited = case.status, meeting.version, count(AgendaItem), audit_count()
    with pytest.raises(OperationError) as refused:
        add(coordinator, meeting, case)
    assert refused.value.message == NOT_IN_POOL
    assert (case.status, meeting.version, count(AgendaItem), audit_count()) == (
        status,
        version,
        items,
        audited,
    )


def test_after_the_cutoff_a_reason_is_required_and_the_item_is_late(coordinator, plan_meeting, pool_case):
    meeting = plan_meeting(days=1, cutoff_hours=48)
    assert meeting.cutoff_at < utcnow() < meeting.starts_at
    case = pool_case()
    for reason in ("", "   "):
        with pytest.raises(OperationError) as refused:
            add(coordinator, meeting, case, late_reason=reason)
        assert refused.value.field == "late_reason"
        assert "cut-off has passed" in refused.value.message
    assert (case.status, count(AgendaItem)) == ("submitted", 0)
    item = add(coordinator, meeting, case, late_reason="Pathology arrived this morning")
    assert (item.late, item.late_reason) == (True, "Pathology arrived this morning")
    assert details(events("agenda.case_added")[-1])["late"] is True


def test_before_the_cutoff_a_reason_is_not_kept(coordinator, meeting, pool_case):
    item = add(coordinator, meeting, pool_case(), late_reason="Just in case")
    assert (item.late, item.late_reason) == (False, "")


def test_over_capacity_is_allowed_and_shown(app, coordinator, plan_meeting, pool_case):
    meeting = plan_meeting(capacity_cases=1)
    add(coordinator, meeting, pool_case())
    page = log_in(app.test_client(), coordinator).get(f"/meetings/{meeting.id}")
    assert page.status_code == 200 and "Over capacity" not in page.text
    add(coordinator, meeting, pool_case())
    assert positions(meeting) == [1, 2]
    page = log_in(app.test_client(), coordinator).get(f"/meetings/{meeting.id}")
    assert page.status_code == 200 and "Over capacity" in page.text


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"minutes": 0}, "minutes"), ({"minutes": 241}, "minutes"), ({"mode": "maybe"}, "mode")],
)
def test_bad_item_settings_are_refused(coordinator, meeting, pool_case, kwargs, field):
    case = pool_case()
    with pytest.raises(OperationError) as refused:
        add(coordinator, meeting, case, **kwargs)
    assert refused.value.field == field
    assert (case.status, count(AgendaItem)) == ("submitted", 0)


def test_the_presenter_must_be_a_member(coordinator, meeting, pool_case, create_user, users):
    stranger = create_user(roles=[Role.SPECIALIST])
    with pytest.raises(OperationError, match="member of the board"):
        add(coordinator, meeting, pool_case(), presenter_id=stranger.id)
    item = add(coordinator, meeting, pool_case(), presenter_id=users[Role.SPECIALIST].id)
    assert item.presenter_id == users[Role.SPECIALIST].id


def test_only_the_boards_coordinator_builds_the_agenda(users, chair, meeting, pool_case):
    case = pool_case()
    for actor in (chair, users[Role.SPECIALIST], users[Role.SUBMITTER], users[Role.ADMIN]):
        with pytest.raises(OperationError, match="coordinators"):
            add(actor, meeting, case)
    assert case.status == "submitted"


# Positions and the version of the agenda -------------------------------------------------------------


def test_positions_stay_1_to_n_after_every_change(coordinator, meeting, agenda):
    a, b, c, d = agenda
    assert (positions(meeting), agenda_cases(meeting)) == ([1, 2, 3, 4], [a.id, b.id, c.id, d.id])

    item_b = next(i for i in meeting.items if i.case_id == b.id)
    operations.remove_from_agenda(coordinator, item_b, expected_version=meeting.version)
    assert (positions(meeting), agenda_cases(meeting)) == ([1, 2, 3], [a.id, c.id, d.id])
    assert b.status == CaseStatus.SUBMITTED

    by_case = {i.case_id: i for i in meeting.items}
    operations.move_item(coordinator, by_case[d.id], -1, expected_version=meeting.version)
    assert (positions(meeting), agenda_cases(meeting)) == ([1, 2, 3], [a.id, d.id, c.id])

    operations.reorder_agenda(
        coordinator,
        meeting,
        [by_case[c.id].id, by_case[a.id].id, by_case[d.id].id],
        expected_version=meeting.version,
    )
    assert (positions(meeting), agenda_cases(meeting)) == ([1, 2, 3], [c.id, a.id, d.id])

    e = add(coordinator, meeting, b)
    assert (positions(meeting), agenda_cases(meeting)) == ([1, 2, 3, 4], [c.id, a.id, d.id, b.id])
    assert e.position == 4


def test_the_meeting_knows_its_order_after_a_reorder(coordinator, meeting, agenda):
    """Moving right after reordering, in one session, moves the item from where it now is."""
    a, b, c, d = agenda
    by_case = {i.case_id: i for i in meeting.items}
    operations.reorder_agenda(
        coordinator, meeting, [by_case[x.id].id for x in (d, c, b, a)], expected_version=meeting.version
    )
    assert [i.case_id for i in meeting.items] == [d.id, c.id, b.id, a.id]
    operations.move_item(coordinator, by_case[a.id], -1, expected_version=meeting.version)
    assert agenda_cases(meeting) == [d.id, c.id, a.id, b.id]
    with pytest.raises(OperationError, match="cannot move further"):
        operations.move_item(coordinator, by_case[d.id], -1, expected_version=meeting.version)


def test_a_reorder_tells_the_submitters_whose_case_moved(coordinator, meeting, agenda, submitter):
    a, b, c, d = agenda
    by_case = {i.case_id: i for i in meeting.items}
    before = len(notes(submitter, "case_moved"))
    operations.reorder_agenda(
        coordinator, meeting, [by_case[x.id].id for x in (b, a, c, d)], expected_version=meeting.version
    )
    assert len(notes(submitter, "case_moved")) - before == 2
    assert changes(events("agenda.reordered")[-1]) == {
        "order": [[a.id, b.id, c.id, d.id], [b.id, a.id, c.id, d.id]]
    }


@pytest.mark.parametrize("how", ["missing", "duplicate", "foreign", "empty"])
def test_a_reorder_must_name_every_item_once(coordinator, meeting, plan_meeting, pool_case, agenda, how):
    ids = [i.id for i in meeting.items]
    if how == "missing":
        order = ids[:-1]
    elif how == "duplicate":
        order = [ids[0], *ids[:-1]]
    elif how == "foreign":
        other = plan_meeting(days=14)
        order = [*ids[:-1], add(coordinator, other, pool_case()).id]
    else:
        order = []
    stored, version = snapshot_agenda(meeting), meeting.version
    with pytest.raises(OperationError, match="The agenda changed meanwhile: reload the page."):
        operations.reorder_agenda(coordinator, meeting, order, expected_version=version)
    assert (snapshot_agenda(meeting), meeting.version) == (stored, version)


EDITS = {
    "add": lambda actor, meeting, case, v: operations.add_to_agenda(actor, meeting, case, expected_version=v),
    "remove": lambda actor, meeting, case, v: operations.remove_from_agenda(
        actor, meeting.items[0], expected_version=v
    ),
    "reorder": lambda actor, meeting, case, v: operations.reorder_agenda(
        actor, meeting, [i.id for i in reversed(meeting.items)], expected_version=v
    ),
    "move": lambda actor, meeting, case, v: operations.move_item(
        actor, meeting.items[0], 1, expected_version=v
    ),
    "update item": lambda actor, meeting, case, v: operations.update_item(
        actor, meeting.items[0], expected_version=v, minutes=25, presenter_id=None, mode="full"
    ),
}


@pytest.mark.parametrize("edit", EDITS)
def test_every_agenda_change_moves_the_version_on(coordinator, meeting, agenda, pool_case, edit):
    case, version = pool_case(), meeting.version
    EDITS[edit](coordinator, meeting, case, version)
    db.session.flush()
    assert meeting.version > version
    assert positions(meeting) == list(range(1, len(meeting.items) + 1))
    with pytest.raises(StaleEdit):  # a form loaded before this change is now stale
        EDITS[edit](coordinator, meeting, pool_case(), version)


@pytest.mark.parametrize("edit", EDITS)
def test_a_stale_version_changes_nothing(coordinator, meeting, agenda, pool_case, edit):
    case = pool_case()
    stored, version, audited = snapshot_agenda(meeting), meeting.version, audit_count()
    statuses = [c.status for c in (*agenda, case)]
    with pytest.raises(StaleEdit):
        EDITS[edit](coordinator, meeting, case, version - 1)
    assert (snapshot_agenda(meeting), meeting.version, audit_count()) == (stored, version, audited)
    assert [c.status for c in (*agenda, case)] == statuses


@pytest.mark.parametrize("edit", EDITS)
def test_a_locked_agenda_refuses_edits(coordinator, meeting, agenda, pool_case, edit):
    operations.set_agenda_locked(coordinator, meeting, locked=True, expected_version=meeting.version)
    assert meeting.status == MeetingStatus.LOCKED
    case = pool_case()
    stored, version = snapshot_agenda(meeting), meeting.version
    with pytest.raises(OperationError) as refused:
        EDITS[edit](coordinator, meeting, case, version)
    assert refused.value.message == LOCKED
    assert (snapshot_agenda(meeting), meeting.version, case.status) == (stored, version, "submitted")
    operations.set_agenda_locked(coordinator, meeting, locked=False, expected_version=meeting.version)
    EDITS[edit](coordinator, meeting, case, meeting.version)


def test_locking_and_unlocking_are_audited(coordinator, meeting):
    operations.set_agenda_locked(coordinator, meeting, locked=True, expected_version=meeting.version)
    operations.set_agenda_locked(coordinator, meeting, locked=True, expected_version=meeting.version)
    operations.set_agenda_locked(coordinator, meeting, locked=False, expected_version=meeting.version)
    assert [changes(e) for e in events("meeting.agenda_locked")] == [{"status": ["planned", "agenda_locked"]}]
    assert [changes(e) for e in events("meeting.agenda_unlocked")] == [
        {"status": ["agenda_locked", "planned"]}
    ]
    with pytest.raises(StaleEdit):
        operations.set_agenda_locked(coordinator, meeting, locked=True, expected_version=meeting.version - 1)


def test_update_item_is_audited(coordinator, meeting, agenda, users):
    item = meeting.items[0]
    operations.update_item(
        coordinator,
        item,
        expected_version=meeting.version,
        minutes=20,
        presenter_id=users[Role.SPECIALIST].id,
        mode="noting",
    )
    event = events("agenda.item_updated")[-1]
    assert changes(event) == {
        "minutes": [10, 20],
        "mode": ["full", "noting"],
        "presenter_id": [None, users[Role.SPECIALIST].id],
    }
    assert details(event) == {"case": item.case_id}


def test_removal_is_audited_and_told(coordinator, meeting, agenda, submitter):
    item = meeting.items[0]
    case_id = item.case_id
    operations.remove_from_agenda(coordinator, item, expected_version=meeting.version)
    assert details(events("agenda.case_removed")[-1]) == {"case": case_id}
    assert events("case.unscheduled")[-1].entity_id == str(case_id)
    assert len(notes(submitter, "case_unscheduled")) == 1
    assert db.session.scalar(select(AgendaItem).where(AgendaItem.case_id == case_id)) is None


# Cancelling ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("locked", [False, True])
def test_cancelling_returns_every_case_to_the_pool_and_tells_each_submitter(
    coordinator, meeting, pool_case, create_user, board, plan_meeting, locked
):
    submitters = [create_user(roles=[Role.SUBMITTER], boards=[board]) for _ in range(3)]
    cases = [pool_case(by=s) for s in submitters]
    for case in cases:
        add(coordinator, meeting, case)
    if locked:
        operations.set_agenda_locked(coordinator, meeting, locked=True, expected_version=meeting.version)
    status = meeting.status
    operations.cancel_meeting(
        coordinator, meeting, reason="Public holiday moved", expected_version=meeting.version
    )
    assert (meeting.status, meeting.cancel_reason) == ("cancelled", "Public holiday moved")
    assert [c.status for c in cases] == ["submitted"] * 3
    assert all(i.open_case_id is None for i in meeting.items)
    for submitter, case in zip(submitters, cases, strict=True):
        (note,) = notes(submitter, "meeting_cancelled")
        assert f"case {case.id}" in note.message and note.link == f"/cases/{case.id}"
    event = events("meeting.cancelled")[-1]
    assert changes(event) == {"status": [status, "cancelled"]}
    assert details(event) == {
        "reason": "Public holiday moved",
        "cases_returned": [c.id for c in cases],
        "snapshots": {str(i.id): i.snapshot.sha256 for i in meeting.items},
    }
    assert all(i.snapshot.intact for i in meeting.items)  # the cancelled agenda is kept as it was
    assert len(events("case.unscheduled")) == 3
    # Back in the pool, each case can go on another meeting.
    other = plan_meeting(days=14)
    for case in cases:
        add(coordinator, other, case)
    assert positions(other) == [1, 2, 3]


def test_cancelling_needs_a_reason_and_a_fresh_version(coordinator, meeting, agenda):
    with pytest.raises(OperationError, match="Say why the meeting is cancelled"):
        operations.cancel_meeting(coordinator, meeting, reason="  ", expected_version=meeting.version)
    with pytest.raises(StaleEdit):
        operations.cancel_meeting(coordinator, meeting, reason="Ill", expected_version=meeting.version - 1)
    assert meeting.status == "planned" and [c.status for c in agenda] == ["scheduled"] * 4


def test_a_started_meeting_cannot_be_cancelled(coordinator, meeting):
    meeting.status = MeetingStatus.IN_PROGRESS.value
    db.session.flush()
    with pytest.raises(OperationError, match="has not started"):
        operations.cancel_meeting(coordinator, meeting, reason="Late", expected_version=meeting.version)


# The submitter's wish for a meeting -------------------------------------------------------------------


def test_the_submitter_asks_for_an_upcoming_meeting(submitter, meeting, pool_case, plan_meeting):
    case = pool_case()
    wish = operations.request_meeting(submitter, case, meeting, note="Before the next cycle")
    assert (wish.case_id, wish.meeting_id, wish.requested_by_id, wish.note) == (
        case.id,
        meeting.id,
        submitter.id,
        "Before the next cycle",
    )
    later = plan_meeting(days=14)
    operations.request_meeting(submitter, case, later)
    assert count(MeetingRequest) == 1 and wish.meeting_id == later.id  # one wish per case, the last one
    assert [details(e)["meeting"] for e in events("case.meeting_requested")] == [meeting.id, later.id]


def test_a_draft_may_ask_too(submitter, meeting, pool_case):
    assert operations.request_meeting(submitter, pool_case(status="draft"), meeting).id


def test_only_the_submitter_asks(users, coordinator, meeting, pool_case):
    case = pool_case()
    for actor in (coordinator, users[Role.CHAIR], users[Role.SPECIALIST]):
        with pytest.raises(OperationError, match="Only the submitter"):
            operations.request_meeting(actor, case, meeting)
    assert count(MeetingRequest) == 0


@pytest.mark.parametrize("which", ["other board", "past", "cancelled", "closed"])
def test_only_an_upcoming_meeting_of_the_cases_board(
    app_ctx, submitter, coordinator, meeting, pool_case, create_board, create_user, which
):
    case = pool_case()
    if which == "other board":
        other = create_board(name="Lung board")
        lung_coordinator = create_user(roles=[Role.COORDINATOR], boards=[other])
        other.membership_of(lung_coordinator).is_coordinator = True
        target = operations.plan_meeting(
            lung_coordinator,
            other,
            operations.MeetingPlan(
                start_local=meeting.starts_at.astimezone(operations.hospital_tz()).replace(tzinfo=None),
                duration_minutes=60,
                room="Room 9",
            ),
        )
    elif which == "past":
        target = meeting
        meeting.starts_at = utcnow() - timedelta(hours=2)
    else:
        target = meeting
        meeting.status = which
    db.session.flush()
    with pytest.raises(OperationError) as refused:
        operations.request_meeting(submitter, case, target)
    assert (refused.value.message, refused.value.field) == (
        "Choose an upcoming meeting of the case's board.",
        "meeting_id",
    )
    assert count(MeetingRequest) == 0


def test_a_scheduled_case_does_not_ask(submitter, coordinator, meeting, plan_meeting, pool_case):
    case = pool_case()
    add(coordinator, meeting, case)
    with pytest.raises(OperationError, match="already on an agenda"):
        operations.request_meeting(submitter, case, plan_meeting(days=14))


def test_cancelling_a_meeting_drops_the_wishes_for_it(coordinator, meeting, submitter, board, create_case):
    case = create_case(submitter=submitter, board=board, status="submitted")
    operations.request_meeting(submitter, case, meeting, note="That week, please")
    operations.cancel_meeting(coordinator, meeting, reason="Congress", expected_version=meeting.version)
    assert count(MeetingRequest) == 0
