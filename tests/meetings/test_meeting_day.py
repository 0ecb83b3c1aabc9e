"""Meeting day: the cases without an outcome at close go first on the board's next planned meeting (or
wait in the pool when there is none or its agenda is locked, and the close page says so beforehand), and
a meeting starts before its day only when its chair confirms it."""

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.meetings.support import agenda_cases, audit_count, details, events, notes, positions
from tumorboard.auth.roles import Role
from tumorboard.cases.models import Case, CaseStatus
from tumorboard.errors import OperationError
from tumorboard.extensions import db
from tumorboard.meetings import operations
from tumorboard.meetings.models import AgendaItem, MeetingStatus
from tumorboard.timezones import to_local


@pytest.fixture
def running(coordinator, chair, plan_meeting, pool_case):
    """A meeting next week with three cases, started early by the chair (confirmed)."""

    def make(cases: int = 3, **plan):
        meeting = plan_meeting(**plan)
        for n in range(cases):
            operations.add_to_agenda(
                coordinator, meeting, pool_case(waiting_days=20 - n), expected_version=meeting.version
            )
        operations.start_meeting(
            chair,
            meeting,
            expected_version=meeting.version,
            override_reason="Quorum by phone today.",
            confirm_early=True,
        )
        return meeting

    return make


def _close(actor, meeting):
    return operations.close_meeting(actor, meeting, expected_version=meeting.version, defer_remaining=True)


# Deferred at close: first on the next agenda -----------------------------------------------------------


def test_the_cases_without_outcome_open_the_next_agenda_in_their_order(
    coordinator, chair, plan_meeting, pool_case, users, create_user, board
):
    other_submitter = create_user(roles=[Role.SUBMITTER], boards=[board])
    own = [pool_case(waiting_days=30 - n) for n in range(2)]
    theirs = pool_case(waiting_days=25, by=other_submitter)
    meeting = plan_meeting(days=3)
    for case in (own[0], theirs, own[1]):
        operations.add_to_agenda(coordinator, meeting, case, expected_version=meeting.version)
    operations.start_meeting(
        chair,
        meeting,
        expected_version=meeting.version,
        override_reason="Quorum by phone.",
        confirm_early=True,
    )
    later = plan_meeting(days=21)  # not the next one: the next is the earliest still ahead
    nxt = plan_meeting(days=10)
    waiting_there = [pool_case(waiting_days=2), pool_case(waiting_days=1)]
    for case in waiting_there:
        operations.add_to_agenda(coordinator, nxt, case, expected_version=nxt.version)
    operations.update_item(
        coordinator, nxt.items[1], expected_version=nxt.version, minutes=25, presenter_id=None, mode="full"
    )
    discussed = next(i for i in meeting.items if i.case_id == own[0].id)
    operations.set_outcome(chair, discussed, "discussed", expected_version=meeting.version)
    version_before = nxt.version

    deferral = _close(chair, meeting)

    assert deferral.to is nxt and deferral.cases == (theirs.id, own[1].id)
    assert agenda_cases(nxt) == [theirs.id, own[1].id, *(c.id for c in waiting_there)]
    assert positions(nxt) == [1, 2, 3, 4]
    assert agenda_cases(later) == []
    assert nxt.version > version_before, "the next agenda changed: an open edit form of it is stale"
    moved = {i.case_id: i for i in nxt.items}
    assert moved[waiting_there[1].id].minutes == 25, "the cases already there keep their settings"
    for case in (theirs, own[1]):
        assert db.session.get(Case, case.id).status == CaseStatus.SCHEDULED
        assert moved[case.id].open_case_id == case.id and not moved[case.id].late
    old = {i.case_id: i for i in meeting.items}
    assert [old[c.id].outcome for c in own] == [CaseStatus.DISCUSSED, CaseStatus.DEFERRED]
    assert old[theirs.id].snapshot is not None and old[theirs.id].open_case_id is None
    added = [details(e) for e in events("agenda.case_added") if e.entity_id == str(nxt.id)][-2:]
    assert added == [
        {"case": theirs.id, "position": 1, "late": False, "deferred_from": meeting.id},
        {"case": own[1].id, "position": 2, "late": False, "deferred_from": meeting.id},
    ]
    assert details(events("meeting.closed")[-1])["deferred_to"] == nxt.id
    scheduled = [details(e) for e in events("case.scheduled") if e.entity_id == str(theirs.id)]
    assert scheduled[-1] == {"meeting": nxt.id, "deferred_from": meeting.id}
    (note,) = notes(other_submitter, "case_deferred")
    assert "go first on the agenda of" in note.message and note.link == f"/cases/{theirs.id}"
    assert len(notes(users[Role.SUBMITTER], "case_deferred")) == 1


def test_a_submitter_with_several_deferred_cases_is_told_once(running, plan_meeting, coordinator, submitter):
    meeting = running(3)
    nxt = plan_meeting(days=14)
    _close(coordinator, meeting)
    (note,) = notes(submitter, "case_deferred")
    assert ", ".join(str(c) for c in agenda_cases(nxt)) in note.message


def test_without_a_next_meeting_the_cases_wait_in_the_pool_and_the_page_said_so(
    app, running, chair, client_as, board
):
    meeting = running(2)
    db.session.commit()
    page = client_as(Role.CHAIR).get(f"/meetings/{meeting.id}").text
    assert "No next meeting is planned: the cases will wait in the pool." in page
    deferral = _close(chair, meeting)
    assert deferral.to is None and "No next meeting" in deferral.message
    assert {c.status for c in db.session.scalars(select(Case))} == {CaseStatus.DEFERRED}
    assert details(events("meeting.closed")[-1])["deferred_to"] is None


def test_the_close_page_names_the_next_meeting_and_warns_of_capacity(
    app, running, plan_meeting, client_as, coordinator, pool_case
):
    meeting = running(2)
    nxt = plan_meeting(days=14, capacity_cases=2, capacity_minutes=None)
    operations.add_to_agenda(coordinator, nxt, pool_case(), expected_version=nxt.version)
    db.session.commit()
    page = client_as(Role.CHAIR).get(f"/meetings/{meeting.id}").text
    when = operations._when(nxt)
    assert f"The cases without an outcome go first on the agenda of {when}." in page
    assert "over capacity (3 of 2 cases)" in page
    closed = client_as(Role.CHAIR).post(
        f"/meetings/{meeting.id}/close",
        data={"version": meeting.version, "defer_remaining": "y"},
        follow_redirects=True,
    )
    assert "The meeting is closed. The cases without an outcome go first" in closed.text
    assert len(agenda_cases(nxt)) == 3, "over capacity is allowed, and said"


def test_a_locked_next_agenda_does_not_receive_the_cases(running, plan_meeting, coordinator, chair):
    meeting = running(2)
    nxt = plan_meeting(days=14)
    operations.set_agenda_locked(coordinator, nxt, locked=True, expected_version=nxt.version)
    version = nxt.version
    assert "is locked: the cases will wait in the pool" in operations.deferral_for(meeting).message
    deferral = _close(chair, meeting)
    assert deferral.to is None and "locked" in deferral.why_pool
    assert agenda_cases(nxt) == [] and nxt.version == version
    assert {c.status for c in db.session.scalars(select(Case))} == {CaseStatus.DEFERRED}


def test_cancelled_and_past_meetings_are_not_the_next(running, plan_meeting, coordinator, clock):
    meeting = running(1)
    cancelled = plan_meeting(days=8)
    operations.cancel_meeting(coordinator, cancelled, reason="Public holiday.", expected_version=1)
    nxt = plan_meeting(days=15)
    assert operations.next_planned_meeting(meeting.board_id) is nxt
    clock(nxt.starts_at + timedelta(minutes=1))
    assert operations.next_planned_meeting(meeting.board_id) is None, "it should have started by now"


def test_a_refused_close_moves_nothing(running, plan_meeting, coordinator):
    meeting = running(2)
    nxt = plan_meeting(days=14)
    audited = audit_count()
    with pytest.raises(OperationError, match="no outcome yet"):
        operations.close_meeting(coordinator, meeting, expected_version=meeting.version)
    assert agenda_cases(nxt) == [] and audit_count() == audited
    assert meeting.status == MeetingStatus.IN_PROGRESS


# Starting before the meeting's day -------------------------------------------------------------------


@pytest.fixture
def ready(coordinator, plan_meeting, create_user, board):
    """A meeting in a week, a member of each specialty of the quorum present."""
    meeting = plan_meeting()
    panel = factories.create_quorate_panel(board)
    operations.record_attendance(
        coordinator, meeting, {u.id: "present" for u in panel}, expected_version=meeting.version
    )
    assert operations.quorum_missing(meeting) == []
    return meeting


def test_a_coordinator_cannot_start_before_the_day(ready, coordinator):
    audited = audit_count()
    for confirm in (False, True):
        with pytest.raises(OperationError, match="only the chair can start it before its day"):
            operations.start_meeting(
                coordinator, ready, expected_version=ready.version, confirm_early=confirm
            )
    assert ready.status == MeetingStatus.PLANNED and audit_count() == audited
    assert not ready.can_start_early(coordinator) and ready.can_start(coordinator)


def test_the_chair_starts_early_only_when_confirming(ready, chair):
    day = to_local(ready.starts_at)
    with pytest.raises(OperationError) as refused:
        operations.start_meeting(chair, ready, expected_version=ready.version)
    assert refused.value.field == "confirm_early"
    assert (
        refused.value.message
        == f"This meeting is planned for {day:%a} {day.day} {day:%b}: confirm that you start it today."
    )
    assert ready.status == MeetingStatus.PLANNED and events("meeting.started") == []
    assert operations.early_start_question(ready) == (
        f"This meeting is planned for {day:%a} {day.day} {day:%b}; start it today anyway?"
    )
    operations.start_meeting(chair, ready, expected_version=ready.version, confirm_early=True)
    assert ready.status == MeetingStatus.IN_PROGRESS
    event = details(events("meeting.started")[-1])
    assert event["early"] is True and event["planned_day"] == day.date().isoformat()


def test_on_the_day_even_before_the_hour_nothing_extra(ready, coordinator, clock):
    local = to_local(ready.starts_at)
    # the first minutes of the day in the hospital's zone are still the previous day in UTC
    midnight = datetime.combine(local.date(), time(0, 5), tzinfo=local.tzinfo)
    clock(midnight - timedelta(minutes=10))
    assert operations.starts_before_its_day(ready), "five to midnight the day before is early"
    clock(midnight)
    assert midnight.astimezone(UTC).date() < local.date()
    assert not operations.starts_before_its_day(ready)
    operations.start_meeting(coordinator, ready, expected_version=ready.version)
    assert details(events("meeting.started")[-1])["early"] is False


def test_the_start_form_asks_the_chair_and_tells_the_coordinator(app, ready, chair, client_as):
    db.session.commit()
    chair_page = client_as(Role.CHAIR).get(f"/meetings/{ready.id}").text
    with app.app_context():
        question = operations.early_start_question(ready)
    assert question in chair_page and 'name="confirm_early"' in chair_page
    coordinator_page = client_as(Role.COORDINATOR).get(f"/meetings/{ready.id}").text
    assert question in coordinator_page and 'name="confirm_early"' not in coordinator_page
    assert "Before its day only the chair can start the meeting." in coordinator_page


def test_the_view_passes_the_confirmation_and_the_operation_refuses_without(app, ready, chair, client_as):
    db.session.commit()
    chair = client_as(Role.CHAIR)
    reason: dict[str, str] = {}
    refused = chair.post(
        f"/meetings/{ready.id}/start", data={"version": ready.version, **reason}, follow_redirects=True
    )
    assert "confirm that you start it today" in refused.text
    db.session.refresh(ready)
    assert ready.status == MeetingStatus.PLANNED
    chair.post(f"/meetings/{ready.id}/start", data={"version": ready.version, "confirm_early": "y", **reason})
    db.session.refresh(ready)
    assert ready.status == MeetingStatus.IN_PROGRESS


def test_an_item_on_two_open_agendas_is_impossible_after_close(running, plan_meeting, chair):
    meeting = running(2)
    nxt = plan_meeting(days=14)
    _close(chair, meeting)
    for case_id in agenda_cases(nxt):
        open_items = db.session.scalars(select(AgendaItem).where(AgendaItem.open_case_id == case_id)).all()
        assert [i.meeting_id for i in open_items] == [nxt.id]


def test_the_case_timeline_names_people_not_their_addresses(app, running, chair, coordinator, client_as):
    meeting = running(1)
    case_id = meeting.items[0].case_id
    _close(chair, meeting)
    db.session.commit()
    page = client_as(Role.SPECIALIST).get(f"/cases/{case_id}").text
    timeline = page[page.index('id="timeline-heading"') :]
    assert f"Put on a meeting agenda by {coordinator.name}" in timeline
    assert f"Deferred to a later meeting by {chair.name}" in timeline
    assert coordinator.email not in timeline and chair.email not in timeline
