"""Planning a meeting: every bad input is refused with its message and writes nothing; only the board's
own coordinators plan; changing a meeting tells the submitters; who may view, manage and edit."""

from datetime import UTC, datetime, time, timedelta

import pytest
from flask_login import AnonymousUserMixin

from tests.conftest import give_function
from tests.meetings.support import a_plan, audit_count, changes, count, events, local_day, notes
from tumorboard.auth.roles import Role
from tumorboard.errors import OperationError, StaleEdit
from tumorboard.extensions import db
from tumorboard.meetings import operations
from tumorboard.meetings.models import Meeting, MeetingSeries, MeetingStatus

NO_TIME = "This time does not exist on that day (the clocks change)."

BAD_PLANS = [
    pytest.param(
        {"duration_minutes": 9}, "The duration must be between 10 and 600\u00a0minutes.", id="duration-9"
    ),
    pytest.param(
        {"duration_minutes": 601}, "The duration must be between 10 and 600\u00a0minutes.", id="duration-601"
    ),
    pytest.param(
        {"cutoff_hours": -1},
        "The submission cut-off must be between 0 and 336\u00a0hours before the meeting.",
        id="cutoff-neg",
    ),
    pytest.param(
        {"cutoff_hours": 24 * 14 + 1},
        "The submission cut-off must be between 0 and 336\u00a0hours before the meeting.",
        id="cutoff-15-days",
    ),
    pytest.param(
        {"capacity_cases": 0}, "The capacity in cases must be between 1 and 1,000.", id="capacity-cases-0"
    ),
    pytest.param(
        {"capacity_minutes": 0},
        "The capacity in minutes must be between 1 and 1,000\u00a0minutes.",
        id="capacity-minutes-0",
    ),
    pytest.param(
        {"capacity_cases": 1001}, "The capacity in cases must be between 1 and 1,000.", id="capacity-1001"
    ),
    pytest.param({"room": "", "video_link": ""}, "Give a room, a video link, or both.", id="no-place"),
    pytest.param({"room": "   ", "video_link": " "}, "Give a room, a video link, or both.", id="blank-place"),
    pytest.param(
        {"video_link": "http://video.example.org/j/84120"},
        "The video link must start with https://.",
        id="video-http",
    ),
    pytest.param(
        {"video_link": "video.example.org/j/84120"},
        "The video link must start with https://.",
        id="video-no-scheme",
    ),
    pytest.param(
        {"video_link": "javascript:alert(1)"}, "The video link must start with https://.", id="video-js"
    ),
    pytest.param({"days": -1}, "The meeting would start in the past.", id="past"),
]


def _nothing_written(before: tuple[int, int, int]) -> None:
    assert (count(Meeting), count(MeetingSeries), audit_count()) == before


def _counts() -> tuple[int, int, int]:
    return count(Meeting), count(MeetingSeries), audit_count()


@pytest.mark.parametrize(("overrides", "message"), BAD_PLANS)
def test_bad_plan_is_refused_and_writes_nothing(coordinator, board, overrides, message):
    before = _counts()
    with pytest.raises(OperationError) as refused:
        operations.plan_meeting(coordinator, board, a_plan(**overrides))
    assert refused.value.message == message
    _nothing_written(before)


@pytest.mark.parametrize(("overrides", "message"), BAD_PLANS)
def test_bad_plan_is_refused_for_a_series_too(coordinator, board, overrides, message):
    before = _counts()
    with pytest.raises(OperationError) as refused:
        operations.plan_series(coordinator, board, a_plan(**overrides), frequency="weekly", count=3)
    assert refused.value.message == message
    _nothing_written(before)


def test_a_local_time_that_does_not_exist_is_refused(coordinator, board, clock):
    clock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    before = _counts()
    with pytest.raises(OperationError) as refused:
        operations.plan_meeting(coordinator, board, a_plan(start_local=datetime(2026, 3, 29, 2, 30)))
    assert (refused.value.message, refused.value.field) == (NO_TIME, "start")
    _nothing_written(before)


def test_the_hour_after_the_gap_exists(coordinator, board, clock):
    clock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    meeting = operations.plan_meeting(coordinator, board, a_plan(start_local=datetime(2026, 3, 29, 3, 0)))
    assert meeting.starts_at == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_plan_stores_utc_and_the_cutoff_and_is_audited(coordinator, board):
    start = local_day(10)
    meeting = operations.plan_meeting(
        coordinator,
        board,
        a_plan(start_local=start, room="", video_link="https://video.example.org/j/1", cutoff_hours=24),
    )
    assert meeting.starts_at.tzinfo is not None
    assert meeting.starts_at.astimezone(operations.hospital_tz()).replace(tzinfo=None) == start
    assert meeting.cutoff_at == meeting.starts_at - timedelta(hours=24)
    assert (meeting.status, meeting.board_id, meeting.created_by_id) == ("planned", board.id, coordinator.id)
    (event,) = events("meeting.planned")
    assert event.entity_id == str(meeting.id)
    assert changes(event)["video_link"] == [None, "https://video.example.org/j/1"]


# Who may plan --------------------------------------------------------------------------------------------


def _other_boards_coordinator(create_board, create_user):
    other = create_board(name="Lung board")
    user = create_user(roles=[Role.COORDINATOR], boards=[other])
    return give_function(user, other, coordinator=True)


@pytest.mark.parametrize(
    "who",
    [
        "coordinator of another board",
        "member without the coordinator flag",
        "chair",
        "coordinator flag without the coordinator role",
        "admin",
        "submitter",
    ],
)
def test_only_the_boards_coordinators_plan(app_ctx, users, board, create_board, create_user, who):
    if who == "coordinator of another board":
        actor = _other_boards_coordinator(create_board, create_user)
    elif who == "member without the coordinator flag":
        actor = users[Role.COORDINATOR]
    elif who == "chair":
        actor = give_function(users[Role.CHAIR], board, chair=True)
    elif who == "coordinator flag without the coordinator role":
        actor = give_function(users[Role.SPECIALIST], board, coordinator=True)
    else:
        actor = users[Role.ADMIN if who == "admin" else Role.SUBMITTER]
    before = _counts()
    for plan in (
        lambda: operations.plan_meeting(actor, board, a_plan()),
        lambda: operations.plan_series(actor, board, a_plan(), frequency="weekly", count=2),
    ):
        with pytest.raises(OperationError, match="Only the board's coordinators plan its meetings."):
            plan()
    _nothing_written(before)


def test_the_boards_coordinator_plans(coordinator, board):
    assert operations.plan_meeting(coordinator, board, a_plan()).id


# Changing and the permissions of a meeting -------------------------------------------------------------


def test_moving_a_meeting_tells_the_submitters(coordinator, meeting, pool_case, submitter):
    case = pool_case()
    operations.add_to_agenda(coordinator, meeting, case, expected_version=meeting.version)
    version = meeting.version
    operations.update_meeting(
        coordinator,
        meeting,
        a_plan(start_local=local_day(8, time(15, 0))),
        expected_version=version,
    )
    assert meeting.version > version
    assert len(notes(submitter, "meeting_moved")) == 1
    assert "starts_at" in changes(events("meeting.updated")[-1])


def test_changing_without_moving_tells_nobody(coordinator, meeting, pool_case, submitter):
    operations.add_to_agenda(coordinator, meeting, pool_case(), expected_version=meeting.version)
    operations.update_meeting(coordinator, meeting, a_plan(room="Room 2"), expected_version=meeting.version)
    assert notes(submitter, "meeting_moved") == []
    assert changes(events("meeting.updated")[-1]) == {"room": ["Demo room 3.14", "Room 2"]}


def test_a_stale_change_is_refused_and_changes_nothing(coordinator, meeting):
    version, audited = meeting.version, audit_count()
    with pytest.raises(StaleEdit):
        operations.update_meeting(coordinator, meeting, a_plan(room="Room 2"), expected_version=version - 1)
    assert (meeting.room, meeting.version, audit_count()) == ("Demo room 3.14", version, audited)


def test_a_bad_change_is_refused_and_changes_nothing(coordinator, meeting):
    version = meeting.version
    with pytest.raises(OperationError, match="https://"):
        operations.update_meeting(
            coordinator, meeting, a_plan(video_link="http://x.example.org"), expected_version=version
        )
    assert (meeting.video_link, meeting.version) == ("", version)


def test_only_a_coordinator_changes_a_meeting(users, chair, meeting):
    for actor in (chair, users[Role.SPECIALIST], users[Role.ADMIN]):
        with pytest.raises(OperationError, match="coordinators"):
            operations.update_meeting(actor, meeting, a_plan(room="X"), expected_version=meeting.version)


def test_permissions_of_a_meeting(
    app_ctx, users, board, coordinator, chair, meeting, create_user, create_board
):
    outsider = create_user(roles=[Role.COORDINATOR], boards=[create_board(name="Lung board")])
    members = {role: user for role, user in users.items() if role is not Role.PRIVACY}
    assert all(meeting.can_view(u) for u in members.values())
    assert not meeting.can_view(users[Role.PRIVACY])  # belongs to no board
    assert not meeting.can_view(outsider)
    assert not meeting.can_view(AnonymousUserMixin())
    assert meeting.can_manage(coordinator) and meeting.can_edit_agenda(coordinator)
    for user in (chair, users[Role.SPECIALIST], users[Role.ADMIN], outsider):
        assert not meeting.can_manage(user)
        assert not meeting.can_edit_agenda(user)
    assert not meeting.can_manage(AnonymousUserMixin())
    assert board.can_chair(chair) and not board.can_chair(coordinator)
    assert not board.can_manage_meetings(chair)


def test_the_agenda_of_a_locked_or_started_meeting_is_not_editable(coordinator, meeting):
    """The model answers as the operations do: a locked agenda is unlocked first."""
    operations.set_agenda_locked(coordinator, meeting, locked=True, expected_version=meeting.version)
    assert meeting.status == MeetingStatus.LOCKED
    assert meeting.can_manage(coordinator)
    assert not meeting.can_edit_agenda(coordinator)
    operations.set_agenda_locked(coordinator, meeting, locked=False, expected_version=meeting.version)
    assert meeting.can_edit_agenda(coordinator)


def test_a_chair_flag_needs_the_chair_role(app_ctx, users, board):
    specialist = give_function(users[Role.SPECIALIST], board, chair=True)
    assert not board.can_chair(specialist)
    chair_without_flag = users[Role.CHAIR]
    assert not board.can_chair(chair_without_flag)


def test_a_started_meeting_is_not_changed(coordinator, meeting):
    meeting.status = MeetingStatus.IN_PROGRESS.value
    db.session.flush()
    assert not meeting.can_edit_agenda(coordinator)
    with pytest.raises(OperationError, match="started or ended cannot be changed"):
        operations.update_meeting(
            coordinator, meeting, a_plan(room="Room 2"), expected_version=meeting.version
        )
    with pytest.raises(OperationError, match="cannot be locked or unlocked"):
        operations.set_agenda_locked(coordinator, meeting, locked=True, expected_version=meeting.version)
