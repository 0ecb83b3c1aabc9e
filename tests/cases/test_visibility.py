"""Who sees a case is decided twice, for good reason: `Case.can_view` for one case, `visible_cases` as SQL
for lists. Both must say the same for every status, with and without a submission date, for every kind
of person."""

import pytest

from tumorboard.auth.roles import Role
from tumorboard.cases import queries
from tumorboard.cases.models import CaseStatus
from tumorboard.db import utcnow
from tumorboard.extensions import db

PEOPLE = ("submitter", "colleague submitter", "member", "coordinator", "other board", "admin", "privacy")


@pytest.fixture
def people(users, board, create_user, create_board):
    other = create_board(name="Another NET board")
    return {
        "submitter": users[Role.SUBMITTER],
        "colleague submitter": create_user(roles=[Role.SUBMITTER], boards=[board]),
        "member": users[Role.SPECIALIST],
        "coordinator": users[Role.COORDINATOR],
        "other board": create_user(roles=[Role.SPECIALIST, Role.CHAIR], boards=[other]),
        "admin": create_user(roles=[Role.ADMIN]),
        "privacy": users[Role.PRIVACY],
    }


@pytest.mark.parametrize("submitted", [False, True], ids=["never-submitted", "submitted"])
@pytest.mark.parametrize("status", list(CaseStatus))
def test_the_sql_filter_and_the_model_agree(app_ctx, people, board, create_case, status, submitted):
    case = create_case(
        submitter=people["submitter"],
        board=board,
        status=status,
        submitted_at=utcnow() if submitted else None,
    )
    for who in PEOPLE:
        user = people[who]
        in_python = case.can_view(user)
        in_sql = queries.find_visible_case(user, case.id) is not None
        in_list = case.id in {
            c.id for c in db.session.scalars(queries.visible_cases(user, in_list_order=True))
        }
        assert in_python == in_sql == in_list, (who, status, submitted)
    # and what the rule says, so that both cannot drift together
    assert case.can_view(people["submitter"])
    assert not case.can_view(people["other board"]) and not case.can_view(people["admin"])
    never_shared = status == CaseStatus.DRAFT or (status == CaseStatus.WITHDRAWN and not submitted)
    assert case.can_view(people["member"]) == (not never_shared)
