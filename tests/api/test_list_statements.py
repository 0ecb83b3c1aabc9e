"""Every API list answers in a fixed number of statements, whatever its page holds: counted with one
row and with many (tests.conftest.count_queries), as the UI's list pages are."""

from datetime import date, timedelta

import pytest

from tests.api.conftest import bearer, personal
from tests.decisions.conftest import start_meeting, waiting_case  # noqa: F401
from tests.decisions.support import a_signed_decision
from tests.meetings.support import a_plan
from tumorboard.cases import operations as case_operations
from tumorboard.extensions import db
from tumorboard.meetings import operations as meeting_operations
from tumorboard.meetings.models import Meeting

MANY = 12


def _attach(*records):
    """Back into the session: count_queries empties it, as a request's starts empty."""
    for record in records:
        db.session.add(record)


def _fresh(world):
    _attach(world.submitter, world.board, world.case, world.patient)
    return world.submitter, world.board


def _cases(world, create_case, n):
    submitter, board = _fresh(world)
    for _ in range(n):
        create_case(submitter=submitter, board=board, status="submitted")


def _patient_cases(world, create_case, n):
    submitter, board = _fresh(world)
    patient = world.patient
    for _ in range(n):
        create_case(submitter=submitter, board=board, patient=patient)


def _findings(maker):
    def grow(world, n):
        submitter, _board = _fresh(world)
        case = world.case
        for _ in range(n):
            maker(case, created_by=submitter)

    return grow


def _treatments(world, n, start=[0]):  # noqa: B006 (a counter over both calls: distinct dates)
    submitter, _board = _fresh(world)
    case = world.case
    for _ in range(n):
        start[0] += 1
        case_operations.add_prior_treatment(
            submitter, case, treatment="SURV", start_date=date(2000, 1, 1) + timedelta(days=start[0])
        )


@pytest.mark.parametrize(
    "path, kind",
    [
        ("/api/v1/patients", "cases"),
        ("/api/v1/cases", "cases"),
        ("/api/v1/patients/{patient_id}/cases", "patient_cases"),
        ("/api/v1/cases/{case_id}/labs", "lab"),
        ("/api/v1/cases/{case_id}/imaging", "imaging"),
        ("/api/v1/cases/{case_id}/pathology", "pathology"),
        ("/api/v1/cases/{case_id}/prior-treatments", "treatments"),
    ],
)
def test_case_lists_statements_do_not_grow(
    client, world, create_case, create_lab, create_imaging, create_pathology, count_queries, path, kind
):
    grow = {
        "cases": lambda n: _cases(world, create_case, n),
        "patient_cases": lambda n: _patient_cases(world, create_case, n),
        "lab": lambda n: _findings(create_lab)(world, n),
        "imaging": lambda n: _findings(create_imaging)(world, n),
        "pathology": lambda n: _findings(create_pathology)(world, n),
        "treatments": lambda n: _treatments(world, n),
    }[kind]
    url = path.format(patient_id=world.patient.id, case_id=world.case.id) + "?limit=100"
    token = bearer(world.tokens["read"])
    grow(1)
    db.session.commit()
    client.get(url, headers=token)  # the token's use is noted at most once a minute: not in the counts
    with count_queries() as few:
        first = client.get(url, headers=token)
    grow(MANY)
    db.session.commit()
    with count_queries() as many:
        second = client.get(url, headers=token)
    assert first.status_code == second.status_code == 200
    assert len(second.get_json()) >= len(first.get_json()) + MANY
    assert len(many) == len(few) <= 12, ([s[:90] for s in few], [s[:90] for s in many])


def test_meeting_agenda_and_decision_lists_statements_do_not_grow(
    client,
    world,
    coordinator,
    specialist,
    chair,
    start_meeting,  # noqa: F811
    count_queries,
):

    token = bearer(personal(specialist, "read"))

    def lists():
        meeting_id = db.session.scalar(db.select(Meeting.id).order_by(Meeting.id.desc()).limit(1))
        counts, sizes = [], []
        for url in ("/api/v1/meetings", f"/api/v1/meetings/{meeting_id}/agenda", "/api/v1/decisions"):
            with count_queries() as statements:
                response = client.get(f"{url}?limit=100", headers=token)
            assert response.status_code == 200, url
            counts.append(len(statements))
            sizes.append(len(response.get_json()))
        return counts, sizes

    def grow(cases: int):
        _attach(coordinator, specialist, chair, world.submitter, world.board)
        meeting = start_meeting(cases)
        for item in list(meeting.items):
            a_signed_decision(specialist, chair, item)
        for days in range(8, 8 + cases):
            meeting_operations.plan_meeting(coordinator, world.board, a_plan(days=days))
        db.session.commit()

    grow(1)
    lists()  # the token's use is noted at most once a minute: not in the counts
    few, few_sizes = lists()
    grow(4)
    many, many_sizes = lists()
    assert many_sizes[0] > few_sizes[0] and many_sizes[2] > few_sizes[2]
    assert many == few, (few, many)
