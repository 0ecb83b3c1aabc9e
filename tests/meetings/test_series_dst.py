"""A series keeps its local wall-clock time across the changes to and from daylight-saving time (Europe/
Berlin: 29 March and 25 October 2026), so its UTC time moves by an hour; dropped dates are left out."""

from datetime import UTC, date, datetime, time

import pytest

from tests.meetings.support import a_plan, audit_count, count, details, events
from tumorboard.errors import OperationError
from tumorboard.meetings import operations
from tumorboard.meetings.models import Meeting, MeetingSeries
from tumorboard.timezones import to_local

MARCH = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
OCTOBER = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def _local(meetings) -> list[datetime]:
    return [to_local(m.starts_at).replace(tzinfo=None) for m in meetings]


def _utc(meetings) -> list[datetime]:
    return [m.starts_at for m in meetings]


def test_weekly_across_the_spring_change_stays_at_16_local(coordinator, board, clock):
    clock(MARCH)
    meetings = operations.plan_series(
        coordinator,
        board,
        a_plan(start_local=datetime(2026, 3, 18, 16, 0)),
        frequency="weekly",
        count=4,
    )
    days = [date(2026, 3, 18), date(2026, 3, 25), date(2026, 4, 1), date(2026, 4, 8)]
    assert _local(meetings) == [datetime.combine(d, time(16, 0)) for d in days]
    assert [m.starts_at.hour for m in meetings] == [15, 15, 14, 14]
    assert _utc(meetings)[2] == datetime(2026, 4, 1, 14, 0, tzinfo=UTC)
    # The cut-off is 48 real hours before each start.
    assert all((m.starts_at - m.cutoff_at).total_seconds() == 48 * 3600 for m in meetings)
    assert len({m.series_id for m in meetings}) == 1 and meetings[0].series_id is not None


def test_fortnightly_across_the_autumn_change_stays_at_16_local(coordinator, board, clock):
    clock(OCTOBER)
    meetings = operations.plan_series(
        coordinator,
        board,
        a_plan(start_local=datetime(2026, 10, 14, 16, 0)),
        frequency="fortnightly",
        count=4,
    )
    days = [date(2026, 10, 14), date(2026, 10, 28), date(2026, 11, 11), date(2026, 11, 25)]
    assert _local(meetings) == [datetime.combine(d, time(16, 0)) for d in days]
    assert [m.starts_at.hour for m in meetings] == [14, 15, 15, 15]


def test_the_stored_times_read_back_the_same(coordinator, board, clock):
    """UTC in the database, aware on the way out, on SQLite as on PostgreSQL."""
    from tumorboard.extensions import db

    clock(MARCH)
    meetings = operations.plan_series(
        coordinator, board, a_plan(start_local=datetime(2026, 3, 25, 16, 0)), frequency="weekly", count=2
    )
    ids = [m.id for m in meetings]
    db.session.expire_all()
    stored = [db.session.get(Meeting, i).starts_at for i in ids]
    assert stored == [datetime(2026, 3, 25, 15, 0, tzinfo=UTC), datetime(2026, 4, 1, 14, 0, tzinfo=UTC)]


@pytest.mark.parametrize("as_generator", [False, True])
def test_dropped_dates_are_left_out_and_audited(coordinator, board, clock, as_generator):
    clock(MARCH)
    dropped = [date(2026, 3, 25), date(2026, 4, 1), date(2026, 12, 24)]
    meetings = operations.plan_series(
        coordinator,
        board,
        a_plan(start_local=datetime(2026, 3, 18, 16, 0)),
        frequency="weekly",
        count=4,
        skip=(d for d in dropped) if as_generator else dropped,
    )
    assert [m.starts_at.date() for m in meetings] == [date(2026, 3, 18), date(2026, 4, 8)]
    (event,) = events("meeting.series_planned")
    assert details(event) == {
        "frequency": "weekly",
        "meetings": [m.id for m in meetings],
        "dropped": ["2026-03-25", "2026-04-01", "2026-12-24"],
    }
    assert count(Meeting) == 2 and count(MeetingSeries) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"count": 0}, "The number of meetings must be between 1 and 52.", id="0-meetings"),
        pytest.param({"count": 53}, "The number of meetings must be between 1 and 52.", id="53-meetings"),
        pytest.param({"frequency": "monthly"}, "Choose weekly or fortnightly.", id="monthly"),
        pytest.param(
            {"count": 2, "skip": [date(2026, 3, 18), date(2026, 3, 25)]},
            "Every date of the series was dropped.",
            id="every-date-dropped",
        ),
    ],
)
def test_a_bad_series_is_refused_and_writes_nothing(coordinator, board, clock, kwargs, message):
    clock(MARCH)
    before = (count(Meeting), count(MeetingSeries), audit_count())
    with pytest.raises(OperationError) as refused:
        operations.plan_series(
            coordinator,
            board,
            a_plan(start_local=datetime(2026, 3, 18, 16, 0)),
            **({"frequency": "weekly", "count": 4} | kwargs),
        )
    assert refused.value.message == message
    assert (count(Meeting), count(MeetingSeries), audit_count()) == before


def test_52_meetings_are_allowed(coordinator, board, clock):
    clock(MARCH)
    meetings = operations.plan_series(
        coordinator, board, a_plan(start_local=datetime(2026, 3, 18, 16, 0)), frequency="weekly", count=52
    )
    assert len(meetings) == 52
    assert {to_local(m.starts_at).time() for m in meetings} == {time(16, 0)}


def test_a_series_that_meets_the_missing_hour_is_refused_whole(coordinator, board, clock):
    """02:30 on Sundays: the second date (29 March) has no 02:30, so nothing is planned."""
    clock(MARCH)
    before = (count(Meeting), count(MeetingSeries), audit_count())
    with pytest.raises(OperationError, match="does not exist"):
        operations.plan_series(
            coordinator, board, a_plan(start_local=datetime(2026, 3, 22, 2, 30)), frequency="weekly", count=3
        )
    assert (count(Meeting), count(MeetingSeries), audit_count()) == before


def test_a_series_starting_in_the_past_is_refused(coordinator, board, clock):
    clock(datetime(2026, 3, 20, 9, 0, tzinfo=UTC))
    with pytest.raises(OperationError, match="in the past"):
        operations.plan_series(
            coordinator, board, a_plan(start_local=datetime(2026, 3, 18, 16, 0)), frequency="weekly", count=4
        )
    assert count(Meeting) == 0
