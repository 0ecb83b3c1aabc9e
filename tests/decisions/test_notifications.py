"""The decision reaches the people who need it: who is told what, once, with a link to the page, and
never the patient's name (messages leave the hospital by e-mail)."""

from datetime import timedelta

import time_machine
from click.testing import CliRunner
from sqlalchemy import select

from tests.decisions.support import a_signed_decision, save, sign
from tests.meetings.support import events, notes
from tumorboard.cases import operations as case_operations
from tumorboard.cli import remind_follow_ups_command
from tumorboard.db import utcnow
from tumorboard.decisions import operations
from tumorboard.extensions import db
from tumorboard.meetings import operations as meeting_operations
from tumorboard.notifications.models import Notification


def _no_patient_in(note: Notification, case) -> None:
    patient = case.patient
    assert patient.family_name not in note.message and patient.mrn not in note.message


def test_the_submitter_learns_the_decision_is_signed_and_the_letter_ready(specialist, chair, item):
    decision = a_signed_decision(specialist, chair, item)
    (note,) = notes(item.case.submitter, "decision_signed")
    assert f"case {item.case_id} is signed: the letter is ready" in note.message
    assert note.link == f"/decisions/{decision.id}/letter"
    _no_patient_in(note, item.case)


def test_an_amendment_tells_the_chair_then_the_submitter_and_chairs(specialist, chair, item):
    signed = a_signed_decision(specialist, chair, item)
    amendment = operations.amend_decision(
        specialist, signed, reason="Octreotide instead: lanreotide not stocked."
    )
    db.session.commit()
    (waiting,) = notes(chair, "amendment_started")
    assert (
        waiting.link == f"/decisions/{amendment.id}/edit"
        and "waits for the chair's signature" in waiting.message
    )
    assert notes(specialist, "amendment_started") == []  # who started it is not told
    save(specialist, amendment)
    sign(chair, amendment)
    db.session.commit()
    (amended,) = notes(item.case.submitter, "decision_amended")
    assert "amended (version 2)" in amended.message and amended.link == f"/decisions/{amendment.id}/letter"
    assert notes(chair, "decision_amended") == []  # the chair signed it: not told of it


def test_a_submitted_case_tells_the_boards_coordinators(submitter, coordinator, board, create_case):
    case = create_case(submitter=submitter, board=board)
    case_operations.submit_case(
        submitter, case, expected_version=case.version, override_reason="Biopsy planned for next week."
    )
    db.session.commit()
    (note,) = notes(coordinator, "case_submitted")
    assert note.link == f"/cases/{case.id}" and f"Case {case.id} was submitted" in note.message
    _no_patient_in(note, case)


def test_reordering_tells_a_submitter_once_per_case_and_meeting(coordinator, start_meeting):
    meeting = start_meeting(3, start=False)
    submitter = meeting.items[0].case.submitter
    ids = [i.id for i in meeting.items]
    for order in (ids[::-1], ids, ids[::-1], [ids[1], ids[0], ids[2]]):
        meeting_operations.reorder_agenda(coordinator, meeting, order, expected_version=meeting.version)
        db.session.commit()
    moved = notes(submitter, "case_moved")
    assert len(moved) == len({n.link for n in moved}) == 3  # one per case, however often it moved
    first_case = db.session.get(type(meeting.items[0]), ids[0]).case_id
    (latest,) = [n for n in moved if n.link == f"/cases/{first_case}"]
    assert "position 2" in latest.message and latest.read_at is None


def test_follow_up_reminders_go_once_per_decision(app, specialist, chair, item):
    decision = a_signed_decision(specialist, chair, item)
    submitter = item.case.submitter
    assert operations.remind_due_follow_ups() == 0  # not due yet
    with time_machine.travel(utcnow() + timedelta(weeks=7), tick=False):
        runner = CliRunner()
        with app.app_context():
            result = runner.invoke(remind_follow_ups_command, obj=None, standalone_mode=False)
        assert result.exception is None and "1 follow-up reminder(s)" in result.output
        assert operations.remind_due_follow_ups() == 0  # once
    (note,) = notes(submitter, "follow_up_due")
    assert note.link == f"/decisions/{decision.id}/follow-up"
    assert events("decision.follow_ups_reminded")
    assert db.session.scalar(select(Notification.id).where(Notification.kind == "follow_up_due")) is not None


def test_reminders_reach_every_due_decision_past_the_batch_size(app, specialist, chair, start_meeting):
    meeting = start_meeting(2)
    for item in meeting.items:
        a_signed_decision(specialist, chair, item)
    with time_machine.travel(utcnow() + timedelta(weeks=7), tick=False):
        assert operations.remind_due_follow_ups(limit=1) == 1
        assert operations.remind_due_follow_ups(limit=1) == 1  # the next one, not the reminded one again
        assert operations.remind_due_follow_ups(limit=1) == 0


def test_an_overdue_follow_up_goes_to_the_boards_coordinators_once(
    app, specialist, chair, coordinator, item, board, create_board, create_user
):
    from tumorboard.auth.roles import Role

    decision = a_signed_decision(specialist, chair, item)
    gone = create_user(roles=[Role.COORDINATOR], boards=[board], active=False)
    gone.memberships[0].is_coordinator = True
    elsewhere = create_user(roles=[Role.COORDINATOR], boards=[create_board(name="Other board")])
    elsewhere.memberships[0].is_coordinator = True
    db.session.commit()
    due = utcnow() + timedelta(weeks=7)
    with time_machine.travel(due, tick=False):
        assert operations.remind_due_follow_ups() == 1
        assert operations.escalate_overdue_follow_ups() == 0, "the submitter was reminded just now"
        db.session.commit()
    with time_machine.travel(due + timedelta(days=13), tick=False):
        assert operations.escalate_overdue_follow_ups() == 0, "not yet 14 days"
    with time_machine.travel(due + timedelta(days=15), tick=False):
        runner = CliRunner()
        outputs = []
        for _ in range(2):
            result = runner.invoke(remind_follow_ups_command, obj=None, standalone_mode=False)
            assert result.exception is None, result.exception
            outputs.append(result.output)
        assert "1 overdue follow-up(s) sent to coordinators" in outputs[0]
        assert "0 overdue follow-up(s) sent to coordinators" in outputs[1]
    (note,) = notes(coordinator, "reminder_follow_up_overdue")
    assert f"case {item.case_id} is overdue" in note.message and note.link == f"/cases/{item.case_id}"
    _no_patient_in(note, item.case)
    assert notes(item.case.submitter, "reminder_follow_up_overdue") == []
    assert (
        notes(gone, "reminder_follow_up_overdue") == []
        and notes(elsewhere, "reminder_follow_up_overdue") == []
    )
    (event,) = events("decision.follow_ups_escalated")
    assert event.details["decisions"] == {str(decision.id): [coordinator.id]}


def test_a_recorded_follow_up_is_not_escalated(app, specialist, chair, coordinator, item):
    decision = a_signed_decision(specialist, chair, item)
    due = utcnow() + timedelta(weeks=7)
    with time_machine.travel(due, tick=False):
        operations.remind_due_follow_ups()
        db.session.commit()
    operations.record_follow_up(
        item.case.submitter,
        decision,
        expected_version=None,
        status="not",
        reason="patient_preference",
        reason_text="The patient declined.",
        started_on=None,
        completed_on=None,
    )
    db.session.commit()
    with time_machine.travel(due + timedelta(days=15), tick=False):
        assert operations.escalate_overdue_follow_ups() == 0
    assert notes(coordinator, "reminder_follow_up_overdue") == []
