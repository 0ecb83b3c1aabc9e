"""Nowhere that takes an address or a person from a user does the answer tell whether an account exists
(issue 12): sign-in (unknown, wrong password, disabled), its throttle, the password reset, the audit
log's "by" filter, and the attendance's guest (tests/meetings/test_attendance_guests.py). The admin's
user form does say that an address is taken: the admin sees every account in the user list anyway."""

import re

from tests.conftest import log_in
from tests.factories import PASSWORD
from tumorboard.auth.roles import Role


def _neutral(response, typed: str = "") -> str:
    body = re.sub(r'nonce="[^"]+"', "", response.text)
    body = re.sub(r'(name="csrf_token"[^>]*value=")[^"]+"', r"\1", body)
    return body.replace(typed, "TYPED") if typed else body


WRONG = "wrong password here"  # noqa: S105 (a wrong one, on purpose)


def _login(client, email, password=WRONG):
    return client.post("/login", data={"email": email, "password": password})


def test_sign_in_answers_alike_for_missing_wrong_and_disabled(app, users, create_user):
    disabled = create_user(active=False, email="disabled.person@hospital.org")
    answers = {
        "missing": (
            _login(app.test_client(), "nobody.here@hospital.org", PASSWORD),
            "nobody.here@hospital.org",
        ),
        "wrong": (_login(app.test_client(), users[Role.CHAIR].email), users[Role.CHAIR].email),
        "disabled": (_login(app.test_client(), disabled.email, PASSWORD), disabled.email),
    }
    assert {r.status_code for r, _ in answers.values()} == {422}
    assert len({_neutral(r, typed) for r, typed in answers.values()}) == 1


def test_the_throttle_answers_alike_for_missing_and_existing_accounts(app, users):
    existing, missing = app.test_client(), app.test_client()
    for _ in range(5):
        _login(existing, users[Role.CHAIR].email)
        _login(missing, "nobody.here@hospital.org")
    throttled = [_login(existing, users[Role.CHAIR].email), _login(missing, "nobody.here@hospital.org")]
    assert [r.status_code for r in throttled] == [429, 429]
    assert throttled[0].headers.get("Retry-After") == throttled[1].headers.get("Retry-After")
    assert _neutral(throttled[0]) == _neutral(throttled[1])


def test_the_reset_answers_alike(app, users, create_user):
    disabled = create_user(active=False, email="disabled.person@hospital.org")
    answers = []
    for email in (users[Role.CHAIR].email, "nobody.here@hospital.org", disabled.email):
        client = app.test_client()
        response = client.post("/password/forgot", data={"email": email})
        assert response.status_code == 302 and response.headers["Location"] == "/login"
        answers.append(_neutral(client.get("/login")))
    assert len(set(answers)) == 1


def test_the_audit_filter_answers_alike_for_an_address_without_account(app, users, create_user):
    quiet = create_user(email="quiet.person@hospital.org")  # an account that did nothing yet
    for role in (Role.ADMIN, Role.PRIVACY):
        reader = log_in(app.test_client(), users[role])
        missing = reader.get("/admin/audit/?actor=nobody.here@hospital.org")
        existing = reader.get(f"/admin/audit/?actor={quiet.email}")
        assert missing.status_code == existing.status_code == 200
        assert "No event matches these filters." in missing.text
        assert _neutral(missing, "nobody.here@hospital.org") == _neutral(existing, quiet.email)
