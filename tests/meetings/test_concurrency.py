"""Two coordinators at the same moment, on a database whose writes really commit (SQLite serialises the
writers with BEGIN IMMEDIATE; PostgreSQL lets them run side by side and the version columns and the unique
open-agenda constraint decide). Every outcome is counted: a success, a refusal, a stale edit or a conflict
found at flush or commit (the 409 page) — never anything else."""

import threading
from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tests import factories
from tumorboard.auth.models import User
from tumorboard.auth.roles import Role
from tumorboard.cases.models import Case, CaseStatus
from tumorboard.db import utcnow
from tumorboard.errors import OperationError, StaleEdit
from tumorboard.extensions import db
from tumorboard.meetings import operations
from tumorboard.meetings.models import AgendaItem, Meeting
from tumorboard.timezones import hospital_today

EXPECTED = {"ok", "refused", "stale", "conflict"}


def _world(app, *, meetings: int, cases: int) -> dict:
    """A board with two coordinators, a submitter, planned meetings and submitted cases (committed)."""
    with app.app_context():
        board = factories.create_board(name="Concurrency board")
        coordinators = [factories.create_user(roles=[Role.COORDINATOR], boards=[board]) for _ in range(2)]
        for user in coordinators:
            board.membership_of(user).is_coordinator = True
        submitter = factories.create_user(roles=[Role.SUBMITTER], boards=[board])
        db.session.commit()
        planned = [
            operations.plan_meeting(
                coordinators[0],
                board,
                operations.MeetingPlan(
                    start_local=datetime.combine(hospital_today() + timedelta(days=7 * (n + 1)), time(16, 0)),
                    duration_minutes=90,
                    room="Room 1",
                ),
            )
            for n in range(meetings)
        ]
        waiting = [
            factories.create_case(
                submitter=submitter,
                board=board,
                status=CaseStatus.SUBMITTED.value,
                submitted_at=utcnow() - timedelta(days=n + 1),
            )
            for n in range(cases)
        ]
        db.session.commit()
        world = {
            "coordinators": [u.id for u in coordinators],
            "meetings": [m.id for m in planned],
            "cases": [c.id for c in waiting],
        }
        db.session.remove()
    return world


def _at_once(app, jobs) -> list[str]:
    """Run each job (a function of nothing, inside its own app context) at the same moment; each commits
    its own session. Returns the outcome of each."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = [""] * len(jobs)

    def run(index, job):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                job()
                db.session.commit()
                outcomes[index] = "ok"
            except OperationError:
                outcomes[index] = "refused"
            except StaleEdit:
                outcomes[index] = "stale"
            except (IntegrityError, StaleDataError):
                outcomes[index] = "conflict"
            except Exception as exc:  # noqa: BLE001 - anything else is what the test looks for
                outcomes[index] = f"crash: {exc!r}"
            finally:
                db.session.rollback()
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return outcomes


def test_two_coordinators_reorder_one_agenda_at_once(isolated_app):
    app = isolated_app()
    world = _world(app, meetings=1, cases=4)
    meeting_id = world["meetings"][0]
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        coordinator = db.session.get(User, world["coordinators"][0])
        for case_id in world["cases"]:
            operations.add_to_agenda(
                coordinator, meeting, db.session.get(Case, case_id), expected_version=meeting.version
            )
        db.session.commit()
        db.session.remove()

    for _ in range(3):  # a few rounds, each from the version both coordinators see
        with app.app_context():
            meeting = db.session.get(Meeting, meeting_id)
            version, ids = meeting.version, [i.id for i in meeting.items]
            db.session.remove()
        orders = [list(reversed(ids)), [*ids[1:], ids[0]]]

        def reorder(user_id, order, version=version):
            def job():
                operations.reorder_agenda(
                    db.session.get(User, user_id),
                    db.session.get(Meeting, meeting_id),
                    order,
                    expected_version=version,
                )

            return job

        outcomes = _at_once(app, [reorder(u, o) for u, o in zip(world["coordinators"], orders, strict=True)])
        assert set(outcomes) <= EXPECTED, outcomes
        assert outcomes.count("ok") == 1, outcomes
        (loser,) = (o for o in outcomes if o != "ok")
        assert loser in {"stale", "conflict"}, outcomes
        winner = orders[outcomes.index("ok")]
        with app.app_context():
            stored = db.session.execute(
                select(AgendaItem.id, AgendaItem.position)
                .where(AgendaItem.meeting_id == meeting_id)
                .order_by(AgendaItem.position)
            ).all()
            assert [p for _, p in stored] == [1, 2, 3, 4]
            assert [i for i, _ in stored] == winner
            assert db.session.get(Meeting, meeting_id).version > version
            db.session.remove()


def test_one_case_added_to_two_meetings_at_once(isolated_app):
    app = isolated_app()
    world = _world(app, meetings=2, cases=3)

    for case_id in world["cases"]:

        def add(user_id, meeting_id, case_id=case_id):
            def job():
                meeting = db.session.get(Meeting, meeting_id)
                operations.add_to_agenda(
                    db.session.get(User, user_id),
                    meeting,
                    db.session.get(Case, case_id),
                    expected_version=meeting.version,
                )

            return job

        outcomes = _at_once(
            app, [add(u, m) for u, m in zip(world["coordinators"], world["meetings"], strict=True)]
        )
        assert set(outcomes) <= EXPECTED, outcomes
        assert outcomes.count("ok") <= 1, outcomes
        with app.app_context():
            items = db.session.scalars(select(AgendaItem).where(AgendaItem.case_id == case_id)).all()
            assert len(items) <= 1
            assert len(items) == outcomes.count("ok")
            status = db.session.get(Case, case_id).status
            assert status == ("scheduled" if items else "submitted")
            db.session.remove()

    with app.app_context():
        # Every meeting's agenda is still numbered 1..n.
        for meeting_id in world["meetings"]:
            stored = db.session.scalars(
                select(AgendaItem.position)
                .where(AgendaItem.meeting_id == meeting_id)
                .order_by(AgendaItem.position)
            ).all()
            assert stored == list(range(1, len(stored) + 1))
        assert db.session.scalar(select(func.count(AgendaItem.id))) == len(world["cases"])
        db.session.remove()


def test_closing_defers_onto_the_next_agenda_while_a_coordinator_adds_to_it(isolated_app):
    """The chair closes a meeting (its cases without an outcome go first on the next agenda) while a
    coordinator adds a case to that next agenda from the version they saw: the writers' lock serialises
    them, so the next agenda is numbered 1..n with the deferred cases first, whichever ran first, and the
    coordinator's add either went in before or is refused as stale."""
    app = isolated_app()
    world = _world(app, meetings=2, cases=4)
    current_id, next_id = world["meetings"]
    deferred_ids, late_id = world["cases"][:3], world["cases"][3]
    with app.app_context():
        current = db.session.get(Meeting, current_id)
        coordinator = db.session.get(User, world["coordinators"][0])
        chair = factories.create_user(roles=[Role.CHAIR], boards=[current.board])
        current.board.membership_of(chair).is_chair = True
        for case_id in deferred_ids:
            operations.add_to_agenda(
                coordinator, current, db.session.get(Case, case_id), expected_version=current.version
            )
        operations.start_meeting(
            chair,
            current,
            expected_version=current.version,
            override_reason="Quorum by phone today.",
            confirm_early=True,
        )
        db.session.commit()
        chair_id, close_version = chair.id, current.version
        next_version = db.session.get(Meeting, next_id).version
        db.session.remove()

    def close():
        operations.close_meeting(
            db.session.get(User, chair_id),
            db.session.get(Meeting, current_id),
            expected_version=close_version,
            defer_remaining=True,
        )

    def add():
        operations.add_to_agenda(
            db.session.get(User, world["coordinators"][1]),
            db.session.get(Meeting, next_id),
            db.session.get(Case, late_id),
            expected_version=next_version,
        )

    outcomes = _at_once(app, [close, add])
    assert set(outcomes) <= EXPECTED, outcomes
    assert outcomes[0] == "ok", outcomes
    assert outcomes[1] in {"ok", "stale"}, outcomes
    with app.app_context():
        stored = db.session.execute(
            select(AgendaItem.case_id, AgendaItem.position)
            .where(AgendaItem.meeting_id == next_id)
            .order_by(AgendaItem.position)
        ).all()
        expected = [*deferred_ids, late_id] if outcomes[1] == "ok" else deferred_ids
        assert [c for c, _ in stored] == expected
        assert [p for _, p in stored] == list(range(1, len(stored) + 1))
        for case_id in deferred_ids:
            assert db.session.get(Case, case_id).status == CaseStatus.SCHEDULED
            assert db.session.scalar(select(func.count()).where(AgendaItem.open_case_id == case_id)) == 1
        assert db.session.get(Case, late_id).status == ("scheduled" if outcomes[1] == "ok" else "submitted")
        db.session.remove()
