"""The meeting's and the decision's lifecycles are one table each. Walk every (state, action) pair: the
operation of each action is refused exactly where the table does not allow it, with the action's own
words, and where it allows it the operation does its work and leaves the state the table names."""

import pytest

from tests.decisions.support import a_signed_decision, save
from tests.factories import PASSWORD
from tests.meetings.support import a_plan
from tumorboard.decisions import operations
from tumorboard.decisions.models import DECISION_LIFECYCLE, DecisionAction, DecisionStatus
from tumorboard.errors import OperationError
from tumorboard.extensions import db
from tumorboard.meetings import operations as meeting_operations
from tumorboard.meetings.models import MEETING_LIFECYCLE, MeetingAction, MeetingStatus


@pytest.fixture
def runner(coordinator, chair, board):
    """One person who may do everything with the board's meetings: coordinator and chair."""
    from tests.conftest import give_function
    from tumorboard.auth.models import UserRole
    from tumorboard.auth.roles import Role

    db.session.add(UserRole(user_id=chair.id, role=Role.COORDINATOR))
    db.session.commit()
    return give_function(chair, board, coordinator=True, chair=True)


def _do(action: MeetingAction, runner, meeting, pool_case):
    item = meeting.items[0]
    v = meeting.version
    return {
        MeetingAction.CHANGE_DETAILS: lambda: meeting_operations.update_meeting(
            runner, meeting, a_plan(days=9), expected_version=v
        ),
        MeetingAction.EDIT_AGENDA: lambda: meeting_operations.add_to_agenda(
            runner, meeting, pool_case, expected_version=v
        ),
        MeetingAction.LOCK_AGENDA: lambda: meeting_operations.set_agenda_locked(
            runner, meeting, locked=True, expected_version=v
        ),
        MeetingAction.UNLOCK_AGENDA: lambda: meeting_operations.set_agenda_locked(
            runner, meeting, locked=False, expected_version=v
        ),
        MeetingAction.CANCEL: lambda: meeting_operations.cancel_meeting(
            runner, meeting, reason="Public holiday.", expected_version=v
        ),
        MeetingAction.RECORD_ATTENDANCE: lambda: meeting_operations.record_attendance(
            runner, meeting, {runner.id: "present"}, expected_version=v
        ),
        MeetingAction.START: lambda: meeting_operations.start_meeting(
            runner, meeting, expected_version=v, override_reason="Quorum by phone.", confirm_early=True
        ),
        MeetingAction.RECORD_OUTCOME: lambda: meeting_operations.set_outcome(
            runner, item, "deferred", expected_version=v
        ),
        MeetingAction.CLOSE: lambda: meeting_operations.close_meeting(
            runner, meeting, expected_version=v, defer_remaining=True
        ),
        MeetingAction.RECORD_DECISIONS: lambda: operations.start_decision(runner, item),
    }[action]


# asking for the state the meeting is already in
IDEMPOTENT = {
    MeetingAction.LOCK_AGENDA: {MeetingStatus.LOCKED},
    MeetingAction.UNLOCK_AGENDA: {MeetingStatus.PLANNED},
}


@pytest.mark.parametrize("action", list(MeetingAction))
@pytest.mark.parametrize("status", list(MeetingStatus))
def test_every_meeting_state_and_action(start_meeting, waiting_case, runner, status, action):
    meeting = start_meeting(cases=1, start=False)
    pool_case = waiting_case()
    meeting.status = status
    if status in (MeetingStatus.CLOSED, MeetingStatus.CANCELLED):
        meeting.items[0].open_case_id = None
    db.session.commit()
    allowed = action in MEETING_LIFECYCLE[status]
    assert meeting.allows(action) is allowed and meeting.can(action, runner) is allowed
    run = _do(action, runner, meeting, pool_case)
    if action in IDEMPOTENT and status in IDEMPOTENT[action]:
        run()  # locking a locked agenda (or unlocking an open one) is nothing to refuse: nothing happens
        assert meeting.status == status
        return
    if not allowed:
        with pytest.raises(OperationError) as refused:
            run()
        assert refused.value.message == action.not_now
        db.session.rollback()
        assert meeting.status == status
        return
    run()
    assert meeting.status == MEETING_LIFECYCLE[status][action]


def test_the_meeting_table_names_every_state_and_the_person_of_every_action():
    assert set(MEETING_LIFECYCLE) == set(MeetingStatus)
    assert all(action.who and action.not_allowed and action.not_now for action in MeetingAction)
    # every action is possible somewhere, and the closed and cancelled meetings allow nothing
    assert {a for actions in MEETING_LIFECYCLE.values() for a in actions} == set(MeetingAction)
    assert MEETING_LIFECYCLE[MeetingStatus.CLOSED] == MEETING_LIFECYCLE[MeetingStatus.CANCELLED] == {}


@pytest.mark.parametrize("action", list(MeetingAction))
def test_a_person_the_action_is_not_for_is_refused_in_its_words(start_meeting, users, action, waiting_case):
    from tumorboard.auth.roles import Role

    meeting = start_meeting(cases=1, start=False)
    submitter = users[
        Role.SUBMITTER
    ]  # a member of the board, but none of its coordinators, chairs or deciders
    with pytest.raises(OperationError) as refused:
        _do(action, submitter, meeting, waiting_case())()
    assert refused.value.message == action.not_allowed


def _decision_in(status: DecisionStatus, specialist, chair, item):
    """A decision of the item in `status`: a draft, the signed one, or one superseded by its amendment."""
    if status is DecisionStatus.DRAFT:
        decision = operations.start_decision(specialist, item)
        save(specialist, decision)
        db.session.commit()
        return decision
    decision = a_signed_decision(specialist, chair, item)
    if status is DecisionStatus.SUPERSEDED:
        amendment = operations.amend_decision(chair, decision, reason="Re-read PET.")
        save(chair, amendment)
        operations.sign_decision(chair, amendment, expected_version=amendment.version, password=PASSWORD)
        db.session.commit()
    return decision


def _do_decision(action: DecisionAction, decision, specialist, chair, submitter):
    return {
        DecisionAction.SAVE: lambda: save(specialist, decision),
        DecisionAction.SIGN: lambda: operations.sign_decision(
            chair, decision, expected_version=decision.version, password=PASSWORD
        ),
        DecisionAction.AMEND: lambda: operations.amend_decision(chair, decision, reason="New finding."),
        DecisionAction.FOLLOW_UP: lambda: operations.record_follow_up(
            submitter,
            decision,
            expected_version=None,
            status="partly",
            reason="comorbidity",
            reason_text="",
            started_on=None,
            completed_on=None,
        ),
    }.get(action)


@pytest.mark.parametrize("action", [a for a in DecisionAction if a is not DecisionAction.SUPERSEDE])
@pytest.mark.parametrize("status", list(DecisionStatus))
def test_every_decision_state_and_action(specialist, chair, submitter, item, status, action):
    decision = _decision_in(status, specialist, chair, item)
    assert decision.status == status
    allowed = action in DECISION_LIFECYCLE[status]
    assert decision.allows(action) is allowed
    run = _do_decision(action, decision, specialist, chair, submitter)
    if allowed:
        run()
        assert decision.status == DECISION_LIFECYCLE[status][action]
    else:
        with pytest.raises(OperationError):
            run()


def test_signing_an_amendment_supersedes_the_version_it_replaces(specialist, chair, item):
    old = _decision_in(DecisionStatus.SUPERSEDED, specialist, chair, item)
    assert old.status == DECISION_LIFECYCLE[DecisionStatus.SIGNED][DecisionAction.SUPERSEDE]
    assert set(DECISION_LIFECYCLE) == set(DecisionStatus)
    assert DECISION_LIFECYCLE[DecisionStatus.SUPERSEDED] == {}
