"""A downgrade that would drop data refuses, unless the admin says they know.

Every `drop_table` and `drop_column` a migration runs is counted first (the table's rows; the column's
values that are not NULL) while migrations/env.py watches. When a downgrade's steps have dropped any data,
env.py raises `DataAtStake` inside the migration's transaction, so the database rolls every step back (DDL
is transactional on PostgreSQL, and on SQLite, where every transaction begins with BEGIN IMMEDIATE) and
the message names each table and column with what it held. `flask db downgrade --i-know-this-drops-data`
(or the `-x i-know-this-drops-data` argument of the Python API and plain Alembic) lets it proceed.

Only drops are counted: a downgrade that rewrites values (an UPDATE) is for its own migration to make
lossless. The chain's head row is bookkeeping derived from the audit events (whose rows do count), so an
empty database, whose only row is that head, downgrades without the flag.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import click
from alembic.operations import Operations, ops, toimpl
from flask import g
from flask.cli import with_appcontext
from flask_migrate import cli as migrate_cli
from flask_migrate import downgrade
from sqlalchemy import column, func, select, table

FLAG = "i-know-this-drops-data"
BOOKKEEPING = frozenset({"audit_chain_head", "alembic_version"})


class DataAtStake(Exception):  # noqa: N818 - it names the refusal, as the admin reads it
    """A downgrade that would have dropped data; nothing was changed."""

    def __init__(self, losses: list[str]):
        self.losses = losses
        tables = [loss for loss in losses if loss.startswith("table ")]
        columns = [loss.removeprefix("column ") for loss in losses if loss.startswith("column ")]
        parts = (
            [f"{len(tables)} tables with rows: " + ", ".join(t.removeprefix("table ") for t in tables)]
            if tables
            else []
        ) + ([f"{len(columns)} columns with values: " + ", ".join(columns)] if columns else [])
        super().__init__(
            "This downgrade would drop data (" + "; ".join(parts) + "). Nothing was changed. Take a backup "
            f"(`flask backup create PATH`) and run it again with --{FLAG} to drop it."
        )


@dataclass
class _Watch:
    allowed: bool
    pending: list[str] = field(default_factory=list)
    downgraded: list[str] = field(default_factory=list)

    def step_applied(self, *, step, **_kwargs) -> None:
        """Alembic's `on_version_apply`: what the step just run dropped counts if it went down."""
        if not step.is_upgrade:
            self.downgraded += self.pending
        self.pending = []

    def check(self) -> None:
        if self.downgraded and not self.allowed:
            raise DataAtStake(self.downgraded)


_watch: ContextVar[_Watch | None] = ContextVar("migration_guard_watch", default=None)


@contextmanager
def watching(x_arguments: dict[str, str]) -> Iterator[_Watch]:
    """While migrations run online: note what each drop holds. `x_arguments` are Alembic's `-x` ones."""
    watch = _Watch(allowed=FLAG in x_arguments)
    token = _watch.set(watch)
    try:
        yield watch
    finally:
        _watch.reset(token)


def _count(operations: Operations, table_name: str, column_name: str | None, schema: str | None) -> int:
    target = table(table_name, *([column(column_name)] if column_name else []), schema=schema)
    query = select(func.count()).select_from(target)
    if column_name is not None:
        query = query.where(target.c[column_name].is_not(None))
    return operations.get_bind().scalar(query) or 0


@Operations.implementation_for(ops.DropTableOp, replace=True)
def _drop_table(operations: Operations, operation: ops.DropTableOp) -> None:
    watch = _watch.get()
    if watch is not None and operation.table_name not in BOOKKEEPING:
        rows = _count(operations, operation.table_name, None, operation.schema)
        if rows:
            watch.pending.append(f"table {operation.table_name} ({rows} rows)")
    toimpl.drop_table(operations, operation)


@Operations.implementation_for(ops.DropColumnOp, replace=True)
def _drop_column(operations: Operations, operation: ops.DropColumnOp) -> None:
    watch = _watch.get()
    if watch is not None and operation.table_name not in BOOKKEEPING:
        values = _count(operations, operation.table_name, operation.column_name, operation.schema)
        if values:
            watch.pending.append(f"column {operation.table_name}.{operation.column_name} ({values} values)")
    toimpl.drop_column(operations, operation)


def guarded_db_group() -> click.Group:
    """Flask-Migrate's `db` group with its `downgrade` in a version that takes --i-know-this-drops-data
    and refuses with a message and exit status 1 (Flask-Migrate's own would print a traceback)."""
    original = migrate_cli.downgrade

    @with_appcontext
    def guarded(directory, sql, tag, x_arg, revision, i_know_this_drops_data):
        x_args = list(x_arg or g.x_arg or ())
        if i_know_this_drops_data:
            x_args.append(FLAG)
        try:
            downgrade(directory or g.directory, revision, sql, tag, x_args)
        except DataAtStake as exc:
            raise click.ClickException(str(exc)) from None

    command = click.Command(
        "downgrade",
        callback=guarded,
        params=[
            *original.params,
            click.Option(
                [f"--{FLAG}"],
                is_flag=True,
                help="Proceed although the downgrade drops tables or columns that hold data.",
            ),
        ],
        help=f"{original.help} (refuses to drop data without --{FLAG})",
    )
    group = migrate_cli.db
    return click.Group(
        group.name,
        commands={**group.commands, "downgrade": command},
        callback=group.callback,
        params=group.params,
        help=group.help,
    )
