"""Password reset by e-mail: one answer whether or not the address has an account, a signed link valid
30 minutes and once, every session ended on reset, audited; the mail a job, the token in no log."""

import logging
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from tests.conftest import job_queue, log_in
from tests.factories import PASSWORD
from tumorboard import jobs
from tumorboard.audit.models import AuditEvent
from tumorboard.auth import reset
from tumorboard.auth.operations import RESET_LINK_INVALID
from tumorboard.auth.passwords import TOO_GUESSABLE
from tumorboard.auth.roles import Role
from tumorboard.auth.views import RESET_DONE
from tumorboard.extensions import db, mail

NEW = "lantern harbour quietly north"
QUEUE_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def outbox(app):
    app.config["MAIL_SERVER"] = "mail.hospital.org"
    try:
        with mail.record_messages() as sent:
            yield sent
    finally:
        app.config["MAIL_SERVER"] = None


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _ask(client, email):
    return client.post("/password/forgot", data={"email": email})


def _link(message) -> str:
    (link,) = re.findall(r"https?://\S+", message.body)
    return link


def _path(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def _open(client, link):
    """The link as a browser follows it: the token into the session, then the page without it."""
    first = client.get(_path(link))
    assert first.status_code == 302
    return first, client.get(first.headers["Location"])


def _set(client, password=NEW, confirm=None):
    return client.post("/password/reset", data={"new_password": password, "confirm": confirm or password})


def test_the_login_page_offers_the_reset(client):
    page = client.get("/login")
    assert 'href="/password/forgot"' in page.text and "Forgot password?" in page.text
    assert "Send the link" in client.get("/password/forgot").text


def test_the_same_answer_whether_or_not_the_address_has_an_account(client, users, outbox):
    known = _ask(client, users[Role.CHAIR].email)
    known_page = client.get("/login").text
    unknown = _ask(client, "nobody@hospital.org")
    unknown_page = client.get("/login").text
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/login"

    def message(page):
        return re.search(r"If this address belongs to an account[^<]*", page).group(0)

    assert message(known_page) == message(unknown_page)
    assert [m.recipients for m in outbox] == [[users[Role.CHAIR].email]]
    events = _events("auth.password_reset_requested")
    assert [e.details["email"] for e in events] == [users[Role.CHAIR].email, "(no such account)"]
    assert [e.details["mailed"] for e in events] == [True, False]


def test_the_whole_reset_ends_every_session_and_is_audited(app, client, users, outbox):
    user = users[Role.CHAIR]
    elsewhere = log_in(app.test_client(), user)
    assert elsewhere.get("/").status_code == 200
    _ask(client, user.email.upper())
    first, page = _open(client, _link(outbox[0]))
    assert first.headers["Location"] == "/password/reset", "the page itself never has the token"
    assert page.status_code == 200 and "Choose a new password" in page.text
    done = _set(client)
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert RESET_DONE in client.get("/login").text
    assert elsewhere.get("/").status_code == 302, "the other session has ended"
    assert client.post("/login", data={"email": user.email, "password": NEW}).status_code == 302
    (event,) = _events("user.password_reset_by_link")
    assert event.actor_id == user.id and event.entity_id == str(user.id)
    assert NEW not in event.canonical()


def test_a_used_link_does_not_work_again(client, users, outbox):
    _ask(client, users[Role.CHAIR].email)
    link = _link(outbox[0])
    _open(client, link)
    assert _set(client).status_code == 302
    _, again = _open(client, link)
    assert again.status_code == 302 and again.headers["Location"] == "/password/forgot"
    assert RESET_LINK_INVALID in client.get("/password/forgot").text


@pytest.mark.parametrize(("minutes", "works"), [(29, True), (31, False)])
def test_a_link_works_for_thirty_minutes(client, users, outbox, minutes, works):
    with time_machine.travel("2026-03-02 08:00:00Z", tick=False) as clock:
        _ask(client, users[Role.CHAIR].email)
        clock.shift(minutes * 60)
        _, page = _open(client, _link(outbox[0]))
        assert page.status_code == (200 if works else 302)
        assert _set(client).headers["Location"] == ("/login" if works else "/password/forgot")


def test_an_altered_link_does_not_work(client, users, outbox):
    _ask(client, users[Role.CHAIR].email)
    link = _link(outbox[0])
    cut = len(link) - 5
    altered = link[:cut] + ("A" if link[cut] != "A" else "B") + link[cut + 1 :]
    _, page = _open(client, altered)
    assert page.headers["Location"] == "/password/forgot"
    assert _set(client).headers["Location"] == "/password/forgot"


def test_a_link_cannot_be_turned_into_another_users(app, client, users, outbox):
    chair, other = users[Role.CHAIR], users[Role.SUBMITTER]
    _ask(client, chair.email)
    token = _link(outbox[0]).split("token=")[1]
    payload = URLSafeTimedSerializer("x").loads_unsafe(token)[1]
    forged = URLSafeTimedSerializer("not our key", salt="tumorboard.password-reset").dumps(
        {**payload, "user": other.id}
    )
    _, page = _open(client, f"/password/reset?token={forged}")
    assert page.headers["Location"] == "/password/forgot"
    with app.app_context():
        assert reset.user_for_token(token) is not None
        db.session.refresh(other)
        assert reset.user_for_token(reset.make_token(other)) == other


def test_a_link_opened_in_someone_elses_session_resets_its_owner_only(app, client, users, outbox):
    chair, colleague = users[Role.CHAIR], users[Role.SPECIALIST]
    _ask(app.test_client(), chair.email)
    log_in(client, colleague)
    _open(client, _link(outbox[0]))
    assert client.get("/account").status_code == 302, "the colleague was signed out"
    assert _set(client).status_code == 302
    signed_in = app.test_client()
    assert signed_in.post("/login", data={"email": chair.email, "password": NEW}).status_code == 302
    assert signed_in.post("/logout").status_code == 302
    assert (
        app.test_client().post("/login", data={"email": colleague.email, "password": PASSWORD}).status_code
        == 302
    )


def test_a_link_stops_working_after_a_password_change(client, users, outbox):
    user = users[Role.CHAIR]
    _ask(client, user.email)
    link = _link(outbox[0])
    changed = log_in(client, user).post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": NEW, "confirm": NEW},
    )
    assert changed.status_code == 302
    _, page = _open(client, link)
    assert page.headers["Location"] == "/password/forgot"


def test_a_link_of_a_disabled_account_does_not_work(client, users, outbox):
    user = users[Role.CHAIR]
    _ask(client, user.email)
    user.active = False
    db.session.commit()
    _, page = _open(client, _link(outbox[0]))
    assert page.headers["Location"] == "/password/forgot"


def test_an_account_that_signs_in_only_at_the_provider_gets_no_link(client, users, outbox):
    """Made at its first single sign-on, it has no local password: a reset link would open a second way
    in, around the provider. The answer is the same as for any address."""
    user = users[Role.SPECIALIST]
    user.password_hash, user.oidc_issuer, user.oidc_subject = "", "https://id.hospital.org", "sub-1"
    db.session.commit()
    answer = _ask(client, user.email)
    assert answer.status_code == 302 and outbox == []
    (event,) = _events("auth.password_reset_requested")
    assert event.details["mailed"] is False


def test_the_new_password_follows_the_policy_and_the_link_stays_usable(client, users, outbox):
    user = users[Role.CHAIR]
    _ask(client, user.email)
    _open(client, _link(outbox[0]))
    for weak in ("password1234", "tumorboard-demo"):
        refused = _set(client, weak)
        assert refused.status_code == 422
    assert TOO_GUESSABLE in _set(client, "password1234").text
    assert "The passwords differ." in _set(client, NEW, "something else entirely").text
    db.session.refresh(user)
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    client.post("/logout")
    _open(client, _link(outbox[0]))
    assert _set(client).status_code == 302


def test_an_account_gets_three_mails_an_hour_and_the_same_answer_after(client, users, outbox):
    for _ in range(5):
        assert _ask(client, users[Role.CHAIR].email).headers["Location"] == "/login"
    assert len(outbox) == 3


def _ask_from(client, email, address):
    return client.post("/password/forgot", data={"email": email}, environ_base={"REMOTE_ADDR": address})


def test_one_client_address_is_limited_across_accounts_with_the_same_answer(app, client, users, outbox):
    """Per address, whatever the address typed (known or not): past RESET_LIMIT_PER_IP the answer is the
    same and no mail goes; another address is not held back by it."""
    app.config["RESET_LIMIT_PER_IP"] = "4 per hour"
    emails = [users[role].email for role in (Role.CHAIR, Role.SUBMITTER, Role.SPECIALIST)]
    asked = [*emails[:2], "nobody@example.org", emails[2], users[Role.COORDINATOR].email, emails[0]]
    pages = [_ask_from(client, email, "198.51.100.7") for email in asked]
    assert [p.headers["Location"] for p in pages] == ["/login"] * len(asked)
    assert b"If this address belongs to an account" in client.get("/login").data
    # four requests counted from this address (one of them for an unknown address): three mails
    assert sorted(m.recipients[0] for m in outbox) == sorted(emails[:3]) == sorted(asked[:2] + [asked[3]])
    events = _events("auth.password_reset_requested")
    assert [e.details["mailed"] for e in events] == [True, True, False, True, False, False]
    # the coordinator's own request from another address still gets its mail
    assert _ask_from(client, users[Role.COORDINATOR].email, "203.0.113.9").headers["Location"] == "/login"
    assert outbox[-1].recipients == [users[Role.COORDINATOR].email]


def test_the_address_limit_is_counted_in_redis(app, users, outbox):
    """The limit lives in the sign-in throttle's storage: on Redis (database 2, this suite's), shared by
    every app server, with a prefix of the run's own."""
    import uuid

    from config import TestConfig
    from tests.conftest import require_redis
    from tumorboard import create_app
    from tumorboard.extensions import limiter

    require_redis()
    redis_app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/2",
        RATELIMIT_KEY_PREFIX=f"tumorboard-test-{uuid.uuid4().hex}",
        RESET_LIMIT_PER_IP="2 per hour",
        MAIL_SERVER="mail.hospital.org",
    )
    try:
        with redis_app.app_context(), mail.record_messages() as sent:
            client = redis_app.test_client()
            for role in (Role.CHAIR, Role.SUBMITTER, Role.SPECIALIST):
                assert _ask_from(client, users[role].email, "198.51.100.8").headers["Location"] == "/login"
            assert [m.recipients[0] for m in sent] == [users[Role.CHAIR].email, users[Role.SUBMITTER].email]
            assert limiter.storage.__class__.__name__.lower().startswith("redis")
            prefix = redis_app.config["RATELIMIT_KEY_PREFIX"]
            assert any(b"reset-ip" in key for key in limiter.storage.storage.keys(f"*{prefix}*"))
    finally:
        limiter.reset()
        limiter.init_app(app)


def test_without_a_page_there_is_no_reset_form(client):
    assert client.get("/password/reset").headers["Location"] == "/password/forgot"
    assert _set(client).headers["Location"] == "/password/forgot"
    assert _ask(client, "").status_code == 422


def test_a_signed_in_user_asking_for_the_page_goes_to_the_dashboard(client, users):
    log_in(client, users[Role.CHAIR])
    assert client.get("/password/forgot").headers["Location"] == "/"


def test_the_mail_is_a_queued_job_and_the_token_is_in_no_log_and_no_queue(app, client, users, outbox, caplog):
    """Through the job queue (Redis database 13): the job holds the user's id only; the worker makes the
    token and sends the mail; no log line of the request or the worker has the token."""
    caplog.set_level(logging.DEBUG)
    with job_queue(app, QUEUE_URL) as redis, app.app_context():
        _ask(client, users[Role.CHAIR].email)
        assert outbox == [], "sent by the worker, not by the request"
        queued = b"".join(redis.dump(key) or b"" for key in redis.keys("*"))
        jobs.worker(burst=True)
    (message,) = outbox
    link = _link(message)
    token = link.split("token=")[1]
    assert token.encode() not in queued
    _open(client, link)
    assert _set(client).status_code == 302
    assert token not in caplog.text and token[:20] not in caplog.text
