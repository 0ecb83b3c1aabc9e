"""The case lifecycle: every move TRANSITIONS allows is done by its operation and audited; forbidden
moves, and moves by the wrong person, change nothing."""

import json

import pytest

from tests.cases.helpers import audit_count, last_event
from tumorboard.auth.roles import Role
from tumorboard.cases.models import TRANSITIONS, CaseStatus
from tumorboard.cases.operations import (
    close_case,
    defer_case,
    mark_discussed,
    present_again,
    readiness,
    recall_case,
    schedule_case,
    submit_case,
    unschedule_case,
    withdraw_case,
)
from tumorboard.errors import OperationError, StaleEdit
from tumorboard.extensions import db

S = CaseStatus

# Who does each move, and how: the submitter's own actions, and the meetings package's on behalf of a
# coordinator (those functions check only the transition; the meeting checks the coordinator).
SUBMITTER_ACTIONS = {
    "submit": lambda actor, case: submit_case(
        actor, case, expected_version=case.version, override_reason="Urgent surgery."
    ),
    "recall": lambda actor, case: recall_case(actor, case, expected_version=case.version),
    "withdraw": lambda actor, case: withdraw_case(
        actor, case, expected_version=case.version, reason="The patient declined further treatment."
    ),
}
MEETING_ACTIONS = {
    "schedule": schedule_case,
    "unschedule": unschedule_case,
    "defer": defer_case,
    "mark_discussed": mark_discussed,
    "close": close_case,
    "present_again": present_again,
}

ALLOWED = [
    # (from, to, action, audit action)
    (S.DRAFT, S.SUBMITTED, "submit", "case.submitted"),
    (S.DRAFT, S.WITHDRAWN, "withdraw", "case.withdrawn"),
    (S.SUBMITTED, S.DRAFT, "recall", "case.recalled"),
    (S.SUBMITTED, S.SCHEDULED, "schedule", "case.scheduled"),
    (S.SUBMITTED, S.WITHDRAWN, "withdraw", "case.withdrawn"),
    (S.SCHEDULED, S.SUBMITTED, "unschedule", "case.unscheduled"),
    (S.SCHEDULED, S.DISCUSSED, "mark_discussed", "case.discussed"),
    (S.SCHEDULED, S.DEFERRED, "defer", "case.deferred"),
    (S.DEFERRED, S.SCHEDULED, "schedule", "case.scheduled"),
    (S.DEFERRED, S.WITHDRAWN, "withdraw", "case.withdrawn"),
    (S.DISCUSSED, S.CLOSED, "close", "case.closed"),
    (S.DISCUSSED, S.SUBMITTED, "present_again", "case.presented_again"),
    (S.CLOSED, S.SUBMITTED, "present_again", "case.presented_again"),
]


def _run(action: str, case, users):
    if action in SUBMITTER_ACTIONS:
        SUBMITTER_ACTIONS[action](users[Role.SUBMITTER], case)
    else:
        MEETING_ACTIONS[action](users[Role.COORDINATOR], case)


def test_the_table_below_covers_every_allowed_transition():
    assert {(a, b) for a, b, *_ in ALLOWED} == {(a, b) for a in TRANSITIONS for b in TRANSITIONS[a]}


@pytest.mark.parametrize(
    ("source", "target", "action", "audit_action"),
    [pytest.param(*row, id=f"{row[0]}-to-{row[1]}") for row in ALLOWED],
)
def test_allowed_transition(app_ctx, users, board, create_case, source, target, action, audit_action):
    case = create_case(submitter=users[Role.SUBMITTER], board=board, status=source.value)
    changed_at, events = case.status_changed_at, audit_count()
    _run(action, case, users)
    assert case.status == target
    assert case.status_changed_at > changed_at
    assert audit_count() == events + 1
    event = last_event()
    assert (event.action, event.entity_type, event.entity_id) == (audit_action, "tumor_case", str(case.id))
    assert event.changes == {"status": [source.value, target.value]}


FORBIDDEN = [
    (source, action)
    for action, target in [
        ("schedule", S.SCHEDULED),
        ("mark_discussed", S.DISCUSSED),
        ("defer", S.DEFERRED),
        ("close", S.CLOSED),
    ]
    for source in S
    if target not in TRANSITIONS[source]
] + [
    # Two actions lead back to SUBMITTED, each from its own states only.
    *((source, "unschedule") for source in S if source is not S.SCHEDULED),
    *((source, "present_again") for source in S if source not in (S.DISCUSSED, S.CLOSED)),
]
TARGET = {
    "schedule": "scheduled",
    "mark_discussed": "discussed",
    "defer": "deferred",
    "close": "closed",
    "unschedule": "submitted",
    "present_again": "submitted",
}


@pytest.mark.parametrize(("source", "action"), FORBIDDEN, ids=[f"{a}-a-{s}-case" for s, a in FORBIDDEN])
def test_forbidden_transition_changes_nothing(app_ctx, users, board, create_case, source, action):
    case = create_case(submitter=users[Role.SUBMITTER], board=board, status=source.value)
    db.session.refresh(case)
    before = (case.version, case.status_changed_at, case.submitted_at)
    events = audit_count()
    with pytest.raises(OperationError) as refused:
        _run(action, case, users)
    assert refused.value.message == f"A {source.value} case cannot become {TARGET[action]}."
    assert case.status == source
    assert (case.version, case.status_changed_at, case.submitted_at) == before
    assert audit_count() == events


@pytest.mark.parametrize("action", [*SUBMITTER_ACTIONS, *MEETING_ACTIONS])
def test_a_withdrawn_case_stays_withdrawn(app_ctx, users, board, create_case, action):
    case = create_case(submitter=users[Role.SUBMITTER], board=board, status="withdrawn")
    with pytest.raises(OperationError):
        _run(action, case, users)
    assert case.status == S.WITHDRAWN


def test_present_again_resets_the_submission_time(app_ctx, users, board, create_case):
    case = create_case(submitter=users[Role.SUBMITTER], board=board, status="closed")
    present_again(users[Role.COORDINATOR], case, details={"reason": "progression"})
    assert case.submitted_at is not None
    assert last_event().details == {"reason": "progression"}


# Submitting ----------------------------------------------------------------------------------------


@pytest.fixture
def bare_draft(submitter, board, create_case):
    """A draft with its question but without pathology or imaging: the board would miss two things."""
    return create_case(submitter=submitter, board=board)


@pytest.mark.parametrize("question", ["", "  \n "])
@pytest.mark.parametrize("reason", ["", "Bleeding; the board must decide now."])
def test_no_reason_sends_a_case_without_its_question(submitter, board, create_case, question, reason):
    """ "Submit anyway" excuses missing findings, never a missing question."""
    case = create_case(submitter=submitter, board=board, clinical_question=question)
    version, events = case.version, audit_count()
    with pytest.raises(OperationError) as refused:
        submit_case(submitter, case, expected_version=version, override_reason=reason)
    assert refused.value.message == (
        "The case cannot go to the board without: The clinical question for the board. "
        "Add it on the case form."
    )
    assert (case.status, case.version, audit_count()) == ("draft", version, events)
    assert (case.submitted_at, case.readiness_override_reason, case.missing_at_submission) == (None, "", [])


def test_submitting_with_missing_items_needs_a_reason(submitter, bare_draft):
    version, events = bare_draft.version, audit_count()
    with pytest.raises(OperationError) as refused:
        submit_case(submitter, bare_draft, expected_version=version, override_reason="   ")
    assert refused.value.message == "Say why the board should discuss the case without what is missing."
    assert refused.value.field == "override_reason"
    assert (bare_draft.status, bare_draft.version, audit_count()) == ("draft", version, events)
    assert (bare_draft.submitted_at, bare_draft.missing_at_submission) == (None, [])


def test_submitting_with_a_reason_records_what_is_missing_and_why(submitter, bare_draft):
    expected = readiness(bare_draft)
    assert len(expected) == 2
    missing = submit_case(
        submitter, bare_draft, expected_version=bare_draft.version, override_reason="  Bleeding; decide now. "
    )
    assert missing == expected
    assert bare_draft.status == S.SUBMITTED and bare_draft.submitted_at is not None
    # kept as the entries' messages and values, read in the reader's language when shown
    assert bare_draft.missing_at_submission == [entry.stored() for entry in expected]
    assert json.loads(bare_draft.readiness_missing) == [entry.stored() for entry in expected]
    assert bare_draft.readiness_override_reason == "Bleeding; decide now."
    event = last_event()
    assert event.action == "case.submitted"  # the audit trail in the words of the rule, English
    assert event.details == {"missing": [str(entry) for entry in expected], "reason": "Bleeding; decide now."}


def test_a_ready_case_is_submitted_without_a_reason(submitter, draft, create_imaging, create_pathology):
    create_imaging(draft, created_by=submitter)
    create_pathology(draft, created_by=submitter)
    assert submit_case(submitter, draft, expected_version=draft.version) == []
    assert draft.status == S.SUBMITTED and draft.missing_at_submission == []
    assert last_event().details == {"missing": [], "reason": ""}


def test_a_reason_is_not_kept_when_nothing_is_missing(submitter, draft, create_imaging, create_pathology):
    create_imaging(draft, created_by=submitter)
    create_pathology(draft, created_by=submitter)
    submit_case(submitter, draft, expected_version=draft.version, override_reason="Just in case")
    assert draft.readiness_override_reason == ""


def test_an_overlong_reason_is_refused(submitter, bare_draft):
    with pytest.raises(OperationError, match=r"The reason is too long \(at most 1000 characters\)."):
        submit_case(submitter, bare_draft, expected_version=bare_draft.version, override_reason="x" * 1001)
    assert bare_draft.status == S.DRAFT


def test_a_resubmission_records_the_readiness_anew(submitter, bare_draft, create_imaging, create_pathology):
    submit_case(
        submitter,
        bare_draft,
        expected_version=bare_draft.version,
        override_reason="Urgent surgery.",
    )
    recall_case(submitter, bare_draft, expected_version=bare_draft.version)
    create_imaging(bare_draft, created_by=submitter)
    create_pathology(bare_draft, created_by=submitter)
    db.session.commit()
    assert submit_case(submitter, bare_draft, expected_version=bare_draft.version) == []
    assert (bare_draft.missing_at_submission, bare_draft.readiness_override_reason) == ([], "")


@pytest.mark.parametrize("action", list(SUBMITTER_ACTIONS))
def test_submitter_actions_refuse_a_stale_version(submitter, board, create_case, action):
    case = create_case(
        submitter=submitter, board=board, status="draft" if action == "submit" else "submitted"
    )
    events = audit_count()
    call = {
        "submit": lambda: submit_case(
            submitter, case, expected_version=case.version - 1, override_reason="x"
        ),
        "recall": lambda: recall_case(submitter, case, expected_version=None),
        "withdraw": lambda: withdraw_case(submitter, case, expected_version=case.version + 1, reason="x"),
    }[action]
    status = case.status
    with pytest.raises(StaleEdit):
        call()
    assert (case.status, audit_count()) == (status, events)


# Recalling and withdrawing -------------------------------------------------------------------------


def test_recall_takes_a_submitted_case_back_to_draft(submitter, board, create_case):
    case = create_case(submitter=submitter, board=board, status="submitted")
    recall_case(submitter, case, expected_version=case.version)
    assert case.status == S.DRAFT and last_event().action == "case.recalled"


@pytest.mark.parametrize("status", [s for s in S if s is not S.SUBMITTED])
def test_only_a_submitted_case_is_recalled(submitter, board, create_case, status):
    case = create_case(submitter=submitter, board=board, status=status.value)
    with pytest.raises(
        OperationError, match="Only the submitter can take back a case that is not yet on an agenda."
    ):
        recall_case(submitter, case, expected_version=case.version)
    assert case.status == status


@pytest.mark.parametrize("reason", ["", "   ", None], ids=["empty", "blank", "missing"])
def test_withdrawing_needs_a_reason(submitter, board, create_case, reason):
    case = create_case(submitter=submitter, board=board, status="submitted")
    events = audit_count()
    with pytest.raises(OperationError) as refused:
        withdraw_case(submitter, case, expected_version=case.version, reason=reason)
    assert (refused.value.message, refused.value.field) == ("Say why the case is withdrawn.", "reason")
    assert (case.status, audit_count()) == ("submitted", events)


def test_withdrawing_records_the_reason(submitter, board, create_case):
    case = create_case(submitter=submitter, board=board, status="deferred")
    withdraw_case(submitter, case, expected_version=case.version, reason="  Patient moved away. ")
    assert case.status == S.WITHDRAWN
    event = last_event()
    assert event.action == "case.withdrawn" and event.details == {"reason": "Patient moved away."}


@pytest.mark.parametrize("status", [S.SCHEDULED, S.DISCUSSED, S.CLOSED, S.WITHDRAWN])
def test_a_case_on_an_agenda_or_later_is_not_withdrawn_by_its_submitter(
    submitter, board, create_case, status
):
    case = create_case(submitter=submitter, board=board, status=status.value)
    with pytest.raises(OperationError, match="Only the submitter can withdraw this case."):
        withdraw_case(submitter, case, expected_version=case.version, reason="x")
    assert case.status == status


# Who may do what -----------------------------------------------------------------------------------

REFUSALS = {
    "submit": ("draft", "Only the submitter can submit a draft case."),
    "recall": ("submitted", "Only the submitter can take back a case that is not yet on an agenda."),
    "withdraw": ("submitted", "Only the submitter can withdraw this case."),
}
OTHERS = ["coordinator", "specialist", "chair", "admin", "another-submitter", "submitter-of-no-board"]


@pytest.fixture
def actor_named(users, board, create_user):
    def make(name: str):
        if name == "another-submitter":
            return create_user(roles=[Role.SUBMITTER, Role.CHAIR], boards=[board])
        if name == "submitter-of-no-board":
            return create_user(roles=[Role.SUBMITTER])
        return users[Role(name)]

    return make


@pytest.mark.parametrize("who", OTHERS)
@pytest.mark.parametrize("action", list(REFUSALS))
def test_only_the_cases_submitter_submits_recalls_and_withdraws(
    submitter, board, create_case, actor_named, action, who
):
    status, message = REFUSALS[action]
    case = create_case(submitter=submitter, board=board, status=status)
    events = audit_count()
    with pytest.raises(OperationError, match=message):
        SUBMITTER_ACTIONS[action](actor_named(who), case)
    assert (case.status, audit_count()) == (status, events)
    SUBMITTER_ACTIONS[action](submitter, case)  # and the submitter can
    assert case.status != status
