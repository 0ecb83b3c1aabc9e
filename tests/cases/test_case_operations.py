"""Opening and editing cases, and their prior treatments: every bad input is refused with its message,
on its field, and leaves nothing behind (no row, no audit event, the case as it was)."""

from datetime import date, timedelta

import pytest

from tests.cases.helpers import audit_count, case_data, case_data_of, count, days_ago, last_event
from tumorboard.auth.roles import Role
from tumorboard.boards.models import BoardMembership
from tumorboard.cases.models import Case, CaseStatus, PriorTreatment
from tumorboard.cases.operations import (
    add_prior_treatment,
    create_case,
    remove_prior_treatment,
    update_case,
)
from tumorboard.errors import OperationError, StaleEdit
from tumorboard.extensions import db

FUTURE = date.today() + timedelta(days=2)  # in the future in every hospital time zone

# (overrides of the valid case data, field, message). "other_board" / "inactive_board" stand for boards
# made by the test.
BAD_CASE_INPUT = [
    pytest.param(
        {"board_id": "other_board"}, "board_id", "Choose one of your active boards.", id="board-not-member"
    ),
    pytest.param(
        {"board_id": "inactive_board"}, "board_id", "Choose one of your active boards.", id="board-inactive"
    ),
    pytest.param({"board_id": ""}, "board_id", "Choose one of your active boards.", id="board-blank"),
    pytest.param({"board_id": "424242"}, "board_id", "Choose one of your active boards.", id="board-unknown"),
    pytest.param(
        {"board_id": "1; DROP"}, "board_id", "Choose one of your active boards.", id="board-not-a-number"
    ),
    pytest.param(
        {"conference_type": "tea"}, "conference_type", "Unknown conference type.", id="conference-unknown"
    ),
    pytest.param(
        {"conference_type": ""}, "conference_type", "Choose the conference type.", id="conference-blank"
    ),
    pytest.param({"primary_site": "liver"}, "primary_site", "Unknown primary site.", id="site-unknown"),
    pytest.param({"primary_site": None}, "primary_site", "Choose the primary site.", id="site-missing"),
    pytest.param(
        {"tumour_size_cm": "-1"},
        "tumour_size_cm",
        "The tumour size must be between 0 and 50\u00a0cm.",
        id="size-negative",
    ),
    pytest.param(
        {"tumour_size_cm": "0"},
        "tumour_size_cm",
        "The tumour size must be greater than 0 cm.",
        id="size-zero",
    ),
    pytest.param(
        {"tumour_size_cm": "50.1"},
        "tumour_size_cm",
        "The tumour size must be between 0 and 50\u00a0cm.",
        id="size-too-big",
    ),
    pytest.param(
        {"tumour_size_cm": "2,5"}, "tumour_size_cm", "The tumour size must be a number.", id="size-comma"
    ),
    pytest.param(
        {"tumour_size_cm": "nan"},
        "tumour_size_cm",
        "The tumour size must be between 0 and 50\u00a0cm.",
        id="size-nan",
    ),
    pytest.param(
        {"extent": "submucosa"},
        "extent",
        "This extent of invasion does not apply to the chosen primary site.",
        id="extent-of-the-gut-wall-for-pancreas",
    ),
    pytest.param(
        {"primary_site": "thyroid", "extent": "limited_to_pancreas"},
        "extent",
        "This extent of invasion does not apply to the chosen primary site.",
        id="extent-for-an-unstaged-site",
    ),
    pytest.param(
        {"extent": "deep"},
        "extent",
        "This extent of invasion does not apply to the chosen primary site.",
        id="extent-unknown",
    ),
    pytest.param(
        {"nodes_examined": "-1"},
        "nodes_examined",
        "The number of nodes examined must be between 0 and 200.",
        id="nodes-examined-negative",
    ),
    pytest.param(
        {"nodes_positive": "1.5"},
        "nodes_positive",
        "The number of positive nodes must be a whole number.",
        id="nodes-positive-fraction",
    ),
    pytest.param(
        {"nodes_examined": "3", "nodes_positive": "4"},
        "nodes_positive",
        "More nodes are positive than were examined.",
        id="nodes-positive-above-examined",
    ),
    pytest.param(
        {"mesenteric_mass_cm": "3"},
        "mesenteric_mass_cm",
        "A mesenteric mass is recorded for jejunal or ileal primaries only.",
        id="mesenteric-mass-on-pancreas",
    ),
    pytest.param(
        {"primary_site": "ileum", "extent": "submucosa", "mesenteric_mass_cm": "-0.5"},
        "mesenteric_mass_cm",
        "The mesenteric mass must be between 0 and 50\u00a0cm.",
        id="mesenteric-mass-negative",
    ),
    pytest.param(
        {"metastatic_sites": ["liver", "moon"]},
        "metastatic_sites",
        "Unknown metastatic site.",
        id="metastasis-unknown",
    ),
    pytest.param(
        {"differentiation": "moderate"},
        "differentiation",
        "Unknown differentiation.",
        id="differentiation-unknown",
    ),
    pytest.param(
        {"functional_status": "active"},
        "functional_status",
        "Unknown functional status.",
        id="functional-unknown",
    ),
    pytest.param(
        {"syndrome": "carcinoid_syndrome"},
        "syndrome",
        "A hormone syndrome is recorded only for a functional tumour.",
        id="syndrome-on-non-functional",
    ),
    pytest.param(
        {"functional_status": "unknown", "syndrome": "insulinoma"},
        "syndrome",
        "A hormone syndrome is recorded only for a functional tumour.",
        id="syndrome-on-unknown-functional-status",
    ),
    pytest.param(
        {"functional_status": "functional", "syndrome": "cushing"},
        "syndrome",
        "Unknown syndrome.",
        id="syndrome-unknown",
    ),
    pytest.param(
        {"hereditary_syndrome": "men3"},
        "hereditary_syndrome",
        "Unknown hereditary syndrome.",
        id="hereditary-unknown",
    ),
    pytest.param({"ecog": "5"}, "ecog", "Unknown ECOG performance status.", id="ecog-5"),
    pytest.param(
        {"symptoms": "x" * 2001},
        "symptoms",
        "The symptoms is too long (at most 2000 characters).",
        id="symptoms-too-long",
    ),
    pytest.param(
        {"clinical_question": "?" * 4001},
        "clinical_question",
        "The clinical question is too long (at most 4000 characters).",
        id="question-too-long",
    ),
    pytest.param(
        {"no_pathology_reason": "x" * 1001},
        "no_pathology_reason",
        "The reason for missing pathology is too long (at most 1000 characters).",
        id="no-pathology-reason-too-long",
    ),
]


@pytest.fixture
def resolve_board(app_ctx, create_board):
    """Stands in the boards the bad inputs need: one the user is no member of, one inactive."""

    def resolve(overrides: dict, submitter) -> dict:
        if overrides.get("board_id") == "other_board":
            overrides = {**overrides, "board_id": create_board().id}
        elif overrides.get("board_id") == "inactive_board":
            inactive = create_board(active=False)
            submitter.memberships.append(BoardMembership(board=inactive))
            db.session.commit()
            assert inactive.id in submitter.board_ids
            overrides = {**overrides, "board_id": inactive.id}
        return overrides

    return resolve


# Creating ------------------------------------------------------------------------------------------


def test_create_case_stores_the_cleaned_input_as_a_draft(submitter, board, create_patient):
    patient = create_patient()
    events = audit_count()
    case = create_case(submitter, patient, **case_data(board))
    assert case.id is not None and case.patient is patient
    assert (case.status, case.submitter_id, case.board_id) == ("draft", submitter.id, board.id)
    assert (case.tumour_size_cm, case.nodes_examined, case.nodes_positive) == (2.5, 12, 0)
    assert (case.metastatic_sites, case.ecog, case.mesenteric_mass_cm, case.syndrome) == (
        "liver",
        1,
        None,
        None,
    )
    assert audit_count() == events + 1
    event = last_event()
    assert (event.action, event.entity_type, event.entity_id) == ("case.created", "tumor_case", str(case.id))
    assert event.changes["primary_site"] == [None, "pancreas"]
    assert event.changes["tumour_size_cm"] == [None, 2.5]
    assert "syndrome" not in event.changes  # None before and after


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param(
            {"primary_site": "ileum", "extent": "subserosa", "mesenteric_mass_cm": "2.5"},
            id="ileum-mesenteric-mass",
        ),
        pytest.param(
            {"primary_site": "jejunum", "extent": "", "mesenteric_mass_cm": "0"}, id="jejunum-mass-0"
        ),
        pytest.param(
            {"functional_status": "functional", "syndrome": "insulinoma"}, id="functional-with-syndrome"
        ),
        pytest.param({"nodes_examined": "4", "nodes_positive": "4"}, id="all-nodes-positive"),
        pytest.param({"nodes_examined": "", "nodes_positive": "3"}, id="positive-without-examined"),
        pytest.param({"tumour_size_cm": "50", "ecog": "0"}, id="largest-size-ecog-0"),
        pytest.param({"ecog": 4}, id="ecog-as-a-number"),
        pytest.param({"tumour_size_cm": "", "extent": None, "ecog": ""}, id="size-extent-ecog-blank"),
        pytest.param(
            {"differentiation": "", "functional_status": "", "hereditary_syndrome": ""}, id="unknowns-blank"
        ),
        pytest.param({"primary_site": "lung", "extent": "lung_confined"}, id="lung-extent"),
        pytest.param({"primary_site": "unknown primary", "extent": ""}, id="unknown-primary"),
        pytest.param({"metastatic_sites": ["bone", "liver", "liver"]}, id="metastases-repeated"),
    ],
)
def test_create_case_accepts_edge_inputs(submitter, board, create_patient, overrides):
    case = create_case(submitter, create_patient(), **case_data(board, **overrides))
    assert case.id is not None and case.status == CaseStatus.DRAFT


def test_blank_answers_stay_empty_and_metastases_are_sorted(submitter, board, create_patient):
    """An answer nobody chose is not recorded as one ("unknown" is a choice, not a default)."""
    case = create_case(
        submitter,
        create_patient(),
        **case_data(
            board,
            differentiation="",
            functional_status="",
            hereditary_syndrome="",
            metastatic_sites=["liver", "bone", "liver"],
        ),
    )
    assert (case.differentiation, case.functional_status, case.hereditary_syndrome) == (None,) * 3
    assert case.metastatic_site_list == ["bone", "liver"]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_CASE_INPUT)
def test_create_case_refuses_bad_input_and_writes_nothing(
    submitter, board, create_patient, resolve_board, overrides, field, message
):
    patient = create_patient()
    data = case_data(board, **resolve_board(overrides, submitter))
    cases, events = count(Case), audit_count()
    with pytest.raises(OperationError) as refused:
        create_case(submitter, patient, **data)
    assert (refused.value.message, refused.value.field) == (message, field)
    assert (count(Case), audit_count()) == (cases, events)
    assert patient.cases == []


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SPECIALIST, Role.CHAIR, Role.ADMIN])
def test_only_submitters_open_cases(app_ctx, users, board, create_patient, role):
    cases, events = count(Case), audit_count()
    with pytest.raises(OperationError, match="Only referring clinicians register cases."):
        create_case(users[role], create_patient(), **case_data(board))
    assert (count(Case), audit_count()) == (cases, events)


def test_a_submitter_of_no_board_cannot_open_a_case(outsider, board, create_patient):
    cases = count(Case)
    with pytest.raises(OperationError, match="Choose one of your active boards."):
        create_case(outsider, create_patient(), **case_data(board))
    assert count(Case) == cases


# Editing -------------------------------------------------------------------------------------------


def test_update_case_records_only_what_changed(submitter, draft):
    version, events = draft.version, audit_count()
    update_case(
        submitter,
        draft,
        expected_version=version,
        **{**case_data_of(draft), "tumour_size_cm": "3.1", "clinical_question": "PRRT?"},
    )
    assert (draft.tumour_size_cm, draft.clinical_question) == (3.1, "PRRT?")
    assert draft.version > version
    assert audit_count() == events + 1
    event = last_event()
    assert event.action == "case.updated"
    assert event.changes == {
        "clinical_question": ["Surgery or surveillance?", "PRRT?"],
        "tumour_size_cm": [2.5, 3.1],
    }


def test_update_case_without_changes_records_nothing(submitter, draft):
    version, events = draft.version, audit_count()
    update_case(submitter, draft, expected_version=version, **case_data_of(draft))
    assert (draft.version, audit_count()) == (version, events)


def test_update_case_refreshes_the_cached_grade(submitter, draft, create_pathology):
    create_pathology(
        draft, created_by=submitter, ki67_percent=30.0, mitoses_per_2mm2=3.0, reported_grade="G3"
    )
    update_case(
        submitter,
        draft,
        expected_version=draft.version,
        **{**case_data_of(draft), "primary_site": "lung", "extent": "lung_confined", "metastatic_sites": []},
    )
    assert draft.computed_grade == "atypical carcinoid"  # lung rules: 3 mitoses, Ki-67 plays no part
    update_case(
        submitter,
        draft,
        expected_version=draft.version,
        **{**case_data_of(draft), "primary_site": "pancreas", "extent": ""},
    )
    assert draft.computed_grade == "G3"
    update_case(
        submitter, draft, expected_version=draft.version, **{**case_data_of(draft), "differentiation": "poor"}
    )
    assert draft.computed_grade == "G3"  # the report's own differentiation ("well") wins over the case's
    draft.pathology[0].differentiation = "unknown"
    update_case(
        submitter, draft, expected_version=draft.version, **{**case_data_of(draft), "differentiation": "well"}
    )
    assert draft.computed_grade == "G3"
    update_case(
        submitter, draft, expected_version=draft.version, **{**case_data_of(draft), "differentiation": "poor"}
    )
    assert draft.computed_grade == "NEC"  # without one in the report, the case's differentiation decides


SNAPSHOT = ("board_id", "primary_site", "tumour_size_cm", "extent", "nodes_positive", "syndrome", "ecog")


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_CASE_INPUT)
def test_update_case_refuses_bad_input_and_changes_nothing(
    submitter, draft, resolve_board, overrides, field, message
):
    data = {**case_data_of(draft), **resolve_board(overrides, submitter)}
    db.session.commit()
    before = {name: getattr(draft, name) for name in SNAPSHOT}
    version, events = draft.version, audit_count()
    with pytest.raises(OperationError) as refused:
        update_case(submitter, draft, expected_version=version, **data)
    assert (refused.value.message, refused.value.field) == (message, field)
    db.session.rollback()
    db.session.refresh(draft)
    assert {name: getattr(draft, name) for name in SNAPSHOT} == before
    assert (draft.version, audit_count()) == (version, events)


@pytest.mark.parametrize(
    "status",
    [s for s in CaseStatus if s not in (CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.DEFERRED)],
)
def test_a_case_on_an_agenda_or_later_cannot_be_edited(submitter, board, create_case, status):
    case = create_case(submitter=submitter, board=board, status=status.value)
    with pytest.raises(OperationError, match="This case can no longer be edited by you."):
        update_case(
            submitter, case, expected_version=case.version, **{**case_data_of(case), "tumour_size_cm": "9"}
        )
    assert case.tumour_size_cm == 2.5


@pytest.mark.parametrize("role", list(Role))
def test_nobody_but_the_submitter_edits_a_case(users, board, create_case, create_user, role):
    case = create_case(
        submitter=create_user(roles=[Role.SUBMITTER], boards=[board]), board=board, status="submitted"
    )
    with pytest.raises(OperationError, match="This case can no longer be edited by you."):
        update_case(
            users[role], case, expected_version=case.version, **{**case_data_of(case), "tumour_size_cm": "9"}
        )
    assert case.tumour_size_cm == 2.5


@pytest.mark.parametrize("expected_version", [None, 0, 99], ids=["no-version", "older", "newer"])
def test_update_case_with_a_stale_version_is_refused(submitter, draft, expected_version):
    events = audit_count()
    with pytest.raises(StaleEdit) as stale:
        update_case(
            submitter,
            draft,
            expected_version=expected_version,
            **{**case_data_of(draft), "tumour_size_cm": "9"},
        )
    assert (stale.value.entity_type, stale.value.entity_id) == ("tumor_case", draft.id)
    assert draft.tumour_size_cm == 2.5 and audit_count() == events


def test_an_open_form_goes_stale_when_someone_saves_first(submitter, draft):
    seen = draft.version
    update_case(submitter, draft, expected_version=seen, **{**case_data_of(draft), "symptoms": "Flushing"})
    with pytest.raises(StaleEdit):
        update_case(
            submitter, draft, expected_version=seen, **{**case_data_of(draft), "symptoms": "Diarrhoea"}
        )
    assert draft.symptoms == "Flushing"


# Prior treatments ----------------------------------------------------------------------------------


def test_add_and_remove_a_prior_treatment(submitter, draft):
    version = draft.version
    item = add_prior_treatment(
        submitter,
        draft,
        treatment="SSA-LAN",
        start_date=days_ago(200),
        end_date=days_ago(20),
        note=" 120 mg ",
    )
    assert (item.treatment, item.note, item.case_id) == ("SSA-LAN", "120 mg", draft.id)
    assert draft.version > version
    event = last_event()
    assert event.action == "case.prior_treatment_added"
    assert event.changes == {"prior_treatment": [None, f"SSA-LAN from {days_ago(200).isoformat()}"]}

    version = draft.version
    remove_prior_treatment(submitter, draft, item)
    assert draft.prior_treatments == [] and count(PriorTreatment) == 0
    assert draft.version > version
    event = last_event()
    assert event.action == "case.prior_treatment_removed"
    assert event.changes == {"prior_treatment": [f"SSA-LAN from {days_ago(200).isoformat()}", None]}


BIRTH = date(1961, 4, 12)  # the factory's patient


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        pytest.param({"treatment": "ASPIRIN"}, "treatment", "Unknown treatment.", id="treatment-unknown"),
        pytest.param({"treatment": ""}, "treatment", "Choose the treatment.", id="treatment-blank"),
        pytest.param(
            {"start_date": FUTURE},
            "start_date",
            "The start date cannot be in the future.",
            id="start-in-future",
        ),
        pytest.param(
            {"start_date": BIRTH - timedelta(days=1)},
            "start_date",
            "The start date cannot be before the patient's birth date.",
            id="start-before-birth",
        ),
        pytest.param(
            {"start_date": "2024-01-01"},
            "start_date",
            "Enter the start date as a date.",
            id="start-not-a-date",
        ),
        pytest.param(
            {"end_date": FUTURE}, "end_date", "The end date cannot be in the future.", id="end-in-future"
        ),
        pytest.param(
            {"start_date": date(2020, 5, 2), "end_date": date(2020, 5, 1)},
            "end_date",
            "The end date is before the start date.",
            id="end-before-start",
        ),
        pytest.param(
            {"note": "n" * 501}, "note", "The note is too long (at most 500 characters).", id="note-too-long"
        ),
    ],
)
def test_add_prior_treatment_refuses_bad_input_and_writes_nothing(submitter, draft, data, field, message):
    version, events = draft.version, audit_count()
    with pytest.raises(OperationError) as refused:
        add_prior_treatment(submitter, draft, **{"treatment": "SSA-LAN", "start_date": days_ago(100), **data})
    assert (refused.value.message, refused.value.field) == (message, field)
    assert (count(PriorTreatment), audit_count(), draft.version) == (0, events, version)
    assert draft.prior_treatments == []


def test_a_prior_treatment_may_start_on_the_birth_date(submitter, draft):
    assert add_prior_treatment(submitter, draft, treatment="SURV", start_date=BIRTH).start_date == BIRTH


def test_prior_treatments_are_the_submitters_to_change(app_ctx, users, draft):
    for role in (Role.COORDINATOR, Role.SPECIALIST, Role.CHAIR):
        with pytest.raises(OperationError, match="This case can no longer be edited by you."):
            add_prior_treatment(users[role], draft, treatment="SURV", start_date=days_ago(3))
    assert count(PriorTreatment) == 0


def test_a_prior_treatment_of_another_case_is_not_removed(submitter, board, draft, create_case):
    other = create_case(submitter=submitter, board=board)
    item = add_prior_treatment(submitter, other, treatment="SURV", start_date=days_ago(3))
    events = audit_count()
    with pytest.raises(OperationError):
        remove_prior_treatment(submitter, draft, item)
    assert other.prior_treatments == [item] and audit_count() == events
