"""The whole board cycle in German, at a hospital whose language is German: the submitter registers a patient
and a case with its findings and submits it, the coordinator puts it on the next meeting's agenda, the chair
records the attendance, runs the meeting, records and signs a decision, and the letter reads in German with
German dates. Every step is found by its German text (the catalogue's translation of the English msgid), so
a text left in English stops the walk; and each page the walk photographs shows no tell-tale English word
(tests/english_words.py)."""

import io
import re
from pathlib import Path

import pytest
from babel.support import Translations
from pypdf import PdfReader
from sqlalchemy import Enum, String, Text, select

from tests.e2e.test_meeting_mode import PRESENT
from tests.e2e.test_sign_in import DEMO_PASSWORD
from tests.english_words import english_on
from tumorboard.boards.models import Board
from tumorboard.cases.models import Case, ImagingStudy, LabResult, PathologyReport
from tumorboard.decisions.models import Decision, PlanItem
from tumorboard.extensions import db
from tumorboard.meetings.models import AgendaItem, Meeting

pytestmark = pytest.mark.e2e

_GERMAN = Translations.load(str(Path(__file__).resolve().parents[2] / "translations"), ["de"])
GERMAN_DAY = re.compile(r"\b\d{2}\.\d{2}\.\d{4}\b")


def de(msgid: str, **values) -> str:
    """The German the page shows for an English message (the catalogue's, not typed twice here)."""
    german = _GERMAN.gettext(msgid)
    return german % values if values else german


def typed_in_demo(app) -> set[str]:
    """The free text of the demo's boards, meetings, cases, findings and decisions (questions, reports,
    reasons, notes, and what each case was submitted without, recorded as said then), seeded in English:
    no text of the interface."""
    with app.app_context():
        columns = [
            column
            for model in (
                Board,
                Meeting,
                AgendaItem,
                Case,
                ImagingStudy,
                LabResult,
                PathologyReport,
                Decision,
                PlanItem,
            )
            for column in model.__table__.columns
            if isinstance(column.type, String | Text) and not isinstance(column.type, Enum)
        ]
        typed = {value for column in columns for value in db.session.scalars(select(column)) if value}
        # what a case was submitted without: an older record's sentence as said then (a stored message is
        # written in the reader's language, so it is not excused)
        typed |= {
            text
            for case in db.session.scalars(select(Case))
            for text in case.missing_at_submission
            if isinstance(text, str)
        }
        return {text for text in typed if " " in text}


def german_only(page, screenshots, name: str, typed: set[str]) -> None:
    """The page photographed, and its visible text without English."""
    screenshots(name)
    assert english_on(page.content(), typed) == [], f"English on the German page {name}"


def sign_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/")
    page.get_by_label(de("Email")).fill(email)
    page.get_by_label(de("Password"), exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=de("Sign in"), exact=True).click()


def sign_out(page) -> None:
    page.get_by_role("button", name=de("Sign out")).click()


def test_the_board_cycle_in_german(page, live_app, live_server, screenshots):
    live_app.config["DEFAULT_LOCALE"] = "de"  # the hospital's language: the letters' too
    page.context.set_extra_http_headers({"Accept-Language": "de-DE,de;q=0.9"})
    demo = typed_in_demo(live_app)

    # The submitter: a patient, a case, its findings, the readiness check, submitted
    sign_in(page, live_server, "submitter@example.org")
    assert page.locator("html").get_attribute("lang") == "de"
    page.get_by_role("link", name=de("Cases"), exact=True).click()
    page.get_by_role("link", name=de("Register a new case")).click()
    page.get_by_label(de("MRN"), exact=True).fill("DE-0001")
    page.get_by_label(de("Family name")).fill("Müller")
    page.get_by_label(de("Given name")).fill("Jürgen")
    page.get_by_label(de("Birth date")).fill("1958-03-09")
    page.get_by_label(de("Sex")).select_option("male")
    german_only(page, screenshots, "de-register-patient", demo)
    page.get_by_role("button", name=de("Register patient")).click()
    page.get_by_role("heading", name=de("New case")).wait_for()
    page.get_by_label(de("Board"), exact=True).select_option(label="GEP-NET board")
    page.get_by_label(de("Conference")).select_option("pre_therapeutic")
    page.get_by_label(de("Primary site")).select_option("pancreas")
    page.get_by_label(de("Tumour size (cm)")).fill(
        "2.5"
    )  # a number input: the browser shows 2,5 and sends 2.5
    page.get_by_label(de("Differentiation"), exact=True).select_option("well")
    page.get_by_label(de("Functional status")).select_option("non_functional")
    page.get_by_label(de("Hereditary syndrome")).select_option("none")
    page.get_by_label(de("Question for the board")).fill(
        "Resektion oder Verlaufsbeobachtung eines 2,5-cm-pNET?"
    )
    german_only(page, screenshots, "de-case-form", demo)
    page.get_by_role("button", name=de("Save draft case")).click()
    page.get_by_text(de("Draft case saved. Add the findings, then submit it to the board.")).wait_for()
    case_url = page.url

    page.get_by_role("link", name=de("Add imaging study")).click()
    page.get_by_label(de("Modality")).select_option("ct")
    page.get_by_label(de("Region"), exact=True).fill("Abdomen")
    page.get_by_label(de("Report"), exact=True).fill("25 mm hypervaskuläre Läsion im Pankreasschwanz.")
    page.get_by_role("button", name=de("Save imaging study")).click()
    page.get_by_text(de("Imaging study added.")).wait_for()

    page.get_by_role("link", name=de("Add laboratory result")).click()
    page.get_by_label(de("Marker")).select_option("chromogranin_a")
    page.get_by_label(de("Value"), exact=True).fill("150")
    page.get_by_label(de("Unit"), exact=True).fill("ng/mL")
    page.get_by_role("button", name=de("Save result")).click()
    page.get_by_text(de("Laboratory result added.")).wait_for()

    page.get_by_role("link", name=de("Add pathology report")).click()
    page.get_by_label(de("Specimen"), exact=True).select_option("eus_fna")
    page.get_by_label(de("Differentiation"), exact=True).select_option("well")
    page.get_by_label(de("Ki-67 (%)")).fill("8")
    page.get_by_role("button", name=de("Save pathology report")).click()
    page.get_by_text(de("Pathology report added.")).wait_for()
    page.goto(case_url)
    assert GERMAN_DAY.search(page.locator("main").inner_text()), "the case page shows German dates"
    german_only(page, screenshots, "de-case-detail", demo)

    page.get_by_role("link", name=de("Check and submit to the board")).click()
    page.get_by_role("button", name=de("Submit to the board")).click()
    page.get_by_text(de("Case submitted to the %(board)s.", board="GEP-NET board")).wait_for()
    sign_out(page)

    # The coordinator: the case from the pool onto the next meeting's agenda
    sign_in(page, live_server, "coordinator@example.org")
    page.get_by_role("link", name=de("Meetings"), exact=True).click()
    page.get_by_role("row").filter(has_text="GEP-NET board").first.get_by_role("link").click()
    page.get_by_role("heading", name=de("Waiting in the pool")).wait_for()
    page.locator("#pool tr").filter(has_text="Müller").get_by_role("button", name=de("Add")).click()
    page.locator("#agenda-table").filter(has_text="Müller").wait_for()
    german_only(page, screenshots, "de-agenda", demo)
    sign_out(page)

    # The chair: attendance, the meeting started, a decision recorded and signed
    sign_in(page, live_server, "chair@example.org")
    page.get_by_role("link", name=de("Meetings"), exact=True).click()
    page.get_by_role("row").filter(has_text="GEP-NET board").first.get_by_role("link").click()
    page.get_by_role("link", name=de("Record attendance")).click()
    for name in PRESENT:
        page.get_by_label(de("%(name)s present", name=name)).check()
    page.get_by_role("button", name=de("Save attendance")).click()
    page.get_by_text(de("Quorum reached.")).first.wait_for()
    page.get_by_label(de("Yes, start it today (the chair's confirmation is recorded)")).check()
    page.get_by_role("button", name=de("Start the meeting")).click()
    page.get_by_role("link", name=de("Meeting mode")).click()
    page.get_by_role("button", name=de("Record the decision for this case")).click()
    page.get_by_label(de("Recommendation"), exact=True).fill(
        "Lanreotid 120 mg alle 28 Tage; PRRT bei Progress."
    )
    page.get_by_label(de("Plan item %(number)s treatment", number=1)).select_option("SSA-LAN")
    page.get_by_label(de("Plan item %(number)s intent", number=1)).select_option("palliative")
    page.get_by_label(de("Plan item %(number)s responsible specialty", number=1)).select_option(
        "medical_oncology"
    )
    page.get_by_label(de("Rationale"), exact=True).fill("Progress; SSTR-positiv; leitliniengerecht.")
    page.get_by_role("button", name=de("Save draft"), exact=True).click()
    page.get_by_text(de("Draft saved.")).wait_for()
    german_only(page, screenshots, "de-meeting-mode", demo)
    page.get_by_label(de("Your password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=de("Sign the decision")).click()
    page.get_by_text(de("Decision signed.")).first.wait_for()
    german_only(page, screenshots, "de-signed", demo)

    # The letter: in the hospital's language, German dates, the board's German words
    with page.expect_download() as download:
        page.get_by_role("link", name=de("Letter (PDF)")).click()
    text = "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(Path(download.value.path()).read_bytes())).pages
    )
    assert GERMAN_DAY.search(text), text[:500]
    assert "Lanreotid 120 mg" in text
    for english in ("Recommendation", "Rationale", "Dear colleague"):
        assert english not in text, f"{english!r} left in English in the German letter"
