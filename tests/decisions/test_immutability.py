"""A signed decision never changes: the flush-time guard refuses any ORM change to it or its plan, and no
POST route of the app changes it, whoever sends what."""

import pytest
from flask import url_for
from sqlalchemy import select

from tests.decisions.support import client_of, plan_row, save, stored
from tests.factories import PASSWORD
from tumorboard.auth.roles import Role
from tumorboard.decisions import operations
from tumorboard.decisions.models import Decision, FollowUp, PlanItem, SignedDecisionChanged
from tumorboard.extensions import db

# The flush guard ------------------------------------------------------------------------------------


def _refused(change) -> None:
    """`change` applied to the session, the flush raises, and nothing reaches the database."""
    with pytest.raises(SignedDecisionChanged):
        change()
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    "field, value",
    [
        ("recommendation", "Something else entirely."),
        ("rationale", ""),
        ("outcome", "deferred"),
        ("dissent", "Surgery first."),
        ("next_review_date", None),
        ("present_again", True),
        ("signed_by_id", None),
        ("attendees_json", "[]"),
        ("override_reason", "Changed afterwards."),
    ],
)
def test_changing_a_signed_decisions_fields_raises(signed, field, value):
    before = stored(signed.id)
    if getattr(signed, field) == value:
        value = "x"
    _refused(lambda: setattr(signed, field, value))
    assert stored(signed.id) == before


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: setattr(d.items[0], "detail", "Octreotide instead"), id="item-detail"),
        pytest.param(lambda d: setattr(d.items[1], "treatment", "PRRT-LU177"), id="item-treatment"),
        pytest.param(
            lambda d: setattr(d.items[0], "target_date", None) or setattr(d.items[0], "position", 9),
            id="item-position",
        ),
        pytest.param(lambda d: d.items.append(PlanItem(position=3, **plan_row("SURV"))), id="item-added"),
        pytest.param(
            lambda d: db.session.add(PlanItem(decision_id=d.id, position=3, **plan_row("SURV"))),
            id="item-added-by-id",
        ),
        pytest.param(lambda d: db.session.delete(d.items[1]), id="item-deleted"),
        pytest.param(lambda d: d.items.pop(), id="item-removed-from-the-plan"),
        pytest.param(lambda d: d.items.clear(), id="plan-cleared"),
        pytest.param(lambda d: db.session.delete(d), id="decision-deleted"),
        pytest.param(lambda d: setattr(d, "status", "draft"), id="back-to-draft"),
        pytest.param(
            lambda d: setattr(d, "status", "superseded") or setattr(d, "recommendation", "x"),
            id="superseded-and-changed",
        ),
    ],
)
def test_changing_a_signed_decisions_plan_raises(signed, change):
    before = stored(signed.id)
    _refused(lambda: change(signed))
    assert stored(signed.id) == before


def test_moving_a_plan_item_to_another_decision_raises(signed, specialist, meeting):
    other = operations.start_decision(specialist, meeting.items[1])
    db.session.commit()
    before = stored(signed.id)
    _refused(lambda: setattr(signed.items[0], "decision", other))
    assert stored(signed.id) == before


def test_superseding_is_the_one_change_allowed(signed):
    signed.status = "superseded"
    db.session.flush()
    db.session.expire_all()
    assert db.session.get(Decision, signed.id).status == "superseded"
    _refused(lambda: setattr(signed, "status", "signed"))


def test_drafts_change_freely(draft):
    draft.recommendation = "Changed."
    draft.items[0].detail = "Changed."
    draft.items.pop()
    db.session.flush()
    db.session.delete(draft)
    db.session.flush()


# Every POST route of the app -----------------------------------------------------------------------


def _decision_post_urls(app, decision_id: int) -> list[str]:
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "decision_id" in rule.arguments and "POST" in rule.methods:
                assert rule.arguments == {"decision_id"}, rule.rule
                urls.append(url_for(rule.endpoint, decision_id=decision_id))
    return sorted(urls)


def _everything(decision: Decision) -> dict:
    """A form that fills every field any decision form has, with changes."""
    data = {
        "version": str(decision.version),
        "outcome": "deferred",
        "recommendation": "Overwritten after signing.",
        "rationale": "Overwritten.",
        "guideline_basis": "esmo",
        "guideline_reference": "x",
        "dissent": "Overwritten.",
        "dissent_by": "Someone",
        "preference_weighing": "Overwritten.",
        "present_again": "y",
        "trial_candidate": "y",
        "trial_identifier": "NCT99999999",
        "password": PASSWORD,
        "override_reason": "Because.",
        "reason": "Amend it.",
        "status": "fully",
        "reason_text": "Done.",
    }
    for n, row in enumerate([plan_row("SURV", intent="diagnostic", responsible_specialty="radiology")]):
        data |= {f"items-{n}-{k}": v or "" for k, v in row.items()}
    return data


@pytest.mark.parametrize("role", [Role.CHAIR, Role.SPECIALIST, Role.COORDINATOR, Role.SUBMITTER])
def test_no_post_route_changes_a_signed_decision(app, users, chair, signed, role):
    urls = _decision_post_urls(app, signed.id)
    assert {u.rsplit(f"/{signed.id}", 1)[1] for u in urls} >= {
        "",
        "/autosave",
        "/sign",
        "/amend",
        "/follow-up",
    }
    before = stored(signed.id)
    client = client_of(app, users[role])
    for url in urls:
        everything = _everything(signed)
        for data in (everything, everything | {"reason": ""}, {}, {"version": str(signed.version + 1)}):
            response = client.post(url, data=data)
            assert response.status_code < 500, (url, response.status_code)
            response = client.post(url, json=data)
            assert response.status_code < 500, (url, response.status_code)
            db.session.expire_all()
            assert stored(signed.id) == before, url
    # the routes did act where they may: an amendment (a new decision), the submitter's follow-up
    amendments = db.session.scalars(select(Decision.id).where(Decision.supersedes_id == signed.id)).all()
    assert len(amendments) == (1 if role in (Role.CHAIR, Role.SPECIALIST) else 0)
    follow_ups = db.session.scalars(select(FollowUp.decision_id)).all()
    assert follow_ups == ([signed.id] if role is Role.SUBMITTER else [])


def test_no_post_route_changes_a_superseded_decision(app, users, chair, specialist, signed):
    amendment = operations.amend_decision(specialist, signed, reason="New pathology.")
    save(specialist, amendment, recommendation="Octreotide instead.")
    operations.sign_decision(chair, amendment, expected_version=amendment.version, password=PASSWORD)
    db.session.commit()
    before = stored(signed.id)
    assert before["decision"]["status"] == "superseded"
    for role in (Role.CHAIR, Role.SPECIALIST, Role.SUBMITTER):
        client = client_of(app, users[role])
        for url in _decision_post_urls(app, signed.id):
            assert client.post(url, data=_everything(signed)).status_code < 500, url
            db.session.expire_all()
            assert stored(signed.id) == before, url
