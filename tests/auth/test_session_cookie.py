"""The session cookie lives as long as the browser: no Expires, no Max-Age (a shared ward computer forgets
it when the browser closes); the idle and absolute limits are the server's (tests/auth/test_login.py)."""

from http.cookies import SimpleCookie

from tests.factories import PASSWORD
from tumorboard.auth.roles import Role


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
    with client.session_transaction() as session:
        session["seen_at"] -= 60  # the next request moves the idle clock on: a new Set-Cookie
    response = client.get("/")
    assert response.status_code == 200
    header, cookie = _session_cookie(response)
    assert cookie["expires"] == "" and cookie["max-age"] == "", header
