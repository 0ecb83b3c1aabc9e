"""The readiness check at submission: each item the board would miss appears exactly at its edge."""

from datetime import date, timedelta

import pytest

from tumorboard.cases.operations import readiness
from tumorboard.cases.readiness import missing_for_board

TODAY = date(2024, 6, 3)
WEEKS = 8
EIGHT_WEEKS_AGO = TODAY - timedelta(weeks=WEEKS)

QUESTION = "The clinical question for the board."
PATHOLOGY = "Pathology with Ki-67, or the reason there is none."
IMAGING = f"CT, MRI or SSTR imaging from the last 8 weeks (on or after {EIGHT_WEEKS_AGO:%d %b %Y})."
SYNDROME = "The hormone syndrome of this functional tumour."
CARCINOID_MARKER = "A marker of the Carcinoid syndrome: 5-HIAA (24-h urine), Serotonin."
INSULINOMA_MARKER = (
    "For the Insulinoma: Insulin, C-peptide or Proinsulin sampled on the same day as Glucose. An "
    "insulinoma is documented biochemically by insulin, C-peptide or proinsulin measured with the glucose "
    "of the same hypoglycaemia (72-hour fast, Whipple triad; Endocrine Society 2009 guideline on "
    "hypoglycaemic disorders; ENETS 2016 and 2023 guidance for functional pancreatic NETs); a low glucose "
    "alone does not document it."
)
ANY_MARKER = "A laboratory marker of the hormone syndrome."

CT_RECENT = ("imaging", {"modality": "ct", "study_date": TODAY - timedelta(days=14)})
KI67 = ("pathology", {"ki67_percent": 8.0, "report_date": TODAY - timedelta(days=7)})
COMPLETE = [CT_RECENT, KI67]
FUNCTIONAL = {"functional_status": "functional"}


def imaging(modality: str, age: timedelta) -> tuple:
    return ("imaging", {"modality": modality, "study_date": TODAY - age})


def lab(analyte: str, days_ago: int = 3) -> tuple:
    return ("lab", {"analyte": analyte, "sample_date": TODAY - timedelta(days=days_ago)})


ROWS = [
    # id, case fields, findings, missing
    ("complete", {}, COMPLETE, []),
    ("nothing", {"clinical_question": ""}, [], [QUESTION, PATHOLOGY, IMAGING]),
    # the clinical question
    ("question-blank", {"clinical_question": "  \n "}, COMPLETE, [QUESTION]),
    ("question-one-character", {"clinical_question": "?"}, COMPLETE, []),
    # pathology
    ("no-pathology", {}, [CT_RECENT], [PATHOLOGY]),
    (
        "pathology-without-ki67",
        {},
        [CT_RECENT, ("pathology", {"ki67_percent": None, "mitoses_per_2mm2": 4.0})],
        [PATHOLOGY],
    ),
    ("ki67-zero-counts", {}, [CT_RECENT, ("pathology", {"ki67_percent": 0.0})], []),
    ("no-pathology-with-reason", {"no_pathology_reason": "Biopsy not feasible"}, [CT_RECENT], []),
    ("no-pathology-reason-blank", {"no_pathology_reason": "   "}, [CT_RECENT], [PATHOLOGY]),
    (
        "one-of-two-reports-with-ki67",
        {},
        [CT_RECENT, ("pathology", {"ki67_percent": None}), KI67],
        [],
    ),
    # imaging: its age and its kind
    ("ct-exactly-8-weeks-old", {}, [KI67, imaging("ct", timedelta(weeks=8))], []),
    ("ct-8-weeks-and-1-day-old", {}, [KI67, imaging("ct", timedelta(weeks=8, days=1))], [IMAGING]),
    ("ct-today", {}, [KI67, imaging("ct", timedelta(0))], []),
    ("mri", {}, [KI67, imaging("mri", timedelta(days=30))], []),
    ("sstr-pet", {}, [KI67, imaging("sstr_pet_ct", timedelta(days=30))], []),
    ("octreoscan", {}, [KI67, imaging("octreoscan_spect", timedelta(days=30))], []),
    ("fdg-pet-only", {}, [KI67, imaging("fdg_pet_ct", timedelta(days=30))], [IMAGING]),
    ("eus-only", {}, [KI67, imaging("eus", timedelta(days=30))], [IMAGING]),
    ("ultrasound-only", {}, [KI67, imaging("ultrasound", timedelta(days=30))], [IMAGING]),
    (
        "old-ct-and-recent-fdg",
        {},
        [KI67, imaging("ct", timedelta(weeks=9)), imaging("fdg_pet_ct", timedelta(days=1))],
        [IMAGING],
    ),
    (
        "old-ct-and-recent-mri",
        {},
        [KI67, imaging("ct", timedelta(weeks=9)), imaging("mri", timedelta(days=1))],
        [],
    ),
    # functional tumours and their markers
    ("non-functional", {"functional_status": "non_functional"}, COMPLETE, []),
    ("functional-status-unknown", {"functional_status": "unknown"}, COMPLETE, []),
    ("functional-without-syndrome", FUNCTIONAL, COMPLETE, [SYNDROME]),
    (
        "carcinoid-without-labs",
        {**FUNCTIONAL, "syndrome": "carcinoid_syndrome"},
        COMPLETE,
        [CARCINOID_MARKER],
    ),
    (
        "carcinoid-with-chromogranin-only",
        {**FUNCTIONAL, "syndrome": "carcinoid_syndrome"},
        [*COMPLETE, lab("chromogranin_a")],
        [CARCINOID_MARKER],
    ),
    (
        "carcinoid-with-5hiaa",
        {**FUNCTIONAL, "syndrome": "carcinoid_syndrome"},
        [*COMPLETE, lab("urine_5hiaa")],
        [],
    ),
    (
        "carcinoid-with-serotonin",
        {**FUNCTIONAL, "syndrome": "carcinoid_syndrome"},
        [*COMPLETE, lab("serotonin")],
        [],
    ),
    ("insulinoma-without-labs", {**FUNCTIONAL, "syndrome": "insulinoma"}, COMPLETE, [INSULINOMA_MARKER]),
    (
        "insulinoma-with-glucose-alone",
        {**FUNCTIONAL, "syndrome": "insulinoma"},
        [*COMPLETE, lab("glucose")],
        [INSULINOMA_MARKER],
    ),
    (
        "insulinoma-with-c-peptide-alone",
        {**FUNCTIONAL, "syndrome": "insulinoma"},
        [*COMPLETE, lab("c_peptide")],
        [INSULINOMA_MARKER],
    ),
    (
        "insulinoma-with-glucose-and-c-peptide",
        {**FUNCTIONAL, "syndrome": "insulinoma"},
        [*COMPLETE, lab("glucose"), lab("c_peptide")],
        [],
    ),
    (
        "insulinoma-with-glucose-and-insulin",
        {**FUNCTIONAL, "syndrome": "insulinoma"},
        [*COMPLETE, lab("glucose"), lab("insulin")],
        [],
    ),
    (
        "insulinoma-with-glucose-and-proinsulin",
        {**FUNCTIONAL, "syndrome": "insulinoma"},
        [*COMPLETE, lab("glucose"), lab("proinsulin")],
        [],
    ),
    (
        "insulinoma-with-insulin-of-another-day",
        {**FUNCTIONAL, "syndrome": "insulinoma"},
        [*COMPLETE, lab("glucose", days_ago=3), lab("insulin", days_ago=10)],
        [INSULINOMA_MARKER],
    ),
    (
        "insulinoma-with-glucose-and-gastrin",
        {**FUNCTIONAL, "syndrome": "insulinoma"},
        [*COMPLETE, lab("glucose"), lab("gastrin")],
        [INSULINOMA_MARKER],
    ),
    (
        "gastrinoma-with-gastrin",
        {**FUNCTIONAL, "syndrome": "zollinger_ellison"},
        [*COMPLETE, lab("gastrin")],
        [],
    ),
    (
        "gastrinoma-with-insulin",
        {**FUNCTIONAL, "syndrome": "zollinger_ellison"},
        [*COMPLETE, lab("insulin")],
        ["A marker of the Zollinger-Ellison (gastrinoma): Gastrin (fasting)."],
    ),
    ("other-syndrome-without-labs", {**FUNCTIONAL, "syndrome": "other"}, COMPLETE, [ANY_MARKER]),
    ("other-syndrome-with-any-lab", {**FUNCTIONAL, "syndrome": "other"}, [*COMPLETE, lab("nse")], []),
    (
        "everything-missing-functional",
        {**FUNCTIONAL, "clinical_question": ""},
        [],
        [QUESTION, PATHOLOGY, IMAGING, SYNDROME],
    ),
]


@pytest.mark.parametrize(
    ("case_fields", "findings", "missing"), [row[1:] for row in ROWS], ids=[row[0] for row in ROWS]
)
def test_missing_for_board(
    submitter,
    board,
    create_case,
    create_imaging,
    create_lab,
    create_pathology,
    case_fields,
    findings,
    missing,
):
    case = create_case(submitter=submitter, board=board, **case_fields)
    make = {"imaging": create_imaging, "lab": create_lab, "pathology": create_pathology}
    for kind, fields in findings:
        make[kind](case, created_by=submitter, **fields)
    assert [str(entry) for entry in missing_for_board(case, TODAY, WEEKS)] == missing


def test_submission_uses_the_configured_window_and_the_hospitals_today(
    app, submitter, board, create_case, create_imaging, monkeypatch
):
    case = create_case(submitter=submitter, board=board, no_pathology_reason="Imaging diagnosis")
    create_imaging(case, created_by=submitter, study_date=date.today() - timedelta(days=20))
    assert readiness(case) == []
    monkeypatch.setitem(app.config, "IMAGING_MAX_AGE_WEEKS", 2)
    (missing,) = readiness(case)
    assert str(missing).startswith("CT, MRI or SSTR imaging from the last 2 weeks (on or after ")


def test_what_was_missing_is_stored_as_messages_and_read_in_the_readers_language(
    app, submitter, board, create_case, create_lab
):
    """Submitted anyway: the entries are kept as catalogue messages with their values, so a German
    reader reads them in German (the day in the German format, the syndrome's and markers' labels from the
    catalogue); an English sentence of a record from before is shown as it is."""
    import json

    from flask_babel import force_locale

    from tumorboard.cases.operations import readiness_texts, submit_case

    case = create_case(
        submitter=submitter, board=board, functional_status="functional", syndrome="insulinoma"
    )
    create_lab(case, created_by=submitter, analyte="insulin", sample_date=date.today() - timedelta(days=3))
    submit_case(submitter, case, expected_version=case.version, override_reason="Staging CT is booked.")
    stored = json.loads(case.readiness_missing)
    assert all(set(entry) == {"message", "values"} for entry in stored)
    messages = [entry["message"] for entry in stored]
    assert (
        "For the %(syndrome)s: %(any_of)s sampled on the same day as %(paired_with)s. %(rule)s." in messages
    )
    with app.test_request_context(headers={"Accept-Language": "de"}), force_locale("de"):
        german = readiness_texts([*stored, "An English sentence of an older record."])
    assert any(
        t.startswith("CT, MRT oder SSTR-Bildgebung aus den letzten 8 Wochen (am oder nach dem ")
        for t in german
    )
    imaging = next(t for t in german if t.startswith("CT, MRT"))
    assert (date.today() - timedelta(weeks=8)).strftime("%d.%m.%Y") in imaging
    paired = next(t for t in german if t.startswith("Für das Syndrom"))
    assert paired.startswith(
        "Für das Syndrom Insulinom: Insulin, C-Peptid oder Proinsulin, am selben Tag abgenommen wie Glukose. "
    )
    assert german[-1] == "An English sentence of an older record."
    with app.test_request_context(headers={"Accept-Language": "en"}), force_locale("en"):
        english = readiness_texts(stored)
    assert english == [str(entry) for entry in readiness(case)]


def test_the_insulinoma_rule_reads_german_for_a_german_reader(app):
    """The published rule a paired marker follows is a catalogue message: a German reader reads it in
    German with its sources, live and from a stored record alike."""
    from tumorboard.cases.operations import readiness_texts
    from tumorboard.cases.readiness import _paired_message
    from tumorboard.clinical.vocabularies import Analyte, FunctionalSyndrome

    entry = _paired_message(FunctionalSyndrome.INSULINOMA, Analyte.GLUCOSE)
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        live, stored = readiness_texts([entry, entry.stored()])
    assert live == stored
    assert "Ein Insulinom ist biochemisch belegt" in live and "Endocrine Society 2009" in live
    assert "insulinoma is documented" not in live
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert readiness_texts([entry]) == [INSULINOMA_MARKER]
