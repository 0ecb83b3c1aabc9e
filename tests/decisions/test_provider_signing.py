"""A chair whose session the hospital's provider opened signs by signing in there again (step-up:
max_age=0, prompt=login, a fresh state, nonce and PKCE verifier), against the real provider
(oidc-provider on Node.js) and, for the claims a real provider will not send (a stale auth_time), the fake
one. Every refusal signs nothing and keeps the draft as the chair typed it; the proof is checked again by
the operation and recorded in the audit event. A local account still signs with its password."""

import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from sqlalchemy import select

from tests.decisions.support import PRRT_PLAN, client_of
from tests.decisions.test_decision_views import form_data, mode_url
from tests.factories import PASSWORD
from tests.oidc.providers import query
from tumorboard.audit.models import AuditEvent
from tumorboard.auth import oidc, step_up
from tumorboard.auth.models import User
from tumorboard.decisions import operations
from tumorboard.decisions.models import Decision
from tumorboard.errors import OperationError
from tumorboard.extensions import db

TYPED = "Typed just before confirming at the provider."


def _link(chair, issuer: str, subject: str) -> User:
    """The chair's account as a first single sign-on makes it: linked, without a local password."""
    chair.oidc_issuer, chair.oidc_subject, chair.password_hash = issuer, subject, ""
    db.session.commit()
    return chair


def _sso_client(app, user):
    """Signed in as after a single sign-on (auth.oidc.remember_sign_in)."""
    client = client_of(app, user)
    with client.session_transaction() as sess:
        sess[oidc.SIGNED_IN_SESSION_KEY] = True
    return client


def _fresh(decision_id: int) -> Decision:
    db.session.expire_all()
    return db.session.get(Decision, decision_id)


def _go_to_provider(client, draft, items=None, **extra) -> str:
    """The chair presses "Confirm with … and sign": the draft is saved, the browser goes to the provider."""
    data = form_data(draft, **({"items": items} if items else {}), recommendation=TYPED)
    response = client.post(f"/decisions/{draft.id}/sign/provider", data=data | {"with_draft": "1", **extra})
    assert response.status_code == 302, response.text[:500]
    return response.headers["Location"]


def _callback_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _sign_now(client, draft, **extra):
    decision = _fresh(draft.id)
    data = form_data(decision, recommendation=TYPED) | {"with_draft": "1", "confirmed_at_provider": "1"}
    return client.post(f"/decisions/{draft.id}/sign", data=data | extra)


def _signed_events():
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "decision.signed")).all()


def _failed_step_ups():
    failed = select(AuditEvent).where(AuditEvent.action == "auth.reauthentication_failed")
    return db.session.scalars(failed).all()


def _draft_kept(draft) -> None:
    decision = _fresh(draft.id)
    assert decision.status == "draft" and decision.recommendation == TYPED
    assert _signed_events() == []


# Against the real provider ------------------------------------------------------------------------


def test_the_sign_card_of_a_provider_session_offers_the_provider_not_a_password(sso_app, chair, draft):
    _link(chair, sso_app.config["OIDC_ISSUER"], "chair.sso")
    page = _sso_client(sso_app, chair).get(mode_url(draft.agenda_item)).text
    assert "Confirm with your hospital account and sign" in page
    assert 'name="password"' not in page


def test_a_chair_signs_after_signing_in_again_at_the_provider(sso_app, node_provider, chair, draft, item):
    _link(chair, node_provider.issuer, "chair.sso")
    client = _sso_client(sso_app, chair)
    asked_at = int(time.time())
    authorization = _go_to_provider(client, draft)
    params = query(authorization)
    assert authorization.startswith(f"{node_provider.issuer}/")
    assert params["max_age"] == "0" and params["prompt"] == "login"
    assert params["state"] and params["nonce"] and params["code_challenge_method"] == "S256"
    saved = _fresh(draft.id)
    assert saved.recommendation == TYPED and saved.status == "draft"  # saved before leaving

    back = client.get(_callback_path(node_provider.sign_in(authorization, "chair.sso")))
    assert back.status_code == 302 and back.headers["Location"] == mode_url(item) + "#sign-card"
    page = client.get(mode_url(item)).text
    assert "Sign now" in page and "confirmed you at" in page and 'name="password"' not in page

    response = _sign_now(client, draft)
    assert response.status_code == 302
    decision = _fresh(draft.id)
    assert decision.status == "signed" and decision.recommendation == TYPED
    (signed,) = _signed_events()
    assert signed.actor_id == chair.id
    assert signed.details["confirmed_by"] == "provider re-authentication"
    assert signed.details["auth_time"] >= asked_at - step_up.STEP_UP_CLOCK_SKEW
    # the proof was used up: nothing left to sign with
    assert "Sign now" not in client.get(mode_url(item)).text


def test_the_override_reason_typed_before_the_provider_comes_back(sso_app, node_provider, chair, draft, item):
    _link(chair, node_provider.issuer, "chair.sso")
    client = _sso_client(sso_app, chair)
    reason = "SSTR PET/CT from the referring hospital is positive."
    authorization = _go_to_provider(client, draft, items=PRRT_PLAN, override_reason=reason)
    client.get(_callback_path(node_provider.sign_in(authorization, "chair.sso")))
    assert reason in client.get(mode_url(item)).text
    decision = _fresh(draft.id)
    data = form_data(decision, items=PRRT_PLAN, recommendation=TYPED)
    response = client.post(
        f"/decisions/{draft.id}/sign",
        data=data | {"with_draft": "1", "confirmed_at_provider": "1", "override_reason": reason},
    )
    assert response.status_code == 302
    assert _fresh(draft.id).override_reason == reason


def test_another_person_signing_in_at_the_provider_is_refused(sso_app, node_provider, chair, draft, item):
    _link(chair, node_provider.issuer, "chair.sso")
    client = _sso_client(sso_app, chair)
    authorization = _go_to_provider(client, draft)
    response = client.get(_callback_path(node_provider.sign_in(authorization, "submitter.sso")))
    assert response.status_code == 403
    assert "Someone else signed in" in response.text and "nothing has been signed" in response.text
    assert "your draft is kept" in response.text
    _draft_kept(draft)
    assert [e.details for e in _failed_step_ups()] == [{"via": "oidc", "reason": "another identity"}]
    page = client.get(mode_url(item))
    assert page.status_code == 200 and "Sign now" not in page.text  # still the chair, and no proof
    assert _sign_now(client, draft).status_code == 422
    _draft_kept(draft)


def test_a_forged_state_is_refused(sso_app, node_provider, chair, draft):
    _link(chair, node_provider.issuer, "chair.sso")
    client = _sso_client(sso_app, chair)
    params = query(node_provider.sign_in(_go_to_provider(client, draft), "chair.sso"))
    response = client.get(f"/login/oidc/callback?code={params['code']}&state=forged-by-an-attacker")
    assert response.status_code == 400 and "Nothing has been signed" in response.text
    _draft_kept(draft)
    assert _failed_step_ups()[-1].details["reason"].startswith("mismatching_state")
    assert _sign_now(client, draft).status_code == 422
    _draft_kept(draft)


def test_a_replayed_answer_is_refused(sso_app, node_provider, chair, draft, item):
    """The provider's answer again, with the session cookie as it was before it: state and verifier
    match, but the provider redeems a code once; and the proof is not in that cookie."""
    _link(chair, node_provider.issuer, "chair.sso")
    client = _sso_client(sso_app, chair)
    back = node_provider.sign_in(_go_to_provider(client, draft), "chair.sso")
    before = client.get_cookie("tumorboard_session").value
    assert client.get(_callback_path(back)).status_code == 302
    replay = client_of(sso_app, chair)
    replay.set_cookie("tumorboard_session", before, domain="localhost")
    response = replay.get(_callback_path(back))
    assert response.status_code == 400 and "Nothing has been signed" in response.text
    assert _failed_step_ups()[-1].details["reason"].startswith("invalid_grant")
    assert _sign_now(replay, draft).status_code == 422
    _draft_kept(draft)


def test_an_amendment_is_signed_through_the_provider(sso_app, node_provider, chair, specialist, signed):
    _link(chair, node_provider.issuer, "chair.sso")
    amendment = operations.amend_decision(specialist, signed, reason="The SSTR PET/CT came back.")
    db.session.commit()
    client = _sso_client(sso_app, chair)
    assert "Confirm with your hospital account and sign" in client.get(f"/decisions/{amendment.id}/edit").text
    authorization = _go_to_provider(client, amendment)
    assert client.get(_callback_path(node_provider.sign_in(authorization, "chair.sso"))).status_code == 302
    assert _sign_now(client, amendment).status_code == 302
    assert _fresh(amendment.id).status == "signed"
    assert _signed_events()[-1].details["confirmed_by"] == "provider re-authentication"


# The claims a real provider does not send wrong: the fake provider signs them ----------------------


def _fake_round_trip(client, provider, draft, **claims):
    params = query(_go_to_provider(client, draft))
    provider.issue(params["nonce"], **claims)
    return client.get(f"/login/oidc/callback?code=a-code&state={params['state']}")


@pytest.mark.parametrize(
    "auth_time, reason",
    [(-3600, "auth_time older than the request"), (None, "no auth_time")],
    ids=["an-hour-old", "missing"],
)
def test_a_provider_that_did_not_sign_the_chair_in_again_is_refused(
    fake_sso_app, fake_provider, chair, draft, auth_time, reason
):
    _link(chair, fake_provider.issuer, "subject-1")
    client = _sso_client(fake_sso_app, chair)
    claims = {"auth_time": None if auth_time is None else int(time.time()) + auth_time}
    response = _fake_round_trip(client, fake_provider, draft, **claims)
    assert response.status_code == 403 and "Nothing has been signed" in response.text
    assert "Back to your draft" in response.text
    assert _failed_step_ups()[-1].details["reason"] == reason
    assert _sign_now(client, draft).status_code == 422
    _draft_kept(draft)


def test_a_fresh_auth_time_from_the_fake_provider_passes(fake_sso_app, fake_provider, chair, draft):
    _link(chair, fake_provider.issuer, "subject-1")
    client = _sso_client(fake_sso_app, chair)
    response = _fake_round_trip(client, fake_provider, draft, auth_time=int(time.time()))
    assert response.status_code == 302
    assert _sign_now(client, draft).status_code == 302
    assert _fresh(draft.id).status == "signed"


def test_a_proof_past_its_minutes_signs_nothing(fake_sso_app, fake_provider, chair, draft):
    _link(chair, fake_provider.issuer, "subject-1")
    client = _sso_client(fake_sso_app, chair)
    assert _fake_round_trip(client, fake_provider, draft, auth_time=int(time.time())).status_code == 302
    later = timedelta(seconds=fake_sso_app.config["STEP_UP_VALID_SECONDS"] + 30)
    with time_machine.travel(later, tick=False):
        response = _sign_now(client, draft)
    assert response.status_code == 422
    assert "no longer valid" in response.text and TYPED in response.text
    _draft_kept(draft)


def test_a_callback_without_a_pending_step_up_signs_nothing(fake_sso_app, chair, draft):
    _link(chair, fake_sso_app.config["OIDC_ISSUER"], "subject-1")
    client = _sso_client(fake_sso_app, chair)
    response = client.get("/login/oidc/callback?code=x&state=y")
    assert response.status_code == 400
    assert client.get("/").status_code == 200  # still signed in as the chair
    assert _sign_now(client, draft).status_code == 422
    assert _fresh(draft.id).status == "draft"


# The operation checks the proof itself ----------------------------------------------------------


def _proof(chair, draft, **overrides) -> step_up.Proof:
    values = {
        "user_id": chair.id,
        "issuer": chair.oidc_issuer,
        "subject": chair.oidc_subject,
        "auth_time": int(time.time()),
        "purpose": operations.signing_purpose(draft),
    }
    return step_up.Proof(**(values | overrides))


@pytest.mark.parametrize(
    "overrides",
    [
        {"purpose": "sign decision 999999"},
        {"subject": "another-person"},
        {"issuer": "https://another-provider.example.org"},
        {"auth_time": int(time.time()) - 3600},
        {"user_id": 999999},
    ],
    ids=["another-decision", "another-subject", "another-issuer", "stale", "another-user"],
)
def test_the_operation_refuses_a_proof_that_does_not_fit(fake_sso_app, chair, draft, overrides):
    _link(chair, fake_sso_app.config["OIDC_ISSUER"], "subject-1")
    with pytest.raises(OperationError) as refused:
        operations.sign_decision(
            chair, draft, expected_version=draft.version, proof=_proof(chair, draft, **overrides)
        )
    assert refused.value.field == "step_up"
    db.session.rollback()
    assert _fresh(draft.id).status == "draft"


def test_the_operation_signs_with_a_fitting_proof_and_records_it(fake_sso_app, chair, draft):
    _link(chair, fake_sso_app.config["OIDC_ISSUER"], "subject-1")
    proof = _proof(chair, draft)
    operations.sign_decision(chair, draft, expected_version=draft.version, proof=proof)
    db.session.commit()
    (signed,) = _signed_events()
    assert signed.details["confirmed_by"] == "provider re-authentication"
    assert signed.details["auth_time"] == proof.auth_time


def test_a_provider_only_account_is_told_to_confirm_at_the_provider(fake_sso_app, chair, draft, item):
    """A password typed all the same (a form from before, a script): refused clearly, the draft kept."""
    _link(chair, fake_sso_app.config["OIDC_ISSUER"], "subject-1")
    client = _sso_client(fake_sso_app, chair)
    data = form_data(draft, recommendation=TYPED) | {"with_draft": "1", "password": PASSWORD}
    response = client.post(f"/decisions/{draft.id}/sign", data=data)
    assert response.status_code == 422 and step_up.PROVIDER_ONLY in response.text.replace("&#39;", "'")
    _draft_kept(draft)


def test_a_local_account_still_signs_with_its_password(app, chair, draft, item):
    page = client_of(app, chair).get(mode_url(item)).text
    assert 'name="password"' in page and "Confirm with" not in page
    data = form_data(draft, recommendation=TYPED) | {"with_draft": "1", "password": PASSWORD}
    assert client_of(app, chair).post(f"/decisions/{draft.id}/sign", data=data).status_code == 302
    assert _signed_events()[-1].details["confirmed_by"] == "password"


def test_the_provider_button_is_refused_to_a_session_the_provider_did_not_open(app, chair, draft):
    response = client_of(app, chair).post(
        f"/decisions/{draft.id}/sign/provider", data=form_data(draft) | {"with_draft": "1"}
    )
    assert response.status_code == 400
    assert _fresh(draft.id).status == "draft"


def test_signing_through_the_provider_needs_the_chair(fake_sso_app, specialist, draft):
    _link(specialist, fake_sso_app.config["OIDC_ISSUER"], "subject-1")
    response = _sso_client(fake_sso_app, specialist).post(
        f"/decisions/{draft.id}/sign/provider", data=form_data(draft) | {"with_draft": "1"}
    )
    assert response.status_code == 403


def test_signing_through_the_provider_needs_a_sign_in(app, draft):
    response = app.test_client().post(f"/decisions/{draft.id}/sign/provider", data={})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_unknown_decision_is_a_404(fake_sso_app, chair):
    _link(chair, fake_sso_app.config["OIDC_ISSUER"], "subject-1")
    response = _sso_client(fake_sso_app, chair).post("/decisions/999999/sign/provider", data={})
    assert response.status_code == 404


def test_another_boards_chair_gets_a_404(fake_sso_app, outsider, draft):
    _link(outsider, fake_sso_app.config["OIDC_ISSUER"], "subject-1")
    response = _sso_client(fake_sso_app, outsider).post(
        f"/decisions/{draft.id}/sign/provider", data=form_data(draft) | {"with_draft": "1"}
    )
    assert response.status_code == 404
