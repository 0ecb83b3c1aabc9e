"""The case list's queries, as the page runs them, explained on the database under test after a bulk load
and ANALYZE: no page (first, next, last; each sort; each filter) and no capped count of the list reads the
case table by a sequential scan. The planner is left to choose (no enable_seqscan=off): the indexes must
make the plan right."""

import pytest

from tests.factories import create_board, create_user
from tests.plans import captured as _captured
from tests.plans import plan_of as _plan
from tests.plans import scans_table
from tumorboard import keyset
from tumorboard.auth.roles import Role
from tumorboard.cases import queries
from tumorboard.cases.bulk_data import bulk_cases
from tumorboard.clinical.vocabularies import PrimarySite
from tumorboard.extensions import db

CASES = 3000


def _scans_the_case_table(plan: str) -> bool:
    return scans_table(plan, "tumor_case")


@pytest.fixture
def loaded(isolated_app):
    app = isolated_app()
    with app.app_context():
        boards = [create_board(), create_board()]
        for board in boards:
            create_user(roles=(Role.SUBMITTER,), boards=[board])
        member = create_user(roles=(Role.SPECIALIST,), boards=[boards[0]])
        member_id = member.id
        bulk_cases(CASES)  # bulk INSERT, then ANALYZE
        db.session.remove()
    return app, member_id


FILTERS = [
    queries.CaseFilters(),
    queries.CaseFilters(board_id=-1),  # replaced by the member's board below
    queries.CaseFilters(status="submitted"),
    queries.CaseFilters(site=PrimarySite("ileum").value),
    queries.CaseFilters(grade="G2"),
    queries.CaseFilters(submitter="me"),
]


def test_no_page_of_the_case_list_scans_the_case_table(loaded):
    app, member_id = loaded
    from tumorboard.auth.models import User

    with app.app_context():
        member = db.session.get(User, member_id)
        board_id = sorted(member.board_ids)[0]
        connection = db.session.connection()
        checked, scans = 0, []
        for base in FILTERS:
            for sort in queries.SORTS:
                filters = queries.CaseFilters(
                    **{**base.__dict__, "sort": sort, "board_id": board_id if base.board_id else None}
                )
                first = queries.case_page(member, filters, limit=25)
                pages = [("first", first)]
                with _captured(connection) as statements:
                    queries.case_page(member, filters, limit=25)
                    if first.keys:
                        queries.case_page(
                            member, filters, limit=25, direction=keyset.AFTER, boundary=first.keys[-1]
                        )
                        queries.case_page(
                            member, filters, limit=25, direction=keyset.BEFORE, boundary=first.keys[-1]
                        )
                    queries.case_page(member, filters, limit=25, direction=keyset.LAST)
                    jump = queries.jump_value(
                        sort, first.rows[0].updated_at.date() if first.rows else None, "m"
                    )
                    if jump is not None:
                        queries.case_page(member, filters, limit=25, direction=keyset.JUMP, jump=jump)
                    queries.count_capped(member, filters)
                assert pages and statements
                for statement, parameters in statements:
                    plan = _plan(connection, statement, parameters)
                    if _scans_the_case_table(plan):
                        scans.append(f"sort {sort}, {base}:\n{statement}\n{plan}")
                    checked += 1
        assert not scans, f"{len(scans)} of {checked} statements scan tumor_case:\n" + "\n\n".join(scans)
        assert checked >= len(FILTERS) * len(queries.SORTS) * 4
