"""Boards: the admin creates and edits them; members are listed."""

import pytest
from sqlalchemy import func, select

from tumorboard.auth.roles import Role
from tumorboard.boards.models import DEFAULT_REQUIRED_SPECIALTIES, Board, missing_specialties
from tumorboard.clinical.specialties import Specialty
from tumorboard.extensions import db


def _board_count():
    return db.session.scalar(select(func.count(Board.id)))


def test_create_and_edit_a_board(client_as):
    admin = client_as(Role.ADMIN)
    response = admin.post(
        "/admin/boards/new", data={"name": "  Thoracic   NET board ", "description": "Lung", "active": "y"}
    )
    assert response.status_code == 302
    board = db.session.scalar(select(Board).where(Board.name == "Thoracic NET board"))
    page = admin.get(f"/admin/boards/{board.id}")
    assert page.status_code == 200 and "Thoracic NET board" in page.text
    response = admin.post(
        f"/admin/boards/{board.id}",
        data={"name": "Thoracic board", "description": "", "version": board.version},
    )
    assert response.status_code == 302
    db.session.refresh(board)
    assert board.name == "Thoracic board" and board.active is False


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Enter the board&#39;s name."),
        ({"name": "x" * 121}, "The board&#39;s name is too long (at most 120 characters)."),
        ({"name": "gep-net BOARD"}, "Another board already has this name."),
        (
            {"name": "New", "description": "d" * 2001},
            "The description is too long (at most 2000 characters).",
        ),
    ],
    ids=["blank", "long", "duplicate", "long-description"],
)
def test_board_refusals_write_nothing(client_as, board, data, message):
    before = _board_count()
    response = client_as(Role.ADMIN).post("/admin/boards/new", data=data)
    assert response.status_code == 422 and message in response.text
    assert _board_count() == before


def test_stale_board_edit_is_409(client_as, board):
    admin = client_as(Role.ADMIN)
    version = board.version
    assert (
        admin.post(f"/admin/boards/{board.id}", data={"name": "First", "version": version}).status_code == 302
    )
    response = admin.post(f"/admin/boards/{board.id}", data={"name": "Second", "version": version})
    assert response.status_code == 409
    db.session.refresh(board)
    assert board.name == "First"


def test_board_pages_list_members(client_as, board, users):
    admin = client_as(Role.ADMIN)
    index = admin.get("/admin/boards/")
    assert board.name in index.text
    detail = admin.get(f"/admin/boards/{board.id}").text
    assert users[Role.CHAIR].name in detail


def test_unknown_board_is_404(client_as):
    assert client_as(Role.ADMIN).get("/admin/boards/424242").status_code == 404


@pytest.mark.parametrize(
    ("present", "missing"),
    [
        (set(), 6),
        (
            {"medical_oncology", "surgery", "radiology", "pathology", "nuclear_medicine", "gastroenterology"},
            0,
        ),
        ({"medical_oncology", "surgery", "radiology", "pathology", "nuclear_medicine", "endocrinology"}, 0),
        ({"medical_oncology", "surgery", "radiology", "pathology", "nuclear_medicine"}, 1),
        ({"surgery", "radiology", "pathology", "nuclear_medicine", "endocrinology"}, 1),
    ],
)
def test_missing_specialties(present, missing):
    result = missing_specialties(present, DEFAULT_REQUIRED_SPECIALTIES)
    assert len(result) == missing
    if missing == 1 and "endocrinology" not in present:
        assert result == [(Specialty.GASTROENTEROLOGY, Specialty.ENDOCRINOLOGY)]


def test_a_board_form_sent_twice_makes_one_board(client_as):
    admin = client_as(Role.ADMIN)
    data = {
        "name": "Thymic NET board",
        "description": "",
        "active": "y",
        "once": "the-token-of-this-form-0002",
    }
    before = db.session.scalar(select(func.count()).select_from(Board))
    assert admin.post("/admin/boards/new", data=data).status_code == 302
    again = admin.post("/admin/boards/new", data=data, follow_redirects=True)
    assert again.status_code == 200 and "already saved" in again.text
    assert "Another board already has this name" not in again.text
    assert db.session.scalar(select(func.count()).select_from(Board)) == before + 1
