"""The providers started once per run, and the app signed up with one of them for a test."""

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import IN_CI
from tests.oidc.providers import CLIENT_ID, CLIENT_SECRET, FakeProvider, NodeProvider, node_available, query
from tumorboard.audit.models import AuditEvent
from tumorboard.auth import oidc
from tumorboard.extensions import db


@pytest.fixture(scope="session")
def node_provider() -> Iterator[NodeProvider]:
    if not node_available():
        if IN_CI:
            pytest.fail("CI needs Node.js and `npm ci` (oidc-provider) for the single sign-on tests")
        pytest.skip("Node.js or node_modules/oidc-provider missing: run `make .venv/.installed-stamp`")
    provider = NodeProvider()
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def fake_provider() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    yield provider
    provider.stop()


def _configure(app: Flask, issuer: str, **settings) -> Iterator[Flask]:
    saved = {k: app.config[k] for k in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")}
    saved["OIDC_ALLOW_SIGNUP"] = app.config["OIDC_ALLOW_SIGNUP"]
    app.config.update(
        OIDC_ISSUER=issuer, OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET, **settings
    )
    oidc.configure(app)
    try:
        yield app
    finally:
        app.extensions.pop(oidc.CLIENT, None)
        app.config.update(saved)


@pytest.fixture
def sso_app(app, node_provider) -> Iterator[Flask]:
    """The app with single sign-on through the real provider."""
    yield from _configure(app, node_provider.issuer)


@pytest.fixture
def fake_sso_app(app, fake_provider) -> Iterator[Flask]:
    """The app with single sign-on through the fake provider (tokens the test signs)."""
    fake_provider.id_token = ""
    yield from _configure(app, fake_provider.issuer)


@pytest.fixture
def start_sign_in() -> Callable:
    """The browser asks to sign in with the provider: the authorization URL we sent it to."""

    def start(client) -> str:
        response = client.get("/login/oidc")
        assert response.status_code == 302, response.status_code
        return response.headers["Location"]

    return start


@pytest.fixture
def fake_sign_in(fake_provider, start_sign_in) -> Callable:
    """Start at /login/oidc, let the fake provider answer with an ID token of these claims, come back."""

    def sign_in(client, **claims):
        params = query(start_sign_in(client))
        fake_provider.issue(params["nonce"], **claims)
        return client.get(f"/login/oidc/callback?code=a-code&state={params['state']}")

    return sign_in


def failed_sign_ins() -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "auth.login_failed").order_by(AuditEvent.id)
        )
    )


def signed_in(client) -> bool:
    return client.get("/").status_code == 200
