"""Helpers the decision tests share: plan rows, drafting and signing in one call, and a snapshot of a
decision as stored (every column and every plan item), read past the session's identity map."""

from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import log_in
from tests.factories import PASSWORD
from tumorboard.decisions import operations
from tumorboard.decisions.models import Decision, PlanItem
from tumorboard.extensions import db


def plan_row(treatment: str = "SSA-LAN", **overrides) -> dict:
    return {
        "treatment": treatment,
        "detail": overrides.pop("detail", "Lanreotide autogel 120 mg every 28 days"),
        "intent": overrides.pop("intent", "palliative"),
        "responsible_specialty": overrides.pop("responsible_specialty", "medical_oncology"),
        "target_date": overrides.pop("target_date", None),
        **overrides,
    }


PLAN = (
    plan_row(),
    plan_row(
        "SURV",
        detail="Multiphase CT of the abdomen every 3 months",
        intent="diagnostic",
        responsible_specialty="radiology",
    ),
)
# PRRT without any SSTR imaging of the case: one consistency warning (prrt-without-sstr-imaging)
PRRT_PLAN = (plan_row("PRRT-LU177", detail="4 cycles of 7.4 GBq", responsible_specialty="nuclear_medicine"),)
FIELDS = {
    "outcome": "recommendation",
    "recommendation": "Start lanreotide; restage in three months.",
    "rationale": "Well-differentiated NET G2, SSTR status pending.",
    "guideline_basis": "enets",
    "guideline_reference": "ENETS 2023, pancreatic NET",
}


def save(actor, decision: Decision, items=PLAN, **fields) -> None:
    """Save the draft at its current version with the usual fields, changed by `fields`."""
    operations.save_draft(
        actor, decision, expected_version=decision.version, data=FIELDS | fields, items=list(items)
    )


def sign(chair, decision: Decision, *, password: str = PASSWORD, override_reason: str = ""):
    return operations.sign_decision(
        chair, decision, expected_version=decision.version, password=password, override_reason=override_reason
    )


def a_signed_decision(actor, chair, item, items=PLAN, override_reason: str = "", **fields) -> Decision:
    decision = operations.start_decision(actor, item)
    save(actor, decision, items=items, **fields)
    sign(chair, decision, override_reason=override_reason)
    db.session.commit()
    return decision


def stored(decision_id: int) -> dict:
    """The decision's row and its plan items as the database holds them."""
    row = db.session.execute(select(Decision.__table__).where(Decision.id == decision_id)).mappings().one()
    items = (
        db.session.execute(
            select(PlanItem.__table__).where(PlanItem.decision_id == decision_id).order_by(PlanItem.position)
        )
        .mappings()
        .all()
    )
    return {"decision": dict(row), "items": [dict(i) for i in items]}


class OwnUserClient(FlaskClient):
    """A test client whose every request loads its own user.

    While a test holds an app context (`app_ctx`), Flask reuses it for the test client's requests, and
    Flask-Login keeps the first request's user in `g`: a second client in the same test would act as the
    first one's user."""

    def open(self, *args, **kwargs):
        if has_app_context():
            g.pop("_login_user", None)
        try:
            return super().open(*args, **kwargs)
        finally:
            if has_app_context():
                g.pop("_login_user", None)


def client_of(app, user) -> FlaskClient:
    return log_in(OwnUserClient(app, app.response_class, use_cookies=True), user)
