"""Sign-in, sign-out, throttling, session lifetime and cookie replay."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import log_in
from tests.factories import PASSWORD
from tumorboard.audit.models import AuditEvent
from tumorboard.auth.models import SessionEnd, UserSession
from tumorboard.auth.roles import Role
from tumorboard.db import utcnow
from tumorboard.extensions import db

FAILED = "Email or password is not correct"


def _login(client, email, password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_successful_login_starts_a_session_and_is_audited(client, users):
    user = users[Role.COORDINATOR]
    response = _login(client, user.email.upper())
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert user.last_login_at is not None
    event = _events("auth.login")[-1]
    assert event.actor_id == user.id and event.client_ip == "127.0.0.1" and event.request_id


def test_unknown_email_and_wrong_password_get_the_same_answer(client, users):
    unknown = _login(client, "nobody@hospital.org")
    wrong = _login(client, users[Role.SUBMITTER].email, "wrong password here")
    assert unknown.status_code == wrong.status_code == 422
    assert FAILED in unknown.text and FAILED in wrong.text

    def normalised(response, email):
        # the nonce and the language switch's CSRF token (signed with the second it was made) differ anyway
        text = re.sub(r'nonce="[^"]+"', "", response.text.replace(email, "X"))
        return re.sub(r'name="csrf_token" value="[^"]+"', "", text)

    assert normalised(unknown, "nobody@hospital.org") == normalised(wrong, users[Role.SUBMITTER].email)
    reasons = [e.details["reason"] for e in _events("auth.login_failed")]
    assert reasons == ["unknown email", "wrong password"]


def test_disabled_user_cannot_sign_in(client, create_user):
    user = create_user(active=False)
    response = _login(client, user.email)
    assert response.status_code == 422 and FAILED in response.text
    assert _events("auth.login_failed")[-1].details["reason"] == "account disabled"


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"email": "", "password": ""},
        {"email": "a" * 300 + "@x.org", "password": "x"},
        {"email": "admin@example.org", "password": "p" * 300},
        {"email": "admin\x00@example.org", "password": "x"},
        {"email": ["a@b.c", "d@e.f"], "password": "x"},
    ],
    ids=["empty", "blank", "long-email", "long-password", "nul", "repeated"],
)
def test_malformed_logins_get_a_message_not_an_error(client, data):
    response = client.post("/login", data=data)
    assert response.status_code == 422
    assert "Sign in" in response.text


def test_next_only_redirects_to_local_paths(client, users):
    user = users[Role.ADMIN]
    assert client.get("/admin/users").headers["Location"].startswith("/login?next=")
    assert _login(client, user.email).headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/admin/users", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/admin/users"
    client.post("/logout")
    for evil in (
        "https://evil.example/",
        "//evil.example/x",
        "javascript:alert(1)",
        "/%0d%0aSet-Cookie:x",
        "/\r\nX-Injected: 1",
        "/\\evil.example",
        "/ok\x00",
    ):
        response = client.post(f"/login?next={evil}", data={"email": user.email, "password": PASSWORD})
        assert response.headers["Location"] == "/", evil
        client.post("/logout")


def test_five_failures_per_account_then_429(client, users):
    email = users[Role.SUBMITTER].email
    for _ in range(5):
        assert _login(client, email, "wrong password!").status_code == 422
    throttled = _login(client, email)  # even the right password waits now
    assert throttled.status_code == 429
    assert "Too many attempts" in throttled.text
    assert _events("auth.login_throttled")
    other = users[Role.CHAIR].email
    assert _login(client, other).status_code == 302, "another account is not affected"


def test_throttled_attempts_are_audited_once_per_window(client, users):
    email = users[Role.SUBMITTER].email
    for _ in range(5):
        _login(client, email, "wrong password!")
    for _ in range(4):
        assert _login(client, email, "wrong password!").status_code == 429
    events = _events("auth.login_throttled")
    assert len(events) == 1 and events[0].entity_id == str(users[Role.SUBMITTER].id)


def test_parallel_guesses_cannot_pass_the_account_and_address_limit(isolated_app):
    """Twenty wrong passwords for one account from one address at the same moment: five are checked, the
    others refused; the check and the count are one atomic step."""
    import threading

    from tests import factories

    app = isolated_app()
    with app.app_context():
        email = factories.create_user().email
    barrier = threading.Barrier(20)
    statuses: list[int] = []

    def guess(n: int) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(
            "/login",
            data={"email": email, "password": f"guess number {n}"},
            environ_base={"REMOTE_ADDR": "10.0.0.66"},
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [422] * 5 + [429] * 15


def test_a_password_typed_into_the_email_box_is_not_audited(client):
    _login(client, "my secret passphrase 42", "anything at all")
    event = _events("auth.login_failed")[-1]
    assert "my secret passphrase" not in event.canonical()


def test_successful_login_clears_the_account_count(client, users):
    email = users[Role.SUBMITTER].email
    for _ in range(4):
        _login(client, email, "wrong password!")
    assert _login(client, email).status_code == 302
    client.post("/logout")
    for _ in range(4):
        assert _login(client, email, "wrong password!").status_code == 422


def test_successful_logins_are_not_counted(client, users):
    user = users[Role.SUBMITTER]
    for _ in range(7):
        assert _login(client, user.email).status_code == 302
        client.post("/logout")


def test_ten_failures_per_ip_per_minute_then_429(client):
    for n in range(10):
        assert _login(client, f"someone{n}@hospital.org", "wrong password!").status_code == 422
    assert _login(client, "someone-else@hospital.org", "wrong password!").status_code == 429


def test_logout_voids_a_cookie_captured_before(client, users):
    _login(client, users[Role.CHAIR].email)
    captured = client.get_cookie("tumorboard_session").value
    assert client.post("/logout").status_code == 302
    client.set_cookie("tumorboard_session", captured)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_password_change_voids_other_sessions_but_keeps_this_one(app, client, users):
    user = users[Role.SPECIALIST]
    other_device = log_in(app.test_client(), user)
    assert other_device.get("/").status_code == 200
    response = client_post_password(log_in(client, user), PASSWORD, "a brand new passphrase")
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other_device.get("/").status_code == 302


def client_post_password(client, current, new, confirm=None):
    return client.post(
        "/account/password",
        data={"current_password": current, "new_password": new, "confirm": confirm or new},
    )


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("wrong current password", "a brand new passphrase", None, "The current password is not correct."),
        (PASSWORD, "short", None, "The password must have at least 12 characters."),
        (PASSWORD, "a brand new passphrase", "something else", "The passwords differ."),
        (PASSWORD, PASSWORD, None, "The new password must differ from the current one."),
        (PASSWORD, "aaaaaaaaaaaaaaa", None, "This password is too easy to guess"),
    ],
    ids=["wrong-current", "too-short", "mismatch", "unchanged", "trivial"],
)
def test_password_change_refusals(client, users, current, new, confirm, message):
    user = users[Role.SPECIALIST]
    old_hash = user.password_hash
    response = client_post_password(log_in(client, user), current, new, confirm)
    assert response.status_code == 422
    assert message in response.text
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_disabling_a_user_ends_their_session(app, client, users):
    victim = users[Role.SUBMITTER]
    victim_client = log_in(app.test_client(), victim)
    assert victim_client.get("/").status_code == 200
    admin = log_in(client, users[Role.ADMIN])
    response = admin.post(f"/admin/users/{victim.id}/active", data={"active": "0", "version": victim.version})
    assert response.status_code == 302
    assert victim_client.get("/").status_code == 302


def _age(client, **ago) -> UserSession:
    """Moves the client's session record back in time: `last_seen_at=seconds`, `created_at=seconds`."""
    record = db.session.get(UserSession, client.session_record_id)
    for column, seconds in ago.items():
        setattr(record, column, utcnow() - timedelta(seconds=seconds))
    db.session.commit()
    return record


def test_idle_timeout(client, users, app):
    log_in(client, users[Role.CHAIR])
    idle = int(app.config["SESSION_IDLE_TIMEOUT"].total_seconds())
    record = _age(client, last_seen_at=idle + 1)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302, "the session is gone, not just this request"
    db.session.refresh(record)
    assert record.end_reason is SessionEnd.IDLE and record.ended_at is not None


def test_activity_keeps_the_session_alive(client, users, app):
    log_in(client, users[Role.CHAIR])
    idle = int(app.config["SESSION_IDLE_TIMEOUT"].total_seconds())
    record = _age(client, last_seen_at=idle - 60)
    assert client.get("/").status_code == 200
    db.session.refresh(record)
    assert utcnow() - record.last_seen_at < timedelta(seconds=5)
    assert record.ended_at is None


def test_last_seen_moves_at_most_once_a_minute(client, users, count_queries):
    log_in(client, users[Role.CHAIR])
    record = _age(client, last_seen_at=30)
    before = record.last_seen_at
    with count_queries() as statements:
        assert client.get("/").status_code == 200
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE USER_SESSION")]
    assert db.session.get(UserSession, client.session_record_id).last_seen_at == before
    _age(client, last_seen_at=61)
    with count_queries() as statements:
        assert client.get("/").status_code == 200
    assert len([s for s in statements if s.lstrip().upper().startswith("UPDATE USER_SESSION")]) == 1


def test_absolute_lifetime(client, users, app):
    log_in(client, users[Role.CHAIR])
    lifetime = int(app.config["PERMANENT_SESSION_LIFETIME"].total_seconds())
    record = _age(client, created_at=lifetime + 1)
    assert client.get("/").status_code == 302
    db.session.refresh(record)
    assert record.end_reason is SessionEnd.LIFETIME


def test_no_remember_me_cookie(client, users):
    response = _login(client, users[Role.CHAIR].email, remember="y")
    assert all("remember_token" not in c for c in response.headers.getlist("Set-Cookie"))


def test_login_rehashes_when_parameters_change(app, client, create_user):
    user = create_user()
    old_hash = user.password_hash
    app.config["ARGON2_TIME_COST"] = 3
    try:
        assert _login(client, user.email).status_code == 302
    finally:
        app.config["ARGON2_TIME_COST"] = 2
    db.session.refresh(user)
    assert user.password_hash != old_hash and "t=3" in user.password_hash


def test_temporary_password_must_be_changed_first(client, create_user):
    user = create_user(must_change_password=True)
    _login(client, user.email)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/account/password"
    assert client_post_password(client, PASSWORD, "my very own passphrase").status_code == 302
    assert client.get("/").status_code == 200


def test_signed_in_user_visiting_login_goes_to_dashboard(client, users):
    log_in(client, users[Role.CHAIR])
    assert client.get("/login").headers["Location"] == "/"


def test_guessing_the_current_password_stops_at_the_limit(client, users):
    from tumorboard.auth.operations import TOO_MANY_PASSWORDS

    user = users[Role.CHAIR]
    log_in(client, user)
    for _ in range(5):
        response = client_post_password(client, "a wrong guess of it", "a brand new passphrase")
        assert response.status_code == 422 and "The current password is not correct." in response.text
    response = client_post_password(client, PASSWORD, "a brand new passphrase")
    assert response.status_code == 422 and TOO_MANY_PASSWORDS in response.text
