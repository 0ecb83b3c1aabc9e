"""Schemathesis against the served OpenAPI document (/api/v1/openapi.json, fetched from the app as a
WSGI client would): every operation, with generated valid and invalid input (path ids, query, headers and
bodies), called on the test app with a write token of a board member. No answer is a 5xx, and every
answer conforms to the document: its status is documented, its content type, body and headers match.

The document is loaded once, from an app of its own (the document does not depend on the data); the
calls go to the suite's app, whose database holds `world`'s records and tokens."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config import TestConfig
from tests.api.conftest import bearer, personal
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


def _known_ids(operation, world) -> dict[str, int] | None:
    """The path's ids filled with `world`'s records (board, patient, submitted case, its lab), so that
    generated bodies and queries also reach records that exist, not only 404s."""
    ids = {
        "patient_id": world.patient.id,
        "case_id": world.case.id,
        "board_id": world.board.id,
        "finding_id": world.lab.id,
    }
    names = [p.name for p in operation.path_parameters]
    if not names or not set(names) <= ids.keys():
        return None
    return {name: ids[name] for name in names}


def _strategy(operation, world):
    modes = [operation.as_strategy(schemathesis.GenerationMode.POSITIVE)]
    if operation.path_parameters or operation.query or operation.body:
        modes.append(operation.as_strategy(schemathesis.GenerationMode.NEGATIVE))
    known = _known_ids(operation, world)
    if known:
        for mode in schemathesis.GenerationMode:
            modes.append(operation.as_strategy(mode, path_parameters=known))
    return st.one_of(*modes)


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_every_operation_answers_as_documented(app, world, operation):
    SCHEMA.app = app  # the suite's app, on the test database
    headers = bearer(world.tokens["write"])

    @given(case=_strategy(operation, world))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        try:
            response = case.call_and_validate(headers={**(case.headers or {}), **headers}, checks=CHECKS)
            statuses.append(response.status_code)
        finally:
            db.session.rollback()

    statuses: list[int] = []
    run()
    assert statuses


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

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        if body:
            case.body.update({name: records[record] for name, record in body.items()})
        try:
            response = case.call_and_validate(
                headers={**(case.headers or {}), **bearer(token)}, checks=CHECKS
            )
            answers.append((response.status_code, response.text))
        finally:
            db.session.rollback()

    answers: list[tuple[int, str]] = []
    run()
    accepted = [status for status, _ in answers if 200 <= status < 300]
    refused = [text for status, text in answers if not 200 <= status < 300]
    assert len(accepted) >= ACCEPTED_AT_LEAST, f"{label}: {len(accepted)} of {len(answers)}: {refused}"
