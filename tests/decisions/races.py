"""Many people pressing the same button at once, on a database whose writes really commit: threads of one
process (each with its own test client and session), or two processes with their own app and engine.

`meeting_in_progress` builds and commits a meeting in progress with one case on its agenda, two chairs
and eight specialists; `at_once` fires the jobs together behind a barrier and returns what each answered.
"""

import threading
import time
from collections.abc import Callable

from flask import Flask

from tests import factories
from tests.conftest import log_in
from tests.meetings.support import a_plan
from tumorboard.auth.models import User
from tumorboard.auth.roles import Role
from tumorboard.db import utcnow
from tumorboard.extensions import db
from tumorboard.meetings import operations as meeting_operations


def meeting_in_progress(app: Flask) -> dict:
    with app.app_context():
        board = factories.create_board(name="Race board")
        chairs = [
            factories.create_user(roles=[Role.CHAIR, Role.SPECIALIST], boards=[board]) for _ in range(2)
        ]
        coordinator = factories.create_user(roles=[Role.COORDINATOR], boards=[board])
        specialists = [factories.create_user(roles=[Role.SPECIALIST], boards=[board]) for _ in range(8)]
        submitter = factories.create_user(roles=[Role.SUBMITTER], boards=[board])
        for user in chairs:
            board.membership_of(user).is_chair = True
        board.membership_of(coordinator).is_coordinator = True
        db.session.commit()
        meeting = meeting_operations.plan_meeting(coordinator, board, a_plan())
        case = factories.create_case(
            submitter=submitter, board=board, status="submitted", submitted_at=utcnow()
        )
        factories.create_pathology(case, created_by=submitter)
        factories.create_imaging(case, created_by=submitter)
        meeting_operations.add_to_agenda(coordinator, meeting, case, expected_version=meeting.version)
        present = {u.id: "present" for u in (*chairs, coordinator, *specialists)}
        meeting_operations.record_attendance(coordinator, meeting, present, expected_version=meeting.version)
        meeting_operations.start_meeting(
            chairs[0],
            meeting,
            expected_version=meeting.version,
            override_reason="Race test.",
            confirm_early=True,
        )
        db.session.commit()
        world = {
            "meeting": meeting.id,
            "item": meeting.items[0].id,
            "case": case.id,
            "chairs": [u.id for u in chairs],
            "specialists": [u.id for u in specialists],
        }
        db.session.remove()
    return world


def client_for(app: Flask, user_id: int):
    with app.app_context():
        user = db.session.get(User, user_id)
        client = log_in(app.test_client(), user)
        db.session.remove()
    return client


def at_once(jobs: list[Callable[[], object]], *, start_at: float | None = None) -> list[object]:
    """Run the jobs in threads released together; returns each job's result (or the exception it raised,
    which the caller's assertions then show)."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(index: int, job: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            if start_at is not None:
                time.sleep(max(0.0, start_at - time.time()))
            results[index] = job()
        except Exception as exc:  # noqa: BLE001 - reported as the job's result
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return results
