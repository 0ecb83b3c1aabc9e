"""An account made at its first single sign-on has no local password: every place that asks a signed-in
user for their password (or sets up TumorBoard's own second factor, which guards local passwords) says why
it does not apply and changes nothing. Signing a decision goes to the provider instead
(tests/decisions/test_provider_signing.py)."""

import pytest
from sqlalchemy import select

from tests.conftest import log_in
from tumorboard.audit.models import AuditEvent
from tumorboard.auth import second_factor, totp
from tumorboard.auth.models import SecondFactor, User
from tumorboard.auth.operations import PROVIDER_ONLY_ACCOUNT, change_password
from tumorboard.auth.roles import Role
from tumorboard.errors import OperationError
from tumorboard.extensions import db

NEW = "lantern harbour quietly north"


@pytest.fixture
def provider_only(app_ctx, create_user):
    user = create_user(roles=[Role.CHAIR], email="chair.sso@example-hospital.org")
    user.password_hash, user.oidc_issuer, user.oidc_subject = "", "https://id.example-hospital.org", "c-1"
    db.session.commit()
    return user


def _text(response) -> str:
    return response.text.replace("&#39;", "'")


def _events(action: str):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_the_account_page_explains_where_the_password_is_changed(app, provider_only):
    page = _text(log_in(app.test_client(), provider_only).get("/account"))
    assert "TumorBoard keeps no password for you" in page
    assert 'name="current_password"' not in page and 'name="new_password"' not in page
    assert "asks for its own second factor" in page and "Set up the second factor" not in page


def test_a_password_change_posted_all_the_same_is_refused_and_changes_nothing(app, provider_only):
    client = log_in(app.test_client(), provider_only)
    response = client.post(
        "/account/password", data={"current_password": "", "new_password": NEW, "confirm": NEW}
    )
    assert response.status_code == 422 and PROVIDER_ONLY_ACCOUNT in _text(response)
    db.session.expire_all()
    assert db.session.get(User, provider_only.id).password_hash == ""
    assert _events("user.password_changed") == [] and _events("auth.reauthentication_failed") == []


def test_the_operation_refuses_a_password_for_a_provider_only_account(provider_only):
    with pytest.raises(OperationError, match="no TumorBoard password"):
        change_password(provider_only, "", NEW)


def test_the_second_factor_page_explains_the_providers_own(app, provider_only):
    client = log_in(app.test_client(), provider_only)
    page = client.get("/account/second-factor")
    assert page.status_code == 200 and second_factor.PROVIDER_FACTORS in _text(page)
    assert "totp-secret" not in page.text
    posted = client.post("/account/second-factor", data={"code": "123456"})
    assert posted.status_code == 422
    assert db.session.scalar(select(SecondFactor).where(SecondFactor.user_id == provider_only.id)) is None


def test_the_enrolment_operation_refuses_a_provider_only_account(provider_only):
    secret = totp.new_secret()
    with pytest.raises(OperationError, match="asks for its own second factor"):
        second_factor.enrol(provider_only, secret=secret, code=totp.code_at(secret, totp.current_step()))


def test_a_local_account_still_changes_its_password(app, create_user):
    from tests.factories import PASSWORD

    user = create_user(roles=[Role.SUBMITTER])
    client = log_in(app.test_client(), user)
    assert 'name="current_password"' in client.get("/account").text
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": NEW, "confirm": NEW}
    )
    assert response.status_code == 302
