"""Helpers the meetings operation tests share: plans, counting rows, the audit trail, notifications."""

import json
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from tumorboard.audit.models import AuditEvent
from tumorboard.extensions import db
from tumorboard.meetings.models import AgendaItem, Meeting
from tumorboard.meetings.operations import MeetingPlan
from tumorboard.notifications.models import Notification
from tumorboard.timezones import hospital_today


def local_day(days: int, at: time = time(16, 0)) -> datetime:
    """A naive wall-clock time in the hospital's zone, `days` from today."""
    return datetime.combine(hospital_today() + timedelta(days=days), at)


def a_plan(days: int = 7, **overrides) -> MeetingPlan:
    """A meeting `days` from today at 16:00 local, 90 minutes, in a room, cut-off 48 hours before."""
    values = {
        "start_local": local_day(days),
        "duration_minutes": 90,
        "room": "Demo room 3.14",
        "video_link": "",
        "cutoff_hours": 48,
        "capacity_cases": 8,
    }
    return MeetingPlan(**(values | overrides))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def audit_count() -> int:
    return count(AuditEvent)


def events(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))
    )


def details(event: AuditEvent) -> dict:
    return json.loads(event.details_json)


def changes(event: AuditEvent) -> dict:
    return json.loads(event.changes_json)


def notes(user, kind: str) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
        )
    )


def positions(meeting: Meeting) -> list[int]:
    """The agenda's positions as stored, in order."""
    return list(
        db.session.scalars(
            select(AgendaItem.position)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.position)
        )
    )


def agenda_cases(meeting: Meeting) -> list[int]:
    """The case ids on the agenda as stored, in agenda order."""
    return list(
        db.session.scalars(
            select(AgendaItem.case_id)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.position)
        )
    )


def snapshot_agenda(meeting: Meeting) -> list[tuple]:
    return [
        tuple(row)
        for row in db.session.execute(
            select(AgendaItem.id, AgendaItem.case_id, AgendaItem.position, AgendaItem.minutes)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.id)
        )
    ]
