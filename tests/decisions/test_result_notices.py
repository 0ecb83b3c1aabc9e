"""A result the signed record holds, corrected or withdrawn by the laboratory afterwards (HL7 OBX-11 C, D,
W): the frozen record never changes; the decision gets a notice, the board's coordinators and the signing
chair are told, and the decisions page shows what changed. A result filed after the signing, or one the
record does not hold, raises no notice."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import log_in
from tests.decisions.support import a_signed_decision
from tests.hl7.messages import hl7_date, oru
from tumorboard.auth.roles import Role
from tumorboard.cases.models import LabResult, LabStatus
from tumorboard.decisions.models import ResultChange, ResultNotice
from tumorboard.extensions import db
from tumorboard.hl7.operations import handle_message
from tumorboard.notifications.models import Notification
from tumorboard.timezones import hospital_today

INTERFACE = "lab-interface@hospital.org"


@pytest.fixture
def interface(app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "HL7_ACCOUNT", INTERFACE)
    return factories.create_user(roles=[Role.SUBMITTER], email=INTERFACE, name="HL7 interface")


def _send(control_id: str, mrn: str, value: str, status: str) -> str:
    when = hl7_date(hospital_today() - timedelta(days=2))
    obx = f"OBX|1|NM|9811-1^Chromogranin A^LN||{value}|ng/mL|0-93|H|||{status}|||{when}0730|GHH^GHH LAB"
    ack = handle_message(oru(control_id, mrn=mrn, obx=[obx]).encode())
    assert "|AA|" in ack, ack
    return ack


def _notices(decision_id: int) -> list[tuple]:
    return [
        (n.change, n.before, n.after)
        for n in db.session.scalars(select(ResultNotice).where(ResultNotice.decision_id == decision_id))
    ]


@pytest.mark.parametrize(
    ("status", "value", "change", "after"),
    [
        ("C", "128", ResultChange.CORRECTED, "128 ng/mL"),
        ("D", "", ResultChange.DELETED, ""),
        ("W", "", ResultChange.WRONG_PATIENT, ""),
    ],
)
def test_a_change_to_a_result_the_signed_record_holds_flags_the_decision(
    app, interface, specialist, chair, coordinator, item, client, status, value, change, after
):
    mrn = item.case.patient.mrn
    _send(f"SIGNED-{status}-1", mrn, "182", "F")
    decision = a_signed_decision(specialist, chair, item)
    body, digest = decision.snapshot.body, decision.snapshot.sha256
    _send(f"SIGNED-{status}-2", mrn, value, status)
    db.session.expire_all()
    assert _notices(decision.id) == [(change, "182 ng/mL", after)]
    assert (decision.snapshot.body, decision.snapshot.sha256) == (body, digest) and decision.snapshot.intact
    told = db.session.scalars(select(Notification).where(Notification.kind == "result_changed")).all()
    assert {n.user_id for n in told} == {coordinator.id, chair.id}
    assert all(
        f"case {item.case_id}" in n.message and item.case.patient.family_name not in n.message for n in told
    )
    page = log_in(client, coordinator).get(f"/cases/{item.case_id}/decisions")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert change.label in html and "shown in this signed record as 182 ng/mL" in html
    assert ("now 128 ng/mL" in html) is bool(after)
    lab = db.session.scalars(select(LabResult).where(LabResult.case_id == item.case_id)).one()
    assert lab.status is (LabStatus.CORRECTED if status == "C" else LabStatus.WITHDRAWN)


def test_a_result_the_signed_record_does_not_hold_raises_no_notice(app, interface, specialist, chair, item):
    decision = a_signed_decision(specialist, chair, item)
    mrn = item.case.patient.mrn
    other = factories.create_case(
        submitter=item.case.submitter, board=item.case.board, patient=item.case.patient, status="submitted"
    )
    _send("UNHELD-1", mrn, "182", "F")  # filed on the patient's open case only: the discussed one is closed
    _send("UNHELD-2", mrn, "128", "C")
    db.session.expire_all()
    assert [lab.status for lab in other.labs] == [LabStatus.CORRECTED]
    assert _notices(decision.id) == []
    assert db.session.scalars(select(Notification).where(Notification.kind == "result_changed")).all() == []
