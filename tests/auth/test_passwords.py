"""The password policy after NIST SP 800-63B: a length, no composition rules, no common or breached
password, nothing made of the person's own name or e-mail, never the public demo password."""

import html

import pytest

from tests.conftest import log_in
from tests.factories import PASSWORD
from tumorboard.auth import operations
from tumorboard.auth.passwords import DEMO, TOO_GUESSABLE, TOO_PERSONAL, password_problem
from tumorboard.auth.roles import Role
from tumorboard.errors import OperationError
from tumorboard.extensions import db

REFUSED = [
    ("password1234", TOO_GUESSABLE),
    ("Password123!", TOO_GUESSABLE),
    ("123456789012", TOO_GUESSABLE),
    ("qwertyuiopas", TOO_GUESSABLE),
    ("iloveyou2024", TOO_GUESSABLE),
    ("aaaaaaaaaaaaaaaa", TOO_GUESSABLE),
    ("tumorboard-demo", DEMO),
    ("  Tumorboard-Demo ", DEMO),
    ("tumorboard2024", TOO_PERSONAL),
    ("short", "The password must have at least 12 characters."),
]
ACCEPTED = [
    PASSWORD,
    "ward seven coffee machine",
    "Ileum-Tumour-Grade?Later",
    "zebra quantum lantern",  # no digit, no capital, no symbol: none is required
    "Gr8 Lunch at Nine & then Rounds",
]


@pytest.mark.parametrize(("password", "message"), REFUSED, ids=[p for p, _ in REFUSED])
def test_common_guessable_and_demo_passwords_are_refused(app_ctx, password, message):
    assert password_problem(password, email="a.kowalski@hospital.org", name="Anna Kowalski") == message


@pytest.mark.parametrize("password", ACCEPTED)
def test_long_uncommon_passwords_pass_without_composition_rules(app_ctx, password):
    assert password_problem(password, email="a.kowalski@hospital.org", name="Anna Kowalski") is None


@pytest.mark.parametrize("password", ["Kowalski2024!", "anna.kowalski1", "a.kowalski@hospital.org"])
def test_the_persons_own_name_and_email_are_refused(app_ctx, password):
    problem = password_problem(password, email="a.kowalski@hospital.org", name="Anna Kowalski")
    assert problem in (TOO_PERSONAL, "The password must not be your email address.")


def test_a_name_is_refused_only_for_its_owner(app_ctx):
    assert password_problem("Birgit Oberhauser 1975", name="Birgit Oberhauser") == TOO_PERSONAL
    assert password_problem("Birgit Oberhauser 1975", name="Anna Kowalski") is None


def test_the_demo_password_is_refused_in_every_configuration(app, app_ctx, monkeypatch):
    """Whatever DEMO_PASSWORD a site sets, the published one stays refused, and so does its own."""
    monkeypatch.setitem(app.config, "DEMO_PASSWORD", "our own demo phrase 77")
    assert password_problem("tumorboard-demo") == DEMO
    assert password_problem("our own demo phrase 77") == DEMO


def test_the_longest_accepted_password_is_judged_quickly(app_ctx):
    assert password_problem("a" * 256) == TOO_GUESSABLE
    assert password_problem("a" * 257) == "The password must have at most 256 characters."
    assert password_problem("lantern " * 32) == TOO_GUESSABLE


@pytest.mark.parametrize(("password", "message"), REFUSED[:7], ids=[p for p, _ in REFUSED[:7]])
def test_a_person_changing_their_password_gets_the_message(client, users, password, message):
    user = users[Role.SPECIALIST]
    old_hash = user.password_hash
    response = log_in(client, user).post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": password, "confirm": password},
    )
    assert response.status_code == 422
    assert html.escape(message) in response.text
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_an_admin_cannot_give_an_account_the_demo_password(app_ctx, users):
    with pytest.raises(OperationError) as refused:
        operations.create_user(
            users[Role.ADMIN],
            email="new.person@hospital.org",
            name="New Person",
            specialty="other",
            roles=["submitter"],
            password="tumorboard-demo",
        )
    assert refused.value.message == DEMO and refused.value.field == "new_password"


def test_the_operation_checks_the_name_the_form_cannot_know(app_ctx, users):
    user = users[Role.SPECIALIST]
    user.name = "Birgit Oberhauser"
    db.session.commit()
    with pytest.raises(OperationError) as refused:
        operations.change_password(user, PASSWORD, "Oberhauser1975")
    assert refused.value.message == TOO_PERSONAL
