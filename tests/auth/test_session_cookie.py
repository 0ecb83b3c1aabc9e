"""The session cookie lives as long as the browser: no Expires, no Max-Age (a shared ward computer forgets
it when the browser closes); the idle and absolute limits are the server's (tests/auth/test_login.py)."""

from http.cookies import SimpleCookie

from sqlalchemy import select

from tests.factories import PASSWORD
from tumorboard.auth.models import SignInMethod, UserSession
from tumorboard.auth.roles import Role
from tumorboard.auth.sessions import key_hash
from tumorboard.extensions import db


def _session_cookie(response):
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("tumorboard_session=")]
    return header, SimpleCookie(header)["tumorboard_session"]


def test_the_sign_in_cookie_is_a_browser_session_cookie(client, users):
    response = client.post("/login", data={"email": users[Role.CHAIR].email, "password": PASSWORD})
    assert response.status_code == 302
    header, cookie = _session_cookie(response)
    assert cookie["expires"] == "" and cookie["max-age"] == "", header
    assert "expires=" not in header.lower() and "max-age" not in header.lower()
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_the_cookie_stays_a_session_cookie_as_it_is_renewed(client, users, app):
    client.post("/login", data={"email": users[Role.CHAIR].email, "password": PASSWORD})
    client.get("/")
    with client.session_transaction() as session:
        session["_fresh"] = False  # the cookie changes: a new Set-Cookie
    response = client.get("/")
    assert response.status_code == 200
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("tumorboard_session=")]
    for header in headers:
        assert "expires=" not in header.lower() and "max-age" not in header.lower(), header


def test_the_cookie_carries_only_the_session_key(client, users, app):
    """Nothing but the key (and Flask-Login's marks): no user id, no times; the record holds the rest,
    stored with the key's hash only."""
    user = users[Role.CHAIR]
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    with client.session_transaction() as session:
        stored = dict(session)
    key = stored.pop("_user_id")
    assert set(stored) <= {"_fresh", "_id", "_flashes", "_permanent", "csrf_token"}, stored
    assert str(user.id) != key and user.session_token not in key
    record = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert record.key_hash == key_hash(key) and key not in record.key_hash
    assert record.method is SignInMethod.PASSWORD
