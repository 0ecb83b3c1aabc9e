"""Fixtures of the cases tests: the usual actors and a draft case, all inside an app context."""

import pytest

from tumorboard.auth.roles import Role


@pytest.fixture
def outsider(app_ctx, create_user):
    """A submitter who is a member of no board."""
    return create_user(roles=[Role.SUBMITTER])


@pytest.fixture
def draft(app_ctx, create_case, submitter, board):
    """The factory's pancreatic NET draft of `submitter`, addressed to `board`."""
    return create_case(submitter=submitter, board=board)
