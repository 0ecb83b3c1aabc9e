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


def open_meeting_mode(page, live_server) -> None:
    """The chair records the attendance, starts the meeting and opens meeting mode."""
    sign_in(page, live_server, "chair@example.org")
    page.get_by_role("link", name="Meetings", exact=True).click()
    start_the_meeting(page)


def start_the_meeting(page) -> None:
    """From the meetings list: the GEP-NET board's next meeting, its attendance, started, meeting mode."""
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


def test_chair_runs_the_meeting_and_signs_two_decisions(page, live_server, screenshot):
    open_meeting_mode(page, live_server)

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


def test_signing_right_after_autosave_signs_what_the_chair_typed(page, live_server, axe):
    """The trap: the chair types, autosave runs, the chair signs at once. The signature must not meet a
    409 against the chair's own autosave, and what is signed is what the screen shows."""
    open_meeting_mode(page, live_server)
    page.get_by_role("button", name="Record the decision for this case").click()
    page.get_by_label("Plan item 1 treatment").select_option("SSA-LAN")
    page.get_by_label("Plan item 1 intent").select_option("palliative")
    page.get_by_label("Plan item 1 responsible specialty").select_option("medical_oncology")
    page.get_by_label("Rationale").fill("Progressive disease; SSTR-positive.")
    page.get_by_label("Recommendation").fill("Lanreotide 120 mg every 28 days.")
    page.get_by_text("Draft saved ").wait_for()  # the page's own autosave, with its real timing
    page.get_by_label("Recommendation").fill("Lanreotide 120 mg every 28 days; restage in 3 months.")
    page.wait_for_timeout(2100)  # the next autosave is on its way as the chair signs
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign the decision").click()
    page.get_by_text("Decision signed").first.wait_for()
    assert page.get_by_text("Someone else saved").count() == 0
    page.get_by_text("Lanreotide 120 mg every 28 days; restage in 3 months.").first.wait_for()
    axe("meeting-mode-signed-after-autosave")


def test_an_unfinished_plan_row_keeps_everything_typed(page, live_server):
    """The trap: a plan row without its intent used to refuse the save and reload the form from the
    database. Now the draft keeps the row, and signing names what is missing with the text still there."""
    open_meeting_mode(page, live_server)
    page.get_by_role("button", name="Record the decision for this case").click()
    page.get_by_label("Recommendation").fill("Resect the primary; SSA for the liver.")
    page.get_by_label("Plan item 1 treatment").select_option("SURG-SEGMENT")
    page.get_by_label("Plan item 1 detail").fill("Right hemicolectomy with mesenteric lymphadenectomy")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved.").wait_for()
    assert page.get_by_label("Plan item 1 detail").input_value().startswith("Right hemicolectomy")
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign the decision").click()
    page.get_by_text("Plan item 1 needs its intent and responsible specialty").wait_for()
    assert page.get_by_label("Recommendation").input_value() == "Resect the primary; SSA for the liver."
    assert page.get_by_label("Plan item 1 treatment").input_value() == "SURG-SEGMENT"


def test_meeting_mode_uses_the_projector_and_the_tablet(page, live_server, screenshot):
    """At 1920×1080 (the projector) the case summary, a marker chart and the decision are above the fold;
    at 768 px (a tablet) the page does not scroll sideways."""
    open_meeting_mode(page, live_server)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_load_state("networkidle")
    for selector in ("#summary-heading", "#decision", "figure.marker-chart"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["y"] < 1080, (selector, box)
    screenshot("meeting-mode-1920")
    page.set_viewport_size({"width": 768, "height": 1024})
    page.wait_for_timeout(200)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot("meeting-mode-768")
