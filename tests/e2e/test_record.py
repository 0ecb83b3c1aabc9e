"""The record as people meet it in the browser: the submitter refers a discussed case to another board,
the coordinator sees who opened the patient's record, the data-protection officer reviews it with a
reason, and a signed letter with its fingerprint. Each page at three widths, each checked by axe-core."""

import re

import pytest

from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.e2e

DISCUSSED_PATIENT = "Baumann, Rolf"  # a demo case the GEP-NET board discussed and signed


def _open_discussed_case(page, base_url: str) -> str:
    page.goto(f"{base_url}/cases?status=discussed")
    page.get_by_role("link", name=DISCUSSED_PATIENT).first.click()
    page.get_by_role("heading", name=re.compile(DISCUSSED_PATIENT)).wait_for()
    return page.url


def test_the_submitter_refers_a_discussed_case(page, live_server, screenshots, axe):
    sign_in(page, live_server, "submitter@example.org")
    case_url = _open_discussed_case(page, live_server)
    page.get_by_role("link", name="Refer to another board").click()
    page.get_by_role("heading", name=re.compile("Refer case")).wait_for()
    screenshots("refer-form")
    axe("refer form")
    page.get_by_label("Question for that board").fill("")
    page.get_by_role("button", name="Refer: make the new case").click()
    page.get_by_text("Ask that board its question.").wait_for()  # refused, the choice kept
    page.get_by_label("Refer to").select_option(label="Thoracic NET board")
    page.get_by_label("Question for that board").fill("Lung nodule on CT: second primary or metastasis?")
    page.get_by_role("button", name="Refer: make the new case").click()
    page.get_by_text("New draft case").wait_for()
    page.get_by_text("Referred from").wait_for()
    assert page.url != case_url
    screenshots("referral-case")
    axe("referral case")
    # the original stays with its board: its edit form no longer offers another board
    page.goto(case_url)
    page.get_by_text("Referred to another board").wait_for()


def test_the_coordinator_sees_who_opened_the_record(page, live_server, screenshots, axe):
    sign_in(page, live_server, "specialist@example.org")
    _open_discussed_case(page, live_server)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "coordinator@example.org")
    _open_discussed_case(page, live_server)
    page.get_by_role("link", name="Patient", exact=True).click()
    page.get_by_role("heading", name="Who opened this patient's record").wait_for()
    assert page.get_by_role("cell", name="Dr. Amira Haddad").first.is_visible()
    screenshots("patient-access-log")
    axe("patient page with its access log")


def test_the_data_protection_officer_reviews_a_record(page, live_server, screenshots, axe):
    sign_in(page, live_server, "privacy@example.org")
    page.get_by_role("link", name="Review a patient's record").click()
    page.get_by_role("heading", name="Data protection: a patient's record").wait_for()
    axe("privacy review form")
    page.get_by_label("MRN").fill("H0100002")
    page.get_by_role("button", name="Review the record").click()
    page.get_by_text("Say why you open this patient's record.").wait_for()
    page.get_by_label("Reason for this review").fill(
        "Patient's request for access (GDPR Art. 15), ref. 2026-114."
    )
    page.get_by_role("button", name="Review the record").click()
    page.get_by_role("heading", name=re.compile(DISCUSSED_PATIENT)).wait_for()
    page.get_by_role("heading", name=re.compile("Who opened the record")).wait_for()
    screenshots("privacy-review")
    axe("privacy review")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download as CSV").click()
    assert download.value.suggested_filename.endswith("-record.csv")
    page.get_by_role("link", name="Audit log").click()
    page.get_by_text("privacy.patient_reviewed").first.wait_for()
    screenshots("audit-log-privacy")
    axe("audit log")


def test_a_signed_letter_shows_its_fingerprint(page, live_server, screenshots, axe):
    sign_in(page, live_server, "chair@example.org")
    _open_discussed_case(page, live_server)
    page.get_by_role("link", name="Board decisions").click()
    page.get_by_text("Document fingerprint (SHA-256)").first.wait_for()
    screenshots("decision-history")
    axe("decision history")
    page.get_by_role("link", name="Letter", exact=True).first.click()
    page.get_by_text("Document fingerprint").wait_for()
    screenshots("letter")
    axe("letter")
