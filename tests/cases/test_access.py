"""Who sees and changes a case: the model decides (Case.can_*), the views and templates ask.

A draft is its submitter's alone; once submitted, the board's members see it; nobody outside the board
ever does. The submitter edits the case until it is on an agenda; findings stay open to the submitter and
the board's specialists and chairs until the board has discussed the case.
"""

import pytest
from flask_login import AnonymousUserMixin

from tumorboard.auth.roles import Role
from tumorboard.cases.models import CaseStatus
from tumorboard.db import utcnow

S = CaseStatus
ALL = list(S)
PEOPLE = [
    "submitter",  # the case's own submitter
    "other-submitter",  # another submitter of the same board
    "coordinator",
    "specialist",
    "chair",
    "admin",  # a board member who is an administrator
    "outsider-specialist",  # a specialist of another board
    "outsider-admin",  # an administrator of no board
    "anonymous",
]
MEMBERS = {"other-submitter", "coordinator", "specialist", "chair", "admin"}


@pytest.fixture
def person(app_ctx, users, board, create_user, create_board):
    def make(name: str):
        if name == "submitter":
            return users[Role.SUBMITTER]
        if name == "other-submitter":
            return create_user(roles=[Role.SUBMITTER], boards=[board])
        if name == "outsider-specialist":
            return create_user(roles=[Role.SPECIALIST, Role.SUBMITTER], boards=[create_board()])
        if name == "outsider-admin":
            return create_user(roles=[Role.ADMIN])
        if name == "anonymous":
            return AnonymousUserMixin()
        return users[Role(name)]

    return make


@pytest.fixture
def case_in(users, board, create_case):
    def make(status: CaseStatus, **fields):
        if status is not S.DRAFT:
            fields.setdefault("submitted_at", utcnow())
        return create_case(submitter=users[Role.SUBMITTER], board=board, status=status.value, **fields)

    return make


def _table(expected) -> list:
    return [
        pytest.param(name, status, expected(name, status), id=f"{name}-{status.value}")
        for name in PEOPLE
        for status in ALL
    ]


# can_view ------------------------------------------------------------------------------------------


def _may_view(name: str, status: CaseStatus) -> bool:
    return name == "submitter" or (name in MEMBERS and status is not S.DRAFT)


@pytest.mark.parametrize(("name", "status", "expected"), _table(_may_view))
def test_can_view(person, case_in, name, status, expected):
    assert case_in(status).can_view(person(name)) is expected


def test_a_draft_withdrawn_before_submission_stays_private(person, case_in):
    case = case_in(S.WITHDRAWN, submitted_at=None)
    assert case.can_view(person("submitter"))
    assert not any(case.can_view(person(name)) for name in MEMBERS)


def test_a_recalled_case_is_private_again(person, case_in):
    case = case_in(S.DRAFT, submitted_at=utcnow())
    assert case.can_view(person("submitter"))
    assert not any(case.can_view(person(name)) for name in MEMBERS)


def test_a_submitter_who_left_the_board_still_sees_their_case(person, case_in, users):
    case = case_in(S.SUBMITTED)
    submitter = users[Role.SUBMITTER]
    submitter.memberships.clear()
    assert case.board_id not in submitter.board_ids
    assert case.can_view(submitter)


# can_edit ------------------------------------------------------------------------------------------


def _may_edit(name: str, status: CaseStatus) -> bool:
    return name == "submitter" and status in (S.DRAFT, S.SUBMITTED, S.DEFERRED)


@pytest.mark.parametrize(("name", "status", "expected"), _table(_may_edit))
def test_can_edit(person, case_in, name, status, expected):
    assert case_in(status).can_edit(person(name)) is expected


# can_edit_findings ---------------------------------------------------------------------------------


def _may_edit_findings(name: str, status: CaseStatus) -> bool:
    if status not in (S.DRAFT, S.SUBMITTED, S.SCHEDULED, S.DEFERRED):
        return False
    if name == "submitter":
        return True
    return name in ("specialist", "chair") and status is not S.DRAFT


@pytest.mark.parametrize(("name", "status", "expected"), _table(_may_edit_findings))
def test_can_edit_findings(person, case_in, name, status, expected):
    assert case_in(status).can_edit_findings(person(name)) is expected


def test_a_specialist_who_also_submits_edits_findings_of_a_colleagues_case(
    users, board, create_user, case_in
):
    colleague = create_user(roles=[Role.SUBMITTER, Role.SPECIALIST], boards=[board])
    assert case_in(S.SUBMITTED).can_edit_findings(colleague)
    assert not case_in(S.DRAFT).can_edit_findings(colleague)


# can_submit, can_withdraw, can_recall --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status", "expected"), _table(lambda name, status: name == "submitter" and status is S.DRAFT)
)
def test_can_submit(person, case_in, name, status, expected):
    assert case_in(status).can_submit(person(name)) is expected


@pytest.mark.parametrize(
    ("name", "status", "expected"),
    _table(lambda name, status: name == "submitter" and status in (S.DRAFT, S.SUBMITTED, S.DEFERRED)),
)
def test_can_withdraw(person, case_in, name, status, expected):
    assert case_in(status).can_withdraw(person(name)) is expected


@pytest.mark.parametrize(
    ("name", "status", "expected"), _table(lambda name, status: name == "submitter" and status is S.SUBMITTED)
)
def test_can_recall(person, case_in, name, status, expected):
    assert case_in(status).can_recall(person(name)) is expected
