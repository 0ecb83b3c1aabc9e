"""The pools (the dashboard's and the meeting page's waiting cases) and the agenda's cases, as the pages
read them, explained on the database under test after a bulk load and ANALYZE: no statement reads the case
table by a sequential scan (tests/cases/test_case_list_plans.py's check), the pools in a fixed number of
statements whatever their size, and the agenda's cases by primary key."""

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from tests.cases.test_case_list_plans import _captured, _plan, _scans_the_case_table
from tests.factories import create_board, create_user
from tests.plans import plan_of, rows_read
from tumorboard.auth.models import User
from tumorboard.auth.roles import Role
from tumorboard.boards.models import Board
from tumorboard.cases.bulk_data import bulk_cases
from tumorboard.cases.models import Case, CaseStatus
from tumorboard.db import utcnow
from tumorboard.extensions import db
from tumorboard.main import queries as main_queries
from tumorboard.meetings import operations
from tumorboard.meetings import queries as meeting_queries
from tumorboard.meetings.models import Meeting
from tumorboard.statistics import refresh_all
from tumorboard.timezones import hospital_today

CASES = 3000
AGENDA = 8


@pytest.fixture
def loaded(isolated_app):
    app = isolated_app()
    with app.app_context():
        boards = [create_board(), create_board()]
        for board in boards:
            create_user(roles=(Role.SUBMITTER,), boards=[board])
        member = create_user(roles=(Role.SPECIALIST,), boards=boards)
        coordinator = create_user(roles=(Role.COORDINATOR,), boards=[boards[0]])
        coordinator.memberships[0].is_coordinator = True
        db.session.commit()
        ids = {"member": member.id, "coordinator": coordinator.id, "board": boards[0].id}
        bulk_cases(CASES)  # bulk INSERT, then ANALYZE
        board = boards[0]
        start = datetime.combine(hospital_today() + timedelta(weeks=3), time(16, 0))
        meeting = operations.plan_meeting(
            coordinator, board, operations.MeetingPlan(start_local=start, duration_minutes=600, room="Room 1")
        )
        waiting = db.session.scalars(
            select(Case)
            .where(Case.board_id == board.id, Case.status == CaseStatus.SUBMITTED.value)
            .order_by(Case.id)
            .limit(AGENDA)
        ).all()
        for case in waiting:
            operations.add_to_agenda(coordinator, meeting, case, expected_version=meeting.version)
        db.session.commit()
        refresh_all()
        db.session.commit()
        ids["meeting"] = meeting.id
        db.session.remove()
    return app, ids


def _explained(connection, read) -> tuple[list[str], list[str]]:
    """The statements `read` runs, and those whose plan scans the case table (with the plan)."""
    with _captured(connection) as statements:
        read()
    scans = []
    for statement, parameters in statements:
        plan = _plan(connection, statement, parameters)
        if _scans_the_case_table(plan):
            scans.append(f"{statement}\n{plan}")
    return [statement for statement, _ in statements], scans


def test_the_pools_and_the_agenda_never_scan_the_case_table(loaded):
    app, ids = loaded
    with app.app_context():
        member = db.session.get(User, ids["member"])
        coordinator = db.session.get(User, ids["coordinator"])
        for user in (member, coordinator):  # loaded with the signed-in user on a page (auth.sessions)
            assert user.board_ids and user.roles
        connection = db.session.connection()
        dashboard, dashboard_scans = _explained(connection, lambda: main_queries.board_pool(member))
        coordinated, coordinated_scans = _explained(connection, lambda: main_queries.board_pool(coordinator))
        meeting = db.session.get(Meeting, ids["meeting"])
        assert meeting.board  # loaded before the pool's statements are counted
        pool, pool_scans = _explained(connection, lambda: meeting_queries.pool_rows(meeting.board, utcnow()))
        first, _ = meeting_queries.pool_rows(meeting.board, utcnow())
        deep_args = {"after": first_pages_after(meeting.board)}
        deep, deep_scans = _explained(
            connection, lambda: meeting_queries.pool_rows(meeting.board, utcnow(), args=deep_args)
        )
        last, last_scans = _explained(
            connection, lambda: meeting_queries.pool_rows(meeting.board, utcnow(), args={"last": "1"})
        )
        pool_scans += deep_scans + last_scans
        assert len(pool) == len(deep) == len(last)
        db.session.expunge_all()
        loaded_meetings = []
        agenda, agenda_scans = _explained(
            connection, lambda: loaded_meetings.append(meeting_queries.load_meeting(ids["meeting"]))
        )
        assert not (dashboard_scans + coordinated_scans + pool_scans + agenda_scans), "\n\n".join(
            dashboard_scans + coordinated_scans + pool_scans + agenda_scans
        )
        # the oldest ten's ids, those ten by primary key, the counts per board
        assert len(dashboard) == len(coordinated) == 3
        assert all("JOIN tumor_case" not in s for s in dashboard + pool)
        # the agenda's cases by primary key, never joined from the items
        case_reads = [s for s in agenda if "FROM tumor_case" in s]
        assert len(case_reads) == 1 and "tumor_case.id IN" in case_reads[0], case_reads
        assert all("JOIN tumor_case" not in s for s in agenda)
        assert pool and len(loaded_meetings[0].items) == AGENDA


def test_a_submitters_open_cases_read_a_few_rows_whatever_their_number(loaded):
    """The dashboard's "my open cases" (drafts first, then newest first) reads the newest few of each open
    status by ix_tumor_case_submitter_status_updated, then those cases by primary key: on PostgreSQL no
    statement reads more than len(MY_OPEN_STATUSES) x MY_CASES rows of tumor_case (ordered by "is a
    draft" in one query, every open case of the submitter was read and sorted first); on SQLite each
    branch searches that index by submitter and status."""
    app, _ids = loaded
    with app.app_context():
        submitter_id, open_cases = db.session.execute(
            select(Case.submitter_id, func.count(Case.id))
            .where(Case.status.in_([s.value for s in main_queries.MY_OPEN_STATUSES]))
            .group_by(Case.submitter_id)
            .order_by(func.count(Case.id).desc())
            .limit(1)
        ).one()
        bound = len(main_queries.MY_OPEN_STATUSES) * main_queries.MY_CASES
        assert open_cases > 10 * bound  # enough that reading them all would show
        submitter = db.session.get(User, submitter_id)
        assert submitter.roles
        connection = db.session.connection()
        with _captured(connection) as statements:
            shown = main_queries.my_cases(submitter)["cases"]
        newest = db.session.scalars(
            select(Case.id)
            .where(
                Case.submitter_id == submitter_id,
                Case.status.in_([s.value for s in main_queries.MY_OPEN_STATUSES]),
            )
            .order_by((Case.status == CaseStatus.DRAFT.value).desc(), Case.updated_at.desc(), Case.id.desc())
            .limit(main_queries.MY_CASES)
        ).all()
        assert [case.id for case in shown] == newest  # the order the single query gave
        for statement, parameters in statements:
            read = rows_read(connection, statement, parameters, "tumor_case")
            if read is not None:
                assert read <= bound, f"{read} rows of tumor_case read by\n{statement}"
        assert len(statements) == 2 and len(shown) == main_queries.MY_CASES
        if connection.dialect.name == "sqlite":
            plan = plan_of(connection, *statements[0])
            searches = [line for line in plan.splitlines() if "tumor_case" in line]
            assert len(searches) == len(main_queries.MY_OPEN_STATUSES), plan
            by_status = "ix_tumor_case_submitter_status_updated (submitter_id=? AND status=?)"
            assert all(by_status in line for line in searches), plan


def first_pages_after(board) -> str:
    """The `after` cursor of the pool's first page (the link to its second)."""
    _rows, pages = meeting_queries.pool_rows(board, utcnow())
    assert pages.after
    return pages.after


def test_the_meeting_pages_pool_pages_forward_and_back_through_the_whole_pool(loaded):
    """First → Next … → the end, and Last → Previous … → the start: every waiting case once, in the pool's
    order (deferred first, then the longest waiting); a cursor that is not one gives the first page and a
    notice."""
    app, ids = loaded
    with app.app_context():
        board = db.session.get(Board, ids["board"])
        whole = [case.id for case in db.session.scalars(operations.pool(board))]
        assert len(whole) > 120
        forward, args = [], {}
        while True:
            rows, pages = meeting_queries.pool_rows(board, utcnow(), limit=40, args=args)
            forward += [row.case.id for row in rows]
            if not pages.page.has_next:
                break
            args = {"after": pages.after}
        backward, args = [], {"last": "1"}
        while True:
            rows, pages = meeting_queries.pool_rows(board, utcnow(), limit=40, args=args)
            backward = [row.case.id for row in rows] + backward
            if not pages.page.has_prev:
                break
            args = {"before": pages.before}
        assert forward == whole and backward == whole
        rows, pages = meeting_queries.pool_rows(board, utcnow(), limit=40, args={"after": "forged"})
        assert [row.case.id for row in rows] == whole[:40] and pages.notice
        other = meeting_queries.pool_rows(board, utcnow(), limit=40)[1].after
        assert other  # a cursor of another list is refused too
        from tumorboard.keyset import encode_cursor

        for bad in (encode_cursor("cases", ["x", 1, 2]), encode_cursor("pool", ["closed", None, 3])):
            rows, pages = meeting_queries.pool_rows(board, utcnow(), limit=40, args={"after": bad})
            assert [row.case.id for row in rows] == whole[:40] and pages.notice


def test_the_pools_order_puts_deferred_first():
    assert (CaseStatus.DEFERRED.value, CaseStatus.SUBMITTED.value) == operations.POOL_STATUSES


def test_the_pool_statements_do_not_grow_with_the_pool(loaded):
    app, ids = loaded
    with app.app_context():
        member = db.session.get(User, ids["member"])
        board = db.session.get(Board, ids["board"])
        connection = db.session.connection()
        few, _ = _explained(connection, lambda: meeting_queries.pool_rows(board, utcnow(), limit=5))
        many, _ = _explained(connection, lambda: meeting_queries.pool_rows(board, utcnow(), limit=50))
        assert len(few) == len(many)
        rows, _pages = meeting_queries.pool_rows(board, utcnow(), limit=50)
        assert len(rows) == 50
        # deferred first, then the longest waiting, as the board's whole pool orders them
        whole = db.session.scalars(operations.pool(board).limit(50)).all()
        assert [row.case.id for row in rows] == [case.id for case in whole]
        pool = main_queries.board_pool(member)
        assert pool is not None and len(pool["cases"]) == 10
        oldest = db.session.scalars(
            select(Case)
            .where(Case.board_id.in_(sorted(member.board_ids)), Case.status.in_(["submitted", "deferred"]))
            .order_by(Case.submitted_at, Case.id)
            .limit(10)
        ).all()
        assert [c.id for c in pool["cases"]] == [c.id for c in oldest]
        waiting = db.session.scalar(
            select(func.count(Case.id)).where(
                Case.board_id == board.id, Case.status.in_(["submitted", "deferred"])
            )
        )
        assert operations.pool_counts([board.id], cap=CASES) == {board.id: (waiting, False)}
        assert operations.pool_counts([board.id], cap=5) == {
            board.id: (10, True)
        }  # 5 of each status, "or more"
