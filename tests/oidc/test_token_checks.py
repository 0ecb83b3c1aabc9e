"""The ID token's checks, each seen refusing: tokens the test signs itself, served by a fake provider's
token endpoint and JWKS. Every refusal is a clear page (400/403, never a 500), signs nobody in and is
audited as a failed sign-in. Also: who may come in (linking, sign-up, a disabled account)."""

import time

import pytest

from tests.conftest import log_in
from tests.oidc.conftest import failed_sign_ins, signed_in
from tests.oidc.providers import new_key, query
from tumorboard.auth.models import GroupMapping, User, find_user_by_email
from tumorboard.auth.roles import Role
from tumorboard.extensions import db

EMAIL = "person@example-hospital.org"


@pytest.fixture
def mapped(app_ctx, board):
    db.session.add_all(
        [
            GroupMapping(group_name="tb-specialists", role=Role.SPECIALIST, board_id=board.id),
            GroupMapping(group_name="tb-coordinators", role=Role.COORDINATOR),
        ]
    )
    db.session.commit()


@pytest.fixture
def person(create_user, mapped):
    return create_user(roles=[Role.SUBMITTER], email=EMAIL)


def _refused(response, status: int, reason_start: str, client) -> None:
    assert response.status_code == status
    assert b"Back to the sign-in page" in response.data
    assert not signed_in(client)
    assert failed_sign_ins()[-1].details["via"] == "oidc"
    assert failed_sign_ins()[-1].details["reason"].startswith(reason_start), failed_sign_ins()[-1].details


def test_a_valid_token_signs_in_and_applies_the_groups(fake_sso_app, fake_sign_in, person, board):
    client = fake_sso_app.test_client()
    response = fake_sign_in(client, groups=["tb-specialists", "an-unmapped-group"])
    assert response.status_code == 302 and signed_in(client)
    user = db.session.get(User, person.id)
    assert user.roles == {Role.SPECIALIST} and user.board_ids == {board.id}


def test_the_code_exchange_sends_the_pkce_verifier(fake_sso_app, fake_sign_in, fake_provider, person):
    fake_sign_in(fake_sso_app.test_client(), groups=["tb-specialists"])
    sent = fake_provider.token_requests[-1]
    assert sent["grant_type"] == "authorization_code" and len(sent["code_verifier"]) >= 43


def test_a_wrong_audience_is_refused(fake_sso_app, fake_sign_in, person):
    client = fake_sso_app.test_client()
    _refused(fake_sign_in(client, aud="another-application"), 400, "invalid_claim", client)


def test_an_expired_token_is_refused(fake_sso_app, fake_sign_in, person):
    client = fake_sso_app.test_client()
    an_hour_ago = int(time.time()) - 3600
    _refused(fake_sign_in(client, iat=an_hour_ago - 300, exp=an_hour_ago), 400, "expired_token", client)


def test_a_bad_signature_is_refused(fake_sso_app, fake_sign_in, fake_provider, person):
    """Signed by another key that claims the provider's key id."""
    client = fake_sso_app.test_client()
    forger = new_key(fake_provider.keys[0].kid)
    _refused(fake_sign_in(client, key=forger), 400, "bad_signature", client)


@pytest.mark.parametrize(
    "claims, reason",
    [
        ({"iss": "https://another-provider.example.org"}, "invalid_claim"),
        ({"nonce": "a-nonce-of-another-sign-in"}, "invalid_claim"),
        ({"exp": None}, "missing_claim"),
        ({"iat": None}, "missing_claim"),
    ],
    ids=["wrong issuer", "wrong nonce", "no exp", "no iat"],
)
def test_other_broken_claims_are_refused(fake_sso_app, fake_sign_in, person, claims, reason):
    client = fake_sso_app.test_client()
    _refused(fake_sign_in(client, **claims), 400, reason, client)


def test_a_rotated_key_is_fetched_again(fake_sso_app, fake_sign_in, fake_provider, person):
    client = fake_sso_app.test_client()
    assert fake_sign_in(client, groups=["tb-specialists"]).status_code == 302
    fetched = fake_provider.jwks_requests
    old = fake_provider.keys
    fake_provider.keys = [new_key("key-after-rotation")]
    try:
        other = fake_sso_app.test_client()
        assert fake_sign_in(other, groups=["tb-specialists"]).status_code == 302
        assert signed_in(other)
        assert fake_provider.jwks_requests == fetched + 1  # the unknown kid: the keys asked for again
    finally:
        fake_provider.keys = old


def test_a_disabled_account_stays_out_with_a_valid_token(fake_sso_app, fake_sign_in, create_user, mapped):
    create_user(roles=[Role.SUBMITTER], email=EMAIL, active=False)
    client = fake_sso_app.test_client()
    response = fake_sign_in(client, groups=["tb-specialists"])
    _refused(response, 403, "account disabled", client)
    assert b"disabled" in response.data


def test_a_linked_account_is_found_by_subject_not_email(fake_sso_app, fake_sign_in, person):
    fake_sign_in(fake_sso_app.test_client(), groups=["tb-specialists"])
    client = fake_sso_app.test_client()
    # the provider changed the person's address: still the same account
    response = fake_sign_in(client, email="renamed@example-hospital.org", groups=["tb-coordinators"])
    assert response.status_code == 302
    assert db.session.get(User, person.id).roles == {Role.COORDINATOR}


def test_another_subject_with_the_linked_accounts_email_is_refused(fake_sso_app, fake_sign_in, person):
    fake_sign_in(fake_sso_app.test_client(), groups=["tb-specialists"])
    client = fake_sso_app.test_client()
    response = fake_sign_in(client, sub="someone-else", groups=["tb-specialists"])
    _refused(response, 403, "account linked to another identity", client)


def test_an_unverified_email_does_not_match_a_local_account(fake_sso_app, fake_sign_in, person):
    client = fake_sso_app.test_client()
    response = fake_sign_in(client, email_verified=False, groups=["tb-specialists"])
    _refused(response, 403, "no account", client)
    assert db.session.get(User, person.id).oidc_subject is None


def test_an_unknown_person_without_sign_up_is_told_to_ask_the_administrator(
    fake_sso_app, fake_sign_in, mapped
):
    client = fake_sso_app.test_client()
    response = fake_sign_in(client, email="new@example-hospital.org", groups=["tb-specialists"])
    _refused(response, 403, "no account, sign-up not allowed", client)
    assert b"ask your administrator" in response.data.lower()
    assert find_user_by_email("new@example-hospital.org") is None


def test_an_unknown_person_with_sign_up_gets_an_account(
    fake_sso_app, fake_sign_in, fake_provider, mapped, board
):
    fake_sso_app.config["OIDC_ALLOW_SIGNUP"] = True
    client = fake_sso_app.test_client()
    response = fake_sign_in(
        client, sub="new-subject", email="New@Example-Hospital.org", name="Dr. New", groups=["tb-specialists"]
    )
    assert response.status_code == 302 and signed_in(client)
    user = find_user_by_email("new@example-hospital.org")
    assert (user.name, user.roles, user.board_ids) == ("Dr. New", {Role.SPECIALIST}, {board.id})
    assert (user.oidc_issuer, user.oidc_subject) == (fake_provider.issuer, "new-subject")
    assert user.password_hash == ""  # no local password: only the provider signs this account in
    client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": ""}).status_code == 422


def test_sign_up_needs_a_mapped_group(fake_sso_app, fake_sign_in, mapped):
    fake_sso_app.config["OIDC_ALLOW_SIGNUP"] = True
    client = fake_sso_app.test_client()
    response = fake_sign_in(client, email="new@example-hospital.org", groups=["unmapped"])
    _refused(response, 403, "no mapped group", client)
    assert find_user_by_email("new@example-hospital.org") is None


@pytest.mark.parametrize(
    "claims, what",
    [
        ({"name": "Dr. " + "N" * 197}, b"a name"),
        ({"name": None, "preferred_username": "u" * 201}, b"a name"),
        ({"email": "a" * 234 + "@example-hospital.org"}, b"an e-mail address"),
        ({"sub": "s" * 256}, b"a subject (sub)"),
    ],
    ids=["name", "preferred_username", "email", "sub"],
)
def test_a_claim_longer_than_the_account_holds_is_refused_and_nothing_is_made(
    fake_sso_app, fake_sign_in, mapped, claims, what
):
    """Over-long input is refused, never cut: a clear page, nobody signed in, no account."""
    fake_sso_app.config["OIDC_ALLOW_SIGNUP"] = True
    before = db.session.query(User).count()
    client = fake_sso_app.test_client()
    claims = {"email": "new@example-hospital.org", "sub": "new-subject", **claims}
    response = fake_sign_in(client, groups=["tb-specialists"], **claims)
    _refused(response, 403, "claim too long", client)
    assert what in response.data and b"Nothing has been created" in response.data
    db.session.expire_all()
    assert db.session.query(User).count() == before


def test_the_longest_claims_an_account_holds_are_kept_whole(fake_sso_app, fake_sign_in, mapped):
    fake_sso_app.config["OIDC_ALLOW_SIGNUP"] = True
    email, name, sub = "a" * 233 + "@example-hospital.org", "N" * 200, "s" * 255
    assert len(email) == 254
    response = fake_sign_in(
        fake_sso_app.test_client(), email=email, name=name, sub=sub, groups=["tb-specialists"]
    )
    assert response.status_code == 302
    user = find_user_by_email(email)
    assert (user.name, user.oidc_subject) == (name, sub)


def test_an_over_long_subject_is_not_linked_to_an_existing_account(fake_sso_app, fake_sign_in, person):
    client = fake_sso_app.test_client()
    _refused(fake_sign_in(client, sub="s" * 256, groups=["tb-specialists"]), 403, "claim too long", client)
    db.session.expire_all()
    assert db.session.get(User, person.id).oidc_subject is None


def test_the_last_administrator_keeps_the_role(fake_sso_app, fake_sign_in, create_user, mapped, users):
    db.session.get(User, users[Role.ADMIN].id).active = False
    db.session.commit()
    admin = create_user(roles=[Role.ADMIN], email=EMAIL)
    response = fake_sign_in(fake_sso_app.test_client(), groups=["tb-coordinators"])
    assert response.status_code == 302
    assert db.session.get(User, admin.id).roles == {Role.ADMIN, Role.COORDINATOR}


def test_an_error_answer_from_the_provider_is_refused(fake_sso_app, start_sign_in, person):
    client = fake_sso_app.test_client()
    state = query(start_sign_in(client))["state"]
    response = client.get(f"/login/oidc/callback?error=access_denied&state={state}")
    _refused(response, 400, "access_denied", client)


def test_a_callback_without_a_sign_in_started_is_refused(fake_sso_app, person):
    client = fake_sso_app.test_client()
    _refused(client.get("/login/oidc/callback?code=x&state=y"), 400, "mismatching_state", client)


def test_an_unreachable_provider_is_a_clear_page(app, app_ctx):
    from tests.oidc.conftest import _configure
    from tests.oidc.providers import free_port

    for configured in _configure(app, f"http://127.0.0.1:{free_port()}"):
        response = configured.test_client().get("/login/oidc")
        assert response.status_code == 503
        assert b"does not answer" in response.data


def test_without_an_issuer_the_login_page_is_local_only(client):
    assert b"hospital account" not in client.get("/login").data
    assert client.get("/login/oidc").status_code == 404
    assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404


def test_with_an_issuer_the_login_page_offers_the_provider(fake_sso_app):
    page = fake_sso_app.test_client().get("/login").data
    assert b"Sign in with your hospital account" in page and b'name="password"' in page


def test_logout_after_single_sign_on_goes_to_the_providers_end_session(
    fake_sso_app, fake_sign_in, fake_provider, person
):
    client = fake_sso_app.test_client()
    fake_sign_in(client, groups=["tb-specialists"])
    target = client.post("/logout").headers["Location"]
    assert target.startswith(f"{fake_provider.issuer}/logout?")
    params = query(target)
    assert params["id_token_hint"] == fake_provider.id_token
    assert (
        params["post_logout_redirect_uri"] == "http://localhost/login" and params["client_id"] == "tumorboard"
    )
    assert not signed_in(client)


def test_a_token_too_big_for_the_cookie_logs_out_by_client_id(
    fake_sso_app, fake_sign_in, fake_provider, person
):
    client = fake_sso_app.test_client()
    many = [f"hospital-group-{n:04d}" for n in range(150)] + ["tb-specialists"]
    assert fake_sign_in(client, groups=many).status_code == 302 and signed_in(client)
    params = query(client.post("/logout").headers["Location"])
    assert "id_token_hint" not in params and params["client_id"] == "tumorboard"


def test_a_local_sign_in_logs_out_locally_only(fake_sso_app, person):
    client = log_in(fake_sso_app.test_client(), person)
    response = client.post("/logout")
    assert response.headers["Location"] == "/login"


def test_the_pages_let_the_sign_out_form_go_on_to_the_provider(fake_sso_app, fake_provider, client):
    policy = fake_sso_app.test_client().get("/login").headers["Content-Security-Policy"]
    assert f"form-action 'self' {fake_provider.issuer};" in policy


def test_without_single_sign_on_forms_go_to_the_app_only(client):
    assert "form-action 'self';" in client.get("/login").headers["Content-Security-Policy"]
