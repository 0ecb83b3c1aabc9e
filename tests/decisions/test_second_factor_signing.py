"""Signing a decision re-checks the second factor: a chair who has one types a current code besides the
password; a wrong or reused code is refused and audited, and the draft comes back as typed."""

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import select

from tests.auth.test_second_factor import enrolled
from tests.decisions.support import client_of
from tests.decisions.test_decision_views import form_data
from tests.factories import PASSWORD
from tumorboard.audit.models import AuditEvent
from tumorboard.auth import totp
from tumorboard.auth.second_factor import WRONG_CODE
from tumorboard.decisions import operations
from tumorboard.decisions.models import Decision
from tumorboard.errors import OperationError
from tumorboard.extensions import db


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, 15, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def _signing(draft, **extra) -> dict:
    return form_data(draft, recommendation="Typed just before signing.") | {
        "with_draft": "1",
        "password": PASSWORD,
        **extra,
    }


def _failures():
    failed = select(AuditEvent).where(AuditEvent.action == "auth.second_factor_failed")
    return db.session.scalars(failed).all()


def test_the_sign_form_asks_for_the_code_only_of_a_chair_who_has_one(app, clock, chair, draft, item):
    page = f"/decisions/{draft.id}/edit"
    assert 'name="code"' not in client_of(app, chair).get(page).text
    enrolled(chair)
    assert 'name="code"' in client_of(app, chair).get(page).text


@pytest.mark.parametrize("code", ["", "wrong", "reused"])
def test_signing_without_a_right_code_is_refused_and_keeps_the_draft(app, clock, chair, draft, item, code):
    secret, _ = enrolled(chair)
    typed = {"": "", "wrong": totp.code_at(secret, totp.current_step() + 9), "reused": ""}[code]
    if code == "reused":  # the enrolment used the step before now
        typed = totp.code_at(secret, totp.current_step() - 1)
    response = client_of(app, chair).post(f"/decisions/{draft.id}/sign", data=_signing(draft, code=typed))
    assert response.status_code == 422 and WRONG_CODE in response.text
    assert "Typed just before signing." in response.text
    db.session.expire_all()
    saved = db.session.get(Decision, draft.id)
    assert saved.status == "draft" and saved.recommendation == "Typed just before signing."
    assert [e.details for e in _failures()] == [{"for": "signing a decision"}]
    assert _failures()[0].actor_id == chair.id


def test_signing_with_the_code_signs(app, clock, chair, draft, item):
    secret, _ = enrolled(chair)
    code = totp.code_at(secret, totp.current_step())
    response = client_of(app, chair).post(f"/decisions/{draft.id}/sign", data=_signing(draft, code=code))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Decision, draft.id).status == "signed"
    assert chair.second_factor.last_step == totp.current_step()
    signed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "decision.signed")).one()
    assert signed.details["confirmed_by"] == "password+TOTP"


def test_a_wrong_password_is_refused_before_the_code_is_spent(app, clock, chair, draft, item):
    secret, _ = enrolled(chair)
    code = totp.code_at(secret, totp.current_step())
    response = client_of(app, chair).post(
        f"/decisions/{draft.id}/sign", data=_signing(draft, password="not-the-password", code=code)
    )
    assert response.status_code == 422 and "The password is not correct." in response.text
    db.session.expire_all()
    assert chair.second_factor.last_step == totp.current_step() - 1  # still good for the next try


def test_a_chair_without_a_second_factor_signs_with_the_password(app, chair, draft, item):
    response = client_of(app, chair).post(f"/decisions/{draft.id}/sign", data=_signing(draft))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Decision, draft.id).status == "signed"


def test_the_operation_refuses_without_the_code(clock, chair, draft):
    enrolled(chair)
    with pytest.raises(OperationError) as refused:
        operations.sign_decision(chair, draft, expected_version=draft.version, password=PASSWORD)
    assert refused.value.field == "code"
