"""Attendance and quorum (every required specialty group covered by someone present, member or guest),
starting a meeting (without quorum only the chair, with a reason), outcomes, closing, and the deferred
cases going back to the pool first in line."""

import pytest
from sqlalchemy import select

from tests.meetings.support import agenda_cases, audit_count, changes, count, details, events, notes
from tumorboard.auth.roles import Role
from tumorboard.boards.models import DEFAULT_REQUIRED_SPECIALTIES
from tumorboard.cases.models import CaseStatus
from tumorboard.clinical.specialties import Specialty as S
from tumorboard.errors import OperationError, StaleEdit
from tumorboard.extensions import db
from tumorboard.meetings import operations
from tumorboard.meetings.models import AgendaItem, Attendance, MeetingStatus
from tumorboard.timezones import to_local

GI_OR_ENDO = (S.GASTROENTEROLOGY, S.ENDOCRINOLOGY)
NOT_A_GUEST = "members are present or absent; guests are not members."


@pytest.fixture
def panel(users, board, create_user):
    """A member of `board` for each specialty of the quorum, and an endocrinologist besides."""
    made = {
        s: create_user(roles=[Role.SPECIALIST], boards=[board], specialty=s.value)
        for s in (S.SURGERY, S.PATHOLOGY, S.NUCLEAR_MEDICINE, S.GASTROENTEROLOGY, S.ENDOCRINOLOGY)
    }
    return made | {S.RADIOLOGY: users[Role.SPECIALIST], S.MEDICAL_ONCOLOGY: users[Role.SUBMITTER]}


def attend(actor, meeting, statuses: dict) -> None:
    operations.record_attendance(
        actor, meeting, {u.id: s for u, s in statuses.items()}, expected_version=meeting.version
    )


def everyone_but(panel, *left_out: S) -> dict:
    return {user: "present" for s, user in panel.items() if s not in left_out}


@pytest.fixture
def agenda(coordinator, meeting, pool_case):
    cases = [pool_case(waiting_days=10 - n) for n in range(3)]
    for case in cases:
        operations.add_to_agenda(coordinator, meeting, case, expected_version=meeting.version)
    return cases


@pytest.fixture
def started(coordinator, meeting, panel, agenda, on_meeting_day):
    """The meeting with its agenda, started with quorum on its day."""
    on_meeting_day(meeting)
    attend(coordinator, meeting, everyone_but(panel))
    operations.start_meeting(coordinator, meeting, expected_version=meeting.version)
    return meeting


# Quorum ----------------------------------------------------------------------------------------------


def test_nobody_present_misses_every_group(meeting):
    assert operations.quorum_missing(meeting) == list(DEFAULT_REQUIRED_SPECIALTIES)


@pytest.mark.parametrize("alternative", GI_OR_ENDO)
def test_gastroenterology_or_endocrinology_completes_the_quorum(coordinator, meeting, panel, alternative):
    attend(coordinator, meeting, everyone_but(panel, *GI_OR_ENDO))
    assert operations.quorum_missing(meeting) == [GI_OR_ENDO]
    attend(coordinator, meeting, {panel[alternative]: "present"})
    assert operations.quorum_missing(meeting) == []


def test_absent_does_not_count(coordinator, meeting, panel):
    attend(coordinator, meeting, everyone_but(panel) | {panel[S.SURGERY]: "absent"})
    assert operations.quorum_missing(meeting) == [(S.SURGERY,)]
    attend(coordinator, meeting, {panel[S.SURGERY]: "present"})
    assert operations.quorum_missing(meeting) == []
    assert changes(events("meeting.attendance")[-1]) == {str(panel[S.SURGERY].id): ["absent", "present"]}


def test_a_guest_counts(coordinator, meeting, panel, create_user):
    visiting_pathologist = create_user(roles=[Role.SPECIALIST], specialty=S.PATHOLOGY.value)
    attend(coordinator, meeting, everyone_but(panel, S.PATHOLOGY))
    assert operations.quorum_missing(meeting) == [(S.PATHOLOGY,)]
    attend(coordinator, meeting, {visiting_pathologist: "guest"})
    assert operations.quorum_missing(meeting) == []
    row = db.session.scalar(select(Attendance).where(Attendance.user_id == visiting_pathologist.id))
    assert (row.status, row.specialty, row.recorded_by_id) == ("guest", "pathology", coordinator.id)


def test_a_boards_own_quorum_is_used(coordinator, meeting, board, panel):
    board.required_specialties = "surgery;pathology|radiology"
    db.session.flush()
    assert operations.quorum_missing(meeting) == [(S.SURGERY,), (S.PATHOLOGY, S.RADIOLOGY)]
    attend(coordinator, meeting, {panel[S.SURGERY]: "present", panel[S.RADIOLOGY]: "present"})
    assert operations.quorum_missing(meeting) == []


# Recording attendance -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["non-member as present", "non-member as absent", "member as guest"])
def test_members_are_present_or_absent_and_guests_are_not_members(
    coordinator, meeting, panel, create_user, who
):
    outsider = create_user(roles=[Role.SPECIALIST], specialty=S.SURGERY.value)
    statuses = {
        "non-member as present": {outsider: "present"},
        "non-member as absent": {outsider: "absent"},
        "member as guest": {panel[S.SURGERY]: "guest"},
    }[who]
    version, audited = meeting.version, audit_count()
    with pytest.raises(OperationError) as refused:
        attend(coordinator, meeting, {panel[S.PATHOLOGY]: "present"} | statuses)
    assert refused.value.message.endswith(NOT_A_GUEST)
    assert (count(Attendance), meeting.version, audit_count()) == (0, version, audited)


def test_unknown_or_inactive_people_and_statuses_are_refused(coordinator, meeting, panel, create_user):
    gone = create_user(roles=[Role.SPECIALIST], specialty=S.SURGERY.value, active=False)
    for statuses, message in (
        ({panel[S.SURGERY].id: "maybe"}, "Attendance is present, absent or guest."),
        ({987654: "guest"}, "Unknown person."),
        ({gone.id: "guest"}, "Unknown person."),
    ):
        with pytest.raises(OperationError, match=message):
            operations.record_attendance(coordinator, meeting, statuses, expected_version=meeting.version)
    assert count(Attendance) == 0


def test_blank_statuses_are_skipped(coordinator, meeting, panel):
    operations.record_attendance(
        coordinator,
        meeting,
        {panel[S.SURGERY].id: "", panel[S.PATHOLOGY].id: "present"},
        expected_version=meeting.version,
    )
    assert [a.user_id for a in meeting.attendance] == [panel[S.PATHOLOGY].id]


def test_the_coordinator_or_the_chair_records_attendance(users, coordinator, chair, meeting, panel):
    attend(chair, meeting, {panel[S.SURGERY]: "present"})
    attend(coordinator, meeting, {panel[S.PATHOLOGY]: "present"})
    with pytest.raises(OperationError, match="coordinators or chair"):
        attend(users[Role.SPECIALIST], meeting, {panel[S.RADIOLOGY]: "present"})
    assert count(Attendance) == 2


def test_attendance_moves_the_version_and_a_stale_one_is_refused(coordinator, meeting, panel):
    version = meeting.version
    attend(coordinator, meeting, {panel[S.SURGERY]: "present"})
    assert meeting.version > version
    with pytest.raises(StaleEdit):
        operations.record_attendance(
            coordinator, meeting, {panel[S.PATHOLOGY].id: "present"}, expected_version=version
        )
    assert count(Attendance) == 1


# Starting --------------------------------------------------------------------------------------------


def test_with_quorum_the_coordinator_starts(coordinator, meeting, panel, on_meeting_day):
    on_meeting_day(meeting)
    attend(coordinator, meeting, everyone_but(panel))
    operations.start_meeting(coordinator, meeting, expected_version=meeting.version)
    assert meeting.status == MeetingStatus.IN_PROGRESS and meeting.started_at is not None
    assert meeting.quorum_override_reason == "" and meeting.quorum_override_by_id is None
    event = events("meeting.started")[-1]
    assert changes(event) == {"status": ["planned", "in_progress"]}
    assert details(event) == {
        "quorum_missing": [],
        "override_reason": "",
        "early": False,
        "planned_day": to_local(meeting.starts_at).date().isoformat(),
    }
    with pytest.raises(OperationError, match="cannot be started"):
        operations.start_meeting(coordinator, meeting, expected_version=meeting.version)


def test_without_quorum_the_coordinator_cannot_start(coordinator, meeting, panel):
    attend(coordinator, meeting, everyone_but(panel, *GI_OR_ENDO))
    with pytest.raises(OperationError, match="Quorum is not reached: the chair must confirm the start"):
        operations.start_meeting(
            coordinator, meeting, expected_version=meeting.version, override_reason="We are in a hurry"
        )
    assert meeting.status == "planned"


def test_without_quorum_the_chair_starts_only_with_a_reason(
    coordinator, chair, meeting, panel, on_meeting_day
):
    on_meeting_day(meeting)
    attend(coordinator, meeting, everyone_but(panel, *GI_OR_ENDO))
    for blank in ("", "   "):
        with pytest.raises(OperationError) as refused:
            operations.start_meeting(chair, meeting, expected_version=meeting.version, override_reason=blank)
        assert refused.value.field == "override_reason"
    assert meeting.status == "planned" and events("meeting.started") == []
    operations.start_meeting(
        chair,
        meeting,
        expected_version=meeting.version,
        override_reason="Endocrinologist on call, joins later",
    )
    assert meeting.status == MeetingStatus.IN_PROGRESS
    assert (meeting.quorum_override_reason, meeting.quorum_override_by_id) == (
        "Endocrinologist on call, joins later",
        chair.id,
    )
    assert details(events("meeting.started")[-1]) == {
        "quorum_missing": ["gastroenterology or endocrinology"],
        "override_reason": "Endocrinologist on call, joins later",
        "early": False,
        "planned_day": to_local(meeting.starts_at).date().isoformat(),
    }


def test_only_the_coordinator_or_chair_starts(users, coordinator, meeting, panel):
    attend(coordinator, meeting, everyone_but(panel))
    with pytest.raises(OperationError, match="coordinators or chair start"):
        operations.start_meeting(users[Role.SPECIALIST], meeting, expected_version=meeting.version)
    with pytest.raises(StaleEdit):
        operations.start_meeting(coordinator, meeting, expected_version=meeting.version - 1)
    assert meeting.status == "planned"


def test_a_locked_meeting_starts(coordinator, meeting, panel, on_meeting_day):
    on_meeting_day(meeting)
    attend(coordinator, meeting, everyone_but(panel))
    operations.set_agenda_locked(coordinator, meeting, locked=True, expected_version=meeting.version)
    operations.start_meeting(coordinator, meeting, expected_version=meeting.version)
    assert changes(events("meeting.started")[-1]) == {"status": ["agenda_locked", "in_progress"]}


# Outcomes and closing ------------------------------------------------------------------------------


def test_outcomes_move_the_cases(coordinator, chair, started, agenda, submitter):
    a, b, c = (next(i for i in started.items if i.case_id == case.id) for case in agenda)
    operations.set_outcome(coordinator, a, "discussed", expected_version=started.version)
    operations.set_outcome(chair, b, "deferred", expected_version=started.version)
    assert [case.status for case in agenda] == ["discussed", "deferred", "scheduled"]
    assert [details(e) for e in events("agenda.outcome")] == [
        {"case": agenda[0].id, "item": a.id, "outcome": "discussed", "snapshot_sha256": a.snapshot.sha256},
        {"case": agenda[1].id, "item": b.id, "outcome": "deferred", "snapshot_sha256": b.snapshot.sha256},
    ]
    assert c.snapshot is None  # still to be discussed: the agenda shows the live case
    assert events("case.discussed")[-1].entity_id == str(agenda[0].id)
    assert len(notes(submitter, "case_deferred")) == 1
    version = started.version
    operations.set_outcome(coordinator, a, "discussed", expected_version=version)  # the same again: nothing
    assert started.version == version
    with pytest.raises(OperationError, match="already recorded"):
        operations.set_outcome(coordinator, a, "deferred", expected_version=version)
    with pytest.raises(OperationError, match="discussed or deferred"):
        operations.set_outcome(coordinator, c, "postponed", expected_version=version)
    with pytest.raises(StaleEdit):
        operations.set_outcome(coordinator, c, "discussed", expected_version=version - 1)
    assert agenda[2].status == "scheduled"


def test_only_the_coordinator_or_chair_records_outcomes(users, coordinator, meeting, agenda, started):
    with pytest.raises(OperationError, match="coordinators or chair"):
        operations.set_outcome(
            users[Role.SPECIALIST], meeting.items[0], "discussed", expected_version=meeting.version
        )


def test_no_outcome_before_the_start(coordinator, meeting, agenda):
    with pytest.raises(OperationError, match="while the meeting is in progress"):
        operations.set_outcome(coordinator, meeting.items[0], "discussed", expected_version=meeting.version)
    assert agenda[0].status == "scheduled"


def test_closing_needs_every_outcome(coordinator, started, agenda):
    operations.set_outcome(coordinator, started.items[0], "discussed", expected_version=started.version)
    version, audited = started.version, audit_count()
    with pytest.raises(OperationError) as refused:
        operations.close_meeting(coordinator, started, expected_version=version)
    assert refused.value.message.startswith("2 case(s) have no outcome yet")
    assert (started.status, started.version, audit_count()) == ("in_progress", version, audited)
    for item in started.items[1:]:
        operations.set_outcome(coordinator, item, "discussed", expected_version=started.version)
    operations.close_meeting(coordinator, started, expected_version=started.version)
    assert started.status == MeetingStatus.CLOSED and started.closed_at is not None
    assert [case.status for case in agenda] == ["discussed"] * 3
    assert all(i.open_case_id is None for i in started.items)
    assert details(events("meeting.closed")[-1]) == {
        "deferred_at_close": [],
        "deferred_to": None,
        "snapshots": {},
    }


def test_closing_defers_the_remaining_cases(coordinator, started, agenda, submitter):
    operations.set_outcome(coordinator, started.items[0], "discussed", expected_version=started.version)
    operations.close_meeting(coordinator, started, expected_version=started.version, defer_remaining=True)
    assert [case.status for case in agenda] == ["discussed", "deferred", "deferred"]
    assert [i.outcome for i in started.items] == ["discussed", "deferred", "deferred"]
    (note,) = notes(submitter, "case_deferred")  # one note for the submitter's two cases
    assert f"{agenda[1].id}, {agenda[2].id}" in note.message and "wait first in the pool" in note.message
    assert details(events("meeting.closed")[-1]) == {
        "deferred_at_close": [agenda[1].id, agenda[2].id],
        "deferred_to": None,
        "snapshots": {str(i.id): i.snapshot.sha256 for i in started.items[1:]},
    }


def test_only_a_meeting_in_progress_closes(users, coordinator, meeting, started):
    with pytest.raises(OperationError, match="coordinators or chair close"):
        operations.close_meeting(users[Role.SPECIALIST], meeting, expected_version=meeting.version)
    with pytest.raises(StaleEdit):
        operations.close_meeting(
            coordinator, meeting, expected_version=meeting.version - 1, defer_remaining=True
        )
    operations.close_meeting(coordinator, meeting, expected_version=meeting.version, defer_remaining=True)
    with pytest.raises(OperationError, match="Only a meeting in progress"):
        operations.close_meeting(coordinator, meeting, expected_version=meeting.version)


# The pool ----------------------------------------------------------------------------------------------


def _pool(board) -> list[int]:
    return [case.id for case in db.session.scalars(operations.pool(board))]


def test_the_pool_is_deferred_first_then_the_longest_waiting(
    coordinator, board, started, agenda, pool_case, create_case, submitter
):
    newer, older, oldest = pool_case(waiting_days=1), pool_case(waiting_days=20), pool_case(waiting_days=30)
    create_case(submitter=submitter, board=board)  # a draft is not in the pool
    operations.close_meeting(coordinator, started, expected_version=started.version, defer_remaining=True)
    # agenda: waited 10, 9 and 8 days, now deferred; they come first, the longest waiting of them first.
    assert [c.status for c in agenda] == ["deferred"] * 3
    assert _pool(board) == [agenda[0].id, agenda[1].id, agenda[2].id, oldest.id, older.id, newer.id]


def test_a_deferred_case_goes_on_the_next_agenda_before_the_meeting_closes(
    coordinator, plan_meeting, started, agenda
):
    """Deferred in the meeting, the case is back in the pool at once: the next agenda may take it."""
    next_meeting = plan_meeting(days=14)
    item = next(i for i in started.items if i.case_id == agenda[1].id)
    operations.set_outcome(coordinator, item, "deferred", expected_version=started.version)
    assert agenda[1].id in _pool(started.board)
    operations.add_to_agenda(coordinator, next_meeting, agenda[1], expected_version=next_meeting.version)
    assert agenda_cases(next_meeting) == [agenda[1].id]
    assert agenda[1].status == CaseStatus.SCHEDULED
    # Closing the first meeting does not touch the case's place on the next agenda; the case deferred at
    # close goes before it.
    operations.close_meeting(coordinator, started, expected_version=started.version, defer_remaining=True)
    assert agenda[1].status == CaseStatus.SCHEDULED
    open_items = db.session.scalars(select(AgendaItem).where(AgendaItem.open_case_id == agenda[1].id)).all()
    assert [i.meeting_id for i in open_items] == [next_meeting.id]
    assert agenda_cases(next_meeting) == [agenda[0].id, agenda[2].id, agenda[1].id]
