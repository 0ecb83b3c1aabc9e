"""The chair runs a meeting in meeting mode, records and signs two decisions, and downloads a letter."""

import pytest

from tests.e2e.test_sign_in import DEMO_PASSWORD, sign_in

pytestmark = pytest.mark.e2e

PRESENT = (
    "Dr. Marco Rossi",
    "Dr. Lena Hoffmann",
    "Dr. Yusuf Demir",
    "Dr. Amira Haddad",
    "Prof. Henrik Vogel",
    "Dr. Claire Dubois",
    "Dr. Sofia Brandt",
)


def record_and_sign(page, recommendation: str, treatment: str, intent: str, responsible: str) -> None:
    page.get_by_role("button", name="Record the decision for this case").click()
    page.get_by_label("Recommendation").fill(recommendation)
    page.get_by_label("Plan item 1 treatment").select_option(treatment)
    page.get_by_label("Plan item 1 intent").select_option(intent)
    page.get_by_label("Plan item 1 responsible specialty").select_option(responsible)
    page.get_by_label("Rationale").fill("Progressive disease; SSTR-positive; guideline-concordant.")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved.").wait_for()
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign the decision").click()
    page.get_by_text("Decision signed").first.wait_for()


def test_chair_runs_the_meeting_and_signs_two_decisions(page, live_server, screenshot):
    sign_in(page, live_server, "chair@example.org")
    page.get_by_role("link", name="Meetings", exact=True).click()
    page.get_by_role("row").filter(has_text="GEP-NET board").first.get_by_role("link").click()

    page.get_by_role("link", name="Record attendance").click()
    for name in PRESENT:
        page.get_by_label(f"{name} present").check()
    page.get_by_role("button", name="Save attendance").click()
    page.get_by_text("Quorum reached.").wait_for()
    # the demo meeting is next week: the chair confirms starting it today
    page.get_by_text("start it today anyway?").wait_for()
    page.get_by_label("Yes, start it today").check()
    page.get_by_role("button", name="Start the meeting").click()
    page.get_by_text("The meeting has started.").wait_for()
    page.get_by_role("link", name="Meeting mode").click()

    record_and_sign(
        page,
        "Start lanreotide 120 mg every 28 days; PRRT at progression.",
        "SSA-LAN",
        "palliative",
        "medical_oncology",
    )
    screenshot("meeting-mode-signed")
    page.keyboard.press("Alt+ArrowRight")
    page.get_by_role("heading", name="Case 2 of 3").wait_for()
    record_and_sign(
        page,
        "Resect the primary with mesenteric lymphadenectomy; liver metastases under SSA.",
        "SURG-SEGMENT",
        "palliative",
        "surgery",
    )

    with page.expect_download() as download:
        page.get_by_role("link", name="Letter (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
