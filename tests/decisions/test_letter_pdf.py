"""The decision letter (PDF): what it says, that names in any script survive, that long texts flow on.

No app needed; the sample decision here is also the FHIR tests' input.
"""

import dataclasses
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.support import Translations
from pypdf import PdfReader

from tumorboard.documents.base import Language
from tumorboard.documents.decision import Attendee, DecisionDocument, PlanLine
from tumorboard.documents.letter import decision_letter_pdf
from tumorboard.i18n import TRANSLATIONS_DIR

BERLIN = ZoneInfo("Europe/Berlin")
GENERATED = datetime(2026, 11, 19, 9, 30, tzinfo=BERLIN)

PLAN = (
    PlanLine(
        treatment_code="SSA-LAN",
        treatment_label="Somatostatin analogue: lanreotide",
        detail="Lanreotide autogel 120 mg s.c. every 28 days",
        intent="Palliative",
        responsible="Medical oncology",
        target_date=date(2026, 12, 1),
    ),
    PlanLine(
        treatment_code="PRRT-LU177",
        treatment_label="Nuclear medicine: ¹⁷⁷Lu-DOTATATE PRRT",
        detail="4 cycles of 7.4 GBq at progression under lanreotide; dosimetry after cycle 1",
        intent="Palliative",
        responsible="Nuclear medicine",
        target_date=None,
    ),
    PlanLine(
        treatment_code="SURV",
        treatment_label="Watchful waiting / surveillance imaging",
        detail="Multiphase CT of the abdomen every 3 months; chromogranin A with each scan",
        intent="Diagnostic",
        responsible="Radiology",
        target_date=date(2027, 2, 15),
    ),
)

ATTENDEES = (
    Attendee("Dr. Anna Schmidt", "Medical oncology"),
    Attendee("Prof. Jürgen Böhm", "Surgery"),
    Attendee("Dr. Lucía García", "Nuclear medicine"),
    Attendee("Dr. Tomasz Nowak", "Radiology"),
    Attendee("Dr. Ines Wolf", "Medical oncology"),
    Attendee("Dr. Karin Lang", "Pathology"),
)


def a_document(**overrides) -> DecisionDocument:
    values = {
        "hospital": "Universitätsklinikum Musterstadt",
        "letterhead_lines": (
            "Zentrum für Neuroendokrine Tumoren (ENETS Centre of Excellence)",
            "Klinikstraße 1, 12345 Musterstadt",
            "Tel. +49 30 1234-5678 · net-board@uk-musterstadt.example",
        ),
        "decision_id": 412,
        "version_no": 1,
        "supersedes_version": None,
        "amendment_reason": "",
        "board_name": "GEP-NET tumor board",
        "meeting_at": datetime(2026, 11, 18, 16, 0, tzinfo=BERLIN),
        "signed_at": datetime(2026, 11, 18, 17, 42, tzinfo=BERLIN),
        "signed_by": "Prof. Dr. Helga Müller (chair)",
        "patient_name": "Müller, Anna",
        "patient_mrn": "A1000231",
        "patient_birth_date": date(1961, 3, 14),
        "patient_sex": "female",
        "referrer_name": "Dr. Peter Krause",
        "referrer_email": "p.krause@praxis-krause.example",
        "case_id": 1207,
        "primary_site": "Pancreas",
        "primary_site_code": "pancreas",
        "diagnosis": "Well-differentiated NET G2 of the pancreas, non-functional, with liver metastases",
        "morphology_code": "8249/3",
        "icd10_code": "C25.4",
        "grade": "G2",
        "grade_rule": "WHO 2019: Ki-67 8 % (3–20 %) with 2 mitoses/2 mm² is G2.",
        "stage": "IV",
        "tnm": "T2 N0 M1a",
        "stage_rule": "AJCC 8 pancreas NET: any T, any N, M1 is stage IV.",
        "key_findings": (
            "13 Nov 2026 ⁶⁸Ga-DOTATATE PET/CT: Krenning 3, pancreatic tail 3.1 cm, 4 liver lesions",
            "Ki-67 8 % (EUS-FNB of the pancreatic tail, 2 Nov 2026)",
            "Chromogranin A 260 ng/mL (high)",
        ),
        "question": "First-line systemic therapy for a non-functional pancreatic NET G2 with liver-only "
        "metastases: somatostatin analogue alone, or PRRT first?",
        "outcome": "Recommendation",
        "recommendation": "Start lanreotide 120 mg every 28 days; keep ¹⁷⁷Lu-DOTATATE PRRT for progression.",
        "rationale": "Liver-only disease with low tumour burden, Ki-67 < 10 % and strong SSTR expression: "
        "an SSA controls growth with little toxicity (CLARINET); PRRT stays available at progression.",
        "guideline": "ENETS 2023 – pancreatic NET guidance",
        "trial": "NCT01234567 – NETTER-2 (not eligible: Ki-67 below 10 %)",
        "dissent": "Dr. Lucía García would offer PRRT first in view of the Krenning score.",
        "preference_weighing": "The patient prefers monthly injections to hospital stays; no relevant "
        "comorbidity (ECOG 0).",
        "next_review": date(2027, 2, 15),
        "present_again": True,
        "plan": PLAN,
        "attendees": ATTENDEES,
        "observations": (
            ("9811-1", "Chromogranin A (serum)", 260.0, "ng/mL", date(2026, 11, 10), None),
            ("", "5-HIAA (24-h urine)", 4.2, "mg/24 h", date(2026, 11, 10), None),
        ),
    }
    return DecisionDocument(**(values | overrides))


def render(doc: DecisionDocument | None = None) -> bytes:
    return decision_letter_pdf(doc or a_document(), generated_at=GENERATED)


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text with runs of white space as one space (wrapped lines join up again)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def squash(text: str) -> str:
    return " ".join(text.split())


def test_the_letter_says_who_what_and_who_decided():
    pdf = render()
    assert pdf.startswith(b"%PDF-")
    text = " ".join(pages_text(pdf))
    doc = a_document()
    for expected in (
        "Universitätsklinikum Musterstadt",
        "Klinikstraße 1, 12345 Musterstadt",
        "Tumor board decision",
        "To: Dr. Peter Krause, and the patient's general practitioner",
        "Müller, Anna",
        "MRN A1000231",
        "born 14 March 1961",
        "GEP-NET tumor board",
        "Wednesday 18 November 2026, 16:00",
        "Stage IV (T2 N0 M1a)",
        "ICD-10-CM C25.4",
        "ICD-O-3 8249/3",
        "Outcome: Recommendation",
        "Signed electronically on Wednesday 18 November 2026, 17:42",
        "Next review",
        "15 February 2027",
        "Confidential: patient data",
        "Page 1 of",
    ):
        assert expected in text, expected
    for field in (
        doc.diagnosis,
        doc.question,
        doc.recommendation,
        doc.rationale,
        doc.guideline,
        doc.trial,
        doc.dissent,
        doc.preference_weighing,
        doc.signed_by,
        *doc.key_findings,
    ):
        assert squash(field) in text, field
    assert "amends version" not in text


def test_every_plan_item_is_in_the_table():
    text = " ".join(pages_text(render()))
    for heading in ("Treatment", "Detail", "Intent", "Responsible", "Target date"):
        assert heading in text
    for item in PLAN:
        # table cells wrap within their column, so look for each word in order
        for value in (item.treatment_label, item.detail, item.responsible):
            assert all(word in text for word in value.split()), value
    assert "1 Dec 2026" in text and "15 Feb 2027" in text


def test_attendees_are_grouped_by_specialty():
    text = " ".join(pages_text(render()))
    assert "Medical oncology Dr. Anna Schmidt, Dr. Ines Wolf" in text
    for attendee in ATTENDEES:
        assert attendee.name in text
        assert attendee.specialty in text


def test_an_amendment_says_which_version_it_amends_and_why():
    doc = a_document(
        decision_id=418,
        version_no=2,
        supersedes_version=1,
        amendment_reason="Ki-67 revised to 12 % on review of the resection specimen",
    )
    text = " ".join(pages_text(render(doc)))
    assert "Version 2, amends version 1: Ki-67 revised to 12 % on review of the resection specimen" in text
    assert "Decision 418, version 2" in text


def test_absent_optional_parts_are_said_so():
    doc = a_document(
        dissent="",
        guideline="",
        trial="",
        grade=None,
        stage=None,
        tnm=None,
        morphology_code=None,
        icd10_code=None,
        next_review=None,
        present_again=False,
        plan=(),
        key_findings=(),
        outcome="Deferred",
        recommendation="",
    )
    text = " ".join(pages_text(render(doc)))
    for expected in ("none recorded", "none cited", "not graded", "not staged", "not coded", "no date set"):
        assert expected in text
    assert "Outcome: Deferred" in text
    assert "No treatment plan items." in text
    assert "Key findings" not in text


def test_unicode_survives_as_text():
    text = " ".join(pages_text(render()))
    for word in ("⁶⁸Ga", "¹⁷⁷Lu", "Müller", "García", "Böhm", "Jürgen", "2 mm²", "–", "·"):
        assert word in text, word


def test_the_letter_is_a4_with_its_metadata_and_reproducible():
    pdf = render()
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert reader.metadata.title == "Tumor board decision: GEP-NET tumor board, Wednesday 18 November 2026"
    assert reader.metadata.creation_date == GENERATED
    assert pdf == render()
    later = decision_letter_pdf(a_document(), generated_at=GENERATED.astimezone(UTC).replace(minute=31))
    assert later != pdf


def test_long_texts_and_many_plan_items_flow_on_to_further_pages():
    sentences = " ".join(f"Rationale sentence {n} weighs SSA against PRRT." for n in range(120))
    plan = tuple(
        dataclasses.replace(PLAN[n % 3], detail=f"Plan item {n}: {PLAN[n % 3].detail}") for n in range(30)
    )
    pages = pages_text(render(a_document(rationale=sentences, plan=plan)))
    assert len(pages) >= 3
    text = " ".join(pages)
    assert all(text.count(f"Rationale sentence {n} weighs") == 1 for n in range(120))
    assert all(f"Plan item {n}:" in text for n in range(30))
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Confidential: patient data" in page
        if number > 1:
            assert "Tumor board decision · Müller, Anna · MRN A1000231" in page
    assert "Signed electronically" in pages[-1]


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="generated_at"):
        decision_letter_pdf(a_document(), generated_at=datetime(2026, 11, 19, 9, 30))
    with pytest.raises(ValueError, match="signed_at"):
        render(a_document(signed_at=datetime(2026, 11, 18, 17, 42)))


def test_the_letter_in_german_with_german_dates():
    """Its own words and dates in German; what the board typed (the plan's details) as typed."""
    german = Language("de", Translations.load(str(TRANSLATIONS_DIR), ["de"]))
    pdf = decision_letter_pdf(a_document(), generated_at=GENERATED, language=german)
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(pages_text(pdf))
    for expected in (
        "Beschluss der Tumorkonferenz",
        "Besprochen in der Sitzung",
        "Mittwoch, 18.11.2026, 16:00",
        "geboren am 14.03.1961",
        "Fragestellung an die Tumorkonferenz",
        "Nächste Verlaufskontrolle 15.02.2027",
        "Zieldatum",
        "01.12.2026",
        "Anwesend in der Sitzung",
        "Im Namen der Tumorkonferenz",
        "Elektronisch unterzeichnet am Mittwoch, 18.11.2026, 17:42",
        "Vertraulich: Patientendaten",
        "Gedruckt am 19.11.2026, 09:30",
        "Seite 1 von",
        "Lanreotide autogel 120 mg",
    ):
        assert expected in text, expected
    for english in ("Tumor board decision", "November", "Wednesday", "Page 1 of", "Printed", "Confidential"):
        assert english not in text, english
    assert reader.trailer["/Root"]["/Lang"] == "de"
    assert reader.metadata.title.startswith("Beschluss der Tumorkonferenz: ")


def test_the_letter_is_english_without_a_language():
    text = " ".join(pages_text(render()))
    assert "Tumor board decision" in text and "Wednesday 18 November 2026, 16:00" in text
    assert "Printed 19 Nov 2026, 09:30" in text
