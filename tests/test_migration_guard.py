"""A downgrade that would drop data refuses (exit status 1, the tables and columns at stake named, every
row still there) unless the admin gives --i-know-this-drops-data; on an empty database it proceeds."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text

from tests.commands import flask, row_counts
from tumorboard.extensions import db
from tumorboard.migration_guard import FLAG, DataAtStake


@pytest.fixture
def seeded(isolated_app):
    app = isolated_app()
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return app


def _revision(app) -> str:
    with app.app_context():
        revision = db.session.scalar(text("SELECT version_num FROM alembic_version"))
        db.session.remove()
        return revision


def test_a_downgrade_on_real_data_refuses_and_drops_nothing(seeded):
    url = seeded.config["SQLALCHEMY_DATABASE_URI"]
    before, head = row_counts(url), _revision(seeded)
    refused = flask(url, "db", "downgrade", "base")
    assert refused.returncode == 1, refused.stderr
    assert "Traceback" not in refused.stderr
    message = refused.stderr
    assert "This downgrade would drop data" in message and "Nothing was changed" in message
    for table in ("patient", "tumor_case", "decision", "decision_snapshot", "audit_event"):
        assert f" {table} ({before[table]} rows)" in message, table
    assert "board_membership.is_chair (" in message  # a column the downgrade drops, with its values
    assert f"--{FLAG}" in message
    assert row_counts(url) == before and _revision(seeded) == head

    proceeds = flask(url, "db", "downgrade", "base", f"--{FLAG}")
    assert proceeds.returncode == 0, proceeds.stderr
    assert row_counts(url) == {"alembic_version": 0}


def test_the_python_api_refuses_too_and_takes_the_x_argument(seeded):
    with seeded.app_context():
        before = db.session.scalar(text("SELECT count(*) FROM patient_registration"))
        db.session.remove()
        with pytest.raises(DataAtStake) as refused:
            downgrade(revision="37f0ccbfd6e0")  # drops the registrations, the snapshots, the referral links
        assert f"patient_registration ({before} rows)" in str(refused.value)
        assert db.session.scalar(text("SELECT count(*) FROM patient_registration")) == before
        db.session.remove()
        downgrade(revision="37f0ccbfd6e0", x_arg=[FLAG])
        assert "patient_registration" not in inspect(db.engine).get_table_names()
        upgrade()


def test_a_downgrade_that_drops_only_empty_tables_proceeds(seeded):
    """The steps after b41c7e2a9d05 drop `form_submission`, `reminder_sent`, `oidc_group_mapping`,
    `second_factor`, `recovery_code`, `fhir_publication`, `user_session`, `hl7_message`,
    `hl7_unmatched_result`, `patient_alias`, `api_token`, `service_account`, `chart_render` and
    `held_result_access`, and columns of NULLs (the users' provider identity, the findings' import
    sources), which the demo data leaves empty: nothing is at stake."""
    with seeded.app_context():
        downgrade(revision="b41c7e2a9d05")
        tables = inspect(db.engine).get_table_names()
        gone = {
            "form_submission",
            "reminder_sent",
            "oidc_group_mapping",
            "second_factor",
            "recovery_code",
            "fhir_publication",
            "user_session",
            "hl7_message",
            "hl7_unmatched_result",
            "patient_alias",
            "api_token",
            "service_account",
            "chart_render",
            "held_result_access",
        }
        assert not gone & set(tables)
        assert "oidc_subject" not in {c["name"] for c in inspect(db.engine).get_columns("users")}
        assert "source_id" not in {c["name"] for c in inspect(db.engine).get_columns("lab_result")}
        assert db.session.scalar(select(func.count()).select_from(db.metadata.tables["tumor_case"])) > 10
        db.session.remove()
        upgrade()


def test_an_empty_database_downgrades_without_the_flag(isolated_app):
    app = isolated_app()
    result = app.test_cli_runner().invoke(args=["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
