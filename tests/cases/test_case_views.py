"""The case pages through the test client: access, bad input per field, stale edits, query counts, and
that no name or MRN ever lands in a URL."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import log_in
from tumorboard.auth.models import User
from tumorboard.auth.roles import Role
from tumorboard.boards.models import Board
from tumorboard.cases.models import Case, ImagingStudy, LabResult, PathologyReport, Patient, PriorTreatment
from tumorboard.cases.patient_operations import MRN_IN_USE
from tumorboard.extensions import db
from tumorboard.once import FormSubmission

TOMORROW = (date.today() + timedelta(days=2)).isoformat()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def submitter(users):
    return users[Role.SUBMITTER]


@pytest.fixture
def case(create_case, submitter, board):
    return create_case(submitter=submitter, board=board, status="submitted")


@pytest.fixture
def draft(create_case, submitter, board):
    return create_case(submitter=submitter, board=board)


CASE_FORM = {
    "conference_type": "pre_therapeutic",
    "primary_site": "pancreas",
    "tumour_size_cm": "2.5",
    "extent": "limited_to_pancreas",
    "nodes_positive": "0",
    "differentiation": "well",
    "functional_status": "non_functional",
    "hereditary_syndrome": "none",
    "clinical_question": "Resection or surveillance?",
}


# Access ---------------------------------------------------------------------------------------------


def test_outsider_gets_404_for_every_case_page(app, case, create_user):
    outsider = log_in(app.test_client(), create_user(roles=[Role.SUBMITTER, Role.SPECIALIST]))
    for url in (
        f"/cases/{case.id}",
        f"/cases/{case.id}/edit",
        f"/cases/{case.id}/submit",
        f"/cases/{case.id}/imaging/new",
        f"/cases/{case.id}/markers/chromogranin_a.svg",
        f"/patients/{case.patient_id}",
        f"/patients/{case.patient_id}/cases/new",
    ):
        assert outsider.get(url).status_code == 404, url
    assert (
        outsider.post(f"/cases/{case.id}/withdraw", data={"reason": "x", "version": case.version}).status_code
        == 404
    )


def test_board_member_reads_a_submitted_case_but_not_a_draft(client_as, case, draft):
    specialist = client_as(Role.SPECIALIST)
    assert specialist.get(f"/cases/{case.id}").status_code == 200
    assert specialist.get(f"/cases/{draft.id}").status_code == 404
    listing = specialist.get("/cases").text
    assert f"case {case.id}" in listing and f"case {draft.id}<" not in listing


def test_a_submitter_cannot_edit_another_submitters_draft(app, draft, board, create_user):
    colleague = log_in(app.test_client(), create_user(roles=[Role.SUBMITTER], boards=[board]))
    # a draft is private: not even visible
    assert colleague.get(f"/cases/{draft.id}/edit").status_code == 404
    draft.status = "submitted"
    db.session.commit()
    assert colleague.get(f"/cases/{draft.id}").status_code == 200
    assert colleague.get(f"/cases/{draft.id}/edit").status_code == 403
    response = colleague.post(
        f"/cases/{draft.id}/edit", data={**CASE_FORM, "board_id": board.id, "version": draft.version}
    )
    assert response.status_code == 403


def test_coordinator_cannot_add_findings(client_as, case):
    assert client_as(Role.COORDINATOR).get(f"/cases/{case.id}/pathology/new").status_code == 403


def test_specialist_adds_a_pathology_report(client_as, case):
    response = client_as(Role.SPECIALIST).post(
        f"/cases/{case.id}/pathology/new",
        data={
            "report_date": date.today().isoformat(),
            "specimen_type": "core_biopsy",
            "differentiation": "well",
            "ki67_percent": "12",
            "reported_grade": "G2",
            "ihc_synaptophysin": "positive",
        },
    )
    assert response.status_code == 302
    report = db.session.scalar(select(PathologyReport).where(PathologyReport.case_id == case.id))
    assert report.ki67_percent == 12 and report.ihc == {"synaptophysin": "positive"}


# Registering a case ---------------------------------------------------------------------------------


def test_register_patient_then_case(client_as, board):
    client = client_as(Role.SUBMITTER)
    response = client.post(
        "/patients/new",
        data={
            "mrn": "q1234567",
            "family_name": "Doe",
            "given_name": "Jane",
            "birth_date": "1960-05-01",
            "sex": "female",
        },
    )
    assert response.status_code == 302
    patient = db.session.scalar(select(Patient).where(Patient.mrn == "Q1234567"))
    assert response.headers["Location"] == f"/patients/{patient.id}/cases/new"
    response = client.post(response.headers["Location"], data={**CASE_FORM, "board_id": board.id})
    assert response.status_code == 302
    case = db.session.scalar(select(Case).where(Case.patient_id == patient.id))
    page = client.get(f"/cases/{case.id}").text
    assert "T2 N0 M0" in page and 'stage <strong class="fs-5">II</strong>' in page


def test_an_mrn_in_use_is_refused_in_the_same_words_for_every_patient(client_as, case, create_patient):
    """Whether a board knows the MRN's patient or nobody does, the page is the same (but for the MRN typed
    and the form's one-time values): no link, no board, nothing to learn from it."""
    nobodys = create_patient(mrn="LONE-0001")
    pages = []
    for mrn in (case.patient.mrn, nobodys.mrn):
        response = client_as(Role.SUBMITTER).post(
            "/patients/new",
            data={
                "mrn": mrn,
                "family_name": "X",
                "given_name": "Y",
                "birth_date": "1970-01-01",
                "sex": "male",
            },
        )
        assert response.status_code == 422
        assert MRN_IN_USE in response.text
        page = response.text.replace(mrn, "MRN")
        pages.append(re.sub(r'(nonce|value)="[^"]{20,}"', "", page))
    assert pages[0] == pages[1]
    assert f"/patients/{case.patient_id}" not in pages[0]


def test_registering_the_same_person_opens_a_case_for_them(client_as, case):
    patient = case.patient
    response = client_as(Role.SUBMITTER).post(
        "/patients/new",
        data={
            "mrn": patient.mrn.lower(),
            "family_name": patient.family_name,
            "given_name": patient.given_name,
            "birth_date": patient.birth_date.isoformat(),
            "sex": patient.sex,
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/patients/{patient.id}/cases/new"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mrn": "ab"}, "The MRN must be"),
        ({"mrn": "X" * 40}, "The MRN is too long (at most 32 characters)."),
        ({"birth_date": TOMORROW}, "The birth date cannot be in the future."),
        ({"birth_date": "1850-01-01"}, "The birth date must be after 1900."),
        ({"birth_date": "12/31/1960"}, "Not a valid date value."),  # 31.12.1960 is read (a German day)
        ({"sex": "robot"}, "Not a valid choice."),
        ({"family_name": ""}, "Enter the family name."),
        ({"given_name": "G" * 101}, "The given name is too long (at most 100 characters)."),
        ({"family_name": "A\x00B"}, "control or direction-changing characters"),
    ],
    ids=[
        "mrn-format",
        "mrn-long",
        "born-tomorrow",
        "born-1850",
        "date-format",
        "sex",
        "no-name",
        "name-long",
        "nul",
    ],
)
def test_bad_patient_input(client_as, change, message):
    before = _count(Patient)
    data = {
        "mrn": "Q7654321",
        "family_name": "Doe",
        "given_name": "Jane",
        "birth_date": "1960-05-01",
        "sex": "female",
        **change,
    }
    response = client_as(Role.SUBMITTER).post("/patients/new", data=data)
    assert response.status_code == 422 and message in response.text
    assert _count(Patient) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tumour_size_cm": "-1"}, "The tumour size must be between 0 and 50\u00a0cm."),
        ({"tumour_size_cm": "abc"}, "Not a valid float value."),
        ({"primary_site": "liver"}, "Not a valid choice."),
        ({"extent": "subserosa"}, "This extent of invasion does not apply to the chosen primary site."),
        ({"nodes_examined": "2", "nodes_positive": "5"}, "More nodes are positive than were examined."),
        ({"mesenteric_mass_cm": "3"}, "A mesenteric mass is recorded for jejunal or ileal primaries only."),
        ({"syndrome": "insulinoma"}, "A hormone syndrome is recorded only for a functional tumour."),
        ({"metastatic_sites": ["liver", "moon"]}, "is not a valid choice"),
        ({"ecog": "7"}, "Not a valid choice."),
        ({"board_id": "999999"}, "Not a valid choice."),
        ({"clinical_question": "?" * 4001}, "The clinical question is too long (at most 4000 characters)."),
    ],
    ids=[
        "size-negative",
        "size-text",
        "site",
        "extent",
        "nodes",
        "mesenteric",
        "syndrome",
        "metastasis",
        "ecog",
        "board",
        "question-long",
    ],
)
def test_bad_case_input(client_as, board, case, change, message):
    client = client_as(Role.SUBMITTER)
    before = _count(Case)
    response = client.post(
        f"/patients/{case.patient_id}/cases/new", data={**CASE_FORM, "board_id": board.id, **change}
    )
    assert response.status_code == 422 and message in response.text
    assert _count(Case) == before


def test_ten_thousand_pasted_characters_are_refused_and_come_back_whole(client_as, board, case):
    """A browser told maxlength=4000 cuts a paste silently; the form has no maxlength, the server
    refuses the text naming the limit and gives all 10,000 characters back to be shortened."""
    pasted = ("Findings from the outside hospital, pasted. " * 250)[:10_000]
    response = client_as(Role.SUBMITTER).post(
        f"/patients/{case.patient_id}/cases/new",
        data={**CASE_FORM, "board_id": board.id, "clinical_question": pasted},
    )
    assert response.status_code == 422
    assert "The clinical question is too long (at most 4000 characters)." in response.text
    assert pasted.strip() in response.text and "maxlength" not in response.text


@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [
        ("pathology", {"ki67_percent": "150"}, "The Ki-67 must be between 0 and 100%."),
        ("pathology", {"report_date": TOMORROW}, "The report date cannot be in the future."),
        (
            "pathology",
            {"report_date": "1950-01-01"},
            "The report date cannot be before the patient&#39;s birth date.",
        ),
        (
            "pathology",
            {"mitoses_count": "10"},
            "Give both the mitotic count and the area counted, or neither.",
        ),
        ("pathology", {"ihc_p53": "purple"}, "Not a valid choice."),
        ("pathology", {"specimen_type": "banana"}, "Not a valid choice."),
        (
            "imaging",
            {"modality": "ct", "krenning_score": "3"},
            "The Krenning score applies to SSTR imaging only.",
        ),
        ("imaging", {"modality": "xray"}, "Not a valid choice."),
        ("imaging", {"study_date": ""}, "Enter the study date."),
        ("lab", {"value": "-3"}, "The value must be between 0 and 1,000,000,000."),
        ("lab", {"ref_low": "10", "ref_high": "5"}, "The lower reference limit is above the upper one."),
        ("lab", {"analyte": "unobtainium"}, "Not a valid choice."),
    ],
)
def test_bad_finding_input(client_as, case, kind, data, message):
    base = {
        "pathology": {
            "report_date": date.today().isoformat(),
            "specimen_type": "core_biopsy",
            "differentiation": "well",
        },
        "imaging": {"study_date": date.today().isoformat(), "modality": "ct"},
        "lab": {
            "sample_date": date.today().isoformat(),
            "analyte": "chromogranin_a",
            "value": "50",
            "unit": "ng/mL",
        },
    }[kind]
    model = {"pathology": PathologyReport, "imaging": ImagingStudy, "lab": LabResult}[kind]
    before = _count(model)
    response = client_as(Role.SUBMITTER).post(f"/cases/{case.id}/{kind}/new", data={**base, **data})
    assert response.status_code == 422, response.status_code
    assert message in response.text
    assert _count(model) == before


def test_unknown_finding_kind_is_404(client_as, case):
    assert client_as(Role.SUBMITTER).get(f"/cases/{case.id}/xray/new").status_code == 404


def test_stale_case_edit_is_409_and_says_who_changed_what(app, draft, board, submitter):
    first, second = log_in(app.test_client(), submitter), log_in(app.test_client(), submitter)
    form = {**CASE_FORM, "board_id": board.id, "version": draft.version}
    assert first.post(f"/cases/{draft.id}/edit", data={**form, "tumour_size_cm": "3.1"}).status_code == 302
    response = second.post(f"/cases/{draft.id}/edit", data={**form, "tumour_size_cm": "4.4"})
    assert response.status_code == 409
    assert "3.1" in response.text and submitter.email in response.text
    db.session.refresh(draft)
    assert draft.tumour_size_cm == 3.1


def test_stale_finding_edit_is_409(app, case, submitter, create_lab):
    lab = create_lab(case, created_by=submitter)
    client = log_in(app.test_client(), submitter)
    data = {
        "sample_date": lab.sample_date.isoformat(),
        "analyte": "chromogranin_a",
        "unit": "ng/mL",
        "version": lab.version,
    }
    assert (
        client.post(f"/cases/{case.id}/lab/{lab.id}/edit", data={**data, "value": "111"}).status_code == 302
    )
    assert (
        client.post(f"/cases/{case.id}/lab/{lab.id}/edit", data={**data, "value": "222"}).status_code == 409
    )
    db.session.refresh(lab)
    assert lab.value == 111


def test_finding_of_another_case_is_404(client_as, case, draft, submitter, create_lab):
    lab = create_lab(draft, created_by=submitter)
    assert client_as(Role.SUBMITTER).get(f"/cases/{case.id}/lab/{lab.id}/edit").status_code == 404


# Submitting ------------------------------------------------------------------------------------------


def test_submit_lists_what_is_missing_and_needs_a_reason(client_as, draft):
    client = client_as(Role.SUBMITTER)
    page = client.get(f"/cases/{draft.id}/submit").text
    assert "Pathology with Ki-67, or the reason there is none." in page
    refused = client.post(f"/cases/{draft.id}/submit", data={"version": draft.version, "override_reason": ""})
    assert refused.status_code == 422 and "Say why the board should discuss the case" in refused.text
    accepted = client.post(
        f"/cases/{draft.id}/submit",
        data={"version": draft.version, "override_reason": "Patient travels far."},
    )
    assert accepted.status_code == 302
    db.session.refresh(draft)
    assert draft.status == "submitted" and draft.readiness_override_reason == "Patient travels far."
    assert "Patient travels far." in client_as(Role.SPECIALIST).get(f"/cases/{draft.id}").text


def test_only_the_submitter_submits(client_as, case, draft):
    assert (
        client_as(Role.CHAIR).post(f"/cases/{case.id}/submit", data={"version": case.version}).status_code
        == 403
    )


def test_withdraw_needs_a_reason(client_as, case):
    client = client_as(Role.SUBMITTER)
    client.post(f"/cases/{case.id}/withdraw", data={"reason": "", "version": case.version})
    db.session.refresh(case)
    assert case.status == "submitted"
    client.post(f"/cases/{case.id}/withdraw", data={"reason": "Patient declined.", "version": case.version})
    db.session.refresh(case)
    assert case.status == "withdrawn"


# Search without names in URLs -------------------------------------------------------------------------


def test_patient_search_is_posted_and_finds_by_name_and_mrn(client_as, case):
    client = client_as(Role.SUBMITTER)
    assert client.get("/patients?q=Muster").status_code == 200  # a query string is ignored, never used
    by_name = client.post("/patients", data={"q": case.patient.family_name[:5].lower()})
    assert by_name.status_code == 200 and case.patient.mrn in by_name.text
    by_mrn = client.post("/patients", data={"q": case.patient.mrn.lower()})
    assert case.patient.family_name in by_mrn.text
    assert case.patient.family_name not in by_mrn.request.url and case.patient.mrn not in by_mrn.request.url


def test_case_search_is_posted_and_pages_stay_posted(client_as, case):
    client = client_as(Role.SPECIALIST)
    response = client.post("/cases", data={"search-q": case.patient.mrn})
    assert response.status_code == 200 and f"case {case.id}" in response.text
    assert case.patient.mrn not in response.request.url
    for href in __import__("re").findall(r'href="([^"]+)"', response.text):
        assert case.patient.mrn not in href and case.patient.family_name not in href


def test_case_list_filters(client_as, case, draft, create_case, submitter, board):
    create_case(
        submitter=submitter, board=board, status="submitted", primary_site="ileum", extent="subserosa"
    )
    client = client_as(Role.SUBMITTER)
    only_drafts = client.get("/cases?status=draft").text
    assert f"case {draft.id}<" in only_drafts and f"case {case.id}<" not in only_drafts
    ileum = client.get("/cases?site=ileum").text
    assert "Ileum" in ileum and f"case {case.id}<" not in ileum
    for query in (
        "status=bogus",
        "site=mars",
        "grade=G9",
        "board=abc",
        "from=yesterday",
        "to=0001-01-01",
        "sort=drop",
        "submitter=%00",
        "page=-1",
    ):
        assert client.get(f"/cases?{query}").status_code == 200, query


# Query counts -----------------------------------------------------------------------------------------


def test_case_list_statements_do_not_grow(client_as, create_case, submitter, board, count_queries):
    client = client_as(Role.SPECIALIST)
    create_case(submitter=submitter, board=board, status="submitted")
    ids = submitter.id, board.id
    with count_queries() as few:
        assert client.get("/cases").status_code == 200
    submitter, board = db.session.get(User, ids[0]), db.session.get(Board, ids[1])
    for _ in range(30):
        create_case(submitter=submitter, board=board, status="submitted")
    with count_queries() as many:
        assert client.get("/cases").status_code == 200
    assert len(many) == len(few) <= 9  # one of them the access log's insert


def test_case_page_statements_do_not_grow_with_findings(
    client_as, case, submitter, create_imaging, create_lab, create_pathology, count_queries
):
    client = client_as(Role.SUBMITTER)
    url, ids = f"/cases/{case.id}", (case.id, submitter.id)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    case, submitter = db.session.get(Case, ids[0]), db.session.get(User, ids[1])
    for n in range(6):
        create_imaging(case, created_by=submitter, study_date=date.today() - timedelta(days=10 * n))
        create_lab(
            case, created_by=submitter, value=100 + n, sample_date=date.today() - timedelta(days=10 * n)
        )
        create_lab(case, created_by=submitter, analyte="urine_5hiaa", unit="mg/24 h", value=5 + n)
        create_pathology(case, created_by=submitter)
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few) <= 12


def test_marker_chart_is_svg(client_as, case, submitter, create_lab):
    create_lab(case, created_by=submitter, value=120)
    create_lab(case, created_by=submitter, value=60, sample_date=date.today() - timedelta(days=40))
    response = client_as(Role.SPECIALIST).get(f"/cases/{case.id}/markers/chromogranin_a.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "<svg" in response.text and "Chromogranin A" in response.text
    assert client_as(Role.SPECIALIST).get(f"/cases/{case.id}/markers/gastrin.svg").status_code == 404
    assert client_as(Role.SPECIALIST).get(f"/cases/{case.id}/markers/nothing.svg").status_code == 404


def test_case_page_notes_a_unit_change_under_the_chart_and_the_chart_keeps_the_units_apart(
    client_as, case, submitter, create_lab
):
    create_lab(case, created_by=submitter, sample_date=date(2026, 1, 15), value=250.0, unit="µg/L")
    create_lab(
        case, created_by=submitter, sample_date=date(2026, 3, 12), value=2.1, unit="nmol/L", ref_high=3
    )
    create_lab(
        case, created_by=submitter, sample_date=date(2026, 4, 20), value=1.8, unit="nmol/L", ref_high=3
    )
    client = client_as(Role.SPECIALIST)
    html = client.get(f"/cases/{case.id}").text

    note = (
        "Chromogranin A (serum): the unit changed from µg/L to nmol/L on 12 Mar 2026; values of different "
        "assays are not comparable, so they are drawn as separate series."
    )
    figure = html[html.index('<figure class="marker-chart') : html.index("</figure>")]
    assert f'role="note">⚠ {note}</p>' in figure  # in the page, not only inside the SVG
    assert "<figcaption" in figure and 'height="370"' in figure
    assert "Chromogranin A (serum) in µg/L: 1 result, on 15 Jan 2026; latest 250 µg/L" in figure
    assert (
        "Chromogranin A (serum) in nmol/L: 2 results from 12 Mar 2026 to 20 Apr 2026; latest 1.8 nmol/L"
        in figure
    )
    assert "fell by 14% since 2.1 nmol/L on 12 Mar 2026" in figure  # within the nmol/L series only
    assert "99 %" not in html

    svg = client.get(f"/cases/{case.id}/markers/chromogranin_a.svg").text
    assert 'id="trend"' in svg and 'id="trend-2"' in svg and 'id="trend-3"' not in svg
    assert ">µg/L<" in svg and ">nmol/L<" in svg


def test_case_page_without_a_unit_change_has_no_note(client_as, case, submitter, create_lab):
    create_lab(case, created_by=submitter, sample_date=date(2026, 1, 15), value=120.0)
    create_lab(case, created_by=submitter, sample_date=date(2026, 3, 12), value=90.0)
    html = client_as(Role.SPECIALIST).get(f"/cases/{case.id}").text

    assert "marker-unit-change" not in html and 'height="220"' in html
    assert "Chromogranin A (serum) in ng/mL: 2 results from 15 Jan 2026 to 12 Mar 2026" in html
    assert "fell by 25% since 120 ng/mL on 15 Jan 2026" in html


def test_a_draft_withdrawn_before_submission_stays_private(client_as, draft):
    client_as(Role.SUBMITTER).post(
        f"/cases/{draft.id}/withdraw", data={"reason": "Duplicate", "version": draft.version}
    )
    db.session.refresh(draft)
    assert draft.status == "withdrawn"
    member = client_as(Role.SPECIALIST)
    assert member.get(f"/cases/{draft.id}").status_code == 404
    assert member.get(f"/patients/{draft.patient_id}").status_code == 404
    found = member.post("/patients", data={"q": draft.patient.mrn}).text
    assert f'href="/patients/{draft.patient_id}"' not in found and "No patient found." in found


# A create form sent twice makes one record ----------------------------------------------------------

TOKEN = "a-form-token-drawn-at-get-0123"


@pytest.mark.parametrize(
    ("kind", "model", "data"),
    [
        ("case", Case, {**CASE_FORM}),
        (
            "lab",
            LabResult,
            {"sample_date": "2026-11-30", "analyte": "chromogranin_a", "value": "50", "unit": "µg/L"},
        ),
        ("imaging", ImagingStudy, {"study_date": "2026-11-30", "modality": "ct"}),
        ("treatment", PriorTreatment, {"treatment": "SSA-LAN", "start_date": "2026-01-05"}),
    ],
)
def test_back_and_save_again_makes_one_record(client_as, board, case, kind, model, data):
    """Back + Save, a double click or a retried POST: the form's token makes the second POST find the
    first record (and say so) instead of making a duplicate."""
    client = client_as(Role.SUBMITTER)
    url = {
        "case": f"/patients/{case.patient_id}/cases/new",
        "treatment": f"/cases/{case.id}/treatments",
    }.get(kind, f"/cases/{case.id}/{kind}/new")
    form = {**data, "board_id": board.id, "once": TOKEN} if kind == "case" else {**data, "once": TOKEN}
    before = _count(model)
    first = client.post(url, data=form)
    assert first.status_code == 302, first.text[:500]
    second = client.post(url, data=form, follow_redirects=True)
    assert second.status_code == 200 and "already saved (it was sent twice)" in second.text
    assert _count(model) == before + 1
    # a new form (a new token) for another finding is a new record
    another = {"case": {}, "treatment": {"note": "second course"}}.get(kind, {next(iter(data)): "2026-11-29"})
    assert client.post(url, data={**form, **another, "once": TOKEN + "-2"}).status_code == 302
    assert _count(model) == before + 2


def test_the_create_form_carries_its_token_and_a_refusal_keeps_it(client_as, case):
    client = client_as(Role.SUBMITTER)
    page = client.get(f"/cases/{case.id}/lab/new").text
    token = re.search(r'name="once" type="hidden" value="([^"]+)"', page).group(1)
    assert len(token) >= 16
    refused = client.post(f"/cases/{case.id}/lab/new", data={"once": token, "value": "-3"})
    assert refused.status_code == 422 and f'value="{token}"' in refused.text


def test_a_damaged_token_is_not_kept(client_as, case):
    """A token the app did not draw (a crafted form) is ignored: the finding is saved, without dedup."""
    before = _count(ImagingStudy)
    response = client_as(Role.SUBMITTER).post(
        f"/cases/{case.id}/imaging/new",
        data={"study_date": "2026-11-30", "modality": "ct", "once": "<script>"},
    )
    assert response.status_code == 302 and _count(ImagingStudy) == before + 1
    assert db.session.scalar(select(func.count()).select_from(FormSubmission)) == 0


@pytest.mark.parametrize(
    ("kind", "model", "data"),
    [
        (
            "lab",
            LabResult,
            {"sample_date": "2026-11-30", "analyte": "chromogranin_a", "value": "50", "unit": "µg/L"},
        ),
        ("imaging", ImagingStudy, {"study_date": "2026-11-30", "modality": "ct", "region": "Abdomen"}),
        (
            "pathology",
            PathologyReport,
            {
                "report_date": "2026-11-30",
                "specimen_type": "core_biopsy",
                "differentiation": "well",
                "ki67_percent": "4",
            },
        ),
        ("treatment", PriorTreatment, {"treatment": "SSA-LAN", "start_date": "2026-01-05"}),
    ],
)
def test_the_same_finding_typed_again_is_refused_and_another_value_is_not(client_as, case, kind, model, data):
    """Back to a fresh form and the same report typed again: a copy in every value is refused, named;
    a finding that differs in one value is another finding."""
    client = client_as(Role.SUBMITTER)
    url = f"/cases/{case.id}/treatments" if kind == "treatment" else f"/cases/{case.id}/{kind}/new"
    before = _count(model)
    assert client.post(url, data=data).status_code == 302
    again = client.post(url, data=data, follow_redirects=True)
    assert "already recorded with" in again.text
    assert _count(model) == before + 1
    changed = {
        **data,
        ("note" if kind == "treatment" else next(k for k in data if "date" in k)): "2026-11-29",
    }
    if kind == "treatment":
        changed = {**data, "note": "second course"}
    assert client.post(url, data=changed).status_code == 302
    assert _count(model) == before + 2


def test_submit_without_a_question_is_refused_with_or_without_a_reason(
    client_as, create_case, submitter, board
):
    draft = create_case(submitter=submitter, board=board, clinical_question="")
    client = client_as(Role.SUBMITTER)
    page = client.get(f"/cases/{draft.id}/submit").text
    assert 'id="required-to-submit"' in page and "The clinical question for the board." in page
    assert "Submit anyway" not in page and f'href="/cases/{draft.id}/edit"' in page
    refused = client.post(
        f"/cases/{draft.id}/submit",
        data={"version": draft.version, "override_reason": "The patient bleeds; decide now."},
    )
    assert refused.status_code == 422
    assert "The case cannot go to the board without: The clinical question for the board." in refused.text
    db.session.refresh(draft)
    assert (draft.status, draft.readiness_override_reason) == ("draft", "")


def test_the_mrn_field_shows_the_hospitals_format_before_the_first_error(app, client_as, case, monkeypatch):
    monkeypatch.setitem(app.config, "MRN_HINT", "an A and 7 digits (A1234567)")
    client = client_as(Role.SUBMITTER)
    for url in ("/patients/new", f"/patients/{case.patient_id}/edit"):
        page = client.get(url)
        assert page.status_code == 200, url
        help_text = re.search(r'<div id="mrn-help" class="form-text">([^<]*)</div>', page.text)
        assert (
            help_text and help_text.group(1) == "As the hospital writes it: an A and 7 digits (A1234567)."
        ), url
        assert 'aria-describedby="mrn-help"' in page.text, url


def test_refused_forms_of_the_case_page_come_back_with_what_was_typed(client_as, draft):
    """The case page's small forms (a prior treatment, withdrawing) used to flash the refusal and reload
    the page empty; they come back (422) with the typed text beside the message."""
    client = client_as(Role.SUBMITTER)
    note = "Lanreotide at the outside hospital, stopped for diarrhoea " * 10  # over 500 characters
    response = client.post(
        f"/cases/{draft.id}/treatments",
        data={"treatment": "SSA-LAN", "start_date": "2026-01-05", "note": note},
    )
    assert response.status_code == 422 and "at most 500 characters" in response.text
    assert note.strip() in response.text and 'id="treatment-errors"' in response.text
    reason = "The patient chose treatment elsewhere. " * 30  # over 1000 characters
    response = client.post(f"/cases/{draft.id}/withdraw", data={"reason": reason, "version": draft.version})
    assert response.status_code == 422 and "at most 1000 characters" in response.text
    assert reason.strip() in response.text
    db.session.refresh(draft)
    assert draft.status == "draft" and draft.prior_treatments == []


def test_an_mrn_a_merge_retired_gets_the_page_of_an_mrn_in_use(
    app_ctx, client_as, case, create_patient, create_user
):
    """Registering a merged-away MRN through the form: refused in the words of an MRN in use (the same
    page as for an MRN nobody on the user's boards knows), nothing of the survivor shown, the attempt in
    the survivor's audit log."""
    from tumorboard.audit.models import AuditEvent
    from tumorboard.cases.patient_operations import merge_patients

    interface = create_user(roles=[Role.SUBMITTER])
    retired = create_patient(mrn="MERGED-0001", family_name="Hidden", given_name="Survivor")
    survivor = create_patient(mrn="KEPT-0001", family_name="Hidden", given_name="Survivor")
    merge_patients(interface, survivor, retired)
    db.session.commit()
    nobodys = create_patient(mrn="LONE-0002")
    patients = db.session.scalar(select(func.count()).select_from(Patient))
    pages = []
    for mrn in ("MERGED-0001", nobodys.mrn):
        response = client_as(Role.SUBMITTER).post(
            "/patients/new",
            data={
                "mrn": mrn,
                "family_name": "X",
                "given_name": "Y",
                "birth_date": "1970-01-01",
                "sex": "male",
            },
        )
        assert response.status_code == 422 and MRN_IN_USE in response.text
        assert "KEPT-0001" not in response.text and "Hidden" not in response.text
        pages.append(re.sub(r'(nonce|value)="[^"]{20,}"', "", response.text.replace(mrn, "MRN")))
    assert pages[0] == pages[1]
    assert f"/patients/{survivor.id}" not in pages[0]
    assert db.session.scalar(select(func.count()).select_from(Patient)) == patients
    assert db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "patient.registration_refused", AuditEvent.entity_id == str(survivor.id))
    )


def test_a_censored_value_is_typed_as_the_lab_writes_it_shown_and_edited_back(client_as, case):
    client = client_as(Role.SUBMITTER)
    lab = {"sample_date": "2026-11-30", "analyte": "chromogranin_a", "unit": "ng/mL", "ref_high": "93"}
    before = _count(LabResult)
    for bad, message in [
        ("<", "Give the number after &lt;, for example &lt;2."),
        (
            "about 5",
            "The value must be a number, or a number after &lt;, &lt;=, &gt; or &gt;= (for example &lt;2).",
        ),
        (">-3", "The value must be between 0 and 1,000,000,000."),
    ]:
        refused = client.post(f"/cases/{case.id}/lab/new", data={**lab, "value": bad})
        assert refused.status_code == 422 and message in refused.text, bad
        assert (
            'value="' + bad.replace("<", "&lt;").replace(">", "&gt;") + '"' in refused.text
        )  # kept as typed
    assert _count(LabResult) == before
    assert client.post(f"/cases/{case.id}/lab/new", data={**lab, "value": "> 1000"}).status_code == 302
    result = db.session.scalars(select(LabResult).where(LabResult.case_id == case.id)).one()
    assert (result.comparator, result.value, result.flag) == (">", 1000.0, "high")
    page = client.get(f"/cases/{case.id}").text
    assert "&gt;1000 ng/mL" in page and "greater than" in page
    form = client.get(f"/cases/{case.id}/lab/{result.id}/edit").text
    (field,) = re.findall(r'<input[^>]*id="value"[^>]*>', form)
    assert 'type="text"' in field and 'value="&gt;1000"' in field  # text: a number field refuses "<2"
