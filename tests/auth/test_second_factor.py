"""The second factor of local accounts: enrolment, the sign-in's second step (codes, drift, reuse,
expiry, throttling), recovery codes, the roles that need it, and the admin's reset."""

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.conftest import log_in
from tests.factories import PASSWORD
from tumorboard.audit.models import AuditEvent
from tumorboard.auth import oidc, second_factor, totp
from tumorboard.auth.models import RecoveryCode, SecondFactor, User
from tumorboard.auth.roles import Role
from tumorboard.extensions import db

# A moment in the middle of a 30-second step, so that a step boundary never falls inside a test.
T0 = datetime(2026, 12, 1, 9, 0, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _context(app_ctx):
    """Every test reads and writes the database between requests."""


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def required(app, monkeypatch):
    monkeypatch.setitem(app.config, "SECOND_FACTOR_ROLES", "admin,chair")


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _code(secret: str, offset: int = 0) -> str:
    return totp.code_at(secret, totp.current_step() + offset)


def enrolled(user: User, *, offset: int = -1) -> tuple[str, list[str]]:
    """Enrol `user` with a code of the step before now (so the current step's code is still unused)."""
    secret = totp.new_secret()
    codes = second_factor.enrol(user, secret=secret, code=_code(secret, offset))
    db.session.commit()
    return secret, codes


def _password(client, user):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


# Enrolment ---------------------------------------------------------------------------------------


def _shown_secret(html: str) -> str:
    return re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")


def test_enrolment_shows_a_server_drawn_qr_code_and_needs_a_right_code(app, clock, users):
    user = users[Role.SPECIALIST]
    client = log_in(app.test_client(), user)
    page = client.get("/account/second-factor")
    assert page.status_code == 200
    assert "<svg" in page.text and "QR code of your second-factor secret" in page.text
    secret = _shown_secret(page.text)
    assert _shown_secret(client.get("/account/second-factor").text) == secret  # the same on reload

    wrong = client.post("/account/second-factor", data={"code": _code(secret, 10)})
    assert wrong.status_code == 422 and "The code does not match" in wrong.text
    assert db.session.get(SecondFactor, user.id) is None
    assert client.post("/account/second-factor", data={"code": ""}).status_code == 422

    right = client.post("/account/second-factor", data={"code": _code(secret)})
    assert right.status_code == 200
    codes = re.findall(r"<li class=\"col-6 col-md-4\">([a-z2-9]{5}-[a-z2-9]{5})</li>", right.text)
    assert len(codes) == len(set(codes)) == 10
    db.session.expire_all()
    factor = db.session.get(SecondFactor, user.id)
    assert factor is not None and factor.last_step == totp.current_step()
    assert secret not in factor.secret_encrypted and totp.decrypt_secret(factor.secret_encrypted) == secret
    stored = {row.code_hash for row in factor.recovery_codes}
    assert len(stored) == 10 and not stored & set(codes)
    assert stored == {totp.recovery_hash(user.id, c) for c in codes}
    assert _events("auth.second_factor_enrolled")[-1].actor_id == user.id

    again = client.get("/account/second-factor")
    assert secret not in again.text and "totp-secret" not in again.text and codes[0] not in again.text
    assert "10 of 10 recovery codes left." in again.text
    assert client.post("/account/second-factor", data={"code": _code(secret, 1)}).status_code == 400


def test_the_enrolment_pages_need_a_signed_in_user(client):
    assert client.get("/account/second-factor").status_code == 302
    assert client.post("/account/second-factor/recovery-codes", data={"code": "x"}).status_code == 302
    assert client.get("/login/code").headers["Location"] == "/login"


def test_a_secret_stored_under_another_key_does_not_let_anyone_in(app, clock, users, monkeypatch):
    user = users[Role.SPECIALIST]
    secret, _ = enrolled(user)
    monkeypatch.setitem(app.config, "SECOND_FACTOR_KEY", "another-key-0123456789abcdef0123456789")
    assert totp.decrypt_secret(user.second_factor.secret_encrypted) is None
    with pytest.raises(second_factor.OperationError):
        second_factor.pass_second_step(user, _code(secret))


# Sign-in's second step ---------------------------------------------------------------------------


def test_a_user_with_a_second_factor_is_signed_in_only_after_the_code(client, clock, users):
    user = users[Role.SPECIALIST]
    secret, _ = enrolled(user)
    response = client.post("/login?next=/account", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login/code"
    assert not _signed_in(client)
    assert client.get("/login/code").status_code == 200

    wrong = client.post("/login/code", data={"code": _code(secret, 5)})
    assert wrong.status_code == 422 and second_factor.WRONG_CODE in wrong.text
    assert not _signed_in(client)
    assert _events("auth.second_factor_failed")[-1].details == {"for": "sign-in"}

    response = client.post("/login/code", data={"code": _code(secret)})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert _signed_in(client)
    assert _events("auth.second_factor_passed")[-1].details == {"with": "app code"}


def test_a_code_is_good_once(app, clock, users):
    user = users[Role.SPECIALIST]
    secret, _ = enrolled(user)
    first, second = app.test_client(), app.test_client()
    _password(first, user)
    _password(second, user)
    code = _code(secret)
    assert first.post("/login/code", data={"code": code}).status_code == 302
    reused = second.post("/login/code", data={"code": code})
    assert reused.status_code == 422 and second_factor.WRONG_CODE in reused.text
    # nor an older one: the step before was used at enrolment, and it is before the last used
    assert second.post("/login/code", data={"code": _code(secret, -1)}).status_code == 422
    clock.shift(timedelta(seconds=30))
    assert second.post("/login/code", data={"code": _code(secret)}).status_code == 302


@pytest.mark.parametrize(("offset", "accepted"), [(-2, False), (-1, True), (1, True), (2, False)])
def test_clock_drift_of_one_step_either_way(client, clock, users, offset, accepted):
    user = users[Role.SPECIALIST]
    secret, _ = enrolled(user)
    clock.shift(timedelta(minutes=2))  # four steps on: the enrolment's step is long past
    _password(client, user)
    response = client.post("/login/code", data={"code": _code(secret, offset)})
    assert (response.status_code == 302) is accepted
    assert _signed_in(client) is accepted


def test_the_half_signed_state_ends_after_five_minutes(client, clock, users):
    user = users[Role.SPECIALIST]
    secret, _ = enrolled(user)
    _password(client, user)
    clock.shift(timedelta(minutes=5, seconds=1))
    response = client.post("/login/code", data={"code": _code(secret)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not _signed_in(client)
    assert client.get("/login/code").headers["Location"] == "/login"  # forgotten, not just refused


def test_the_half_signed_state_ends_with_a_logout_elsewhere(app, client, clock, users):
    user = users[Role.SPECIALIST]
    secret, _ = enrolled(user)
    _password(client, user)
    second_factor.reset_second_factor(users[Role.ADMIN], user, expected_version=user.version)
    db.session.commit()
    assert client.post("/login/code", data={"code": _code(secret)}).headers["Location"] == "/login"
    assert not _signed_in(client)


def test_the_second_step_is_throttled_per_user(client, clock, users):
    user = users[Role.SPECIALIST]
    secret, _ = enrolled(user)
    _password(client, user)
    wrong = _code(secret, 5)
    for _ in range(5):
        assert client.post("/login/code", data={"code": wrong}).status_code == 422
    assert client.post("/login/code", data={"code": _code(secret)}).status_code == 429
    assert not _signed_in(client)
    assert _events("auth.second_factor_failed")[-1].details == {"for": "sign-in (throttled)"}


def test_a_user_without_a_second_factor_signs_in_with_the_password(client, users):
    response = _password(client, users[Role.SUBMITTER])
    assert response.headers["Location"] == "/" and _signed_in(client)


# Recovery codes ----------------------------------------------------------------------------------


def test_a_recovery_code_works_once(app, clock, users):
    user = users[Role.SPECIALIST]
    _, codes = enrolled(user)
    first = app.test_client()
    _password(first, user)
    response = first.post("/login/code", data={"code": codes[3].upper().replace("-", " ")})
    assert response.status_code == 302 and _signed_in(first)
    assert _events("auth.second_factor_passed")[-1].details == {"with": "recovery code"}
    assert second_factor.unused_recovery_codes(user) == 9

    second = app.test_client()
    _password(second, user)
    assert second.post("/login/code", data={"code": codes[3]}).status_code == 422
    assert second.post("/login/code", data={"code": codes[4]}).status_code == 302


def test_new_recovery_codes_void_the_old_ones(app, clock, users):
    user = users[Role.SPECIALIST]
    secret, old = enrolled(user)
    client = log_in(app.test_client(), user)
    refused = client.post("/account/second-factor/recovery-codes", data={"code": old[0][:4]})
    assert refused.status_code == 422 and second_factor.WRONG_CODE in refused.text
    response = client.post("/account/second-factor/recovery-codes", data={"code": _code(secret)})
    assert response.status_code == 200
    new = re.findall(r"<li class=\"col-6 col-md-4\">([a-z2-9]{5}-[a-z2-9]{5})</li>", response.text)
    assert len(new) == 10 and not set(new) & set(old)
    assert _events("auth.recovery_codes_renewed")[-1].actor_id == user.id
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count(RecoveryCode.id))) == 10

    other = app.test_client()
    _password(other, user)
    assert other.post("/login/code", data={"code": old[0]}).status_code == 422
    assert other.post("/login/code", data={"code": new[0]}).status_code == 302


# Roles that need a second factor -----------------------------------------------------------------


def _every_page(app):
    """One URL of each endpoint, with 1 for every argument, and the methods it answers."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        # the API's views take a bearer token, never this session (tests/api)
        if rule.endpoint in ("static", "bootstrap.static") or view.access_rule in ("public", "api token"):
            continue
        values = {
            name: sorted(getattr(converter, "items", None) or ["1"])[0]  # AnyConverter: a word of it
            for name, converter in rule._converters.items()
        }
        path = rule.build(values)[1]
        yield rule.endpoint, path, rule.methods - {"HEAD", "OPTIONS"}


def test_a_role_that_needs_it_can_do_nothing_but_enrol(app, clock, required, users):
    admin = users[Role.ADMIN]
    response = _password(app.test_client(), admin)
    assert response.status_code == 302  # signed in by the password, and sent on to enrolment
    client = log_in(app.test_client(), admin)
    checked = 0
    for endpoint, path, methods in _every_page(app):
        if endpoint in ("auth.second_factor_page", "auth.logout"):
            continue
        for method in methods:
            answer = client.open(path, method=method, data={})
            assert answer.status_code == 302, (endpoint, method, answer.status_code)
            assert answer.headers["Location"] == "/account/second-factor", (endpoint, method)
            checked += 1
    assert checked > 80
    assert client.get("/account/second-factor").status_code == 200
    assert client.post("/logout").headers["Location"] == "/login"


def test_after_enrolment_the_role_uses_the_app(app, clock, required, users):
    chair = users[Role.CHAIR]
    client = log_in(app.test_client(), chair)
    assert client.get("/").headers["Location"] == "/account/second-factor"
    secret = _shown_secret(client.get("/account/second-factor").text)
    assert client.post("/account/second-factor", data={"code": _code(secret)}).status_code == 200
    assert client.get("/").status_code == 200


def test_a_chair_signed_in_at_the_hospitals_provider_is_not_sent_to_enrol(app, required, users):
    """The second factor is for local accounts: a session the OpenID provider opened carries the
    provider's own factors (auth.oidc marks it), while the same chair by password is held up."""
    chair = users[Role.CHAIR]
    client = log_in(app.test_client(), chair)
    assert client.get("/").headers["Location"] == "/account/second-factor"
    with client.session_transaction() as browser:
        browser[oidc.SIGNED_IN_SESSION_KEY] = True
    assert client.get("/").status_code == 200


def test_other_roles_are_not_held_up(app, required, users):
    client = log_in(app.test_client(), users[Role.SUBMITTER])
    assert client.get("/").status_code == 200


def test_the_password_change_comes_before_enrolment(app, required, create_user):
    user = create_user(roles=[Role.ADMIN], must_change_password=True)
    client = log_in(app.test_client(), user)
    assert client.get("/").headers["Location"] == "/account/password"
    assert client.get("/account/password").status_code == 200


def test_the_roles_are_read_from_the_config(app, monkeypatch, users):
    monkeypatch.setitem(app.config, "SECOND_FACTOR_ROLES", " chair , privacy ")
    with app.test_request_context():
        assert totp.required_roles() == {Role.CHAIR, Role.PRIVACY}
        assert second_factor.needs_second_factor(users[Role.PRIVACY])
        assert not second_factor.needs_second_factor(users[Role.ADMIN])


# The admin's reset -------------------------------------------------------------------------------


def test_an_admin_resets_a_lost_second_factor(app, clock, users):
    user, admin = users[Role.SPECIALIST], users[Role.ADMIN]
    enrolled(user)
    victim = log_in(app.test_client(), user)
    client = log_in(app.test_client(), admin)
    page = client.get(f"/admin/users/{user.id}")
    assert "Remove the second factor" in page.text
    response = client.post(f"/admin/users/{user.id}/second-factor", data={"version": str(user.version)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(SecondFactor, user.id) is None
    assert db.session.scalar(select(db.func.count(RecoveryCode.id))) == 0
    event = _events("user.second_factor_reset")[-1]
    assert event.actor_id == admin.id and event.entity_id == str(user.id)
    assert victim.get("/").status_code == 302  # the user's sessions ended
    assert "Remove the second factor" not in client.get(f"/admin/users/{user.id}").text
    again = client.post(f"/admin/users/{user.id}/second-factor", data={"version": str(user.version)})
    assert again.status_code == 302
    assert "has no second factor" in client.get(f"/admin/users/{user.id}").text


def test_only_an_admin_resets(app, client, clock, users):
    user = users[Role.SPECIALIST]
    enrolled(user)
    path = f"/admin/users/{user.id}/second-factor"
    for role in (Role.CHAIR, Role.COORDINATOR, Role.SPECIALIST, Role.PRIVACY):
        assert log_in(app.test_client(), users[role]).post(path, data={}).status_code == 403
    assert client.post(path, data={}).status_code == 302  # anonymous: to the sign-in page
    admin = log_in(app.test_client(), users[Role.ADMIN])
    assert admin.post("/admin/users/999999/second-factor", data={}).status_code == 404
    assert admin.post(path, data={"version": str(user.version + 7)}).status_code == 409
    db.session.expire_all()
    assert db.session.get(SecondFactor, user.id) is not None


def test_codes_are_random_and_the_step_is_the_clock(clock):
    assert totp.current_step() == int(time.time()) // 30
    assert len({c for _ in range(20) for c in totp.new_recovery_codes()}) == 200


def test_the_authenticator_names_the_account_the_same_for_every_language(app):
    """The issuer labels the account in the authenticator app for good: the configured hospital name,
    else plain "TumorBoard", never a default name in the enrolling user's language."""
    from urllib.parse import parse_qs, urlsplit

    from tumorboard.auth.totp import provisioning_uri

    def issuer(headers) -> str:
        with app.test_request_context("/", headers=headers):
            uri = provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "a@example.org")
        return parse_qs(urlsplit(uri).query)["issuer"][0]

    saved = app.config["HOSPITAL_NAME"]
    try:
        app.config["HOSPITAL_NAME"] = ""
        assert issuer({"Accept-Language": "de"}) == issuer({"Accept-Language": "en"}) == "TumorBoard"
        app.config["HOSPITAL_NAME"] = "Klinikum Nord"
        assert issuer({"Accept-Language": "de"}) == "Klinikum Nord TumorBoard"
    finally:
        app.config["HOSPITAL_NAME"] = saved
