"""The API's later writes raced on PostgreSQL with real threads (prior treatments, meetings, agendas,
decision drafts, follow-ups): two changes sent with the same ETag at the same moment are one 2xx and one
412, never both applied; two copies of any create POST with the same Idempotency-Key make one record, the
second answer replaying the first; two first follow-ups make one. Each request is a test client of its
own in a thread of its own, on a database whose writes commit, so the two transactions really run at once
(the writers' lock, the version check and the unique indexes decide, never the test's order)."""

import os
import re
import threading
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.api.conftest import bearer
from tests.conftest import give_function
from tests.decisions.support import a_signed_decision, save
from tests.meetings.support import a_plan
from tumorboard.auth import token_operations
from tumorboard.auth.roles import Role
from tumorboard.cases import operations as case_operations
from tumorboard.cases.models import Case, ImagingStudy, LabResult, PathologyReport, Patient, PriorTreatment
from tumorboard.db import utcnow
from tumorboard.decisions import operations as decision_operations
from tumorboard.decisions.models import Decision, FollowUp
from tumorboard.extensions import db
from tumorboard.meetings import operations as meeting_operations
from tumorboard.meetings.models import AgendaItem, Meeting
from tumorboard.timezones import hospital_today, to_local

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="concurrency is tested on PostgreSQL"
)
ROUNDS = 3


@dataclass
class Races:
    app: object
    tokens: dict[str, str]
    case_id: int
    pool_case_ids: list[int]
    planned_id: int
    draft_id: int
    signed_id: int


def _token(user) -> str:
    _token, secret = token_operations.create_personal_token(user, name="race", scope="write", lifetime="7")
    return secret


def _submitted(submitter, board):
    case = factories.create_case(submitter=submitter, board=board, status="submitted", submitted_at=utcnow())
    factories.create_pathology(case, created_by=submitter)
    factories.create_imaging(case, created_by=submitter)
    return case


@pytest.fixture
def races(isolated_app) -> Races:
    """A board with its people; a submitted case; a started meeting with a specialist's draft and a
    signed decision; a planned meeting whose agenda is still open; cases waiting in the pool."""
    app = isolated_app()
    with app.app_context():
        board = factories.create_board(name="Race board")
        people = {
            role: factories.create_user(roles=[role], boards=[board]) for role in Role if role != Role.PRIVACY
        }
        give_function(people[Role.COORDINATOR], board, coordinator=True)
        give_function(people[Role.CHAIR], board, chair=True)
        submitter, coordinator = people[Role.SUBMITTER], people[Role.COORDINATOR]
        chair, specialist = people[Role.CHAIR], people[Role.SPECIALIST]
        meeting = meeting_operations.plan_meeting(coordinator, board, a_plan())
        for _ in range(2):
            meeting_operations.add_to_agenda(
                coordinator, meeting, _submitted(submitter, board), expected_version=meeting.version
            )
        present = {user.id: "present" for user in (chair, specialist, coordinator)}
        meeting_operations.record_attendance(coordinator, meeting, present, expected_version=meeting.version)
        meeting_operations.start_meeting(
            chair,
            meeting,
            expected_version=meeting.version,
            override_reason="Surgery is in theatre.",
            confirm_early=True,
        )
        draft = decision_operations.start_decision(specialist, meeting.items[0])
        save(specialist, draft)
        signed = a_signed_decision(specialist, chair, meeting.items[1])
        planned = meeting_operations.plan_meeting(coordinator, board, a_plan(days=14))
        case = factories.create_case(submitter=submitter, board=board)
        pool = [_submitted(submitter, board).id for _ in range(2 * ROUNDS)]
        tokens = {
            "submitter": _token(submitter),
            "coordinator": _token(coordinator),
            "specialist": _token(specialist),
        }
        db.session.commit()
        return Races(app, tokens, case.id, pool, planned.id, draft.id, signed.id)


def at_once(app, requests) -> list[tuple[int, dict, dict]]:
    """Send (method, url, token, headers, body) requests at the same moment, each from a thread and a test
    client of its own; their (status, JSON body, headers), in order."""
    barrier = threading.Barrier(len(requests))
    answers: list = [None] * len(requests)

    def run(index, method, url, token, headers, body):
        client = app.test_client()
        barrier.wait()
        response = client.open(
            url, method=method, json=body, headers={"Authorization": f"Bearer {token}", **headers}
        )
        answers[index] = (response.status_code, response.get_json(silent=True) or {}, dict(response.headers))

    threads = [threading.Thread(target=run, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert None not in answers, "a request got no answer in 60 s"
    return answers


def _etag(app, url, token) -> str:
    response = app.test_client().get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_json()
    return response.headers["ETag"]


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _one_won(answers, success: int) -> dict:
    """One answer is `success`, the other the 412 of a stale version; the winner's body."""
    statuses = sorted(status for status, _body, _headers in answers)
    assert statuses == sorted([success, 412]), answers
    return next(body for status, body, _headers in answers if status == success)


def test_two_meeting_changes_with_one_etag_apply_one(races):
    app, token = races.app, races.tokens["coordinator"]
    url = f"/api/v1/meetings/{races.planned_id}"
    for round_ in range(ROUNDS):
        etag = _etag(app, url, token)
        with app.app_context():
            meeting = db.session.get(Meeting, races.planned_id)
            begin = to_local(meeting.starts_at).replace(tzinfo=None).isoformat()
        bodies = [
            {"start": begin, "duration_minutes": 90, "room": f"Room {round_}-{side}"} for side in ("a", "b")
        ]
        answers = at_once(app, [("PUT", url, token, {"If-Match": etag}, body) for body in bodies])
        won = _one_won(answers, 200)
        with app.app_context():
            assert db.session.get(Meeting, races.planned_id).room == won["room"]


def test_two_cases_added_to_an_agenda_with_one_etag_add_one(races):
    app, token = races.app, races.tokens["coordinator"]
    url = f"/api/v1/meetings/{races.planned_id}"
    pool = iter(races.pool_case_ids)
    for round_ in range(ROUNDS):
        etag = _etag(app, url, token)
        answers = at_once(
            app,
            [("POST", f"{url}/agenda", token, {"If-Match": etag}, {"case_id": next(pool)}) for _ in range(2)],
        )
        _one_won(answers, 201)
        assert _count(app, AgendaItem, AgendaItem.meeting_id == races.planned_id) == round_ + 1


def test_two_draft_saves_with_one_etag_save_one(races):
    app, token = races.app, races.tokens["specialist"]
    url = f"/api/v1/decisions/{races.draft_id}"
    for round_ in range(ROUNDS):
        with app.app_context():
            version = db.session.get(Decision, races.draft_id).version
        bodies = [
            {"recommendation": f"Round {round_}, writer {side}", "items": [{"treatment": "SURV"}]}
            for side in ("a", "b")
        ]
        answers = at_once(app, [("PUT", url, token, {"If-Match": f'"v{version}"'}, body) for body in bodies])
        won = _one_won(answers, 200)
        with app.app_context():
            saved = db.session.get(Decision, races.draft_id)
            assert saved.recommendation == won["recommendation"] and saved.version > version


def test_two_follow_ups_at_once_make_one_and_two_changes_with_one_etag_apply_one(races):
    app, token = races.app, races.tokens["submitter"]
    url = f"/api/v1/decisions/{races.signed_id}/follow-up"
    answers = at_once(app, [("POST", url, token, {}, {"status": "fully"}) for _ in range(2)])
    assert sorted(status for status, _b, _h in answers) == [201, 409], answers
    assert _count(app, FollowUp) == 1
    for _round in range(ROUNDS):
        etag = _etag(app, url, token)
        with app.app_context():
            current = db.session.scalars(select(FollowUp)).one().status
        # two changes, each from what is recorded (a save that changes nothing moves no version)
        bodies = [
            {"status": status, **({} if status == "fully" else {"reason": "toxicity"})}
            for status in ("fully", "partly", "not")
            if status != current
        ]
        answers = at_once(app, [("PUT", url, token, {"If-Match": etag}, body) for body in bodies])
        won = _one_won(answers, 200)
        with app.app_context():
            assert db.session.scalars(select(FollowUp)).one().status == won["status"]
    assert _count(app, FollowUp) == 1


def test_two_prior_treatments_removed_with_one_etag_remove_one(races):
    app, token = races.app, races.tokens["submitter"]
    case_url = f"/api/v1/cases/{races.case_id}"
    for round_ in range(ROUNDS):
        with app.app_context():
            case = db.session.get(Case, races.case_id)
            submitter = case.submitter
            made = [
                case_operations.add_prior_treatment(
                    submitter, case, treatment="SURV", start_date=hospital_today(), note=f"{round_}-{n}"
                ).id
                for n in range(2)
            ]
            db.session.commit()
        etag = _etag(app, case_url, token)
        answers = at_once(
            app,
            [
                ("DELETE", f"{case_url}/prior-treatments/{item}", token, {"If-Match": etag}, None)
                for item in made
            ],
        )
        _one_won(answers, 204)
        assert _count(app, PriorTreatment, PriorTreatment.id.in_(made)) == 1


# Every POST of the API that creates a record under an Idempotency-Key (the document's list, checked
# below): its URL (from `races`), the token that may make it, its model, a body, and the field each round
# changes so that each round asks for a record of its own.
CREATES = {
    "POST /api/v1/patients": ("submitter", Patient, "mrn"),
    "POST /api/v1/cases": ("submitter", Case, "tumour_size_cm"),
    "POST /api/v1/cases/{case_id}/labs": ("submitter", LabResult, "value"),
    "POST /api/v1/cases/{case_id}/imaging": ("submitter", ImagingStudy, "report_text"),
    "POST /api/v1/cases/{case_id}/pathology": ("submitter", PathologyReport, "specimen_site"),
    "POST /api/v1/cases/{case_id}/prior-treatments": ("submitter", PriorTreatment, "note"),
    "POST /api/v1/boards/{board_id}/meetings": ("coordinator", Meeting, "room"),
    "POST /api/v1/meetings/{meeting_id}/agenda": ("coordinator", AgendaItem, "case_id"),
}
# A decision has one follow-up, so it is raced once (test_two_first_follow_ups_with_one_key_make_one).
FOLLOW_UP = "POST /api/v1/decisions/{decision_id}/follow-up"


def _body(races, label: str, round_: int) -> dict:
    """What `label` is sent in round `round_`: valid, and unlike the other rounds' in its CREATES field."""
    app = races.app
    with app.app_context():
        today = hospital_today()
        case = db.session.get(Case, races.case_id)
        board_id, patient_id = case.board_id, case.patient_id
    day = today.isoformat()
    bodies = {
        "patients": {
            "family_name": "Race",
            "given_name": "Rita",
            "birth_date": "1970-01-01",
            "sex": "female",
        },
        "cases": {
            "patient_id": patient_id,
            "board_id": board_id,
            "conference_type": "pre_therapeutic",
            "primary_site": "pancreas",
        },
        "labs": {"sample_date": day, "analyte": "chromogranin_a", "unit": "ng/mL"},
        "imaging": {"study_date": day, "modality": "ct"},
        "pathology": {"report_date": day, "specimen_type": "core_biopsy", "differentiation": "well"},
        "prior-treatments": {"treatment": "SURV", "start_date": day},
        "meetings": {
            "start": f"{today.replace(year=today.year + 1).isoformat()}T16:00",
            "duration_minutes": 60,
        },
        "agenda": {},
    }
    field = CREATES[label][2]
    varied = {"tumour_size_cm": round_ + 1, "value": round_ + 1, "case_id": races.pool_case_ids[round_]}
    return {**bodies[label.rsplit("/", 1)[1]], field: varied.get(field, f"RACE-{round_:04d}")}


def _url(races, label: str) -> str:
    with races.app.app_context():
        board_id = db.session.get(Case, races.case_id).board_id
    return label.split(" ", 1)[1].format(
        case_id=races.case_id, board_id=board_id, meeting_id=races.planned_id, decision_id=races.signed_id
    )


def _headers(races, label: str, token: str, round_: int) -> dict[str, str]:
    """The Idempotency-Key of the round, and for the agenda the meeting's ETag (both copies send it)."""
    headers = {"Idempotency-Key": f"race-{re.sub(r'[^a-z]+', '-', label)[-30:]}-{round_:04d}"}
    if "{meeting_id}" in label:
        headers["If-Match"] = _etag(races.app, f"/api/v1/meetings/{races.planned_id}", token)
    return headers


def test_every_create_with_an_idempotency_key_is_raced(races):
    document = races.app.test_client().get("/api/v1/openapi.json").get_json()
    keyed = {
        f"POST {path}"
        for path, operations in document["paths"].items()
        if any(p["name"] == "Idempotency-Key" for p in operations.get("post", {}).get("parameters", []))
    }
    assert keyed == CREATES.keys() | {FOLLOW_UP}


@pytest.mark.parametrize("label", CREATES)
def test_two_posts_with_one_idempotency_key_make_one_record(races, label):
    """A client's retry racing its first try: one record, made by one answer (201) and replayed by the
    other (200, the same record), never a 500, a 409 or a second record."""
    app = races.app
    role, model, _field = CREATES[label]
    token, url = races.tokens[role], _url(races, label)
    before = _count(app, model)
    for round_ in range(ROUNDS):
        headers = _headers(races, label, token, round_)
        answers = at_once(app, [("POST", url, token, headers, _body(races, label, round_)) for _ in range(2)])
        assert sorted(status for status, _body, _headers in answers) == [200, 201], answers
        (made,) = {answer["id"] for _status, answer, _headers in answers}
        assert made and _count(app, model) == before + round_ + 1


def test_two_first_follow_ups_with_one_key_make_one_and_a_later_retry_replays_it(races):
    app, token = races.app, races.tokens["submitter"]
    url, headers = _url(races, FOLLOW_UP), _headers(races, FOLLOW_UP, races.tokens["submitter"], 0)
    answers = at_once(app, [("POST", url, token, headers, {"status": "fully"}) for _ in range(2)])
    assert sorted(status for status, _b, _h in answers) == [200, 201], answers
    (made,) = {answer["id"] for _status, answer, _headers in answers}
    assert _count(app, FollowUp) == 1
    retry = app.test_client().post(url, headers={**bearer(token), **headers}, json={"status": "fully"})
    assert retry.status_code == 200 and retry.get_json()["id"] == made
    other_key = {**bearer(token), "Idempotency-Key": "another-key-0000000"}
    assert app.test_client().post(url, headers=other_key, json={"status": "fully"}).status_code == 409
