"""The schema is built by the migrations alone, and they agree with the models."""

import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from tumorboard.cases import search
from tumorboard.extensions import db


def test_models_and_migrations_agree(app):
    with app.app_context():
        opts = {"compare_type": True, "include_name": search.include_object_name}  # FTS5 tables: no model
        context = MigrationContext.configure(db.session.connection(), opts=opts)
        with warnings.catch_warnings():
            # SQLite's reflection skips an index on an expression (the user list's lower(name)); PostgreSQL
            # reflects and compares it
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based")
            differences = compare_metadata(context, db.metadata)
    assert differences == [], "run `flask db migrate` and review the new revision"


def test_upgrade_downgrade_upgrade(isolated_app):
    app = isolated_app()
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert {
            "users",
            "user_role",
            "board",
            "board_membership",
            "audit_event",
            "audit_chain_head",
        } <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert set(inspect(db.engine).get_table_names()) == tables


def test_revision_file_names_carry_date_and_slug():
    import re
    from pathlib import Path

    names = [p.name for p in (Path(__file__).parent.parent / "migrations" / "versions").glob("*.py")]
    assert names
    for name in names:
        assert re.fullmatch(r"\d{8}_\d{4}_[0-9a-f]+_[a-z0-9_]+\.py", name), name


def _enum_columns():
    from sqlalchemy import Enum

    return [
        (table.name, column.name, column.type)
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, Enum)
    ]


def test_every_status_and_vocabulary_is_checked_by_the_database(app):
    """Each enum column has its CHECK constraint in the schema the migrations built, on both databases."""
    with app.app_context():
        inspector = inspect(db.session.connection())
        columns = _enum_columns()
        assert len(columns) >= 30
        for table, column, enum in columns:
            checks = {c["name"]: c["sqltext"] for c in inspector.get_check_constraints(table)}
            name = f"ck_{table}_{enum.name}"
            assert name in checks, (table, column)
            for value in enum.enums:
                assert f"'{value}'" in checks[name], (table, column, value)
        agenda = {c["name"] for c in inspector.get_check_constraints("agenda_item")}
        assert "ck_agenda_item_board_outcome" in agenda


def test_an_unknown_status_is_refused_by_the_database(app, create_case, users, board):
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from tumorboard.auth.roles import Role

    with app.app_context():
        case = create_case(submitter=users[Role.SUBMITTER], board=board)
        for column, value in (("status", "lost"), ("primary_site", "moon"), ("conference_type", "")):
            with pytest.raises(IntegrityError), db.session.begin_nested():
                statement = f"UPDATE tumor_case SET {column} = :v WHERE id = :i"  # noqa: S608 (fixed names)
                db.session.execute(text(statement), {"v": value, "i": case.id})


def test_down_and_up_again_keeps_every_row(isolated_app):
    """The step that adds the checks copies tables on SQLite: with data in them, nothing may be lost."""
    from sqlalchemy import func, select

    from tumorboard.seed import seed_demo

    app = isolated_app()
    with app.app_context():
        seed_demo()
        db.session.commit()
        tables = [t for t in db.metadata.sorted_tables]
        before = {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in tables}
        db.session.remove()
        downgrade(revision="7a93487098b0")
        upgrade()
        after = {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in tables}
    assert after == before and before["tumor_case"] > 10 and before["decision_snapshot"] > 0


def test_clinical_answers_left_empty_are_unknown_after_a_downgrade(isolated_app):
    """d879856ef8f3 lets a draft leave differentiation, functional status and hereditary syndrome empty;
    going back, an empty answer becomes "unknown" (the old default) and every answer given stays."""
    from sqlalchemy import select, text

    from tests import factories
    from tumorboard.auth.roles import Role
    from tumorboard.cases.models import Case

    app = isolated_app()
    with app.app_context():
        board = factories.create_board()
        submitter = factories.create_user(roles=[Role.SUBMITTER], boards=[board])
        factories.create_case(
            submitter=submitter,
            board=board,
            differentiation=None,
            functional_status=None,
            hereditary_syndrome=None,
        )
        answered = factories.create_case(
            submitter=submitter, board=board, differentiation="poor", hereditary_syndrome="men1"
        ).id
        db.session.commit()
        db.session.remove()
        downgrade(revision="5c2e9d4b7a10")
        columns = "id, differentiation, functional_status, hereditary_syndrome"
        rows = db.session.execute(text(f"SELECT {columns} FROM tumor_case ORDER BY id")).all()  # noqa: S608
        db.session.remove()
        assert [tuple(row[1:]) for row in rows] == [
            ("unknown", "unknown", "unknown"),
            ("poor", "non_functional", "men1"),
        ]
        upgrade()
        case = db.session.scalar(select(Case).where(Case.id == answered))
        assert (case.differentiation, case.hereditary_syndrome) == ("poor", "men1")
