"""A laboratory result the HL7 listener could not file, as the coordinator finds it: the work list, the
result, and dismissing it with a reason (the page checks of every browser test run on each load)."""

from datetime import date, timedelta

import pytest

from tests import factories
from tests.e2e.test_sign_in import sign_in
from tests.hl7.messages import oru
from tumorboard.auth.roles import Role
from tumorboard.extensions import db
from tumorboard.hl7.operations import handle_message

pytestmark = pytest.mark.e2e


def test_the_coordinator_dismisses_an_unmatched_result(page, live_app, live_server, screenshots):
    live_app.config["HL7_ACCOUNT"] = "hl7-interface@example.org"
    with live_app.app_context():
        factories.create_user(roles=[Role.SUBMITTER], email="hl7-interface@example.org", name="HL7 interface")
        ack = handle_message(
            oru("E2E-1", mrn="UNKNOWN-42", observed=date.today() - timedelta(days=2)).encode()
        )
        assert "|AA|" in ack
        db.session.remove()
    sign_in(page, live_server, "coordinator@example.org")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Unmatched results").click()
    page.get_by_role("heading", name="Unmatched results", level=1).wait_for()
    rows = page.get_by_role("row").filter(has_text="UNKNOWN-42")
    assert rows.count() == 2
    screenshots("unmatched-results")
    rows.first.get_by_role("link").click()
    page.get_by_role("heading", name="Unmatched result", level=1).wait_for()
    assert page.get_by_text("No patient with this MRN").is_visible()
    screenshots("unmatched-result")
    page.get_by_label("Reason for dismissing").fill("A test sample of the laboratory")
    page.get_by_role("button", name="Dismiss the result").click()
    page.get_by_text("The result was dismissed.").wait_for()
    assert page.get_by_role("row").filter(has_text="UNKNOWN-42").count() == 1
