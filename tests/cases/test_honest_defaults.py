"""No clinical field opens on a clinical value: the case, patient and pathology forms open their clinical
selects on an empty "Choose …"; an untouched form records nothing clinical; the answers a draft may
leave open are required to submit, and "Unknown" stays an answer the clinician can choose."""

import html as markup
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import log_in
from tumorboard.cases.models import Case, PathologyReport, Patient
from tumorboard.cases.operations import submit_case
from tumorboard.errors import OperationError
from tumorboard.extensions import db

CASE_SELECTS = ("primary_site", "differentiation", "functional_status", "syndrome", "hereditary_syndrome")


def selected(page: str, name: str) -> list[tuple[str, str]]:
    """The (value, label) of every selected option of the select `name`."""
    found = re.search(rf'<select[^>]*\bname="{name}"[^>]*>(.*?)</select>', page, flags=re.S)
    assert found, name
    options = re.findall(r"<option([^>]*)>([^<]*)</option>", found.group(1))
    chosen = [
        (re.search(r'value="([^"]*)"', attrs).group(1), markup.unescape(label))
        for attrs, label in options
        if re.search(r"\bselected\b", attrs)
    ]
    return chosen


def first_option(page: str, name: str) -> tuple[str, str]:
    found = re.search(
        rf'<select[^>]*\bname="{name}"[^>]*>\s*<option([^>]*)>([^<]*)</option>', page, flags=re.S
    )
    assert found, name
    return re.search(r'value="([^"]*)"', found.group(1)).group(1), markup.unescape(found.group(2))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def client(app, submitter):
    return log_in(app.test_client(), submitter)


@pytest.fixture
def patient(create_patient, submitter):
    return create_patient(created_by=submitter)


def test_the_new_case_form_opens_on_no_clinical_value(client, patient):
    page = client.get(f"/patients/{patient.id}/cases/new").text
    for name in ("conference_type", *CASE_SELECTS):
        assert first_option(page, name) == ("", "Choose …"), name
        assert selected(page, name) in ([], [("", "Choose …")]), name  # the browser shows the first one
    # what a clinician picks when they do not know stays available as an answer
    assert '<option value="unknown">Unknown</option>' in page  # functional status
    assert '<option value="none">None known</option>' in page  # hereditary syndrome: a finding


def test_the_patient_form_opens_on_no_sex(client):
    page = client.get("/patients/new").text
    assert first_option(page, "sex") == ("", "Choose …")
    assert selected(page, "sex") in ([], [("", "Choose …")])


def test_the_pathology_form_opens_on_no_differentiation(client, create_case, submitter, board):
    case = create_case(submitter=submitter, board=board)
    page = client.get(f"/cases/{case.id}/pathology/new").text
    assert first_option(page, "differentiation") == ("", "Choose …")
    assert selected(page, "differentiation") in ([], [("", "Choose …")])
    refused = client.post(
        f"/cases/{case.id}/pathology/new",
        data={"report_date": date.today().isoformat(), "specimen_type": "core_biopsy", "ki67_percent": "12"},
    )
    assert refused.status_code == 422 and "Choose the differentiation." in refused.text
    assert 'value="12"' in refused.text.replace('value="12.0"', 'value="12"')
    assert count(PathologyReport) == 0


def test_an_untouched_new_case_form_records_nothing(client, patient, board):
    """What a browser sends for the form as it opened, plus the question and symptoms typed: refused
    at the primary site, everything typed kept, nothing recorded."""
    untouched = {
        "board_id": str(board.id),
        "conference_type": "pre_therapeutic",
        "extent": "",
        "ecog": "",
        **dict.fromkeys(CASE_SELECTS, ""),
        "clinical_question": "Resection or surveillance of the tail lesion?",
        "symptoms": "Flushing after meals",
    }
    response = client.post(f"/patients/{patient.id}/cases/new", data=untouched)
    assert response.status_code == 422
    assert count(Case) == 0
    page = response.text
    assert re.search(r'id="primary_site-error">Choose the primary site\.</div>', page)
    assert "Resection or surveillance of the tail lesion?" in page and "Flushing after meals" in page
    for name in CASE_SELECTS:
        assert selected(page, name) in ([], [("", "Choose …")]), name


def test_an_untouched_patient_form_records_nothing_and_keeps_what_was_typed(client):
    response = client.post(
        "/patients/new", data={"mrn": "", "family_name": "Doe", "given_name": "", "birth_date": "", "sex": ""}
    )
    assert response.status_code == 422
    assert count(Patient) == 0
    page = response.text
    for name, message in (
        ("mrn", "Enter the MRN."),
        ("given_name", "Enter the given name."),
        ("birth_date", "Enter the birth date."),
        ("sex", "Choose the sex."),
    ):
        assert f'id="{name}-error">{message}</div>' in page, message
    assert 'value="Doe"' in page


def test_a_draft_may_leave_the_answers_open_but_the_board_gets_them(client, patient, board, submitter):
    response = client.post(
        f"/patients/{patient.id}/cases/new",
        data={
            "board_id": str(board.id),
            "conference_type": "pre_therapeutic",
            "primary_site": "pancreas",
            "clinical_question": "PRRT?",
            **dict.fromkeys(CASE_SELECTS[1:], ""),
        },
    )
    assert response.status_code == 302
    case = db.session.scalar(select(Case).where(Case.patient_id == patient.id))
    assert (case.differentiation, case.functional_status, case.hereditary_syndrome, case.syndrome) == (
        None,
        None,
        None,
        None,
    )
    detail = client.get(f"/cases/{case.id}").text
    assert "The functional status (choose Unknown if it is not known)." in detail
    assert detail.count("not answered yet") == 3
    submit_page = client.get(f"/cases/{case.id}/submit").text
    assert 'id="required-to-submit"' in submit_page and "Submit anyway" not in submit_page
    with pytest.raises(OperationError, match="cannot go to the board without"):
        submit_case(submitter, case, expected_version=case.version, override_reason="Urgent: decide today.")
    assert case.status == "draft"


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("functional_status", "The functional status (choose Unknown if it is not known)."),
        ("differentiation", "The differentiation (choose Not recorded if it is not known)."),
        ("hereditary_syndrome", "The hereditary syndrome (choose None known or Not assessed)."),
    ],
)
def test_each_open_answer_keeps_a_case_from_the_board_and_unknown_is_an_answer(
    create_case, submitter, board, field, message
):
    case = create_case(submitter=submitter, board=board, **{field: None})
    with pytest.raises(OperationError) as refused:
        submit_case(submitter, case, expected_version=case.version, override_reason="Urgent: decide today.")
    assert message in refused.value.message and case.status == "draft"
    setattr(case, field, "unknown")
    db.session.commit()
    missing = submit_case(
        submitter, case, expected_version=case.version, override_reason="Urgent: decide today."
    )
    assert case.status == "submitted" and message not in missing


@pytest.mark.parametrize(
    ("kind", "name"),
    [("imaging", "modality"), ("lab", "analyte"), ("pathology", "specimen_type")],
)
def test_a_finding_form_opens_on_no_kind_of_finding(client, create_case, submitter, board, kind, name):
    """An imaging study is not a CT, a result not a chromogranin A, a specimen not a biopsy, until the
    clinician says so: the select opens on "Choose …" and an untouched one is refused."""
    case = create_case(submitter=submitter, board=board)
    page = client.get(f"/cases/{case.id}/{kind}/new").text
    assert first_option(page, name) == ("", "Choose …")
    assert selected(page, name) in ([], [("", "Choose …")])
    refused = client.post(f"/cases/{case.id}/{kind}/new", data={name: ""})
    assert refused.status_code == 422 and "Choose the " in refused.text


def test_the_prior_treatment_form_opens_on_no_treatment(client, create_case, submitter, board):
    case = create_case(submitter=submitter, board=board)
    page = client.get(f"/cases/{case.id}").text
    assert first_option(page, "treatment") == ("", "Choose …")
    refused = client.post(f"/cases/{case.id}/treatments", data={"treatment": "", "start_date": "2026-01-05"})
    assert refused.status_code == 422 and "Choose the treatment." in refused.text
