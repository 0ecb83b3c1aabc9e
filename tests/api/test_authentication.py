"""API authentication: bearer tokens only (never the session cookie), scopes, expiry, revocation, a
disabled user, last use at most once a minute, the rate limit per token; and tokens never sign in to the
web UI."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.api.conftest import bearer, personal
from tests.conftest import log_in
from tumorboard.auth.tokens import ApiToken, find_token, token_hash
from tumorboard.db import utcnow
from tumorboard.extensions import db

PROBLEM = "application/problem+json"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.data
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_no_token_is_a_401_problem_with_the_scheme(client, world):
    response = client.get("/api/v1/cases")
    _problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer tbp_not-a-token", "tbp_x"]
)
def test_a_malformed_or_unknown_token_is_a_401(client, world, header):
    _problem(client.get("/api/v1/cases", headers={"Authorization": header}), 401)


@pytest.mark.parametrize("kind", ["expired", "revoked", "disabled"])
def test_expired_revoked_and_disabled_users_tokens_stop_working(client, world, kind):
    _problem(client.get("/api/v1/cases", headers=bearer(world.tokens[kind])), 401)


def test_the_session_cookie_never_works_for_the_api(app, world):
    """A browser signed in to the UI: a GET and a POST (a forged cross-site form) both get a 401, and the
    POST changes nothing: there is no CSRF hole to close."""
    browser = log_in(app.test_client(), world.submitter)
    assert browser.get("/cases").status_code == 200  # the cookie works for the UI
    _problem(browser.get("/api/v1/cases"), 401)
    before = db.session.scalar(select(db.func.count()).select_from(db.metadata.tables["patient"]))
    response = browser.post(
        "/api/v1/patients",
        json={
            "mrn": "CSRF-1",
            "family_name": "X",
            "given_name": "Y",
            "birth_date": "1970-01-01",
            "sex": "male",
        },
    )
    _problem(response, 401)
    form_post = browser.post("/api/v1/patients", data={"mrn": "CSRF-2"})
    _problem(form_post, 401)
    assert db.session.scalar(select(db.func.count()).select_from(db.metadata.tables["patient"])) == before


def test_a_token_never_signs_in_to_the_web_ui(client, world):
    response = client.get("/cases", headers=bearer(world.tokens["write"]))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.post("/account/tokens", headers=bearer(world.tokens["write"]), data={"name": "x"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_api_sets_no_cookie(client, world):
    response = client.get("/api/v1/cases", headers=bearer(world.tokens["read"]))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_a_read_token_may_not_write(client, world):
    response = client.post(
        "/api/v1/patients",
        headers=bearer(world.tokens["read"]),
        json={
            "mrn": "READ-1",
            "family_name": "X",
            "given_name": "Y",
            "birth_date": "1970-01-01",
            "sex": "male",
        },
    )
    body = _problem(response, 403)
    assert "read only" in body["detail"]


def test_the_secret_is_stored_as_its_hash_only(world):
    secret = world.tokens["read"]
    token = find_token(secret)
    assert token is not None and token.token_hash == token_hash(secret)
    row = db.session.execute(select(db.metadata.tables["api_token"]).where(ApiToken.id == token.id)).one()
    assert secret not in [str(value) for value in row]
    assert token.hint == secret[:10]


def test_last_use_is_written_at_most_once_a_minute(client, world, time_machine):
    secret = world.tokens["read"]
    token = find_token(secret)
    assert token.last_used_at is None
    time_machine.move_to(utcnow(), tick=False)
    client.get("/api/v1/boards", headers=bearer(secret))
    db.session.refresh(token)
    first = token.last_used_at
    assert first is not None
    time_machine.shift(timedelta(seconds=30))
    client.get("/api/v1/boards", headers=bearer(secret))
    db.session.refresh(token)
    assert token.last_used_at == first
    time_machine.shift(timedelta(seconds=61))
    client.get("/api/v1/boards", headers=bearer(secret))
    db.session.refresh(token)
    assert token.last_used_at > first


def test_each_use_is_in_the_request_log_with_the_token(client, world, caplog):
    token = find_token(world.tokens["read"])
    client.get(f"/api/v1/cases/{world.case.id}", headers=bearer(world.tokens["read"]))
    line = next(r for r in caplog.records if r.getMessage() == "request")
    assert line.token_id == token.id and line.user_id == world.submitter.id
    assert line.route == "/api/v1/cases/<id:case_id>"  # never the id itself


def test_the_rate_limit_is_per_token(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    for _ in range(3):
        assert client.get("/api/v1/boards", headers=bearer(world.tokens["read"])).status_code == 200
    refused = client.get("/api/v1/boards", headers=bearer(world.tokens["read"]))
    _problem(refused, 429)
    assert int(refused.headers["Retry-After"]) >= 1
    # another token of the same user has its own budget
    assert client.get("/api/v1/boards", headers=bearer(world.tokens["write"])).status_code == 200


def test_a_new_personal_token_works_at_once(client, world):
    secret = personal(world.outsider, "read", name="notebook")
    assert client.get("/api/v1/boards", headers=bearer(secret)).get_json()[0]["id"] == world.other_board.id
