"""Server-side sessions: each sign-in's record, the signed-in sessions page (end one, end all others),
the admin's "end all sessions", everything that ends them, their pruning, and ending them concurrently."""

import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy import update as sa_update

from config import TestConfig
from tests.conftest import log_in, posts_at_once
from tests.factories import PASSWORD
from tumorboard import create_app
from tumorboard.audit.models import AuditEvent
from tumorboard.auth import operations, reset, sessions
from tumorboard.auth.models import SessionEnd, SignInMethod, User, UserSession
from tumorboard.auth.roles import Role
from tumorboard.db import utcnow
from tumorboard.errors import OperationError
from tumorboard.extensions import db

FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(autouse=True)
def _context(app_ctx):
    """The tests read and write the database between requests."""


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _record(client) -> UserSession:
    db.session.expire_all()
    return db.session.get(UserSession, client.session_record_id)


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


@pytest.fixture
def specialist(users):
    return users[Role.SPECIALIST]


@pytest.fixture
def browsers(app, specialist):
    """The specialist signed in on three browsers (a desk, a phone, a ward computer)."""
    return [
        log_in(app.test_client(), specialist, user_agent="Firefox 128 on Ubuntu", client_address="10.0.0.5"),
        log_in(
            app.test_client(), specialist, user_agent="Mobile Safari 17 on iOS", client_address="10.0.0.6"
        ),
        log_in(app.test_client(), specialist, user_agent="Edge 130 on Windows", client_address="10.0.0.7"),
    ]


# The record of a sign-in -----------------------------------------------------------------------------


def test_signing_in_opens_a_record_with_how_from_where_and_what(client, specialist):
    response = client.post(
        "/login",
        data={"email": specialist.email, "password": PASSWORD},
        headers={"User-Agent": FIREFOX},
        environ_base={"REMOTE_ADDR": "192.0.2.44"},
    )
    assert response.status_code == 302
    record = db.session.scalar(select(UserSession).where(UserSession.user_id == specialist.id))
    assert (record.method, record.user_agent, record.client_address) == (
        SignInMethod.PASSWORD,
        "Firefox 128 on Ubuntu",
        "192.0.2.44",
    )
    assert record.ended_at is None and record.end_reason is None
    assert _signed_in(client)


@pytest.mark.parametrize(
    ("header", "summary"),
    [
        (FIREFOX, "Firefox 128 on Ubuntu"),
        (SAFARI_IPHONE, "Mobile Safari 17 on iOS"),
        ("", "Unknown browser"),
        (None, "Unknown browser"),
        ("curl/8.5.0", "curl 8"),
        ("x" * 5000, "Unknown browser"),
    ],
)
def test_the_browser_summary(header, summary):
    assert sessions.user_agent_summary(header) == summary


def test_a_forged_or_unknown_key_opens_nothing(client, specialist):
    log_in(client, specialist)
    for forged in ("", "1:abc", str(specialist.id), "x" * len(client.session_key), client.session_key[:-1]):
        with client.session_transaction() as sess:
            sess["_user_id"] = forged
        assert not _signed_in(client), forged


def test_an_ended_record_voids_its_cookie_at_once(app, specialist):
    browser = log_in(app.test_client(), specialist)
    assert _signed_in(browser)
    record = _record(browser)
    record.ended_at, record.end_reason = utcnow(), SessionEnd.ENDED_BY_ADMIN
    db.session.commit()
    assert not _signed_in(browser)


def test_a_disabled_account_is_refused_even_with_an_active_record(app, specialist):
    browser = log_in(app.test_client(), specialist)
    specialist.active = False
    db.session.commit()
    assert not _signed_in(browser)


# The signed-in sessions page -------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, browsers):
    record_id = browsers[1].session_record_id
    for response in (
        client.get("/account/sessions"),
        client.post(f"/account/sessions/{record_id}/end"),
        client.post("/account/sessions/end-others"),
    ):
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert _record(browsers[1]).ended_at is None


def test_the_page_lists_each_active_session_and_marks_this_one(app, browsers, specialist):
    mine = browsers[0]
    gone = log_in(app.test_client(), specialist, user_agent="Opera 99 on Windows")
    record = _record(gone)
    record.ended_at, record.end_reason = utcnow(), SessionEnd.SIGNED_OUT
    idle = log_in(app.test_client(), specialist, user_agent="Vivaldi 6 on Linux")
    record = _record(idle)
    record.last_seen_at = utcnow() - app.config["SESSION_IDLE_TIMEOUT"] - timedelta(seconds=1)
    db.session.commit()
    page = mine.get("/account/sessions")
    assert page.status_code == 200
    text = page.text
    for browser, address in [
        ("Firefox 128 on Ubuntu", "10.0.0.5"),
        ("Mobile Safari 17 on iOS", "10.0.0.6"),
        ("Edge 130 on Windows", "10.0.0.7"),
    ]:
        assert browser in text and address in text
    assert "Opera 99" not in text and "Vivaldi 6" not in text
    assert text.count("this session") == 1
    assert text.index("this session") > text.index("Firefox 128 on Ubuntu")
    assert text.count(">End</button>") == 2  # not for this session: that is "Sign out"
    assert "with password" in text and "End all other sessions" in text
    assert "/account/sessions" in mine.get("/account").text


def test_the_page_shows_how_each_signed_in(app, specialist):
    browser = log_in(app.test_client(), specialist, method=SignInMethod.PASSWORD_AND_CODE)
    log_in(app.test_client(), specialist, method=SignInMethod.PROVIDER)
    text = browser.get("/account/sessions").text
    assert "with password and second factor" in text and "with hospital sign-in (single sign-on)" in text


def test_the_page_and_its_messages_in_german(app, browsers):
    german = {"Accept-Language": "de-DE,de;q=0.9"}
    text = browsers[0].get("/account/sessions", headers=german).text
    assert "Angemeldete Sitzungen" in text and text.count("diese Sitzung") == 1
    assert text.count(">Beenden</button>") == 2 and "Alle anderen Sitzungen beenden" in text
    assert "this session" not in text and "End all other sessions" not in text
    ended = browsers[0].post("/account/sessions/end-others", headers=german, follow_redirects=True).text
    assert "2 andere Sitzungen beendet; diese bleibt bestehen." in ended


def test_the_page_statements_do_not_grow_with_the_sessions(app, specialist, count_queries):
    browser, user_id = log_in(app.test_client(), specialist), specialist.id
    with count_queries() as few:
        assert browser.get("/account/sessions").status_code == 200
    user = db.session.get(User, user_id)
    for _ in range(12):
        log_in(app.test_client(), user)
    with count_queries() as many:
        assert browser.get("/account/sessions").status_code == 200
    assert len(many) == len(few) <= 8, (len(few), len(many))


def test_a_request_costs_no_statement_for_the_session_beyond_loading_it(app, specialist, count_queries):
    """The session and its user come in one statement; nothing is written while last_seen is fresh."""
    browser = log_in(app.test_client(), specialist)
    with count_queries() as statements:
        assert browser.get("/notifications/").status_code == 200
    loads = [s for s in statements if "user_session" in s]
    assert len(loads) == 1 and "JOIN users" in loads[0]
    assert not [
        s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT INTO USER_SESSION"))
    ]


def test_ending_one_session_signs_that_browser_out_at_once(browsers, specialist):
    mine, phone, ward = browsers
    response = mine.post(f"/account/sessions/{phone.session_record_id}/end")
    assert response.status_code == 302 and response.headers["Location"] == "/account/sessions"
    assert "The session in Mobile Safari 17 on iOS has ended." in mine.get("/account/sessions").text
    assert not _signed_in(phone)
    assert _signed_in(mine) and _signed_in(ward)
    record = _record(phone)
    assert record.end_reason is SessionEnd.ENDED_BY_USER and record.ended_at is not None
    (event,) = _events("auth.session_ended")
    assert event.actor_id == specialist.id and event.entity_type == "user_session"
    assert event.entity_id == str(record.id) and event.details["browser"] == "Mobile Safari 17 on iOS"


def test_ending_a_session_twice_says_it_has_ended_already(browsers):
    mine, phone, _ = browsers
    mine.post(f"/account/sessions/{phone.session_record_id}/end")
    again = mine.post(f"/account/sessions/{phone.session_record_id}/end", follow_redirects=True)
    assert again.status_code == 200 and operations.SESSION_ENDED_ALREADY in again.text
    assert len(_events("auth.session_ended")) == 1


def test_this_session_is_ended_by_signing_out_not_here(browsers):
    mine = browsers[0]
    response = mine.post(f"/account/sessions/{mine.session_record_id}/end", follow_redirects=True)
    assert "Sign out to end this session." in response.text
    assert _signed_in(mine) and _record(mine).ended_at is None
    assert _events("auth.session_ended") == []


def test_another_persons_session_is_404_and_stays(app, browsers, users):
    stranger = log_in(app.test_client(), users[Role.CHAIR])
    for target in (browsers[1].session_record_id, 2_000_000_000):
        response = stranger.post(f"/account/sessions/{target}/end")
        assert response.status_code == 404
    assert _record(browsers[1]).ended_at is None and _signed_in(browsers[1])
    assert "Mobile Safari" not in stranger.get("/account/sessions").text


def test_ending_all_other_sessions_keeps_this_one(browsers, specialist):
    mine, phone, ward = browsers
    response = mine.post("/account/sessions/end-others", follow_redirects=True)
    assert "2 other session(s) ended" in response.text
    assert _signed_in(mine) and not _signed_in(phone) and not _signed_in(ward)
    assert {_record(b).end_reason for b in (phone, ward)} == {SessionEnd.ENDED_BY_USER}
    (event,) = _events("auth.other_sessions_ended")
    assert event.actor_id == specialist.id and event.details == {"sessions_ended": 2}
    again = mine.post("/account/sessions/end-others", follow_redirects=True)
    assert operations.NO_OTHER_SESSIONS in again.text and len(_events("auth.other_sessions_ended")) == 1


def test_a_session_ended_meanwhile_acts_no_more(browsers, specialist):
    """The request read its session, then another browser ended it before the operation took the lock:
    the operation reads it again under the lock and refuses."""
    mine, phone, _ = browsers
    current = _record(mine)
    db.session.execute(
        sa_update(UserSession)
        .where(UserSession.id == current.id)
        .values(ended_at=utcnow(), end_reason=SessionEnd.ENDED_BY_USER)
    )
    db.session.commit()
    with pytest.raises(OperationError, match=operations.THIS_SESSION_ENDED):
        operations.end_other_sessions(specialist, current)
    with pytest.raises(OperationError, match=operations.THIS_SESSION_ENDED):
        operations.end_own_session(specialist, current, _record(phone))
    assert _record(phone).ended_at is None and _signed_in(phone)


def test_posts_without_the_csrf_token_end_nothing(app, browsers):
    csrf_app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], WTF_CSRF_ENABLED=True
    )
    mine = log_in(csrf_app.test_client(), browsers[0].session_user)
    assert mine.post(f"/account/sessions/{browsers[1].session_record_id}/end").status_code == 400
    assert mine.post("/account/sessions/end-others").status_code == 400
    assert all(_record(b).ended_at is None for b in browsers)
    assert _events("auth.session_ended") == _events("auth.other_sessions_ended") == []


# The admin's "end all sessions" ----------------------------------------------------------------------


def test_an_admin_ends_every_session_of_a_user(app, browsers, specialist, users):
    admin = log_in(app.test_client(), users[Role.ADMIN])
    page = admin.get(f"/admin/users/{specialist.id}")
    assert "3 active." in page.text and "End all sessions" in page.text
    response = admin.post(f"/admin/users/{specialist.id}/sessions/end")
    assert response.status_code == 302
    assert not any(_signed_in(b) for b in browsers)
    assert {_record(b).end_reason for b in browsers} == {SessionEnd.ENDED_BY_ADMIN}
    (event,) = _events("user.sessions_ended")
    assert event.actor_id == users[Role.ADMIN].id and event.entity_id == str(specialist.id)
    assert event.details == {"sessions_ended": 3}
    assert _signed_in(admin) and "0 active." in admin.get(f"/admin/users/{specialist.id}").text


def test_only_an_admin_ends_a_users_sessions(app, browsers, specialist, users):
    for role in (Role.CHAIR, Role.COORDINATOR, Role.SPECIALIST):
        other = log_in(app.test_client(), users[role])
        assert other.post(f"/admin/users/{specialist.id}/sessions/end").status_code == 403
    admin = log_in(app.test_client(), users[Role.ADMIN])
    assert admin.post("/admin/users/2000000000/sessions/end").status_code == 404
    assert all(_record(b).ended_at is None for b in browsers)
    assert _events("user.sessions_ended") == []


def test_an_admin_ending_their_own_keeps_the_one_they_use(app, users):
    admin_user = users[Role.ADMIN]
    admin, laptop = log_in(app.test_client(), admin_user), log_in(app.test_client(), admin_user)
    admin.post(f"/admin/users/{admin_user.id}/sessions/end")
    assert _signed_in(admin) and not _signed_in(laptop)


# Everything that ends a user's sessions ends their records -------------------------------------------


def test_signing_out_ends_every_record_of_the_user(browsers):
    mine = browsers[0]
    assert mine.post("/logout").status_code == 302
    assert not any(_signed_in(b) for b in browsers)
    assert {_record(b).end_reason for b in browsers} == {SessionEnd.SIGNED_OUT}
    assert _events("auth.logout")[-1].details == {"sessions_ended": 3}


def test_a_password_change_ends_the_others_and_opens_a_new_one_here(browsers, specialist):
    mine = browsers[0]
    response = mine.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    assert _signed_in(mine) and not _signed_in(browsers[1])
    assert {_record(b).end_reason for b in browsers} == {SessionEnd.PASSWORD_CHANGED}
    active = db.session.scalars(
        select(UserSession).where(UserSession.user_id == specialist.id, UserSession.ended_at.is_(None))
    ).all()
    assert len(active) == 1 and active[0].method is SignInMethod.PASSWORD


def test_an_admins_temporary_password_ends_the_records(app, browsers, specialist, users):
    admin = log_in(app.test_client(), users[Role.ADMIN])
    admin.post(
        f"/admin/users/{specialist.id}/password",
        data={
            "new_password": "temporary passphrase 9",
            "confirm": "temporary passphrase 9",
            "version": specialist.version,
        },
    )
    assert {_record(b).end_reason for b in browsers} == {SessionEnd.PASSWORD_RESET}


def test_a_reset_by_link_ends_the_records(browsers, specialist):
    operations.reset_password_by_link(reset.make_token(specialist), "a passphrase from the link")
    db.session.commit()
    assert {_record(b).end_reason for b in browsers} == {SessionEnd.PASSWORD_RESET}
    assert not any(_signed_in(b) for b in browsers)


def test_disabling_ends_the_records(app, browsers, specialist, users):
    admin = log_in(app.test_client(), users[Role.ADMIN])
    admin.post(f"/admin/users/{specialist.id}/active", data={"active": "0", "version": specialist.version})
    assert {_record(b).end_reason for b in browsers} == {SessionEnd.ACCOUNT_DISABLED}


def test_a_second_factor_reset_ends_the_records(app, browsers, specialist, users):
    from tumorboard.auth import second_factor, totp

    secret = totp.new_secret()
    second_factor.enrol(specialist, secret=secret, code=totp.code_at(secret, totp.current_step()))
    db.session.commit()
    second_factor.reset_second_factor(users[Role.ADMIN], specialist, expected_version=specialist.version)
    db.session.commit()
    assert {_record(b).end_reason for b in browsers} == {SessionEnd.SECOND_FACTOR_RESET}


# Pruning -----------------------------------------------------------------------------------------------


def test_old_records_are_pruned_after_the_retention(app, specialist):
    retention = app.config["SESSION_RECORD_RETENTION"]
    old = utcnow() - retention - timedelta(days=1)
    recent = utcnow() - retention + timedelta(days=1)
    made = {
        "ended long ago": log_in(app.test_client(), specialist, ended_at=old, end_reason=SessionEnd.IDLE),
        "unused long ago": log_in(app.test_client(), specialist, last_seen_at=old, created_at=old),
        "ended lately": log_in(app.test_client(), specialist, ended_at=recent, end_reason=SessionEnd.IDLE),
        "active": log_in(app.test_client(), specialist),
    }
    ids = {name: c.session_record_id for name, c in made.items()}
    assert operations.prune_session_records() == 2
    db.session.commit()
    left = set(db.session.scalars(select(UserSession.id).where(UserSession.id.in_(ids.values()))))
    assert left == {ids["ended lately"], ids["active"]}
    (event,) = _events("auth.sessions_pruned")
    assert event.details["records"] == 2
    assert operations.prune_session_records() == 0 and len(_events("auth.sessions_pruned")) == 1


def test_the_tick_prunes(app, specialist):
    from click.testing import CliRunner

    from tumorboard.cli import jobs_tick_command

    old = utcnow() - app.config["SESSION_RECORD_RETENTION"] - timedelta(days=1)
    browser = log_in(app.test_client(), specialist, ended_at=old, end_reason=SessionEnd.SIGNED_OUT)
    with app.app_context():
        result = CliRunner().invoke(jobs_tick_command, [], obj=None, standalone_mode=False)
    assert result.exception is None, result.output
    assert db.session.get(UserSession, browser.session_record_id) is None


# Concurrency: real threads, on PostgreSQL ------------------------------------------------------------

needs_postgres = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="concurrency is tested on PostgreSQL"
)


def _world(isolated_app, browsers: int):
    from tests import factories

    app = isolated_app()
    with app.app_context():
        user = factories.create_user(roles=[Role.SPECIALIST])
        clients = [log_in(app.test_client(), user) for _ in range(browsers)]
        return app, user.id, clients


def _count(app, action):
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def _active(app, user_id):
    with app.app_context():
        return set(
            db.session.scalars(
                select(UserSession.id).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
            )
        )


@needs_postgres
def test_two_browsers_ending_each_other_at_once_leave_one(isolated_app):
    """Each asks "end all other sessions" at the same moment: the first ends the second, which then acts
    no more (it is not left to end the first too: the user keeps one session)."""
    app, user_id, (a, b) = _world(isolated_app, 2)
    for _ in range(3):
        statuses = posts_at_once(
            [(a, "/account/sessions/end-others", {}), (b, "/account/sessions/end-others", {})]
        )
        assert 500 not in statuses and None not in statuses
        assert len(_active(app, user_id)) == 1
        assert _count(app, "auth.other_sessions_ended") >= 1
        survivor = a if _active(app, user_id) == {a.session_record_id} else b
        assert survivor.get("/").status_code == 200
        with app.app_context():
            user = db.session.get(User, user_id)
            a, b = survivor, log_in(app.test_client(), user)


@needs_postgres
def test_the_same_session_ended_twice_at_once_ends_once(isolated_app):
    app, user_id, (a, b, target) = _world(isolated_app, 3)
    url = f"/account/sessions/{target.session_record_id}/end"
    statuses = posts_at_once([(a, url, {}), (b, url, {})])
    assert statuses == [302, 302]
    assert _count(app, "auth.session_ended") == 1
    assert _active(app, user_id) == {a.session_record_id, b.session_record_id}
    assert target.get("/").status_code == 302


@needs_postgres
def test_an_admin_and_the_user_ending_at_once(isolated_app):
    from tests import factories

    app, user_id, (a, b) = _world(isolated_app, 2)
    with app.app_context():
        admin = log_in(app.test_client(), factories.create_user(roles=[Role.ADMIN]))
    statuses = posts_at_once(
        [(admin, f"/admin/users/{user_id}/sessions/end", {}), (a, "/account/sessions/end-others", {})]
    )
    assert 500 not in statuses
    assert _active(app, user_id) == set()
    assert _count(app, "user.sessions_ended") == 1
