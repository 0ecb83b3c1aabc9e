"""Sign-in throttling that protects the owner: per (account, address), per address, and a long-window
ceiling per account that slows guessing from many addresses down without locking anyone out."""

import re

import pytest
import time_machine

from tests.factories import PASSWORD
from tumorboard.auth import throttle
from tumorboard.auth.roles import Role

ATTACKER, OWNER = "203.0.113.66", "10.1.2.3"


def _login(client, email, password=PASSWORD, address=OWNER):
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def _wait(response) -> int:
    """The seconds a 429 asks for: its Retry-After, which the page says in words too."""
    assert response.status_code == 429
    seconds = int(response.headers["Retry-After"])
    assert re.search(rf"Wait {seconds} seconds, then try again", response.text)
    return seconds


def test_an_attackers_failures_do_not_lock_the_owner_out(client, users):
    """The attack of issue 12: wrong passwords from one address used to lock the account everywhere."""
    email = users[Role.CHAIR].email
    for _ in range(5):
        assert _login(client, email, "a wrong guess!", ATTACKER).status_code == 422
    assert _login(client, email, "another guess!", ATTACKER).status_code == 429
    assert _login(client, email, address=OWNER).status_code == 302


def test_five_failures_from_one_address_then_it_waits_even_with_the_right_password(client, users):
    email = users[Role.SUBMITTER].email
    for _ in range(5):
        assert _login(client, email, "wrong password!", ATTACKER).status_code == 422
    waited = _wait(_login(client, email, address=ATTACKER))
    assert 0 < waited <= 15 * 60


def test_an_address_trying_many_accounts_stops_at_its_limit(client, users):
    for n in range(10):
        assert _login(client, f"someone{n}@hospital.org", "wrong password!", ATTACKER).status_code == 422
    assert _wait(_login(client, users[Role.SUBMITTER].email, address=ATTACKER)) <= 60
    assert _login(client, users[Role.SUBMITTER].email, address=OWNER).status_code == 302


def test_the_delay_doubles_past_the_ceiling_up_to_its_maximum(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_CEILING", "50 per 24 hours")
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_DELAY_BASE_SECONDS", 2)
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_DELAY_MAX_SECONDS", 300)
    with app.app_context():
        delays = [throttle.account_delay(n) for n in (0, 49, 50, 51, 52, 55, 57, 58, 500, 10**9)]
    assert delays == [0, 0, 2, 4, 8, 64, 256, 300, 300, 300]


def test_guessing_from_many_addresses_is_slowed_not_locked(app, client, users, monkeypatch):
    """Past the account's ceiling every attempt waits for the one before, whoever makes it; the owner
    waits seconds, never a lock-out, and signs in after the wait."""
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_CEILING", "4 per 24 hours")
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_DELAY_BASE_SECONDS", 10)
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_DELAY_MAX_SECONDS", 40)
    email = users[Role.CHAIR].email
    with time_machine.travel("2026-03-02 08:00:00Z", tick=False) as clock:
        for n in range(4):  # each from an address of its own: no per-address limit is reached
            assert _login(client, email, "a wrong guess!", f"198.51.100.{n}").status_code == 422
        assert _login(client, email, "one more guess", "198.51.100.9").status_code == 422
        assert _wait(_login(client, email, "too soon", "198.51.100.10")) == 10
        assert _wait(_login(client, email, address=OWNER)) == 10, "the owner waits too, seconds only"
        clock.shift(10)
        assert _login(client, email, "next guess", "198.51.100.11").status_code == 422
        assert _wait(_login(client, email, address=OWNER)) == 20, "doubled after another failure"
        clock.shift(20)
        assert _login(client, email, address=OWNER).status_code == 302


@pytest.mark.parametrize("password", [PASSWORD, "wrong password!"])
def test_successes_do_not_clear_the_accounts_long_count(app, client, users, monkeypatch, password):
    """The guesser does not start again from zero because the owner signed in in between."""
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_CEILING", "3 per 24 hours")
    email = users[Role.CHAIR].email
    for n in range(3):
        assert _login(client, email, "a wrong guess!", f"198.51.100.{n}").status_code == 422
    assert _login(client, email, address=OWNER).status_code == 302  # the first attempt past the ceiling
    client.post("/logout")
    _wait(_login(client, email, password, "198.51.100.20"))
