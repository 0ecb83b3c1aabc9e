"""Deny by default, security headers, error pages and bad input that must never be a 500."""

import re

import pytest

from tests.conftest import log_in
from tumorboard.auth.access import API_TOKEN, PUBLIC
from tumorboard.auth.roles import Role
from tumorboard.security import STATIC_ENDPOINTS

# the calendar feed is found by a long secret token: calendar apps send no session cookie
# the probes and metrics: the load balancer and the monitoring (metrics by network, tests/test_operations)
# the sign-in's second step: after the right password, before the session (auth.sessions.second_step_user)
EXPECTED_PUBLIC = {
    "auth.login",
    "auth.oidc_login",  # the way to the hospital's provider (404 without OIDC_ISSUER)
    "auth.oidc_callback",  # and back, checked by state, nonce, PKCE and the ID token
    "auth.forgot_password",
    "auth.reset_password_page",
    "auth.second_step",
    "auth.switch_language",  # the language switch: a signed-out visitor's choice is a cookie (CSRF-checked)
    "main.health",
    "main.ready",
    "main.metrics_page",
    "meetings.personal_feed",
    "api_docs.openapi_json",  # the API's reference: its shape, no data (tests/api)
    "api_docs.docs_page",
    "api_docs.swagger_ui_static",
}


def test_every_endpoint_is_public_on_purpose_or_guarded(app):
    unguarded, public = [], set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in STATIC_ENDPOINTS:
            continue
        access = getattr(app.view_functions[rule.endpoint], "access_rule", None)
        if access is None:
            unguarded.append(rule.endpoint)
        elif access == PUBLIC:
            public.add(rule.endpoint)
    assert unguarded == [], f"views with no access rule: {unguarded}"
    assert public == EXPECTED_PUBLIC


def _sample_url(rule) -> str:
    """The rule with each variable filled: ids with 1, a choice with its first option, text with a word."""
    url = re.sub(r"<id:[^>]+>", "1", rule.rule)
    url = re.sub(r"<any\(([^,)]+)[^>]*>", lambda m: m.group(1).strip(), url)
    return re.sub(r"<[^>]+>", "chromogranin_a", url)


def _guarded_rules(app):
    """The web UI's guarded views; the API's (bearer tokens, 401 problem+json) are tests/api's."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint not in STATIC_ENDPOINTS and getattr(view, "access_rule", None) not in (
            PUBLIC,
            API_TOKEN,
        ):
            yield rule


def test_anonymous_requests_are_sent_to_login(app, client):
    for rule in _guarded_rules(app):
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(_sample_url(rule), method=method)
            assert response.status_code == 302, (rule.rule, method)
            assert "/login" in response.headers["Location"], (rule.rule, method)


def test_role_guarded_views_refuse_other_roles(app, client_as):
    """Every view restricted to roles answers 403 to each role outside them."""
    checked = 0
    for rule in _guarded_rules(app):
        allowed = app.view_functions[rule.endpoint].access_rule
        if not isinstance(allowed, tuple):
            continue
        for role in set(Role) - set(allowed):
            client = client_as(role)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert client.open(_sample_url(rule), method=method).status_code == 403, (rule.rule, role)
                checked += 1
    assert checked > 10


def test_security_headers_and_a_fresh_nonce_per_response(client, users):
    log_in(client, users[Role.ADMIN])
    first, second = client.get("/"), client.get("/")
    nonces = []
    for response in (first, second):
        csp = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
        assert f'nonce="{nonce}"' in response.text, "scripts carry the response's nonce"
        nonces.append(nonce)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["Cache-Control"] == "no-store"
    assert nonces[0] != nonces[1]
    anonymous = client.get("/login")
    assert "Content-Security-Policy" in anonymous.headers


def test_no_inline_script_or_style_in_pages(client, users):
    log_in(client, users[Role.ADMIN])
    for url in ("/", "/admin/users", "/admin/boards/", "/admin/audit/", "/account"):
        html = client.get(url).text
        assert " style=" not in html, url
        for tag in re.findall(r"<script[^>]*>", html):
            assert "nonce=" in tag and "src=" in tag, (url, tag)


def test_session_cookie_flags(client, users, app):
    response = client.post(
        "/login", data={"email": users[Role.ADMIN].email, "password": "correct horse battery staple"}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["SESSION_COOKIE_SECURE"] is False  # TestConfig; ProductionConfig sets it (test_config)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/users/abc",
        "/admin/users/-1",
        "/admin/users/0",
        "/admin/users/99999999999999999999",
        "/admin/users/2147483648",
        "/admin/users/2147483647",
        "/admin/boards/1.5",
        "/no-such-page",
    ],
)
def test_bad_ids_in_urls_are_404(client, users, url):
    log_in(client, users[Role.ADMIN])
    response = client.get(url)
    assert response.status_code == 404
    assert "Traceback" not in response.text


def test_unknown_method_is_405_page(client, users):
    log_in(client, users[Role.ADMIN])
    response = client.delete("/")
    assert response.status_code == 405


def test_server_error_page_is_generic(app, client, users, monkeypatch):
    from tumorboard.main import queries

    def explode(_user):
        raise RuntimeError("SELECT secret FROM patients WHERE name = 'Jane Doe'")

    monkeypatch.setattr(queries, "my_boards", explode)
    log_in(client, users[Role.SUBMITTER])
    response = client.get("/")
    assert response.status_code == 500
    assert (
        "Jane Doe" not in response.text and "Traceback" not in response.text and "SELECT" not in response.text
    )
    assert response.headers["X-Request-ID"] in response.text


def test_request_id_is_always_our_own(client):
    ours = client.get("/login", headers={"X-Request-ID": "abcdef12-3456"}).headers["X-Request-ID"]
    assert ours != "abcdef12-3456" and len(ours) == 32


SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options")


def _assert_security_headers(response):
    for header in SECURITY_HEADERS:
        assert header in response.headers, (response.status_code, header)
    assert response.headers["Cache-Control"] == "no-store"


def test_error_pages_and_redirects_carry_the_security_headers(client_as, client, monkeypatch):
    from tumorboard.main import queries

    submitter = client_as(Role.SUBMITTER)
    _assert_security_headers(submitter.get("/admin/users"))  # 403
    _assert_security_headers(submitter.get("/nowhere"))  # 404
    _assert_security_headers(client.get("/"))  # redirect to login
    monkeypatch.setattr(queries, "my_boards", lambda _user: 1 / 0)
    _assert_security_headers(submitter.get("/"))  # 500


def test_conflict_at_commit_is_a_409_with_headers_and_no_flash(client_as, users, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    from tumorboard.extensions import db

    admin = client_as(Role.ADMIN)
    target = users[Role.CHAIR]
    original = db.session.commit
    calls = {"n": 0}

    def failing_commit():
        calls["n"] += 1
        if calls["n"] == 1:
            raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed: users.email"))
        return original()

    monkeypatch.setattr(db.session, "commit", failing_commit)
    response = admin.post(
        f"/admin/users/{target.id}",
        data={
            "email": target.email,
            "name": "Renamed",
            "specialty": "surgery",
            "roles": ["chair"],
            "version": target.version,
        },
    )
    monkeypatch.setattr(db.session, "commit", original)
    assert response.status_code == 409
    _assert_security_headers(response)
    assert "Someone else changed this record" in response.text
    with admin.session_transaction() as sess:
        assert not sess.get("_flashes")


def test_wild_paging_arguments_do_not_fail(client, users):
    log_in(client, users[Role.ADMIN])
    for path in ("/admin/users", "/admin/boards/", "/admin/audit/", "/admin/hl7/messages", "/notifications/"):
        for args in (
            "page=-3",
            "after=x",
            "before=%00",
            "last=x&after=y",
            "jump=99999-01-01",
            "initial=%C3%BC%C3%BC",
        ):
            assert client.get(f"{path}?{args}").status_code == 200, (path, args)


def _failing_commit(monkeypatch, error):
    from tumorboard.extensions import db

    original = db.session.commit
    calls = {"n": 0}

    def commit():
        calls["n"] += 1
        if calls["n"] == 1:
            raise error
        return original()

    monkeypatch.setattr(db.session, "commit", commit)


def _rename(client, target):
    return client.post(
        f"/admin/users/{target.id}",
        data={
            "email": target.email,
            "name": "Renamed",
            "specialty": "surgery",
            "roles": ["chair"],
            "version": target.version,
        },
    )


def test_a_unique_race_is_a_conflict_logged_with_its_constraint(client_as, users, monkeypatch, caplog):
    from sqlalchemy.exc import IntegrityError

    admin = client_as(Role.ADMIN)
    _failing_commit(
        monkeypatch, IntegrityError("UPDATE", {}, Exception("UNIQUE constraint failed: users.email"))
    )
    with caplog.at_level("INFO", logger="tumorboard"):
        response = _rename(admin, users[Role.CHAIR])
    assert response.status_code == 409
    (line,) = [r for r in caplog.records if r.message.startswith("conflict")]
    assert line.constraint == "uq_users_email" and line.request_id == response.headers["X-Request-ID"]


def test_any_other_refusal_by_the_database_is_an_error_not_a_conflict(client_as, users, monkeypatch, caplog):
    """A foreign key or check the code broke is a bug: it must not look like someone else's change."""
    from sqlalchemy.exc import IntegrityError

    admin = client_as(Role.ADMIN)
    _failing_commit(monkeypatch, IntegrityError("INSERT", {}, Exception("FOREIGN KEY constraint failed")))
    with caplog.at_level("INFO", logger="tumorboard"):
        response = _rename(admin, users[Role.CHAIR])
    assert response.status_code == 500
    assert "Someone else changed" not in response.text and response.headers["X-Request-ID"] in response.text
    (line,) = [r for r in caplog.records if r.message == "the database refused a write"]
    assert line.levelname == "ERROR" and line.constraint == "FOREIGN KEY constraint failed"


def test_production_logs_are_json_lines_with_the_request_context(app, client_as, users):
    import io
    import json

    from tumorboard.logs import configure_logging

    stream = io.StringIO()
    app.config["LOG_FORMAT"] = "json"
    try:
        configure_logging(app, stream)
        response = client_as(Role.SPECIALIST).get(f"/cases/{2_000_000_000}")
    finally:
        app.config["LOG_FORMAT"] = "text"
        configure_logging(app)
    (line,) = [json.loads(text) for text in stream.getvalue().splitlines() if '"request"' in text]
    assert line["message"] == "request" and line["status"] == 404 and line["level"] == "INFO"
    assert line["route"] == "/cases/<id:case_id>" and line["method"] == "GET"  # the rule, never the ids
    assert (
        line["user_id"] == users[Role.SPECIALIST].id
        and line["request_id"] == response.headers["X-Request-ID"]
    )
    assert isinstance(line["duration_ms"], float) and "time" in line
