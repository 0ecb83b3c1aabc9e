"""The meetings' reminders (`flask jobs tick`, inline here: no queue): the submission cut-off to
submitters with drafts for the board, the meeting to its board's members the day before, the agenda to
them when it is locked. Who gets each and who does not (other boards, disabled accounts, cases already
submitted), and each once, however often the tick runs. Cases by number, never the patient."""

from datetime import timedelta

import pytest
import time_machine
from click.testing import CliRunner

from tests.meetings.support import events, notes
from tumorboard import jobs
from tumorboard.auth.roles import Role
from tumorboard.cases.models import CaseStatus
from tumorboard.cli import jobs_tick_command
from tumorboard.extensions import db
from tumorboard.meetings import operations
from tumorboard.meetings.models import Meeting


def tick(app) -> str:
    result = CliRunner().invoke(jobs_tick_command, obj=None, standalone_mode=False)
    assert result.exception is None, result.exception
    assert "5 scheduled job(s) run inline" in result.output
    return result.output


@pytest.fixture
def other_board(create_board, create_user):
    board = create_board(name="Thoracic NET board")
    create_user(roles=[Role.SPECIALIST], boards=[board])
    return board


def test_the_cut_off_reminds_submitters_of_their_drafts_once(
    app, meeting, board, other_board, submitter, create_user, create_case
):
    colleague = create_user(roles=[Role.SUBMITTER], boards=[board])
    gone = create_user(roles=[Role.SUBMITTER], boards=[board], active=False)
    elsewhere = create_user(roles=[Role.SUBMITTER], boards=[other_board])
    drafts = [create_case(submitter=submitter, board=board) for _ in range(2)]
    sent = create_case(submitter=colleague, board=board, status=CaseStatus.SUBMITTED.value)
    theirs = create_case(submitter=colleague, board=board)
    create_case(submitter=gone, board=board)
    create_case(submitter=elsewhere, board=other_board)
    with time_machine.travel(meeting.cutoff_at - timedelta(hours=30), tick=False):
        tick(app)
        assert notes(submitter, "reminder_cutoff") == [], "not yet: the cut-off is more than 24 h away"
    with time_machine.travel(meeting.cutoff_at - timedelta(hours=12), tick=False):
        tick(app)
        tick(app)
    (mine,) = notes(submitter, "reminder_cutoff")
    assert f"case {drafts[0].id}, {drafts[1].id}." in mine.message and "GEP-NET board" in mine.message
    assert drafts[0].patient.family_name not in mine.message
    (yours,) = notes(colleague, "reminder_cutoff")
    assert f"case {theirs.id}." in yours.message and str(sent.id) not in yours.message.split("case ")[-1]
    assert yours.link == f"/cases/{theirs.id}"
    assert notes(gone, "reminder_cutoff") == [] and notes(elsewhere, "reminder_cutoff") == []
    (event,) = events("reminders.cutoff_sent")
    assert event.details["meetings"] == {str(meeting.id): sorted([submitter.id, colleague.id])}


def test_the_meeting_reminds_its_boards_members_the_day_before_once(
    app, meeting, board, other_board, users, coordinator, pool_case, create_user
):
    case = pool_case()
    operations.add_to_agenda(coordinator, meeting, case, expected_version=meeting.version)
    db.session.commit()
    gone = create_user(roles=[Role.SPECIALIST], boards=[board], active=False)
    stranger = other_board.memberships[0].user
    with time_machine.travel(meeting.starts_at - timedelta(hours=36), tick=False):
        tick(app)
    assert notes(coordinator, "reminder_meeting") == []
    with time_machine.travel(meeting.starts_at - timedelta(hours=20), tick=False):
        tick(app)
        tick(app)
    members = [u for role, u in users.items() if role is not Role.PRIVACY]
    for member in members:
        (note,) = notes(member, "reminder_meeting")
        assert note.link == f"/meetings/{meeting.id}" and f"with case {case.id}." in note.message
        assert case.patient.family_name not in note.message
    assert notes(users[Role.PRIVACY], "reminder_meeting") == [], "on no board"
    assert notes(gone, "reminder_meeting") == [] and notes(stranger, "reminder_meeting") == []


def test_a_cancelled_meeting_reminds_nobody(app, meeting, coordinator):
    operations.cancel_meeting(coordinator, meeting, reason="Room closed.", expected_version=meeting.version)
    db.session.commit()
    with time_machine.travel(meeting.starts_at - timedelta(hours=20), tick=False):
        tick(app)
    assert notes(coordinator, "reminder_meeting") == []


def test_locking_the_agenda_sends_it_to_the_boards_members_once(
    app, meeting, board, other_board, users, coordinator, pool_case, create_user
):
    cases = [pool_case(), pool_case()]
    for case in cases:
        operations.add_to_agenda(
            coordinator, meeting, case, expected_version=db.session.get(Meeting, meeting.id).version
        )
    db.session.commit()
    gone = create_user(roles=[Role.CHAIR], boards=[board], active=False)
    operations.set_agenda_locked(coordinator, meeting, locked=True, expected_version=meeting.version)
    assert jobs.dispatch() == 0, "nothing before the commit"
    db.session.commit()
    assert jobs.dispatch() == 1
    specialist = users[Role.SPECIALIST]
    (note,) = notes(specialist, "reminder_agenda")
    assert note.message.endswith(f"is locked: case {cases[0].id}, {cases[1].id}.")
    assert note.link == f"/meetings/{meeting.id}"
    assert notes(gone, "reminder_agenda") == []
    assert notes(other_board.memberships[0].user, "reminder_agenda") == []
    operations.set_agenda_locked(coordinator, meeting, locked=False, expected_version=meeting.version)
    operations.set_agenda_locked(coordinator, meeting, locked=True, expected_version=meeting.version)
    db.session.commit()
    jobs.dispatch()
    assert len(notes(specialist, "reminder_agenda")) == 1, "locked again: the agenda went once"
    assert len(events("reminders.agenda_sent")) == 1


def test_a_lock_rolled_back_sends_no_agenda(app, meeting, coordinator, users):
    operations.set_agenda_locked(coordinator, meeting, locked=True, expected_version=meeting.version)
    db.session.rollback()
    db.session.commit()
    assert jobs.dispatch() == 0
    assert notes(users[Role.SPECIALIST], "reminder_agenda") == []


def test_an_agenda_job_for_a_meeting_unlocked_meanwhile_sends_nothing(app, meeting, coordinator, users):
    from tumorboard.meetings.reminders import send_agenda

    assert send_agenda(meeting.id) == 0  # planned, not locked
    assert send_agenda(2**31 - 1) == 0  # gone
    assert notes(users[Role.SPECIALIST], "reminder_agenda") == []
