"""Fixtures of the meetings operation tests: the board's coordinator and chair (with their per-board
flags), cases waiting in the pool, a planned meeting next week, and a clock for fixed calendar dates."""

from datetime import datetime, time, timedelta

import pytest

from tests.meetings.support import a_plan
from tumorboard.cases.models import CaseStatus
from tumorboard.db import utcnow
from tumorboard.meetings import operations
from tumorboard.timezones import hospital_tz, to_local


@pytest.fixture
def pool_case(app_ctx, create_case, submitter, board):
    """A case submitted to `board` `waiting_days` ago (the submitter may be another member)."""

    def make(waiting_days: int = 3, *, by=None, on_board=None, status=CaseStatus.SUBMITTED.value):
        return create_case(
            submitter=by or submitter,
            board=on_board or board,
            status=status,
            submitted_at=utcnow() - timedelta(days=waiting_days),
        )

    return make


@pytest.fixture
def plan_meeting(coordinator, board):
    """Plan a meeting of `board` as its coordinator (next week, 16:00 local, unless told otherwise)."""

    def make(**overrides):
        return operations.plan_meeting(coordinator, board, a_plan(**overrides))

    return make


@pytest.fixture
def meeting(plan_meeting):
    return plan_meeting()


@pytest.fixture
def clock(time_machine):
    """Set "now" for tests tied to fixed calendar dates: time-machine moves every clock of the process
    (datetime, date, time), so no module's `utcnow` needs patching on its own."""

    def set_now(now: datetime) -> None:
        time_machine.move_to(now, tick=False)

    return set_now


@pytest.fixture
def on_meeting_day(clock):
    """Move "now" to the meeting's own day (hospital time), at `at` (before the meeting's hour by default):
    a coordinator may start a meeting on its day, and only then."""

    def move(meeting, at: time = time(8, 0)) -> None:
        day = to_local(meeting.starts_at).date()
        clock(datetime.combine(day, at, tzinfo=hospital_tz()))

    return move
