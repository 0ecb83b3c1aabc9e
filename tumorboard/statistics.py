"""The planner's statistics: fresh after a bulk load, and on small tables that grow.

PostgreSQL's autovacuum analyzes a table once the rows changed since its last analyze pass
`autovacuum_analyze_threshold + autovacuum_analyze_scale_factor * rows` (50 + 10 %); a large bulk load
crosses that, but its plan-changing effect waits for the autovacuum worker's next round, and a table that
was analyzed at 7 rows and grows by a few hundred a week is planned as a 7-row table for weeks (the
agenda's merge join over the whole case index, issue 14). SQLite keeps no statistics at all until ANALYZE
runs, and then keeps them until it runs again.

So: `refresh_all()` after a bulk load (`bulk_cases` and `flask db analyze` call it), and
`refresh_grown()` from every `flask jobs tick`, which analyzes only the tables whose row count has grown by
GROWTH_FACTOR since their last analyze (and have at least MIN_ROWS rows), each estimated without counting
(PostgreSQL's `n_live_tup` against `reltuples`; SQLite's largest rowid against the count in
`sqlite_stat1`), so a tick on a quiet database costs one catalogue query.
"""

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from tumorboard.extensions import db

GROWTH_FACTOR = 2.0
MIN_ROWS = 100  # below this, any plan is fast


def refresh_all() -> None:
    """ANALYZE every table, committed on a connection of its own."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        else:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()


def grown_tables(connection: Connection) -> list[str]:
    """The tables that have grown by GROWTH_FACTOR since their statistics were taken (or never had any)
    and hold at least MIN_ROWS rows, by estimate."""
    if connection.dialect.name == "postgresql":
        rows = connection.execute(
            text(
                "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid"
                " WHERE s.schemaname = current_schema() AND s.n_live_tup >= :min_rows"
                " AND s.n_live_tup >= :factor * greatest(c.reltuples, 0) ORDER BY s.relname"
            ),
            {"min_rows": MIN_ROWS, "factor": GROWTH_FACTOR},
        )
        return [str(name) for (name,) in rows]
    analyzed = _sqlite_analyzed_rows(connection)
    virtual = _sqlite_virtual_tables(connection)
    grown = []
    for name in sorted(inspect(connection).get_table_names()):
        if name.startswith("sqlite_") or not _has_integer_id(connection, name):
            continue
        if name in virtual or name.startswith(tuple(f"{table}_" for table in virtual)):
            continue  # the search's FTS5 index and the shadow tables it keeps: ANALYZE has nothing to say
        quoted = connection.dialect.identifier_preparer.quote(name)  # a name from the catalogue
        estimate = connection.exec_driver_sql(f"SELECT max(rowid) FROM {quoted}").scalar() or 0  # noqa: S608
        if estimate >= MIN_ROWS and estimate >= GROWTH_FACTOR * analyzed.get(name, 0):
            grown.append(name)
    return grown


def refresh_grown() -> list[str]:
    """ANALYZE the tables `grown_tables` names, in the session's own transaction (the tick's; ANALYZE is
    transactional on both databases, and a second connection would wait for the first's write lock on
    SQLite); returns their names."""
    connection = db.session.connection()
    names = grown_tables(connection)
    for name in names:
        connection.exec_driver_sql(f"ANALYZE {connection.dialect.identifier_preparer.quote(name)}")
    db.session.commit()
    return names


def _sqlite_analyzed_rows(connection: Connection) -> dict[str, int]:
    exists = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
    ).scalar()
    if not exists:
        return {}
    counts: dict[str, int] = {}
    for table, stat in connection.exec_driver_sql("SELECT tbl, stat FROM sqlite_stat1"):
        rows = int(str(stat).split()[0]) if stat else 0
        counts[str(table)] = max(counts.get(str(table), 0), rows)
    return counts


def _sqlite_virtual_tables(connection: Connection) -> set[str]:
    return {
        str(name)
        for (name,) in connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'"
        )
    }


def _has_integer_id(connection: Connection, name: str) -> bool:
    """Only tables with a rowid (every table of ours but the WITHOUT ROWID ones) can be estimated so."""
    return bool(
        connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
            " AND sql NOT LIKE '%WITHOUT ROWID%'",
            (name,),
        ).scalar()
    )
