"""Single sign-on against a real OpenID provider (oidc-provider on Node.js, tests/oidc/provider.mjs):
the code flow with PKCE through its own login page, the group mapping applied, a forged state and a
replayed code refused, and the logout that ends the provider's session too."""

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from tests.oidc.conftest import failed_sign_ins, signed_in
from tests.oidc.providers import POST_LOGOUT_REDIRECT_URI, query
from tumorboard.audit.models import AuditEvent
from tumorboard.auth.models import GroupMapping, find_user_by_email
from tumorboard.auth.roles import Role
from tumorboard.extensions import db

CHAIR_EMAIL = "chair.sso@example-hospital.org"


@pytest.fixture
def mapping(app_ctx, board):
    db.session.add_all(
        [
            GroupMapping(group_name="tb-chairs", role=Role.CHAIR),
            GroupMapping(group_name="tb-gep-net", role=Role.SPECIALIST, board_id=board.id),
            GroupMapping(group_name="tb-submitters", role=Role.SUBMITTER),
        ]
    )
    db.session.commit()


def _callback_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_the_authorization_request_uses_pkce_state_and_nonce(sso_app, start_sign_in):
    params = query(start_sign_in(sso_app.test_client()))
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) >= 43
    assert params["state"] and params["nonce"] and params["response_type"] == "code"
    assert set(params["scope"].split()) >= {"openid", "email", "profile"}


def test_a_person_signs_in_at_the_provider_with_the_mapped_role_and_board(
    sso_app, node_provider, start_sign_in, mapping, board, create_user
):
    create_user(roles=[Role.SUBMITTER], email=CHAIR_EMAIL, name="Dr. Chair")  # pre-created by the admin
    client = sso_app.test_client()
    back = node_provider.sign_in(start_sign_in(client), "chair.sso")
    response = client.get(_callback_path(back))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert signed_in(client)
    user = find_user_by_email(CHAIR_EMAIL)
    assert user.roles == {Role.CHAIR, Role.SPECIALIST}  # the groups' roles, not the local one
    assert user.board_ids == {board.id}
    assert (user.oidc_issuer, user.oidc_subject) == (node_provider.issuer, "chair.sso")
    login = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login")).all()[-1]
    assert login.details == {"via": "oidc"}
    assert login.changes["roles"] == [["submitter"], ["chair", "specialist"]]
    assert login.changes["oidc_subject"] == [None, "chair.sso"]


def test_a_forged_state_is_refused(sso_app, node_provider, start_sign_in, mapping, create_user):
    create_user(roles=[Role.SUBMITTER], email=CHAIR_EMAIL)
    client = sso_app.test_client()
    params = query(node_provider.sign_in(start_sign_in(client), "chair.sso"))
    response = client.get(f"/login/oidc/callback?code={params['code']}&state=forged-by-an-attacker")
    assert response.status_code == 400
    assert b"Nobody has been signed in" in response.data
    assert not signed_in(client)
    assert failed_sign_ins()[-1].details["reason"].startswith("mismatching_state")


def test_a_replayed_code_is_refused(sso_app, node_provider, start_sign_in, mapping, create_user):
    """The same callback again, with the session cookie as it was before: the state and the PKCE
    verifier match, but the provider redeems a code once."""
    create_user(roles=[Role.SUBMITTER], email=CHAIR_EMAIL)
    client = sso_app.test_client()
    back = node_provider.sign_in(start_sign_in(client), "chair.sso")
    before = client.get_cookie("tumorboard_session").value
    assert client.get(_callback_path(back)).status_code == 302
    attacker = sso_app.test_client()
    attacker.set_cookie("tumorboard_session", before, domain="localhost")
    response = attacker.get(_callback_path(back))
    assert response.status_code == 400
    assert b"Nobody has been signed in" in response.data
    assert not signed_in(attacker)
    assert failed_sign_ins()[-1].details["reason"].startswith("invalid_grant")


def test_a_person_whose_groups_map_to_no_role_is_refused(
    sso_app, node_provider, start_sign_in, mapping, create_user
):
    create_user(roles=[Role.SUBMITTER], email="nobody.sso@example-hospital.org")
    client = sso_app.test_client()
    response = client.get(_callback_path(node_provider.sign_in(start_sign_in(client), "nobody.sso")))
    assert response.status_code == 403 and b"map your group to a role" in response.data
    assert not signed_in(client)
    assert failed_sign_ins()[-1].details["reason"] == "no mapped group"
    assert find_user_by_email("nobody.sso@example-hospital.org").roles == {Role.SUBMITTER}  # unchanged


def test_logout_ends_the_providers_session_too(sso_app, node_provider, start_sign_in, mapping, create_user):
    create_user(roles=[Role.SUBMITTER], email="submitter.sso@example-hospital.org")
    client = sso_app.test_client()
    client.get(_callback_path(node_provider.sign_in(start_sign_in(client), "submitter.sso")))
    assert signed_in(client)
    response = client.post("/logout")
    assert response.status_code == 302
    target = response.headers["Location"]
    assert target.startswith(f"{node_provider.issuer}/session/end?")
    params = query(target)
    assert params["post_logout_redirect_uri"] == POST_LOGOUT_REDIRECT_URI
    assert params["id_token_hint"].count(".") == 2 and params["client_id"] == "tumorboard"
    assert not signed_in(client)
    # the provider accepts the hint and asks the person to confirm the sign-out there
    import requests

    assert requests.get(target, timeout=10).status_code == 200


def test_the_page_the_person_was_going_to_is_kept_through_the_provider(
    sso_app, node_provider, mapping, create_user
):
    create_user(roles=[Role.SUBMITTER], email="submitter.sso@example-hospital.org")
    client = sso_app.test_client()
    login_page = client.get("/login?next=/cases?page=2")
    assert b'href="/login/oidc?next=/cases?page%3D2"' in login_page.data
    start = client.get("/login/oidc?next=/cases?page%3D2")
    back = node_provider.sign_in(start.headers["Location"], "submitter.sso")
    response = client.get(_callback_path(back))
    assert response.status_code == 302 and response.headers["Location"] == "/cases?page=2"
    assert signed_in(client)


@pytest.mark.parametrize(
    "target",
    ["//evil.example.org/phish", "https://evil.example.org/", "/\\evil.example.org", "javascript:alert(1)"],
)
def test_a_next_that_leaves_the_site_goes_to_the_dashboard(
    sso_app, node_provider, mapping, create_user, target
):
    create_user(roles=[Role.SUBMITTER], email="submitter.sso@example-hospital.org")
    client = sso_app.test_client()
    start = client.get("/login/oidc", query_string={"next": target})
    assert start.status_code == 302
    back = node_provider.sign_in(start.headers["Location"], "submitter.sso")
    response = client.get(_callback_path(back))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert signed_in(client)
