"""The admin's user management, through the test client, with its refusals."""

import html
import re

import pytest
from sqlalchemy import func, select

from tests.conftest import log_in, posts_at_once
from tumorboard.audit.models import AuditEvent
from tumorboard.auth.models import User
from tumorboard.auth.roles import Role
from tumorboard.extensions import db

NEW_USER = {
    "email": "New.Radiologist@Hospital.org",
    "name": "Dr. Ada  Lovelace",
    "specialty": "radiology",
    "roles": ["specialist"],
    "new_password": "temporary passphrase 1",
    "confirm": "temporary passphrase 1",
}


@pytest.fixture
def admin(client, users):
    return log_in(client, users[Role.ADMIN])


def _user_count():
    return db.session.scalar(select(func.count(User.id)))


def test_create_user(admin, board):
    response = admin.post("/admin/users/new", data={**NEW_USER, "boards": [board.id]})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.radiologist@hospital.org"))
    assert (
        user.name == "Dr. Ada Lovelace" and user.roles == {Role.SPECIALIST} and user.board_ids == {board.id}
    )
    assert user.must_change_password
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created"))
    assert event.entity_id == str(user.id)
    assert event.changes["roles"] == [None, ["specialist"]]
    assert "password" not in event.changes_json.lower().replace("must_change_password", "")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "not-an-email"}, "Invalid email address."),
        ({"email": "x" * 250 + "@a.org"}, "The email address is too long (at most 254 characters)."),
        ({"name": ""}, "Enter the name."),
        ({"name": "n" * 201}, "The name is too long (at most 200 characters)."),
        ({"specialty": "astrology"}, "Not a valid choice."),
        ({"roles": ["superuser"]}, "is not a valid choice"),
        ({"roles": []}, "Choose at least one role."),
        ({"boards": ["999999"]}, "is not a valid choice"),
        ({"boards": ["abc"]}, "Invalid choice(s)"),
        ({"new_password": "short", "confirm": "short"}, "The password must have at least 12 characters."),
        ({"confirm": "different passphrase"}, "The passwords differ."),
        ({"name": "Dr. \x00 Null"}, "control or direction-changing characters"),
    ],
    ids=[
        "email",
        "long-email",
        "no-name",
        "long-name",
        "specialty",
        "role",
        "no-role",
        "board",
        "board-nan",
        "password",
        "confirm",
        "nul",
    ],
)
def test_create_user_refusals_write_nothing(admin, change, message):
    before = _user_count()
    response = admin.post("/admin/users/new", data={**NEW_USER, **change})
    assert response.status_code == 422
    assert message in response.text
    assert _user_count() == before


def test_duplicate_email_is_refused_case_insensitively(admin, users):
    before = _user_count()
    response = admin.post("/admin/users/new", data={**NEW_USER, "email": users[Role.CHAIR].email.upper()})
    assert response.status_code == 422 and "Another account already uses this email address." in response.text
    assert _user_count() == before


def test_edit_roles_specialty_and_boards_is_audited(admin, users, create_board):
    target = users[Role.SUBMITTER]
    thoracic = create_board(name="Thoracic NET board")
    response = admin.post(
        f"/admin/users/{target.id}",
        data={
            "email": target.email,
            "name": target.name,
            "specialty": "surgery",
            "roles": ["submitter", "specialist"],
            "boards": [thoracic.id],
            "version": target.version,
        },
    )
    assert response.status_code == 302
    db.session.refresh(target)
    assert target.roles == {Role.SUBMITTER, Role.SPECIALIST}
    assert target.board_ids == {thoracic.id}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.updated")).one()
    assert event.changes["specialty"] == ["medical_oncology", "surgery"]
    assert event.changes["roles"] == [["submitter"], ["specialist", "submitter"]]
    assert event.actor_id == users[Role.ADMIN].id


def test_stale_edit_is_409_and_says_who_changed_what(app, admin, users):
    target = users[Role.SUBMITTER]
    loaded_version = target.version
    other_admin = log_in(app.test_client(), users[Role.ADMIN])
    form = {
        "email": target.email,
        "specialty": "surgery",
        "roles": ["submitter"],
        "boards": [],
        "version": loaded_version,
    }
    assert (
        other_admin.post(f"/admin/users/{target.id}", data={**form, "name": "Changed First"}).status_code
        == 302
    )
    response = admin.post(f"/admin/users/{target.id}", data={**form, "name": "Changed Second"})
    assert response.status_code == 409
    assert "Changed First" in response.text and users[Role.ADMIN].email in response.text
    db.session.refresh(target)
    assert target.name == "Changed First"


@pytest.mark.parametrize("version", ["", "abc", "-1", "99999999999999"])
def test_damaged_version_is_refused(admin, users, version):
    target = users[Role.SUBMITTER]
    response = admin.post(
        f"/admin/users/{target.id}",
        data={
            "email": target.email,
            "name": "X",
            "specialty": "surgery",
            "roles": ["submitter"],
            "version": version,
        },
    )
    assert response.status_code == 422
    db.session.refresh(target)
    assert target.name != "X"


def test_admin_cannot_disable_themselves(admin, users):
    me = users[Role.ADMIN]
    response = admin.post(
        f"/admin/users/{me.id}/active", data={"active": "0", "version": me.version}, follow_redirects=True
    )
    assert "You cannot disable your own account." in response.text
    db.session.refresh(me)
    assert me.active


def test_last_admin_keeps_the_admin_role(admin, users):
    me = users[Role.ADMIN]
    response = admin.post(
        f"/admin/users/{me.id}",
        data={
            "email": me.email,
            "name": me.name,
            "specialty": "other",
            "roles": ["coordinator"],
            "version": me.version,
        },
    )
    assert response.status_code == 422 and "last active administrator" in response.text
    db.session.refresh(me)
    assert me.is_admin


def test_disable_and_enable(admin, users):
    target = users[Role.CHAIR]
    assert (
        admin.post(
            f"/admin/users/{target.id}/active", data={"active": "0", "version": target.version}
        ).status_code
        == 302
    )
    db.session.refresh(target)
    assert not target.active
    assert (
        admin.post(
            f"/admin/users/{target.id}/active", data={"active": "1", "version": target.version}
        ).status_code
        == 302
    )
    db.session.refresh(target)
    assert target.active
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_id == str(target.id))
    ).all()
    assert actions[-2:] == ["user.disabled", "user.enabled"]


@pytest.mark.parametrize("active", ["", "yes", "2"])
def test_hand_made_active_value_is_400(admin, users, active):
    target = users[Role.CHAIR]
    assert (
        admin.post(
            f"/admin/users/{target.id}/active", data={"active": active, "version": target.version}
        ).status_code
        == 400
    )
    db.session.refresh(target)
    assert target.active


def test_reset_password_forces_a_change(admin, users, client):
    target = users[Role.SPECIALIST]
    response = admin.post(
        f"/admin/users/{target.id}/password",
        data={
            "new_password": "temporary passphrase 9",
            "confirm": "temporary passphrase 9",
            "version": target.version,
        },
    )
    assert response.status_code == 302
    db.session.refresh(target)
    assert target.must_change_password


def test_user_list_filters_and_paginates(admin, users, create_user, app):
    for n in range(30):
        create_user(roles=[Role.SPECIALIST], name=f"Dr. Paged {n:02d}")
    page1 = admin.get("/admin/users?q=paged")
    assert page1.status_code == 200 and "Dr. Paged 00" in page1.text and "Dr. Paged 29" not in page1.text
    nxt = re.search(r'rel="next" href="([^"]+)"', page1.text).group(1)
    assert "q=paged" in nxt  # the filter kept across pages
    assert "Dr. Paged 29" in admin.get("/admin/users?q=paged&last=1").text
    assert "Dr. Paged 00" not in admin.get(html.unescape(nxt)).text
    assert "Dr. Paged 00" in admin.get("/admin/users?q=paged&initial=d").text
    only_admins = admin.get("/admin/users?role=admin").text
    assert users[Role.ADMIN].name in only_admins and users[Role.CHAIR].name not in only_admins


def test_user_list_statements_do_not_grow_with_users(admin, create_user, create_board, count_queries):
    boards = [create_board() for _ in range(3)]
    with count_queries() as few:
        assert admin.get("/admin/users").status_code == 200
    for _ in range(20):
        create_user(boards=boards)
    with count_queries() as many:
        assert admin.get("/admin/users").status_code == 200
    assert len(many) == len(few) <= 10


def test_stale_edit_of_roles_only_is_409(app, admin, users):
    target = users[Role.SUBMITTER]
    form = {
        "email": target.email,
        "name": target.name,
        "specialty": target.specialty,
        "boards": [],
        "version": target.version,
    }
    other_admin = log_in(app.test_client(), users[Role.ADMIN])
    assert other_admin.post(f"/admin/users/{target.id}", data={**form, "roles": ["chair"]}).status_code == 302
    response = admin.post(f"/admin/users/{target.id}", data={**form, "roles": ["coordinator"]})
    assert response.status_code == 409
    db.session.refresh(target)
    assert target.roles == {Role.CHAIR}


@pytest.mark.parametrize(
    "query",
    [
        "board=99999999999999999999",
        "board=-4",
        "board=x",
        "q=a%00b",
        "q=%25",
        "q=_",
        "role=king",
        "status=x",
        "q=" + "x" * 500,
    ],
)
def test_odd_user_list_queries(admin, query):
    response = admin.get(f"/admin/users?{query}")
    assert response.status_code == 200


def test_percent_in_search_is_literal(admin, users):
    assert users[Role.CHAIR].name not in admin.get("/admin/users?q=%25").text


def test_two_admins_cannot_disable_each_other_at_once(isolated_app):
    from tests import factories

    app = isolated_app()
    with app.app_context():
        a = factories.create_user(roles=[Role.ADMIN])
        b = factories.create_user(roles=[Role.ADMIN])
        ids = [(a.id, a.version), (b.id, b.version)]
        clients = [log_in(app.test_client(), a), log_in(app.test_client(), b)]
    statuses = posts_at_once(
        [
            (clients[0], f"/admin/users/{ids[1][0]}/active", {"active": "0", "version": ids[1][1]}),
            (clients[1], f"/admin/users/{ids[0][0]}/active", {"active": "0", "version": ids[0][1]}),
        ],
    )
    assert 500 not in statuses
    with app.app_context():
        active_admins = [u for u in db.session.scalars(select(User)) if u.is_admin and u.active]
        assert len(active_admins) >= 1


def test_same_board_name_created_at_once_gives_one_board(isolated_app):
    from tests import factories
    from tumorboard.boards.models import Board

    app = isolated_app()
    with app.app_context():
        admin_user = factories.create_user(roles=[Role.ADMIN])
        clients = [log_in(app.test_client(), admin_user) for _ in range(4)]
    names = ["Lung board", "LUNG board", "lung BOARD", "Lung board"]
    statuses = posts_at_once(
        [(c, "/admin/boards/new", {"name": n}) for c, n in zip(clients, names, strict=True)]
    )
    assert sorted(statuses).count(302) == 1 and 500 not in statuses
    with app.app_context():
        assert db.session.scalar(select(func.count(Board.id))) == 1


def test_an_account_form_sent_twice_makes_one_account(admin, board):
    data = {**NEW_USER, "boards": [board.id], "once": "the-token-of-this-form-0003"}
    assert admin.post("/admin/users/new", data=data).status_code == 302
    again = admin.post("/admin/users/new", data=data, follow_redirects=True)
    assert again.status_code == 200 and "already saved" in again.text
    assert (
        len(db.session.scalars(select(User).where(User.email == "new.radiologist@hospital.org")).all()) == 1
    )
