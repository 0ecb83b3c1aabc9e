"""Query plans under test: the statements a block runs, each explained on the database under test, and
whether a plan reads a table by a sequential scan (PostgreSQL's "Seq Scan on t", SQLite's "SCAN t" without
an index)."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def captured(connection) -> Iterator[list[tuple[str, object]]]:
    statements: list[tuple[str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", before)


def plan_of(connection, statement: str, parameters) -> str:
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        return "\n".join(str(row[-1]) for row in rows)
    rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters).all()
    return "\n".join(row[0] for row in rows)


def scans_table(plan: str, table: str) -> bool:
    for line in plan.splitlines():
        text = line.strip().lstrip("-> ").strip()
        if text.startswith(f"Seq Scan on {table} ") or text == f"Seq Scan on {table}":
            return True
        # SQLite: "SCAN t" walks the table; "SCAN t USING [COVERING] INDEX" walks an index
        words = text.split()
        if words[:2] == ["SCAN", table] and "USING" not in text:
            return True
    return False
