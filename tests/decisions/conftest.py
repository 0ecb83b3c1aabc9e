"""Fixtures of the decision tests: the board's chair and coordinator (with their per-board functions), a
meeting in progress with cases on its agenda and its attendance recorded, and decisions in each state."""

import pytest

from tests.conftest import give_function
from tests.decisions.support import a_signed_decision, save
from tests.meetings.support import a_plan

# The OpenID providers, for signing through the hospital's provider (test_provider_signing.py).
from tests.oidc.conftest import fake_provider, fake_sso_app, node_provider, sso_app  # noqa: F401
from tumorboard.auth.roles import Role
from tumorboard.db import utcnow
from tumorboard.decisions import operations
from tumorboard.extensions import db
from tumorboard.meetings import operations as meeting_operations


@pytest.fixture
def outsider(app_ctx, create_user, create_board):
    """A specialist and chair, but of another board."""
    other = create_board(name="Thoracic NET board")
    user = create_user(roles=[Role.SPECIALIST, Role.CHAIR, Role.COORDINATOR], boards=[other])
    return give_function(user, other, chair=True, coordinator=True)


@pytest.fixture
def waiting_case(app_ctx, create_case, create_pathology, create_imaging, submitter, board):
    """A pancreatic NET G2 (Ki-67 8 %) in the board's pool, with a CT and no SSTR imaging."""

    def make(**overrides):
        case = create_case(
            submitter=submitter, board=board, status="submitted", submitted_at=utcnow(), **overrides
        )
        create_pathology(case, created_by=submitter)
        create_imaging(case, created_by=submitter)
        return case

    return make


@pytest.fixture
def start_meeting(app_ctx, coordinator, chair, specialist, submitter, waiting_case, board):
    """A meeting of `board` with `cases` on its agenda, in progress: the chair, the specialist and the
    coordinator present, the submitter absent, started by the chair without quorum (with a reason)."""

    def make(cases: int = 2, *, start: bool = True):
        meeting = meeting_operations.plan_meeting(coordinator, board, a_plan())
        for _ in range(cases):
            meeting_operations.add_to_agenda(
                coordinator, meeting, waiting_case(), expected_version=meeting.version
            )
        present = {user.id: "present" for user in (chair, specialist, coordinator)}
        meeting_operations.record_attendance(
            coordinator, meeting, present | {submitter.id: "absent"}, expected_version=meeting.version
        )
        if start:
            meeting_operations.start_meeting(
                chair,
                meeting,
                expected_version=meeting.version,
                override_reason="Surgery is in theatre.",
                confirm_early=True,
            )
        db.session.commit()
        return meeting

    return make


@pytest.fixture
def meeting(start_meeting):
    return start_meeting()


@pytest.fixture
def item(meeting):
    return meeting.items[0]


@pytest.fixture
def draft(specialist, item):
    """The specialist's draft for the first agenda item, with a two-item plan."""
    decision = operations.start_decision(specialist, item)
    save(specialist, decision)
    db.session.commit()
    return decision


@pytest.fixture
def signed(specialist, chair, item):
    return a_signed_decision(specialist, chair, item)
