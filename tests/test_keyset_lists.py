"""The UI's long lists in keyset pages (tumorboard.keyset.listing): the patients, the audit log, the
notifications, the unmatched HL7 results and the HL7 message log. Each page's statements are explained on
the database under test after a bulk load and ANALYZE, and none reads its table by a sequential scan; each
page costs the statements of the first however deep; the pages walk the whole list in order, keep the URL's
filters, and refuse a bad cursor or jump with a message and the first page."""

import html
import random
import re
from datetime import timedelta

import pytest

from tests.factories import create_board, create_case, create_user
from tests.plans import captured, plan_of, scans_table
from tumorboard import keyset, statistics
from tumorboard.audit import queries as audit_queries
from tumorboard.audit.models import AuditEvent
from tumorboard.auth.models import User
from tumorboard.auth.roles import Role
from tumorboard.cases import queries as case_queries
from tumorboard.cases.bulk_data import bulk_cases, write_rows
from tumorboard.cases.models import Patient
from tumorboard.db import utcnow
from tumorboard.extensions import db
from tumorboard.hl7 import queries as hl7_queries
from tumorboard.hl7.models import (
    AckCode,
    Hl7Message,
    MessageOutcome,
    UnmatchedReason,
    UnmatchedResult,
    UnmatchedStatus,
)
from tumorboard.notifications import queries as notification_queries
from tumorboard.notifications.models import Notification

ROWS = 3000


def _messages(n: int, start=None) -> list[int]:
    now = start or utcnow()
    return write_rows(
        Hl7Message,
        [
            {
                "received_at": now - timedelta(minutes=7 * i),
                "sending_application": "LAB",
                "control_id": f"C{i:07d}-{random.random()}",  # noqa: S311 (test data)
                "message_type": "ORU^R01",
                "outcome": MessageOutcome.PROCESSED.value if i % 3 else MessageOutcome.HELD.value,
                "ack_code": AckCode.AA.value,
            }
            for i in range(n)
        ],
    )


def _unmatched(n: int, messages: list[int], patients: list[int], statuses=tuple(UnmatchedStatus)):
    now = utcnow()
    return write_rows(
        UnmatchedResult,
        [
            {
                "message_id": messages[i % len(messages)],
                "received_at": now - timedelta(minutes=5 * i),
                "reason": UnmatchedReason.UNKNOWN_PATIENT.value,
                "patient_id": patients[i % len(patients)] if patients and i % 2 else None,
                "mrn": f"X{i:07d}",
                "code": "CGA",
                "value": "12",
                "status": statuses[i % len(statuses)].value,
            }
            for i in range(n)
        ],
    )


def _notifications(n: int, users: list[int]):
    now = utcnow()
    return write_rows(
        Notification,
        [
            {
                "user_id": users[i % len(users)],
                "kind": "test",
                "message": f"Notice {i}",
                "created_at": now - timedelta(minutes=3 * i),
            }
            for i in range(n)
        ],
    )


def _audit_events(n: int, users: list[int]):
    now = utcnow()
    first = (db.session.scalar(db.select(db.func.max(AuditEvent.seq))) or 0) + 1
    return write_rows(
        AuditEvent,
        [
            {
                "seq": first + i,
                "occurred_at": now - timedelta(minutes=2 * (n - i)),
                "actor_id": users[i % len(users)],
                "actor_label": "someone@hospital.org",
                "action": ("case.update", "case.create", "patient.update", "user.login")[i % 4],
                "entity_type": ("tumor_case", "patient", "users", "board")[i % 4],
                "entity_id": str(i % 500),
                "prev_hash": f"p{first + i:063d}",
                "hash": f"h{first + i:063d}",
            }
            for i in range(n)
        ],
    )


@pytest.fixture
def loaded(isolated_app):
    app = isolated_app()
    with app.app_context():
        boards = [create_board(), create_board()]
        for board in boards:
            create_user(roles=(Role.SUBMITTER,), boards=[board])
        member = create_user(roles=(Role.SPECIALIST,), boards=[boards[0]])
        coordinator = create_user(roles=(Role.COORDINATOR,), boards=[boards[0]])
        boards[0].membership_of(coordinator).is_coordinator = True
        db.session.commit()
        ids = {"member": member.id, "coordinator": coordinator.id}
        bulk_cases(ROWS)
        users = list(db.session.scalars(db.select(User.id)))
        patients = list(db.session.scalars(db.select(Patient.id).limit(500)))
        messages = _messages(ROWS)
        _unmatched(ROWS, messages, patients)
        _notifications(ROWS, users)
        _audit_events(ROWS, users)
        db.session.commit()
        statistics.refresh_all()
        db.session.remove()
    return app, ids


def _lists(member: User, coordinator: User):
    """(name, statement, order, jump kind, tables that no plan may scan) of every list page, each filter."""
    day = utcnow().date() - timedelta(days=2)
    audit = [
        audit_queries.AuditFilters(),
        audit_queries.AuditFilters(entity_type="tumor_case"),
        audit_queries.AuditFilters(entity_type="tumor_case", entity_id=8),
        audit_queries.AuditFilters(actor_id=member.id),
        audit_queries.AuditFilters(action="case."),
        audit_queries.AuditFilters(date_from=day - timedelta(days=1), date_to=day),
    ]
    yield from [
        ("patients", case_queries.patient_list(member), case_queries.PATIENT_ORDER, "initial", ["patient"]),
        (
            "patients searched",
            case_queries.patient_list(member, "schm"),
            case_queries.PATIENT_ORDER,
            "initial",
            ["patient"],
        ),
        (
            "notifications",
            notification_queries.notifications_of(member),
            notification_queries.ORDER,
            "date",
            ["notification"],
        ),
        ("hl7 messages", hl7_queries.message_log(), hl7_queries.MESSAGE_ORDER, "date", ["hl7_message"]),
    ]
    for status in UnmatchedStatus:
        yield (
            f"unmatched {status.value}",
            hl7_queries.unmatched_results(coordinator, status),
            hl7_queries.UNMATCHED_ORDER,
            "date",
            ["unmatched_result", "tumor_case"],
        )
    for filters in audit:
        yield (
            f"audit {filters}",
            audit_queries.audit_events(filters),
            audit_queries.ORDER,
            "date",
            ["audit_event"],
        )


def test_no_page_of_a_long_list_scans_its_table(loaded):
    app, ids = loaded
    with app.app_context():
        member, coordinator = db.session.get(User, ids["member"]), db.session.get(User, ids["coordinator"])
        connection = db.session.connection()
        checked, scans = 0, []
        for name, stmt, order, jump_kind, tables in _lists(member, coordinator):
            first = keyset.seek(stmt, order, limit=25)
            assert first.rows, f"{name}: the load gave this list no rows"
            jump = keyset.jump_bound(
                order, jump_kind, first.keys[0][0].date() if jump_kind == "date" else None, "m"
            )
            with captured(connection) as statements:
                keyset.seek(stmt, order, limit=25)
                keyset.seek(stmt, order, limit=25, direction=keyset.AFTER, boundary=first.keys[-1])
                keyset.seek(stmt, order, limit=25, direction=keyset.BEFORE, boundary=first.keys[-1])
                keyset.seek(stmt, order, limit=25, direction=keyset.LAST)
                keyset.seek(stmt, order, limit=25, direction=keyset.JUMP, jump=jump)
            assert len(statements) >= 5
            for statement, parameters in statements:
                plan = plan_of(connection, statement, parameters)
                scanned = [table for table in tables if scans_table(plan, table)]
                if scanned:
                    scans.append(f"{name}: {scanned}\n{statement}\n{plan}")
                checked += 1
        assert not scans, f"{len(scans)} of {checked} statements scan their table:\n" + "\n\n".join(scans)
