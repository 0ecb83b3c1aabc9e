"""The admin's group mapping page: admin only, every change audited, bad input refused with its message."""

import pytest
from sqlalchemy import func, select

from tests.conftest import log_in
from tumorboard.audit.models import AuditEvent
from tumorboard.auth import sso_operations
from tumorboard.auth.models import GroupMapping
from tumorboard.auth.roles import Role
from tumorboard.errors import OperationError
from tumorboard.extensions import db

PAGE = "/admin/sso/groups"


@pytest.fixture
def admin(client, users):
    return log_in(client, users[Role.ADMIN])


def _count() -> int:
    return db.session.scalar(select(func.count(GroupMapping.id)))


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_admin_adds_a_mapping_with_a_board(admin, board):
    response = admin.post(PAGE, data={"group_name": " tb-chairs ", "role": "chair", "board": str(board.id)})
    assert response.status_code == 302
    mapping = db.session.scalar(select(GroupMapping))
    assert (mapping.group_name, Role(mapping.role), mapping.board_id) == ("tb-chairs", Role.CHAIR, board.id)
    [event] = _events("oidc.group_mapping_added")
    assert event.changes == {
        "board": [None, board.name],
        "group_name": [None, "tb-chairs"],
        "role": [None, "chair"],
    }
    page = admin.get(PAGE)
    assert page.status_code == 200 and b"tb-chairs" in page.data and board.name.encode() in page.data


def test_the_admin_adds_a_mapping_without_a_board_and_removes_it(admin):
    assert admin.post(PAGE, data={"group_name": "tb-admins", "role": "admin", "board": ""}).status_code == 302
    mapping = db.session.scalar(select(GroupMapping))
    assert mapping.board_id is None
    assert admin.post(f"{PAGE}/{mapping.id}/remove").status_code == 302
    assert _count() == 0
    [event] = _events("oidc.group_mapping_removed")
    assert event.changes["group_name"] == ["tb-admins", None]


def test_the_same_mapping_twice_is_refused(admin, board):
    for _ in range(2):
        response = admin.post(PAGE, data={"group_name": "tb-x", "role": "chair", "board": ""})
    assert response.status_code == 422 and b"already gives this role" in response.data
    assert _count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"group_name": ""}, b"Enter the group."),
        ({"group_name": "g" * 201}, b"The group is too long (at most 200 characters)."),
        ({"role": "superuser"}, b"Not a valid choice"),
        ({"board": "999999"}, b"Not a valid choice"),
        ({"group_name": "tb-\x00"}, b"control or direction-changing characters"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(admin, data, message):
    response = admin.post(PAGE, data={"group_name": "tb-chairs", "role": "chair", "board": "", **data})
    assert response.status_code == 422 and message in response.data
    assert _count() == 0 and _events("oidc.group_mapping_added") == []


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_the_admin_sees_and_changes_the_mapping(client_as, role, app_ctx):
    mapping = GroupMapping(group_name="tb-chairs", role=Role.CHAIR)
    db.session.add(mapping)
    db.session.commit()
    client = client_as(role)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data={"group_name": "g", "role": "admin", "board": ""}).status_code == 403
    assert client.post(f"{PAGE}/{mapping.id}/remove").status_code == 403
    assert _count() == 1


def test_anonymous_people_are_sent_to_sign_in(client):
    for response in (client.get(PAGE), client.post(PAGE), client.post(f"{PAGE}/1/remove")):
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_unknown_mapping_is_404(admin):
    assert admin.post(f"{PAGE}/999999/remove").status_code == 404


def test_the_operation_refuses_a_non_admin(users, app_ctx):
    with pytest.raises(OperationError):
        sso_operations.add_group_mapping(users[Role.CHAIR], group_name="g", role="admin", board_id=None)


def test_the_database_holds_one_mapping_without_a_board(app_ctx):
    from sqlalchemy.exc import IntegrityError

    db.session.add(GroupMapping(group_name="g", role=Role.CHAIR))
    db.session.flush()
    db.session.add(GroupMapping(group_name="g", role=Role.CHAIR))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_users_page_links_to_the_mapping(admin):
    assert PAGE.encode() in admin.get("/admin/users").data
