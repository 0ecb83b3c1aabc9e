"""The pages of the German board cycle (tests/e2e/test_board_cycle_in_german.py) through the test client:
each shows no tell-tale English word (tests/english_words.py) in its visible text. The data are typed in
German, as a German board types them; the clinical rules read German too, but for a signed record's
(kept as signed, marked lang="en", and skipped). Also: a German form's refusal reads German (the API's
stays English: tests/api/test_api_language.py)."""

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.cases.test_case_views import CASE_FORM
from tests.conftest import log_in
from tests.decisions.support import plan_row, save, sign
from tests.english_words import english_in, english_on, visible_texts
from tumorboard.auth.roles import Role
from tumorboard.db import utcnow
from tumorboard.decisions import operations
from tumorboard.decisions.models import Decision
from tumorboard.extensions import db
from tumorboard.meetings import operations as meeting_operations
from tumorboard.timezones import format_date

GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}
DAY = timedelta(days=1)
GERMAN_PLAN = (
    plan_row(detail="Lanreotid 120 mg alle 28 Tage"),
    plan_row(
        "SURV",
        detail="Mehrphasen-CT Abdomen alle 3 Monate",
        intent="diagnostic",
        responsible_specialty="radiology",
    ),
)
GERMAN_DECISION = {
    "recommendation": "Lanreotid 120 mg alle 28 Tage; Restaging in drei Monaten.",
    "rationale": "Gut differenzierter NET G2, SSTR-Status ausstehend.",
    "guideline_reference": "ENETS 2023, Pankreas-NET",
}


@pytest.fixture
def german_case(
    app_ctx, create_patient, create_case, create_imaging, create_lab, create_pathology, submitter, board
):
    """A man's ileal NET of 2.8 cm in the pool, typed in German: a CT, chromogranin A above the range in
    two units (the chart's note), a pathology report."""
    case = create_case(
        patient=create_patient(created_by=submitter, sex="male"),
        submitter=submitter,
        board=board,
        status="submitted",
        submitted_at=utcnow(),
        primary_site="ileum",
        extent=None,
        tumour_size_cm=2.8,
        mesenteric_mass_cm=2.5,
        clinical_question="Resektion oder Verlaufsbeobachtung?",
    )
    today = date.today()
    create_imaging(case, created_by=submitter, report_text="Hypervaskuläre Läsion im terminalen Ileum.")
    create_lab(case, created_by=submitter, sample_date=today - 40 * DAY, value=180.0, unit="ng/mL")
    create_lab(case, created_by=submitter, sample_date=today - 20 * DAY, value=150.5, unit="ng/mL")
    create_lab(
        case, created_by=submitter, sample_date=today - 5 * DAY, value=2.1, unit="nmol/L", ref_high=3.0
    )
    create_pathology(case, created_by=submitter, specimen_site="Ileum")
    return case


@pytest.fixture
def waiting_case(german_case):
    """The case the meeting fixtures (tests/decisions/conftest.py) put on the agenda: the German one."""
    return lambda: german_case


@pytest.fixture
def german_meeting(start_meeting, chair, specialist):
    """The case on the agenda of a meeting in progress (the chair's reason typed in German), with the
    specialist's draft decision in German."""
    meeting = start_meeting(cases=1, start=False)
    reason = "Die Chirurgie ist im OP."
    meeting_operations.start_meeting(
        chair, meeting, expected_version=meeting.version, override_reason=reason, confirm_early=True
    )
    decision = operations.start_decision(specialist, meeting.items[0])
    save(specialist, decision, items=GERMAN_PLAN, **GERMAN_DECISION)
    db.session.commit()
    return meeting


def _german_page(client, url: str) -> str:
    answer = client.get(url, headers=GERMAN)
    assert answer.status_code == 200, url
    assert '<html lang="de"' in answer.text
    return answer.text


def test_the_checker_finds_english_and_lets_german_names_and_codes_be():
    page = (
        '<html lang="de"><main><p>Fall 1 · GEP-NET board · Ki-67 8 % · ICD-10 C7A.012</p>'
        '<p lang="en">AJCC 8: the higher grade wins.</p><script>const the = 1;</script>'
        '<button title="Save the case">Speichern</button><p>Stadium unknown<li>Choose …</li></p>'
        "</main></html>"
    )
    assert english_on(page) == [
        "'Save' in 'Save the case'",
        "'unknown' in 'Stadium unknown'",
        "'Choose' in 'Choose …'",
    ]
    assert "AJCC 8: the higher grade wins." not in visible_texts(page)
    assert (
        english_in(["Tumorgröße 2,8 cm", "Resektion oder Verlaufsbeobachtung?", "Dr. Test Submitter 2"]) == []
    )


def test_the_submitters_pages_show_no_english(app, submitter, german_case):
    client = log_in(app.test_client(), submitter)
    case = german_case
    pages = {
        url: _german_page(client, url)
        for url in (
            "/",
            "/cases",
            "/patients",
            "/patients/new",
            f"/patients/{case.patient_id}",
            f"/patients/{case.patient_id}/cases/new",
            f"/cases/{case.id}",
            f"/cases/{case.id}/edit",
            f"/cases/{case.id}/imaging/new",
            f"/cases/{case.id}/lab/new",
            f"/cases/{case.id}/pathology/new",
        )
    }
    assert {url: english_on(page) for url, page in pages.items() if english_on(page)} == {}
    detail = pages[f"/cases/{case.id}"]
    assert "2,8\u00a0cm" in detail and "· Männlich ·" in detail
    assert "die Einheit wechselte am" in detail and "erhöht" in detail


def test_the_coordinators_and_chairs_pages_show_no_english(app, coordinator, chair, german_meeting):
    meeting, item = german_meeting, german_meeting.items[0]
    pages = {
        url: _german_page(log_in(app.test_client(), user), url)
        for user, url in (
            (coordinator, "/meetings"),
            (coordinator, f"/meetings/{meeting.id}"),
            (coordinator, f"/meetings/{meeting.id}/attendance"),
            (chair, f"/meetings/{meeting.id}"),
            (chair, f"/meetings/{meeting.id}/mode?item={item.id}"),
        )
    }
    assert {url: english_on(page) for url, page in pages.items() if english_on(page)} == {}


def test_a_german_refusal_reads_german(app, users, german_case):
    client = log_in(app.test_client(), users[Role.SUBMITTER])
    form = CASE_FORM | {"tumour_size_cm": "60", "clinical_question": "Resektion oder Verlaufsbeobachtung?"}
    refused = client.post(f"/cases/{german_case.id}/edit", data=form, headers=GERMAN)
    assert refused.status_code == 422
    assert "Tumorgröße: bitte einen Wert zwischen 0 und 50\u00a0cm angeben." in refused.text
    assert english_on(refused.text) == []


def test_an_operations_refusal_reads_german_and_writes_nothing(app, users, german_case):
    client = log_in(app.test_client(), users[Role.SUBMITTER])
    treatment = {"treatment": "SSA-LAN", "start_date": "2025-06-01", "end_date": "2025-01-01", "note": ""}
    refused = client.post(f"/cases/{german_case.id}/treatments", data=treatment, headers=GERMAN)
    assert refused.status_code == 422
    assert "Das Enddatum liegt vor dem Anfangsdatum." in refused.text
    assert english_on(refused.text) == []
    assert german_case.prior_treatments == []


def test_the_german_letter_writes_the_markers_in_german_digits(app, chair, german_meeting):
    """The letter's findings go through the hospital's formats (tumorboard.timezones): 2,1 nmol/L and
    28.11.2026 in a German letter, whatever the signing chair's screen reads."""
    decision = db.session.scalar(
        select(Decision).where(Decision.agenda_item_id == german_meeting.items[0].id)
    )
    sign(chair, decision, override_reason="Befundlage in der Konferenz besprochen.")
    db.session.commit()
    client = log_in(app.test_client(), chair)
    chosen = client.post(
        f"/decisions/{decision.id}/letter/language",
        data={"letter_language": "de", "version": decision.version},
    )
    assert chosen.status_code == 302
    letter = client.get(f"/decisions/{decision.id}/letter.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(letter.data)).pages)
    latest = format_date(date.today() - 5 * DAY, locale="de")  # the letter gives each marker's latest
    assert f"{latest} Chromogranin A (Serum): 2,1 nmol/L" in " ".join(text.split())
    assert "2.1 nmol/L" not in text
