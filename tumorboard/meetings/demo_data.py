"""Demo meetings: a weekly GEP-NET series and a fortnightly thoracic one, planned by the demo coordinator
through the meeting operations, with the next GEP-NET agenda built from the waiting demo cases."""

from datetime import datetime, time

from sqlalchemy import select

from tumorboard.auth.models import User
from tumorboard.boards.models import Board
from tumorboard.cases.models import Case, CaseStatus
from tumorboard.extensions import db
from tumorboard.meetings import operations
from tumorboard.timezones import hospital_today


def _next(weekday: int, at: time) -> datetime:
    return operations.next_weekday_at(weekday, at, hospital_today())


def seed_demo_meetings() -> None:
    coordinator = db.session.scalar(select(User).where(User.email == "coordinator@example.org"))
    boards = {b.name: b for b in db.session.scalars(select(Board))}
    gep, thoracic = boards["GEP-NET board"], boards["Thoracic NET board"]
    gep_plan = operations.MeetingPlan(
        start_local=_next(2, time(16, 0)),
        duration_minutes=90,
        room="Seminar room 2.14",
        video_link="https://video.example.org/gep-net",
        cutoff_hours=48,
        capacity_cases=12,
    )
    thoracic_plan = operations.MeetingPlan(
        start_local=_next(3, time(15, 30)),
        duration_minutes=60,
        room="Thoracic centre, room 1",
        cutoff_hours=72,
        capacity_cases=8,
    )
    first = operations.plan_series(coordinator, gep, gep_plan, frequency="weekly", count=6)[0]
    operations.plan_series(coordinator, thoracic, thoracic_plan, frequency="fortnightly", count=4)
    waiting = db.session.scalars(
        select(Case)
        .where(Case.board_id == gep.id, Case.status == CaseStatus.SUBMITTED.value)
        .order_by(Case.id)
        .limit(3)
    ).all()
    for case in waiting:
        operations.add_to_agenda(
            coordinator, first, case, expected_version=first.version, minutes=15, late_reason="Demo data"
        )
