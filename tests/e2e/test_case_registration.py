"""The demo submitter registers a case with one finding of each kind, sees grade and stage, submits it."""

import pytest

from tests.e2e.flows import NewPatient, fill_case, register_patient
from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.e2e


def test_submitter_registers_and_submits_a_case(page, live_server, screenshots):
    sign_in(page, live_server, "submitter@example.org")
    register_patient(page, NewPatient("E2E-0001", "Testperson", "Ada", "1962-07-15", "female"))
    for label in ("Primary site", "Functional status", "Hereditary syndrome"):  # nothing chosen for them
        assert page.get_by_label(label).input_value() == "", label
    assert page.get_by_label("Differentiation", exact=True).input_value() == ""
    page.get_by_label("Board", exact=True).select_option(label="GEP-NET board")
    page.get_by_label("Conference").select_option("pre_therapeutic")
    page.get_by_label("Primary site").select_option("pancreas")
    page.get_by_label("Tumour size (cm)").fill("2.5")
    page.get_by_label("Extent / depth of invasion").select_option("limited_to_pancreas")
    page.get_by_label("Regional nodes positive").fill("0")
    page.get_by_label("Differentiation", exact=True).select_option("well")
    page.get_by_label("Functional status").select_option("non_functional")
    page.get_by_label("Hereditary syndrome").select_option("none")
    page.get_by_label("Question for the board").fill("Resection or surveillance of a 2.5 cm pancreatic NET?")
    screenshots("case-form")
    page.get_by_role("button", name="Save draft case").click()
    page.get_by_text("Draft case saved.").wait_for()

    page.get_by_role("link", name="Add imaging study").click()
    page.get_by_label("Modality").select_option("ct")
    page.get_by_label("Region", exact=True).fill("Abdomen")
    page.get_by_label("Report", exact=True).fill("25 mm hypervascular lesion in the pancreatic tail.")
    page.get_by_role("button", name="Save imaging study").click()
    page.get_by_text("Imaging study added.").wait_for()

    case_url = page.url
    page.get_by_role("link", name="Add laboratory result").click()
    page.get_by_label("Marker").select_option("chromogranin_a")
    page.get_by_label("Value", exact=True).fill("150")
    page.get_by_label("Unit", exact=True).fill("ng/mL")
    page.get_by_label("Reference range to").fill("93")
    page.get_by_role("button", name="Save result").click()
    page.get_by_text("Laboratory result added.").wait_for()
    # Back to the form and the same result saved again (the trap that made a second result): refused
    page.go_back()
    page.get_by_label("Marker").select_option("chromogranin_a")
    page.get_by_label("Value", exact=True).fill("150")
    page.get_by_label("Unit", exact=True).fill("ng/mL")
    page.get_by_label("Reference range to").fill("93")
    page.get_by_role("button", name="Save result").click()
    page.get_by_text("already recorded with exactly these values").wait_for()
    page.goto(case_url)
    assert page.locator("#lab tbody tr").filter(has_text="150").count() == 1

    page.get_by_role("link", name="Add pathology report").click()
    page.get_by_label("Specimen", exact=True).select_option("eus_fna")
    page.get_by_label("Differentiation", exact=True).select_option("well")
    page.get_by_label("Ki-67 (%)").fill("8")
    page.get_by_label("Mitoses per 2 mm²").fill("3")
    page.get_by_label("Grade as reported").select_option("G2")
    page.get_by_role("button", name="Save pathology report").click()
    page.get_by_text("Pathology report added.").wait_for()

    summary = page.locator("section[aria-labelledby=summary-heading]")
    assert summary.get_by_text("G2", exact=True).first.is_visible()
    assert "T2 N0 M0" in summary.inner_text() and "stage II" in summary.inner_text()
    assert "Ki-67 3–20%" in summary.inner_text()
    screenshots("case-detail-submitter")

    page.get_by_role("link", name="Check and submit to the board").click()
    page.get_by_text("Readiness check passed").wait_for()
    submit_url = page.url
    page.get_by_role("button", name="Submit to the board").click()
    page.get_by_text("Case submitted to the GEP-NET board.").wait_for()
    assert page.locator(".badge.status-submitted").first.is_visible()

    # Back to the submit page: the case page, saying why (no 403)
    page.goto(submit_url)
    page.get_by_text("It is not a draft, so there is nothing to submit.").wait_for()
    assert page.url == submit_url.removesuffix("/submit")


def test_a_submit_page_left_open_answers_clearly(page, live_server, screenshots, axe):
    """A second tab submits the draft; the first, still on the submit page, then tries too."""
    sign_in(page, live_server, "submitter@example.org")
    register_patient(page, NewPatient("E2E-0002", "Testperson", "Bea", "1970-01-20", "female"))
    fill_case(
        page,
        site="ileum",
        question="Work-up first, or surgery?",
        differentiation="unknown",
        functional="unknown",
        hereditary="unknown",
    )
    page.get_by_role("button", name="Save draft case").click()
    page.get_by_text("Draft case saved.").wait_for()
    submit_url = page.url + "/submit"

    page.goto(submit_url)
    other = page.context.new_page()
    other.goto(submit_url)
    other.get_by_label("Reason to submit without what is missing").fill("The patient is admitted this week.")
    other.get_by_role("button", name="Submit anyway").click()
    other.get_by_text("Case submitted to the GEP-NET board.").wait_for()
    other.close()

    page.get_by_label("Reason to submit without what is missing").fill("Typed in the tab left open.")
    page.get_by_role("button", name="Submit anyway").click()
    page.get_by_text("Not sent again.").wait_for()
    assert (
        page.get_by_label("Reason to submit without what is missing").input_value()
        == "Typed in the tab left open."
    )
    assert page.get_by_role("button", name="Submit anyway").count() == 0
    axe("case-submit-left-open")
    screenshots("case-submit-left-open")
