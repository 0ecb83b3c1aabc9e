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
from tumorboard import create_app
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


def _answers(strategy, token: str, prepare=lambda case: None) -> list[tuple[int, str]]:
    """Each generated call's (status, body), every answer checked against the document; the test's
    session is rolled back after each call, as a request's would be."""

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
        try:
            response = case.call_and_validate(
                headers={**(case.headers or {}), **bearer(token)}, checks=CHECKS
            )
            answers.append((response.status_code, response.text))
        finally:
            db.session.rollback()

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

    answers = _answers(strategy, token, prepare)
    accepted = [status for status, _ in answers if 200 <= status < 300]
    refused = [text for status, text in answers if not 200 <= status < 300]
    assert len(accepted) >= ACCEPTED_AT_LEAST, f"{label}: {len(accepted)} of {len(answers)}: {refused}"
