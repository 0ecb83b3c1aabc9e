"""Query plans under test: the statements a block runs, each explained on the database under test, and
whether a plan reads a table by a sequential scan (PostgreSQL's "Seq Scan on t", SQLite's "SCAN t" without
an index), or, on PostgreSQL, how many of a table's rows it read when run (a sort of every row of one
user's before a LIMIT is no sequential scan, but reads as much)."""

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


def rows_read(connection, statement: str, parameters, table: str) -> int | None:
    """How many rows of `table` the statement read when run, on PostgreSQL (EXPLAIN (ANALYZE): every plan
    node on the table, its rows and the rows its filter or recheck removed, times its loops); None on
    SQLite, whose EXPLAIN QUERY PLAN does not run the statement."""
    if connection.dialect.name == "sqlite":
        return None
    explain = "EXPLAIN (ANALYZE, FORMAT JSON) " + statement
    [[explained]] = connection.exec_driver_sql(explain, parameters).all()
    total = 0
    nodes = [explained[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        nodes.extend(node.get("Plans", ()))
        if node.get("Relation Name") == table:
            seen = node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
            seen += node.get("Rows Removed by Index Recheck", 0)
            total += seen * node.get("Actual Loops", 1)
    return total
