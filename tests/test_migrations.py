"""The schema is built by the migrations alone, and they agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from tumorboard.extensions import db


def test_models_and_migrations_agree(app):
    with app.app_context():
        context = MigrationContext.configure(db.session.connection(), opts={"compare_type": True})
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
