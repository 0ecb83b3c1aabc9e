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
from tumorboard.auth import queries as auth_queries
from tumorboard.auth.models import User, UserSession
from tumorboard.auth.roles import Role
from tumorboard.boards import queries as board_queries
from tumorboard.boards.models import Board, BoardMembership
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
from tumorboard.meetings import queries as meeting_queries
from tumorboard.meetings.models import Meeting
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


def _staff(member_id: int, board_id: int) -> None:
    """Many users (a board's members among them), boards, the member's sessions and the boards' meetings."""
    now = utcnow()
    users = write_rows(
        User,
        [
            {
                "email": f"staff{i}@hospital.org",
                "name": f"Staff {i:05d}",
                "password_hash": "!",
                "specialty": "surgery",
                "active": i % 5 != 0,
                "session_token": f"t{i:063d}",
            }
            for i in range(ROWS)
        ],
    )
    boards = write_rows(
        Board, [{"name": f"Board X{i:04d}", "name_key": f"board x{i:04d}"} for i in range(300)]
    )
    write_rows(
        BoardMembership,
        [
            {"board_id": board_id if i < 40 else boards[i % len(boards)], "user_id": u}
            for i, u in enumerate(users)
        ],
    )
    write_rows(
        UserSession,
        [
            {
                "key_hash": f"k{i:063d}",
                "user_id": member_id if i % 10 == 0 else users[i],
                "last_seen_at": now - timedelta(minutes=i),
                "method": "password",
            }
            for i in range(ROWS)
        ],
    )
    write_rows(
        Meeting,
        [
            {
                "board_id": (boards[i % len(boards)] if i % 10 else board_id),
                "starts_at": now + timedelta(hours=6 * (i - ROWS // 2)),
                "duration_minutes": 90,
                "cutoff_at": now + timedelta(hours=6 * (i - ROWS // 2) - 48),
                "status": "planned",
                "created_by_id": member_id,
            }
            for i in range(ROWS)
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
        _staff(ids["member"], boards[0].id)
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
        ("patients", *case_queries.patient_list(member), "initial", ["patient"]),
        ("patients searched", *case_queries.patient_list(member, "schm"), None, ["patient"]),
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
    board = db.session.get(Board, sorted(member.board_ids)[0])
    yield from [
        ("users", auth_queries.user_list(), auth_queries.USER_ORDER, "initial", ["users"]),
        (
            "active users",
            auth_queries.user_list(status="active"),
            auth_queries.USER_ORDER,
            "initial",
            ["users"],
        ),
        ("boards", board_queries.board_list(), board_queries.BOARD_ORDER, "initial", ["board"]),
        ("members", board_queries.members_of(board), board_queries.MEMBER_ORDER, None, ["board_membership"]),
        (
            "sessions",
            auth_queries.active_sessions(member, idle=timedelta(days=30), lifetime=timedelta(days=300)),
            auth_queries.SESSION_ORDER,
            "date",
            ["user_session"],
        ),
    ]
    for upcoming in (True, False):
        yield (
            f"meetings {'upcoming' if upcoming else 'past'}",
            meeting_queries.meeting_list(member, upcoming=upcoming, now=utcnow()),
            meeting_queries.meeting_order(upcoming),
            "date",
            ["meeting"],
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


# --- The pages, through the client ----------------------------------------------------------------------


def _first_link(text: str) -> str | None:
    found = re.search(r'<a class="page-link" href="([^"]+)"[^>]*>First</a>', text)
    return html.unescape(found.group(1)) if found else None


def _link(text: str, label: str) -> str | None:
    found = re.search(rf'<a class="page-link" rel="\w+" href="([^"]+)">{label}</a>', text)
    return html.unescape(found.group(1)) if found else None


def _grow(kind: str, users, board):
    """Rows of the page's list, `n` at a time, each call older than the last (the newest stay first)."""
    counter = {"n": 0}
    submitter_id, board_id, board_type = users[Role.SUBMITTER].id, board.id, type(board)

    def grow(n: int) -> None:
        submitter = db.session.get(User, submitter_id)
        if kind == "patients":
            for _ in range(n):
                create_case(submitter=submitter, board=db.session.get(board_type, board_id))
        elif kind == "notifications":
            now = utcnow() - timedelta(days=counter["n"])
            rows = [
                {
                    "user_id": submitter.id,
                    "kind": "test",
                    "message": f"Notice {i}",
                    "created_at": now - timedelta(minutes=i),
                }
                for i in range(n)
            ]
            write_rows(Notification, rows)
        elif kind == "audit":
            _audit_events(n, [submitter.id])
        elif kind == "messages":
            _messages(n, start=utcnow() - timedelta(days=counter["n"] + 1))
        elif kind == "unmatched":
            _unmatched(n, _messages(1), [], statuses=(UnmatchedStatus.OPEN,))
        counter["n"] += 1
        db.session.commit()

    return grow


PAGES = [
    ("/patients", Role.SUBMITTER, "patients", "initial=m"),
    ("/notifications/", Role.SUBMITTER, "notifications", "jump=2026-01-01"),
    ("/admin/audit/", Role.ADMIN, "audit", "jump=2026-01-01"),
    ("/admin/hl7/messages", Role.ADMIN, "messages", "jump=2026-01-01"),
    ("/results/unmatched", Role.COORDINATOR, "unmatched", "jump=2026-01-01"),
]


@pytest.mark.parametrize("path, role, kind, jump", PAGES)
def test_a_deep_page_of_a_list_costs_the_statements_of_the_first(
    client_as, users, board, coordinator, app, monkeypatch, count_queries, path, role, kind, jump
):
    monkeypatch.setitem(app.config, "PER_PAGE", 3)
    grow = _grow(kind, users, board)
    client = client_as(role)
    grow(4 if kind != "audit" else 7)  # the audit log's page is two pages' rows
    client.get(path)  # the sign-in's own first-request statements out of the count
    with count_queries() as few:
        assert client.get(path).status_code == 200
    grow(40)
    url = path
    for _ in range(4):
        url = _link(client.get(url).text, "Next")
        assert url and "after=" in url
    with count_queries() as deep:
        assert client.get(url).status_code == 200
    with count_queries() as last:
        assert client.get(f"{path}?last=1").status_code == 200
    with count_queries() as jumped:
        assert client.get(f"{path}?{jump}").status_code == 200
    assert len(deep) == len(last) == len(few), (few, deep, last)
    assert len(jumped) <= len(few)


@pytest.mark.parametrize("path, role, kind, jump", PAGES)
def test_next_and_previous_walk_a_list_in_its_order(
    client_as, users, board, coordinator, app, monkeypatch, path, role, kind, jump
):
    monkeypatch.setitem(app.config, "PER_PAGE", 3)
    _grow(kind, users, board)(11)
    client = client_as(role)
    first = client.get(path).text
    assert 'aria-label="Pages"' in first and 'aria-current="page">First</a>' in first
    pages, url = [first], _link(first, "Next")
    while url:
        assert "after=" in url and len(pages) < 12
        pages.append(client.get(url).text)
        url = _link(pages[-1], "Next")
    assert 'aria-current="page">Last</a>' in pages[-1]
    walked = [row for page in pages for row in _rows(page)]
    assert len(walked) == len(set(walked)) >= 11
    last = client.get(f"{path}?last=1").text
    assert _rows(last) == walked[-(6 if kind == "audit" else 3) :]  # the last page is a full one
    back, url = [last], _link(last, "Previous")
    while url and "before=" in url:
        back.insert(0, client.get(url).text)
        url = _link(back[0], "Previous")
    assert [row for page in back for row in _rows(page)] == walked


ROW = re.compile(r"<tr>\s*(<td.*?)</tr>", re.S)
NOTE = re.compile(r'<li class="list-group-item d-flex.*?</li>', re.S)


def _rows(page: str) -> list[str]:
    body = page.split("<main", 1)[-1]
    return NOTE.findall(body) or ROW.findall(body)


@pytest.mark.parametrize("path, role, kind, jump", PAGES)
def test_a_bad_cursor_or_jump_gives_the_first_page_with_a_message(
    client_as, users, board, coordinator, app, monkeypatch, path, role, kind, jump
):
    monkeypatch.setitem(app.config, "PER_PAGE", 3)
    _grow(kind, users, board)(5)
    client = client_as(role)
    first = _rows(client.get(path).text)
    other = client.get("/notifications/" if kind != "notifications" else "/admin/hl7/messages")
    for bad in ("after=nonsense", "before=%00", "jump=yesterday", "initial=12", "jump=1999-01-01"):
        response = client.get(f"{path}?{bad}")
        assert response.status_code == 200, bad
        assert "no longer valid" in response.text or "Jump to a date" in response.text, bad
        assert _rows(response.text) == first
    assert other.status_code in (200, 403)


def test_the_audit_logs_pages_keep_its_filters(client_as, users, board, app, monkeypatch):
    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    _audit_events(60, [users[Role.SUBMITTER].id])
    db.session.commit()
    client = client_as(Role.ADMIN)
    url = "/admin/audit/?entity_type=users&action=patient."
    for _ in range(2):
        page = client.get(url)
        assert page.status_code == 200
        assert all("patient.update" in row for row in _rows(page.text))
        url = _link(page.text, "Next")
        assert url and "entity_type=users" in url and "action=patient." in url
    assert "entity_type=users" in _link(client.get(url).text, "Previous")
    jumped = client.get("/admin/audit/?entity_type=users&jump=2199-12-31").text
    assert 'name="entity_type" value="users"' in jumped  # the jump form carries the filters
    assert 'name="jump"' in jumped and 'name="after"' not in jumped
    before_any = client.get("/admin/audit/?entity_type=users&jump=2000-01-02").text
    assert "No event matches" in before_any
    assert _first_link(before_any) == "/admin/audit/?entity_type=users"  # back to the list's first page


def test_a_patient_search_pages_by_post_without_the_text_in_the_url(
    client_as, users, board, app, monkeypatch
):
    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    submitter = users[Role.SUBMITTER]
    for _ in range(5):
        create_case(submitter=submitter, board=board, patient=None)
    from tests.factories import create_patient

    for i in range(5):
        create_case(
            submitter=submitter,
            board=board,
            patient=create_patient(family_name=f"Quaxley{i}", created_by=submitter),
        )
    client = client_as(Role.SUBMITTER)
    page = client.post("/patients", data={"q": "quaxley"})
    assert page.status_code == 200 and page.text.count("Quaxley") == 2
    after = re.search(r'name="after" value="([^"]+)"', page.text).group(1)
    assert "quaxley" not in after.lower()
    second = client.post("/patients", data={"q": "quaxley", "after": after})
    assert second.status_code == 200 and second.text.count("Quaxley") == 2
    assert set(re.findall(r"Quaxley\d", page.text)).isdisjoint(re.findall(r"Quaxley\d", second.text))
    assert "quaxley" not in second.request.url.lower()
    last = client.post("/patients", data={"q": "quaxley", "last": "1"})
    assert re.findall(r"Quaxley\d", last.text) == ["Quaxley3", "Quaxley4"]  # a full last page
    by_initial = client.get("/patients?initial=q").text
    assert "Quaxley0" in by_initial
