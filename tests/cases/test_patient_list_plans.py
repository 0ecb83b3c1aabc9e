"""The patient list (the page's, by name, and the API's, by id), as they read a page, run on the database
under test after a bulk load and ANALYZE: a page reads a few rows of tumor_case and patient whatever their
number. On PostgreSQL no statement reads more than a few pages' worth of rows (tests/plans.py `rows_read`);
on SQLite a patient's cases are searched by their index. (The visible case as an EXISTS under an OR was
hashed by PostgreSQL: every visible case read before the first patient of a page, 100,013 rows for 26
patients at 100,000 cases.)"""

import pytest
from sqlalchemy import exists, insert, literal, or_, select

from tests.factories import create_board, create_user
from tests.plans import captured, plan_of, rows_read
from tumorboard import keyset
from tumorboard.api import queries as api_queries
from tumorboard.auth.models import User
from tumorboard.auth.roles import Role
from tumorboard.cases import queries
from tumorboard.cases.bulk_data import bulk_cases
from tumorboard.cases.models import Case, Patient, PatientRegistration
from tumorboard.db import UTCDateTime, utcnow
from tumorboard.extensions import db
from tumorboard.statistics import refresh_all

CASES = 3000
PAGE = 25
BOUND = 10 * (PAGE + 1)  # a page and its look-ahead row, with room for ties of the name order


@pytest.fixture
def loaded(isolated_app):
    app = isolated_app()
    with app.app_context():
        boards = [create_board(), create_board()]
        submitters = [create_user(roles=(Role.SUBMITTER,), boards=[board]) for board in boards]
        member = create_user(roles=(Role.SPECIALIST,), boards=boards)
        outsider = create_user(roles=(Role.ADMIN,))  # no boards: sees no bulk patient
        ids = {"member": member.id, "outsider": outsider.id}
        bulk_cases(CASES)  # bulk INSERT
        # every patient registered by a submitter, as the registration form records it: a user's own
        # registrations must be found by their index, not among everyone's
        registered = select(Patient.id, literal(submitters[0].id), literal(utcnow(), UTCDateTime))
        db.session.execute(
            insert(PatientRegistration).from_select(["patient_id", "user_id", "registered_at"], registered)
        )
        db.session.commit()
        refresh_all()  # ANALYZE, as after any bulk load
        db.session.commit()
        db.session.remove()
    return app, ids


def _as_an_exists(user) -> list[int]:
    """The visible patients' ids by the plain definition (an EXISTS of a visible case, or a registration),
    in name order: what the pages must show."""
    seen = queries.visible_cases(user).with_only_columns(Case.id).where(Case.patient_id == Patient.id)
    registered = select(PatientRegistration.patient_id).where(
        PatientRegistration.patient_id == Patient.id, PatientRegistration.user_id == user.id
    )
    return list(
        db.session.scalars(
            select(Patient.id).where(or_(exists(registered), exists(seen))).order_by(*queries.PATIENT_ORDER)
        )
    )


def _reads(connection, statements, table: str) -> list[int]:
    found = [rows_read(connection, statement, parameters, table) for statement, parameters in statements]
    return [read for read in found if read is not None]


def test_a_page_of_patients_reads_a_few_cases_whatever_their_number(loaded):
    app, ids = loaded
    with app.app_context():
        member = db.session.get(User, ids["member"])
        assert member.board_ids and member.roles  # loaded with the signed-in user on a page
        visible = _as_an_exists(member)
        assert len(visible) > 10 * BOUND  # enough that reading every visible case would show
        connection = db.session.connection()
        stmt, order = queries.patient_list(member)
        with captured(connection) as by_name:
            page = keyset.seek(stmt, order, limit=PAGE)
        with captured(connection) as by_id:
            api_page = api_queries.patients(member, limit=PAGE)
        assert [patient.id for patient in page.rows] == visible[:PAGE]
        assert [patient.id for patient in api_page.rows] == sorted(visible)[:PAGE]
        assert len(by_name) == len(by_id) == 1
        for table in ("tumor_case", "patient"):
            for read in _reads(connection, by_name + by_id, table):
                assert read <= BOUND, f"{read} rows of {table} read for a page of {PAGE}"
        if connection.dialect.name == "sqlite":
            for statement, parameters in by_name + by_id:
                plan = plan_of(connection, statement, parameters)
                cases = [line for line in plan.splitlines() if "tumor_case" in line]
                by_patient = "USING INDEX ix_tumor_case_patient_id (patient_id=?)"
                assert cases and all(by_patient in line for line in cases), plan


def test_a_user_without_boards_reads_only_their_own_patients(loaded):
    app, ids = loaded
    with app.app_context():
        outsider = db.session.get(User, ids["outsider"])
        assert not outsider.board_ids and outsider.roles
        connection = db.session.connection()
        stmt, order = queries.patient_list(outsider)
        with captured(connection) as statements:
            page = keyset.seek(stmt, order, limit=PAGE)
            api_page = api_queries.patients(outsider, limit=PAGE)
        assert page.rows == api_page.rows == [] == _as_an_exists(outsider)
        assert len(statements) == 2
        for table in ("patient", "patient_registration"):
            for read in _reads(connection, statements, table):
                assert read <= BOUND, f"{read} rows of {table} read for a user who sees none"
        if connection.dialect.name == "sqlite":
            for statement, parameters in statements:
                plan = plan_of(connection, statement, parameters)
                scans = [line.split()[:2] for line in plan.splitlines()]
                for table in ("patient", "patient_registration"):
                    assert ["SCAN", table] not in scans, plan
