"""API tokens in the web UI: the account page lists a user's tokens, makes one (its secret shown once,
on the answer itself, never in a flash or a log) and revokes it; the administrator's service accounts,
limited to named boards, with their own tokens; a service account never signs in to the web."""

import re

from sqlalchemy import select

from tests.api.conftest import bearer
from tests.conftest import log_in
from tumorboard.auth import token_operations
from tumorboard.auth.roles import Role
from tumorboard.auth.tokens import ApiToken, ServiceAccount, find_token
from tumorboard.extensions import db

SECRET = re.compile(r'value="(tbp_[A-Za-z0-9_-]+)"')


def test_the_account_page_makes_a_token_shown_once(app, app_ctx, client, users, caplog):
    browser = log_in(app.test_client(), users[Role.SUBMITTER])
    page = browser.get("/account")
    assert page.status_code == 200 and "API tokens" in page.get_data(as_text=True)
    made = browser.post(
        "/account/tokens",
        data={"name": "My notebook", "scope": "read", "lifetime": "30", "once": "tok-" + "a" * 20},
    )
    assert made.status_code == 201
    secret = SECRET.search(made.get_data(as_text=True)).group(1)
    assert "Set-Cookie" not in made.headers or secret not in made.headers["Set-Cookie"]
    assert secret not in caplog.text
    token = find_token(secret)
    assert token.name == "My notebook" and token.scope == "read" and token.user_id == users[Role.SUBMITTER].id
    assert client.get("/api/v1/boards", headers=bearer(secret)).status_code == 200
    listed = browser.get("/account").get_data(as_text=True)
    assert "My notebook" in listed and token.hint in listed and secret not in listed
    again = browser.post(
        "/account/tokens",
        data={"name": "My notebook", "scope": "read", "lifetime": "30", "once": "tok-" + "a" * 20},
    )
    assert again.status_code == 302  # the same form again: nothing new, and no secret
    assert db.session.scalar(select(db.func.count()).select_from(ApiToken)) == 1


def test_a_refused_token_form_comes_back_with_what_was_typed(app, app_ctx, users):
    browser = log_in(app.test_client(), users[Role.SUBMITTER])
    refused = browser.post("/account/tokens", data={"name": "x" * 101, "scope": "read", "lifetime": "30"})
    assert refused.status_code == 422
    assert "at most 100 characters" in refused.get_data(as_text=True)
    refused = browser.post("/account/tokens", data={"name": "ok", "scope": "admin", "lifetime": "9999"})
    assert refused.status_code == 422
    assert db.session.scalar(select(db.func.count()).select_from(ApiToken)) == 0


def test_revoking_a_token_stops_it(app, app_ctx, client, users):
    user = users[Role.SUBMITTER]
    token, secret = token_operations.create_personal_token(user, name="t", scope="write", lifetime="7")
    db.session.commit()
    browser = log_in(app.test_client(), user)
    assert browser.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    assert client.get("/api/v1/boards", headers=bearer(secret)).status_code == 401
    assert browser.post(f"/account/tokens/{token.id}/revoke").status_code == 403  # revoked already


def test_another_users_token_is_404_to_revoke(app, app_ctx, users):
    token, _secret = token_operations.create_personal_token(
        users[Role.SPECIALIST], name="theirs", scope="read", lifetime="7"
    )
    db.session.commit()
    browser = log_in(app.test_client(), users[Role.SUBMITTER])
    assert browser.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert browser.post("/account/tokens/999999/revoke").status_code == 404
    assert not db.session.get(ApiToken, token.id).is_revoked


def test_the_admin_makes_a_service_account_limited_to_its_boards(
    app, app_ctx, client, users, board, create_board
):
    other = create_board(name="Other board")
    admin = log_in(app.test_client(), users[Role.ADMIN])
    assert admin.get("/admin/service-accounts").status_code == 200
    made = admin.post(
        "/admin/service-accounts",
        data={"name": "HL7 engine", "boards": [str(board.id)], "once": "svc-" + "b" * 20},
    )
    assert made.status_code == 302
    account = db.session.scalars(select(ServiceAccount)).one()
    assert account.user.board_ids == {board.id} and not account.user.must_change_password
    page = admin.post(
        f"/admin/service-accounts/{account.user_id}/tokens",
        data={"name": "feed", "scope": "write", "lifetime": "365"},
    )
    assert page.status_code == 201
    secret = SECRET.search(page.get_data(as_text=True)).group(1)
    assert [b["id"] for b in client.get("/api/v1/boards", headers=bearer(secret)).get_json()] == [board.id]
    assert other.id not in account.user.board_ids
    token = find_token(secret)
    assert (
        admin.post(f"/admin/service-accounts/{account.user_id}/tokens/{token.id}/revoke").status_code == 302
    )
    assert client.get("/api/v1/boards", headers=bearer(secret)).status_code == 401


def test_a_service_account_needs_a_board(app, app_ctx, users):
    admin = log_in(app.test_client(), users[Role.ADMIN])
    refused = admin.post("/admin/service-accounts", data={"name": "Nothing"})
    assert refused.status_code == 422 and "at least one board" in refused.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(ServiceAccount)) == 0


def test_service_account_pages_are_the_admins(app, app_ctx, users, board):
    account = token_operations.create_service_account(users[Role.ADMIN], name="Lab", board_ids=[board.id])
    db.session.commit()
    for role in set(Role) - {Role.ADMIN}:
        browser = log_in(app.test_client(), users[role])
        assert browser.get("/admin/service-accounts").status_code == 403
        assert browser.get(f"/admin/service-accounts/{account.user_id}").status_code == 403
    admin = log_in(app.test_client(), users[Role.ADMIN])
    assert admin.get("/admin/service-accounts/999999").status_code == 404
    assert admin.get(f"/admin/service-accounts/{users[Role.SUBMITTER].id}").status_code == 404  # a person


def test_a_service_account_never_signs_in_to_the_web(app, app_ctx, users, board):
    from tumorboard.auth import operations
    from tumorboard.auth.passwords import hash_password

    account = token_operations.create_service_account(users[Role.ADMIN], name="Lab", board_ids=[board.id])
    account.user.password_hash = hash_password("a long password an admin set by mistake")
    db.session.commit()
    assert operations.authenticate(account.user.email, "a long password an admin set by mistake") is None
    assert operations.authenticate(account.user.email, "!service-account") is None
