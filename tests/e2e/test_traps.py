"""Traps a new user met in the browser, each walked again: a long paste is refused whole, not cut; the
case page and the submitter's notifications carry the board's decision; the edit address of a signed
decision leads to the one "Amend" there is; a second tab that meets a 409 keeps its text."""

import re

import pytest

from tests.e2e.flows import NewPatient, register_patient
from tests.e2e.test_meeting_mode import open_meeting_mode
from tests.e2e.test_record import _open_discussed_case
from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.e2e


def test_ten_thousand_pasted_characters_come_back_whole_with_the_limit(page, live_server):
    sign_in(page, live_server, "submitter@example.org")
    register_patient(page, NewPatient("E2E-0010", "Paste", "Petra", "1959-05-04", "female"))
    page.get_by_label("Primary site").select_option("ileum")
    pasted = ("Findings of the outside hospital, pasted from its letter. " * 200)[:10_000]
    question = page.get_by_label("Question for the board")
    question.fill(pasted)  # as a paste: the browser is given no maxlength to cut it at
    assert len(question.input_value()) == 10_000
    page.get_by_role("button", name="Save draft case").click()
    page.get_by_text("The clinical question is too long (at most 4000 characters).").wait_for()
    assert len(page.get_by_label("Question for the board").input_value()) == 10_000


def test_the_signed_decision_reaches_the_case_page_and_the_submitter(page, live_server, axe):
    sign_in(page, live_server, "submitter@example.org")
    _open_discussed_case(page, live_server)
    panel = page.locator("#board-decision")
    panel.get_by_role("heading", name="The board's decision").wait_for()
    assert panel.get_by_role("link", name="Letter", exact=True).is_visible()
    assert page.locator(".timeline").get_by_text(re.compile(r"Version 1 signed by")).first.is_visible()
    axe("case page with the board's decision")
    page.get_by_role("link", name=re.compile("Notifications")).click()
    letter = page.get_by_role("link", name=re.compile("is signed: the letter is ready")).first
    letter.click()
    page.get_by_role("heading", name="Tumor board decision").wait_for()


def test_the_edit_address_of_a_signed_decision_leads_to_amend(page, live_server):
    sign_in(page, live_server, "specialist@example.org")
    _open_discussed_case(page, live_server)
    page.get_by_role("link", name="Every version").click()
    decision_id = re.search(r"/decisions/(\d+)/letter", page.content()).group(1)
    page.goto(f"{live_server}/decisions/{decision_id}/edit")
    page.get_by_text(
        "This version is signed: it is kept as it was. To change the decision, amend it."
    ).wait_for()
    page.get_by_role("heading", name="Amend this decision").wait_for()
    page.get_by_label(re.compile("Reason for the amendment")).fill(
        "Octreotide instead: lanreotide not stocked."
    )
    page.get_by_role("button", name="Start an amendment").click()
    page.get_by_text("Amendment started").wait_for()


def test_a_second_tab_that_meets_a_409_keeps_its_text(browser, page, live_server):
    open_meeting_mode(page, live_server)
    page.get_by_role("button", name="Record the decision for this case").click()
    page.get_by_label("Recommendation").fill("First tab: lanreotide.")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved.").wait_for()
    url = page.url
    other = page.context.new_page()  # the same chair, a second tab on the same draft
    other.goto(url)
    other.get_by_label("Recommendation").fill("Second tab: PRRT after restaging.")
    other.evaluate("document.getElementById('decision-form').dataset.autosaveUrl = 'about:blank'")
    page.get_by_label("Recommendation").fill("First tab, changed again.")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved.").wait_for()
    other.get_by_role("button", name="Save draft").click()
    other.get_by_text("Someone else saved this decision meanwhile").first.wait_for()
    assert other.get_by_label("Recommendation").input_value() == "Second tab: PRRT after restaging."
    assert other.locator("#conflict").get_by_text("First tab, changed again.").is_visible()
    other.get_by_role("button", name="Save draft").click()  # reapply: the second tab's text, knowingly
    other.get_by_text("Draft saved.").wait_for()
    assert other.get_by_label("Recommendation").input_value() == "Second tab: PRRT after restaging."
    other.close()
