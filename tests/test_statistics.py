"""The planner's statistics (tumorboard/statistics.py): `flask db analyze` takes them for every table, the
bulk load ends with it, and the tick refreshes a table that has doubled since, and only such tables."""

import time

from sqlalchemy import func, select, text

from tumorboard import statistics
from tumorboard.boards.models import Board
from tumorboard.cases.bulk_data import bulk_cases
from tumorboard.cases.models import Case
from tumorboard.extensions import db
from tumorboard.seed import seed_demo


def _rows_known(table: str) -> float:
    """The rows the planner believes `table` has (-1 or absent: no statistics); the read's transaction
    ends, so that ANALYZE on another connection is not kept waiting (SQLite)."""
    if db.engine.dialect.name == "postgresql":
        known = db.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = :t"), {"t": table})
    else:
        stat = db.session.scalars(text("SELECT stat FROM sqlite_stat1 WHERE tbl = :t"), {"t": table}).all()
        known = max((int(s.split()[0]) for s in stat), default=-1)
    db.session.commit()
    return known


def _settle() -> None:
    """PostgreSQL's row counts (pg_stat_user_tables) reach the view when the backend reports them."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT pg_stat_force_next_flush()")
        time.sleep(
            1.1
        )  # the stats snapshot of a new transaction, at most once a second (PGSTAT_MIN_INTERVAL)


def test_db_analyze_takes_the_statistics_of_every_table(isolated_app):
    app = isolated_app()
    with app.app_context():
        seed_demo()
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["db", "analyze"])
        assert result.exit_code == 0, result.output
        assert "Statistics refreshed for every table" in result.output
        cases = db.session.scalar(select(func.count(Case.id)))
        assert _rows_known("tumor_case") == cases


def test_the_bulk_load_ends_with_statistics(isolated_app):
    app = isolated_app()
    with app.app_context():
        seed_demo()
        db.session.commit()
        bulk_cases(300)
        cases = db.session.scalar(select(func.count(Case.id)))
        assert cases >= 300
        assert _rows_known("tumor_case") == cases


def test_the_tick_analyzes_the_tables_that_doubled_and_no_other(isolated_app):
    app = isolated_app()
    with app.app_context():
        seed_demo()
        db.session.commit()
        statistics.refresh_all()
        _settle()
        assert statistics.refresh_grown() == []  # nothing grew since
        known = _rows_known("board")
        bulk_add = max(statistics.MIN_ROWS, int(known * statistics.GROWTH_FACTOR) + 1)
        db.session.add_all(Board(name=f"Grown {n}", name_key=f"grown {n}") for n in range(bulk_add))
        db.session.commit()
        _settle()
        grown = statistics.refresh_grown()
        assert grown == ["board"]
        assert _rows_known("board") >= bulk_add
        _settle()
        assert statistics.refresh_grown() == []  # refreshed: not again until it doubles again
        result = app.test_cli_runner().invoke(args=["jobs", "tick"])
        assert result.exit_code == 0, result.output
        assert "Statistics refreshed" not in result.output
