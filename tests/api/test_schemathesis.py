"""Schemathesis against the served OpenAPI document (/api/v1/openapi.json, fetched from the app as a
WSGI client would): every operation, with generated valid and invalid input (path ids, query, headers and
bodies), called on the test app with a write token of a board member. No answer is a 5xx, and every
answer conforms to the document: its status is documented, its content type, body and headers match.

The document is loaded once, from an app of its own (the document does not depend on the data); the
calls go to the suite's app, whose database holds `world`'s records and tokens, and `records`: a meeting
with its agenda item, a signed decision with its follow-up, findings of each kind and a prior treatment,
whose ids fill every path (tests.api.conftest.path_ids)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config import TestConfig
from tests.api.conftest import bearer, path_ids, personal
from tests.decisions.conftest import item, meeting, signed, start_meeting, waiting_case  # noqa: F401
from tests.decisions.support import save
from tumorboard import create_app
from tumorboard.cases.finding_operations import PET_MODALITIES
from tumorboard.cases.models import Case
from tumorboard.clinical.vocabularies import ImagingModality
from tumorboard.decisions import operations as decision_operations
from tumorboard.decisions.models import Decision
from tumorboard.extensions import db

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
]
EXAMPLES = 20

SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", create_app(TestConfig))
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


def test_the_document_is_openapi_3_1_with_every_operation():
    assert SCHEMA.raw_schema["openapi"] == "3.1.0"
    assert len(OPERATIONS) >= 35


def _strategy(operation, records):
    """Both phases with free path ids (mostly 404s) and both with the ids of `records`, so that generated
    bodies and queries also reach records that exist and the token may see."""
    modes = [operation.as_strategy(schemathesis.GenerationMode.POSITIVE)]
    if operation.path_parameters or operation.query or operation.body:
        modes.append(operation.as_strategy(schemathesis.GenerationMode.NEGATIVE))
    if operation.path_parameters:
        known = path_ids(operation.path, operation.method, records)
        modes.extend(
            operation.as_strategy(mode, path_parameters=known) for mode in schemathesis.GenerationMode
        )
    return st.one_of(*modes)


def _answers(strategy, token: str, prepare=lambda case: None, *, undo=False) -> list[tuple[int, str]]:
    """Each generated call's (status, body), every answer checked against the document; the test's
    session is rolled back after each call, as a request's would be. With `undo`, what a call committed
    is undone too (a savepoint of the test's connection around it), so each call changes the records
    as they were: the same version, the same finding not yet removed."""

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        prepare(case)
        if undo:
            db.session.commit()
            call = db.session.get_bind().begin_nested()
        try:
            response = case.call_and_validate(
                headers={**(case.headers or {}), **bearer(token)}, checks=CHECKS
            )
            answers.append((response.status_code, response.text))
        finally:
            db.session.rollback()
            if undo:
                call.rollback()
                db.session.expire_all()

    answers: list[tuple[int, str]] = []
    run()
    return answers


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_every_operation_answers_as_documented(app, world, records, operation):
    SCHEMA.app = app  # the suite's app, on the test database
    assert _answers(_strategy(operation, records), world.tokens["write"])


READS_OF_A_RECORD = [op for op in OPERATIONS if op.method.upper() == "GET" and op.path_parameters]


def test_every_read_of_a_record_is_generated():
    assert len(READS_OF_A_RECORD) >= 18


@pytest.mark.parametrize("operation", READS_OF_A_RECORD, ids=[op.label for op in READS_OF_A_RECORD])
def test_generated_valid_input_reads_the_records(app, world, records, operation):
    """Schemathesis' positive phase with the ids of records the token may see: the read answers 2xx to
    most of it (all 20 when measured: its queries and headers as the document allows them), so the phase
    checks real answers against the document, not only 404s."""
    SCHEMA.app = app
    known = path_ids(operation.path, operation.method, records)
    strategy = operation.as_strategy(schemathesis.GenerationMode.POSITIVE, path_parameters=known)
    answers = _answers(strategy, world.tokens["write"])
    accepted = [status for status, _ in answers if 200 <= status < 300]
    assert len(accepted) >= EXAMPLES // 2, (
        f"{operation.label}: {len(accepted)} of {len(answers)}: {answers[:3]}"
    )


# The creates, each with the ids a document cannot know (the path's record, a body's patient and board)
# filled with records that exist, and the token of someone who may create there: (path, body, caller).
CREATES = {
    "POST /api/v1/patients": ({}, {}, "submitter"),
    "POST /api/v1/cases": ({}, {"patient_id": "patient", "board_id": "board"}, "submitter"),
    "POST /api/v1/cases/{case_id}/labs": ({"case_id": "draft"}, {}, "submitter"),
    "POST /api/v1/cases/{case_id}/imaging": ({"case_id": "draft"}, {}, "submitter"),
    "POST /api/v1/cases/{case_id}/pathology": ({"case_id": "draft"}, {}, "submitter"),
    "POST /api/v1/cases/{case_id}/prior-treatments": ({"case_id": "draft"}, {}, "submitter"),
    "POST /api/v1/boards/{board_id}/meetings": ({"board_id": "board"}, {}, "coordinator"),
}
# Of the 20 derandomized examples, how many a create must accept: what the document describes (lengths,
# enums, ranges, the MRN's and the days' patterns, the Idempotency-Key's form, a room or a video link) is
# all generated data meets; the rest are refused for rules between fields the document does not hold (an
# extent the site does not have, a mitotic count without its area), a finding before the patient's birth
# date, or a copy of a record made just before.
ACCEPTED_AT_LEAST = 3


def _imaging_as_its_modality_has_it(body: dict) -> None:
    """What an imaging study records depends on its modality (tumorboard.cases.finding_operations.
    clean_imaging: a tracer and the Krenning score on SSTR imaging, uptake on PET, the FDG/SSTR
    comparison on a positive FDG PET), rules between fields that the document does not hold: a client
    sends only what its modality has, and so does this one (the refusals are tested in tests/cases)."""
    modality = ImagingModality(body["modality"])
    if modality is not ImagingModality.SSTR_PET_CT:
        body["tracer"] = None
    if not modality.shows_sstr_uptake:
        body["krenning_score"] = None
    if modality not in PET_MODALITIES:
        body["uptake_positive"] = None
    if body.get("krenning_score") is not None and body.get("uptake_positive") is not None:
        body["uptake_positive"] = body["krenning_score"] > 0
    if modality is not ImagingModality.FDG_PET_CT or not body.get("uptake_positive"):
        body["fdg_vs_sstr"] = None


def test_every_create_is_in_the_table():
    posts = {op.label for op in OPERATIONS if op.method.upper() == "POST"}
    not_creates = {
        "POST /api/v1/decisions/{decision_id}/signature",  # always 403: signing needs the chair's password
        "POST /api/v1/decisions/{decision_id}/follow-up",  # a signed decision's (test_more_writes.py)
        "POST /api/v1/meetings/{meeting_id}/agenda",  # a planned meeting's (test_meeting_writes.py)
    }
    assert posts - not_creates == CREATES.keys()


@pytest.mark.parametrize("label", CREATES)
def test_generated_valid_input_makes_records(app, world, coordinator, label):
    """Schemathesis' positive phase only (data the document calls valid): the create answers 2xx for
    most of it, and every answer is still as documented."""
    SCHEMA.app = app
    path, body, caller = CREATES[label]
    records = {"patient": world.patient.id, "board": world.board.id, "draft": world.draft.id}
    token = world.tokens["write"] if caller == "submitter" else personal(coordinator)
    operation = next(op for op in OPERATIONS if op.label == label)
    path_ids = {name: records[record] for name, record in path.items()}
    strategy = operation.as_strategy(
        schemathesis.GenerationMode.POSITIVE, **({"path_parameters": path_ids} if path_ids else {})
    )

    def prepare(case):
        if body:
            case.body.update({name: records[record] for name, record in body.items()})
        if label.endswith("/imaging"):
            _imaging_as_its_modality_has_it(case.body)

    answers = _answers(strategy, token, prepare, undo=True)
    accepted = [status for status, _ in answers if 200 <= status < 300]
    refused = [text for status, text in answers if not 200 <= status < 300]
    assert len(accepted) >= ACCEPTED_AT_LEAST, f"{label}: {len(accepted)} of {len(answers)}: {refused}"


# The changes (PUT and DELETE, and the agenda's POST, which changes its meeting), each with the ids a
# document cannot know filled from records that exist and may change: (path ids, the record whose ETag
# goes in If-Match, the caller, body ids). `changes` holds `records`' open case and its findings, the
# draft and a planned meeting with two cases on its agenda and one more case waiting in the pool.
CHANGES = {
    "PUT /api/v1/patients/{patient_id}": ("patient", "patient", "submitter", {}),
    "PUT /api/v1/cases/{case_id}": ("case", "case", "submitter", {"board_id": "board"}),
    "PUT /api/v1/labs/{finding_id}": ("lab", "lab", "submitter", {}),
    "DELETE /api/v1/labs/{finding_id}": ("lab", "lab", "submitter", {}),
    "PUT /api/v1/imaging/{finding_id}": ("imaging", "imaging", "submitter", {}),
    "DELETE /api/v1/imaging/{finding_id}": ("imaging", "imaging", "submitter", {}),
    "PUT /api/v1/pathology/{finding_id}": ("pathology", "pathology", "submitter", {}),
    "DELETE /api/v1/pathology/{finding_id}": ("pathology", "pathology", "submitter", {}),
    "DELETE /api/v1/cases/{case_id}/prior-treatments/{treatment_id}": (
        "treatment",
        "case",
        "submitter",
        {},
    ),
    "PUT /api/v1/decisions/{decision_id}": ("draft", "draft", "specialist", {}),
    "PUT /api/v1/decisions/{decision_id}/follow-up": ("signed", "follow_up", "submitter", {}),
    "PUT /api/v1/meetings/{meeting_id}": ("planned", "planned", "coordinator", {}),
    "PUT /api/v1/meetings/{meeting_id}/agenda-lock": ("planned", "planned", "coordinator", {}),
    "PUT /api/v1/meetings/{meeting_id}/cancellation": ("planned", "planned", "coordinator", {}),
    "PUT /api/v1/meetings/{meeting_id}/agenda/order": (
        "planned",
        "planned",
        "coordinator",
        {"item_ids": "reversed_items"},
    ),
    "POST /api/v1/meetings/{meeting_id}/agenda": (
        "planned",
        "planned",
        "coordinator",
        {"case_id": "waiting"},
    ),
    "DELETE /api/v1/agenda-items/{item_id}": ("planned_item", "planned", "coordinator", {}),
}
# Of the 20 derandomized examples, how many a change must accept: the document's ranges and patterns
# are met by all generated data; the rest are refused for what it cannot say (a date before the
# patient's birth, a reason a partly-done follow-up needs). Measured: 5 (pathology) to 20 of 20.
CHANGES_ACCEPTED_AT_LEAST = 5


def test_every_change_is_in_the_table():
    writes = {op.label for op in OPERATIONS if op.method.upper() in {"PUT", "DELETE", "PATCH"}}
    assert writes | {"POST /api/v1/meetings/{meeting_id}/agenda"} == CHANGES.keys()


@pytest.fixture
def changes(records, world, specialist, start_meeting, waiting_case):  # noqa: F811
    """What the changes write to, by the names CHANGES gives them: (path ids, ETag, body ids); the draft
    is the specialist's for the signed decision's meeting's other case."""
    signed_decision = db.session.get(Decision, records["decision_id"])
    other = next(
        entry for entry in signed_decision.meeting.items if entry.id != signed_decision.agenda_item_id
    )
    draft = decision_operations.start_decision(specialist, other)
    save(specialist, draft)
    planned = start_meeting(2, start=False)
    waiting = waiting_case()
    db.session.commit()
    open_case = db.session.get(Case, records["changes"]["case_id"])
    lab, imaging, pathology = (
        next(f for f in getattr(open_case, kind) if f.id == records["changes"][kind])
        for kind in ("labs", "imaging", "pathology")
    )
    items = sorted(planned.items, key=lambda entry: entry.position)
    return {
        "paths": {
            "patient": {"patient_id": open_case.patient_id},
            "case": {"case_id": open_case.id},
            "lab": {"finding_id": lab.id},
            "imaging": {"finding_id": imaging.id},
            "pathology": {"finding_id": pathology.id},
            "treatment": {"case_id": open_case.id, "treatment_id": records["changes"]["treatment_id"]},
            "draft": {"decision_id": draft.id},
            "signed": {"decision_id": signed_decision.id},
            "planned": {"meeting_id": planned.id},
            "planned_item": {"item_id": items[0].id},
        },
        "etags": {
            name: f'"v{entity.version}"'
            for name, entity in {
                "patient": open_case.patient,
                "case": open_case,
                "lab": lab,
                "imaging": imaging,
                "pathology": pathology,
                "draft": draft,
                "follow_up": signed_decision.follow_up,
                "planned": planned,
            }.items()
        },
        "bodies": {
            "reversed_items": [entry.id for entry in reversed(items)],
            "waiting": waiting.id,
            "board": world.board.id,
        },
    }


@pytest.mark.parametrize("label", CHANGES)
def test_generated_valid_input_changes_records(app, world, specialist, coordinator, changes, label):
    """Schemathesis' positive phase for the changes, with the ETag the record was read with in
    If-Match (each call is rolled back, so the ETag stays current): most of it answers 2xx, and every
    answer is as documented; the version check, the operations' refusals and the audit run as for any
    client."""
    SCHEMA.app = app
    path, etag, caller, body = CHANGES[label]
    tokens = {
        "submitter": world.tokens["write"],
        "specialist": personal(specialist),
        "coordinator": personal(coordinator),
    }
    operation = next(op for op in OPERATIONS if op.label == label)
    strategy = operation.as_strategy(
        schemathesis.GenerationMode.POSITIVE, path_parameters=changes["paths"][path]
    )

    def prepare(case):
        case.headers = {**(case.headers or {}), "If-Match": changes["etags"][etag]}
        if body and isinstance(case.body, dict):
            case.body.update({name: changes["bodies"][value] for name, value in body.items()})
        if label.startswith("PUT /api/v1/imaging/"):
            _imaging_as_its_modality_has_it(case.body)

    answers = _answers(strategy, tokens[caller], prepare, undo=True)
    accepted = [status for status, _ in answers if 200 <= status < 300]
    refused = [text for status, text in answers if not 200 <= status < 300]
    assert len(accepted) >= CHANGES_ACCEPTED_AT_LEAST, (
        f"{label}: {len(accepted)} of {len(answers)}: {refused[:4]}"
    )
