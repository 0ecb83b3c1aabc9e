"""The demo data's dates agree with each other (findings before their case, meetings after the submission,
decisions signed on the meeting day, follow-ups after the decision), so the quality dashboard shows real
figures on it; and recording the demo history as of its days leaves the real clock alone."""

import statistics
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tumorboard.cases.models import Case
from tumorboard.db import recorded_as_of, utcnow
from tumorboard.decisions.models import Decision, DecisionStatus, FollowUp
from tumorboard.decisions.quality import quality_report
from tumorboard.extensions import db
from tumorboard.meetings.models import AgendaItem, Meeting
from tumorboard.timezones import hospital_today, to_local


@pytest.fixture
def demo(isolated_app):
    """The demo data, seeded through the CLI into a database of its own."""
    app = isolated_app()
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        yield app


def _day(moment: datetime):
    return to_local(moment).date()


def test_the_demo_dates_agree_with_each_other(demo):
    _findings_before_their_case()
    _meetings_after_the_submission()
    _signed_on_the_meeting_day_and_followed_up_after()


def _findings_before_their_case():
    cases = db.session.scalars(select(Case)).all()
    assert cases
    for case in cases:
        registered = _day(case.created_at)
        dates = [
            *(s.study_date for s in case.imaging),
            *(r.sample_date for r in case.labs),
            *(p.report_date for p in case.pathology),
            *(t.start_date for t in case.prior_treatments),
            *(t.end_date for t in case.prior_treatments if t.end_date),
        ]
        assert all(d <= registered for d in dates), (case.id, registered, sorted(dates)[-1])
        assert case.patient.birth_date < min(dates, default=registered)
        if case.submitted_at is not None:
            assert case.created_at <= case.submitted_at


def _meetings_after_the_submission():
    items = db.session.scalars(select(AgendaItem)).all()
    assert items
    for item in items:
        meeting, case = item.meeting, item.case
        assert meeting.created_at < meeting.starts_at
        assert case.submitted_at <= item.added_at <= meeting.starts_at, (item.id, case.id)
    past = db.session.scalars(select(Meeting).where(Meeting.closed_at.is_not(None))).all()
    assert past
    for meeting in past:
        assert meeting.starts_at <= meeting.started_at < meeting.closed_at <= meeting.ends_at
        assert not any(item.late for item in meeting.items), "the history was on time"


def _signed_on_the_meeting_day_and_followed_up_after():
    signed = db.session.scalars(select(Decision).where(Decision.status == DecisionStatus.SIGNED.value)).all()
    assert signed
    for decision in signed:
        meeting = decision.meeting
        assert _day(decision.signed_at) == _day(meeting.starts_at)
        assert meeting.started_at <= decision.signed_at <= meeting.closed_at
        assert decision.snapshot is not None
    follow_ups = db.session.scalars(select(FollowUp)).all()
    assert len(follow_ups) == len(signed)
    for follow_up in follow_ups:
        decision = follow_up.decision
        assert follow_up.recorded_at > decision.signed_at
        assert _day(decision.signed_at) < follow_up.started_on <= _day(follow_up.recorded_at)


def test_the_quality_dashboard_has_real_figures_on_the_demo(demo):
    signed = db.session.scalars(select(Decision).where(Decision.status == DecisionStatus.SIGNED.value)).all()
    board_id = signed[0].meeting.board_id
    today = hospital_today()
    report = quality_report(board_id, today - timedelta(weeks=12), today)
    waited = [(_day(d.meeting.starts_at) - _day(d.case.submitted_at)).days for d in signed]
    assert report.cases_discussed.value == len(signed)
    assert report.median_days.value == statistics.median(waited) and report.median_days.value > 0
    assert report.signed_within_48h.value == 100
    assert report.implemented_fully.denominator == len(signed)
    assert report.implemented_fully.numerator + report.implemented_partly.numerator > 0
    assert sum(r.total for r in report.reasons) == len(signed) - report.implemented_fully.numerator


def test_recording_as_of_a_moment_is_for_this_context_only(app_ctx):
    moment = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
    seen_elsewhere: list[datetime] = []
    with recorded_as_of(moment):
        assert utcnow() == moment and hospital_today() == to_local(moment).date()
        other = threading.Thread(target=lambda: seen_elsewhere.append(utcnow()))
        other.start()
        other.join()
    assert seen_elsewhere[0] != moment, "another thread keeps the real clock"
    assert utcnow() != moment
    with pytest.raises(ValueError, match="timezone-aware"), recorded_as_of(datetime(2026, 3, 4, 15, 0)):
        pass
