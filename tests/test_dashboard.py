"""Each role's dashboard shows what exists, in a bounded number of statements."""

import pytest

from tests import factories
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
    assert (
        "Cases waiting for a meeting" in pool and "Pool question?" in pool and "Draft question?" not in pool
    )
    assert "Your open cases" not in pool


# The chair's and the coordinator's dashboard: next meeting, to sign, cases waiting ----------------------


def _meeting_with_drafts(board, coordinator, chair, submitter, *, cases: int, present, start: bool = True):
    """A meeting of `board` next week with `cases` on its agenda and `present` there; started (by the chair,
    confirming the early start) with a draft decision per case."""
    from tests.factories import create_case
    from tests.meetings.support import a_plan
    from tumorboard.decisions import operations as decision_operations
    from tumorboard.meetings import operations as meeting_operations

    meeting = meeting_operations.plan_meeting(
        coordinator, board, a_plan(video_link="https://video.example.org/board")
    )
    for _ in range(cases):
        case = create_case(submitter=submitter, board=board, status="submitted")
        meeting_operations.add_to_agenda(coordinator, meeting, case, expected_version=meeting.version)
    if present:
        meeting_operations.record_attendance(
            coordinator, meeting, {u.id: "present" for u in present}, expected_version=meeting.version
        )
    if start:
        meeting_operations.start_meeting(
            chair,
            meeting,
            expected_version=meeting.version,
            override_reason="Quorum by phone today.",
            confirm_early=True,
        )
        for item in meeting.items:
            decision_operations.start_decision(chair, item)
    db.session.commit()
    return meeting


def _runner(create_user, boards, role: Role):
    user = create_user(roles=[role], boards=boards)
    for board in boards:
        membership = board.membership_of(user)
        membership.is_coordinator, membership.is_chair = role is Role.COORDINATOR, role is Role.CHAIR
    db.session.commit()
    return user


def test_the_chair_leads_with_the_next_meeting_what_to_sign_and_the_pool(
    client, app_ctx, board, coordinator, chair, users, create_case
):
    submitter = users[Role.SUBMITTER]
    meeting = _meeting_with_drafts(board, coordinator, chair, submitter, cases=2, present=[chair])
    waiting = create_case(submitter=submitter, board=board, status="submitted", clinical_question="Waiting?")
    item_ids = [i.id for i in meeting.items]
    text = log_in(client, chair).get("/").text
    lead = text.index("Next meeting"), text.index("To sign"), text.index("Cases waiting for a meeting")
    assert list(lead) == sorted(lead) and lead[-1] < text.index("Your boards")
    assert f'href="/meetings/{meeting.id}"' in text and "Demo room 3.14" in text
    assert 'href="https://video.example.org/board"' in text and "<strong>2</strong> case(s) of 8" in text
    assert "in progress" in text and "Quorum not reached: missing" in text
    assert "2 decision(s) waiting for your signature" in text
    for item_id in item_ids:
        assert f"/meetings/{meeting.id}/mode?item={item_id}" in text
    assert f"/cases/{waiting.id}" in text and "Waiting?" in text


def test_the_coordinator_sees_the_next_meeting_and_signs_nothing(
    client, app_ctx, board, coordinator, chair, users
):
    meeting = _meeting_with_drafts(
        board, coordinator, chair, users[Role.SUBMITTER], cases=1, present=[], start=False
    )
    text = log_in(client, coordinator).get("/").text
    assert f'href="/meetings/{meeting.id}"' in text and "<strong>1</strong> case(s)" in text
    assert "Attendance not recorded yet; needed:" in text
    assert "To sign" not in text, "the chair signs, not the coordinator"
    assert "Cases waiting for a meeting" in text


def test_no_meeting_planned_is_said(client, app_ctx, coordinator):
    text = log_in(client, coordinator).get("/").text
    assert "No meeting is planned for your boards." in text


def test_a_meeting_with_quorum_says_so(client, app_ctx, board, coordinator, chair, users, create_user):
    panel = factories.create_quorate_panel(board)
    _meeting_with_drafts(
        board, coordinator, chair, users[Role.SUBMITTER], cases=1, present=panel, start=False
    )
    assert "Quorum reached." in log_in(client, chair).get("/").text


@pytest.mark.parametrize("role", [Role.CHAIR, Role.COORDINATOR])
def test_the_runners_dashboard_statements_do_not_grow(
    client, app_ctx, create_board, create_user, count_queries, role
):
    from tests.factories import create_case

    def world(boards: int, cases: int, people: int):
        made = [create_board() for _ in range(boards)]
        coordinator = _runner(create_user, made, Role.COORDINATOR)
        chair = _runner(create_user, made, Role.CHAIR)
        submitter = create_user(roles=[Role.SUBMITTER], boards=made)
        for board in made:
            present = [create_user(roles=[Role.SPECIALIST], boards=[board]) for _ in range(people)]
            _meeting_with_drafts(board, coordinator, chair, submitter, cases=cases, present=[chair, *present])
            for _ in range(cases):
                create_case(submitter=submitter, board=board, status="submitted")
        return coordinator if role is Role.COORDINATOR else chair

    few_user = world(1, 1, 0)
    few_client = log_in(client, few_user)
    with count_queries() as few:
        assert few_client.get("/").status_code == 200
    many_user = world(4, 5, 4)
    many_client = log_in(client.application.test_client(), many_user)
    with count_queries() as many:
        text = many_client.get("/").text
    assert len(many) == len(few) <= 20, (len(few), len(many))
    assert text.count("case(s) of 8") == 4
    if role is Role.CHAIR:
        assert "20 decision(s) waiting for your signature" in text


def test_the_bare_most_dashboard_costs_three_statements(client, create_user, create_board, count_queries):
    """The fixed cost of a signed-in page (bench/page.py): the session record with its user, roles and
    boards in one statement, the sign-in history in one, the unread notifications in one; a user's boards
    add their members (one statement), never one per board."""
    plain = log_in(client, create_user(roles=[Role.SPECIALIST]))
    with count_queries() as bare:
        assert plain.get("/").status_code == 200
    assert len(bare) == 3, bare
    assert all(table in bare[0] for table in ("user_session", "user_role", "board_membership", "board"))
    assert "audit_event" in bare[1] and "notification" in bare[2]


def test_the_previous_sign_in_and_its_address_are_shown(client, users):
    user = users[Role.CHAIR]
    client.post("/login", data={"email": user.email, "password": "correct horse battery staple"})
    client.post("/logout")
    client.post("/login", data={"email": user.email, "password": "correct horse battery staple"})
    text = client.get("/").text
    assert "Your previous sign-in" in text and "127.0.0.1" in text and "failed sign-in" not in text


def test_a_pool_beyond_the_count_cap_says_or_more(client_as, users, board, create_case, monkeypatch):
    from tumorboard.main import queries

    for n in range(3):
        create_case(
            submitter=users[Role.SUBMITTER], board=board, status="submitted", clinical_question=f"Q{n}?"
        )
    specialist = client_as(Role.SPECIALIST)
    assert f"{board.name}: <strong>3</strong>" in specialist.get("/").text
    monkeypatch.setattr(queries, "POOL_COUNT_CAP", 2)
    assert f"{board.name}: <strong>2 or more</strong>" in specialist.get("/").text
