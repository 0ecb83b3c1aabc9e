"""Each role's dashboard shows what exists, in a bounded number of statements."""

import pytest

from tests.conftest import log_in
from tumorboard.auth.roles import Role
from tumorboard.extensions import db


@pytest.mark.parametrize("role", list(Role))
def test_every_role_has_a_dashboard(client_as, role, board, users):
    response = client_as(role).get("/")
    assert response.status_code == 200
    if role is Role.PRIVACY:  # on no board: the dashboard leads to the data-protection review
        assert board.name not in response.text and 'href="/privacy/"' in response.text
    else:
        assert board.name in response.text
    assert users[role].name in response.text
    assert ("Administration" in response.text) == (role == Role.ADMIN)


def test_dashboard_names_missing_quorum_specialties(client_as):
    text = client_as(Role.COORDINATOR).get("/").text
    assert "No member from:" in text and "Pathology" in text and "Nuclear medicine" in text


def test_dashboard_quorum_follows_the_boards_own_settings(client, board, create_user):
    """A board that requires only surgery, with a surgeon: nothing is missing (it once listed five)."""
    board.required_specialties = "surgery"
    db.session.commit()
    create_user(roles=[Role.SPECIALIST], boards=[board], specialty="surgery")
    text = log_in(client, create_user(roles=[Role.COORDINATOR], boards=[board])).get("/").text
    assert "No member from:" not in text and "Every required specialty has a member." in text


def test_sign_in_history_shows_failed_attempts(client, users):
    user = users[Role.CHAIR]
    client.post("/login", data={"email": user.email, "password": "correct horse battery staple"})
    client.post("/logout")
    client.post("/login", data={"email": user.email, "password": "somebody guessing"})
    client.post("/login", data={"email": user.email, "password": "correct horse battery staple"})
    text = client.get("/").text
    assert "1 failed sign-in attempt(s)" in text and "Your previous sign-in" in text


def test_user_without_boards_is_told_how_to_get_one(client, create_user):
    text = log_in(client, create_user()).get("/").text
    assert "not a member of any board" in text


def test_dashboard_statements_do_not_grow(client, client_as, create_user, create_board, count_queries):
    admin = client_as(Role.ADMIN)
    with count_queries() as few:
        admin.get("/")
    boards = [create_board() for _ in range(4)]
    for board in boards:
        for _ in range(5):
            create_user(boards=[board])
    admin = log_in(client, create_user(roles=[Role.ADMIN], boards=boards))
    with count_queries() as many:
        admin.get("/")
    assert len(many) == len(few) <= 14


def test_submitter_sees_open_cases_and_members_see_the_waiting_pool(client_as, users, board, create_case):
    submitter = users[Role.SUBMITTER]
    draft = create_case(submitter=submitter, board=board, clinical_question="Draft question?")
    waiting = create_case(
        submitter=submitter, board=board, status="submitted", clinical_question="Pool question?"
    )
    mine = client_as(Role.SUBMITTER).get("/").text
    assert "Your open cases" in mine and f"/cases/{draft.id}" in mine and f"/cases/{waiting.id}" in mine
    pool = client_as(Role.SPECIALIST).get("/").text
    assert "Waiting for a meeting" in pool and "Pool question?" in pool and "Draft question?" not in pool
    assert "Your open cases" not in pool
