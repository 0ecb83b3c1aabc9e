"""Database helpers shared by every package: UTC timestamps, enum columns, SQLite settings, safe ids,
and the atomic operation."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from enum import StrEnum
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import Flask
from sqlalchemy import DateTime, Enum, event
from sqlalchemy.engine import make_url
from sqlalchemy.types import TypeDecorator
from werkzeug.routing import BaseConverter, ValidationError

from tumorboard import folding
from tumorboard.extensions import db

# The largest id a URL may carry: PostgreSQL's integer; anything larger is a 404, never a DB error.
MAX_ID = 2**31 - 1


# The moment the demo history is recorded as of (tumorboard.decisions.demo_data); None: the real clock.
_recorded_as_of: ContextVar[datetime | None] = ContextVar("recorded_as_of", default=None)


def utcnow() -> datetime:
    """Now, in UTC: every timestamp the app takes (column defaults, audit events, checks against now)."""
    moment = _recorded_as_of.get()
    return datetime.now(UTC) if moment is None else moment


@contextmanager
def recorded_as_of(moment: datetime) -> Iterator[None]:
    """Demo data only: the operations inside run as if it were `moment` (UTC), so a seeded history has
    dates that agree with each other (findings before the case, the meeting after the submission, the
    signature on the meeting day, the follow-up after it). A context variable: other threads and requests
    keep the real clock. Never used by a request or a clinical command."""
    if moment.tzinfo is None:
        raise ValueError("recorded_as_of needs a timezone-aware moment")
    token = _recorded_as_of.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _recorded_as_of.reset(token)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware (naive on SQLite, tz on PostgreSQL)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs a timezone-aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


def enum_type(enum: type[StrEnum], length: int, name: str) -> Enum:
    """The column type of a status or vocabulary: stored as the member's stable string value in a
    VARCHAR(`length`), refused by the database when it is not one of them (a CHECK constraint named
    `ck_<table>_<name>`, on SQLite and PostgreSQL alike), and read back as the enum member."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=True,
        length=length,
        name=name,
        values_callable=_values,
        validate_strings=True,
    )


@event.listens_for(db.Model, "mapper_configured", propagate=True)
def _members_not_strings(mapper, cls) -> None:
    """An enum column holds the enum's member in memory too, however it was set (`status="draft"` in a
    constructor, a form's string): templates and code can ask `case.status.label` before any reload. A
    string the enum does not know stays as it is, for the database's check to refuse at flush."""
    for prop in mapper.column_attrs:
        enum = getattr(prop.columns[0].type, "enum_class", None)
        if enum is None:
            continue

        def coerce(_target, value, _old, _initiator, enum=enum):
            if isinstance(value, str) and not isinstance(value, enum):
                try:
                    return enum(value)
                except ValueError:
                    return value
            return value

        event.listen(getattr(cls, prop.key), "set", coerce, retval=True)


# Each PostgreSQL connection of the app starts with these settings (libpq's `options`). JIT off: PostgreSQL
# compiles a statement whose estimated cost passes jit_above_cost (100,000 by default) to machine code, and
# a name search over 1,000,000 patients did, on every request: 833 ms of its 2.3 s were the compilation.
# The app's statements are lookups of a page's rows, never the long analytical queries JIT pays off for.
POSTGRESQL_SESSION_OPTIONS = "-c jit=off"


def engine_options(uri: str, configured: dict[str, Any]) -> dict[str, Any]:
    """The app's engine options: the configured ones, statement parameters kept out of error messages and
    logs (they may hold patient data), and on PostgreSQL the session settings above (with any `options`
    the configuration already passes: in the URL's query, ``?options=-c%20search_path%3Dtb``, which a
    connect argument of the same name would replace, or in the engine options' ``connect_args``)."""
    options = {**configured, "hide_parameters": True}
    if uri.startswith(("postgresql", "postgres:")):
        connect_args = dict(options.get("connect_args") or {})
        in_url = make_url(uri).query.get("options", "")
        given = [
            *(in_url if isinstance(in_url, tuple) else [in_url]),
            connect_args.get("options", ""),
            POSTGRESQL_SESSION_OPTIONS,
        ]
        connect_args["options"] = " ".join(part.strip() for part in given if part and part.strip())
        options["connect_args"] = connect_args
    return options


def configure_sqlite(app: Flask) -> None:
    """WAL, foreign keys, a busy timeout, BEGIN IMMEDIATE for every transaction, and the search's folding
    (`tb_search_document`, which the FTS5 index triggers call: tumorboard.folding).

    pysqlite's own transaction handling issues a deferred BEGIN lazily, which breaks SAVEPOINTs and fails
    at once with "database is locked" when two writers meet; taking the write lock at BEGIN lets the busy
    timeout queue writers instead.
    """
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    timeout_ms = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()
        dbapi_connection.create_function("tb_search_document", 1, folding.document, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class IdConverter(BaseConverter):
    """`<id:name>`: a positive record id that fits the database's integer; anything else is a 404."""

    regex = r"[1-9][0-9]{0,9}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        return str(int(value))


P = ParamSpec("P")
R = TypeVar("R")

# What the outermost operation of a transaction does first. The audit package registers the lock of its
# chain here (every writer appends an audit row anyway, so every writer takes that lock): db knows nothing
# of audit, and no operation can forget it.
_OPERATION_START: list[Callable[[], None]] = []
_IN_OPERATION = "tumorboard.in_operation"


def on_operation_start(hook: Callable[[], None]) -> None:
    if hook not in _OPERATION_START:
        _OPERATION_START.append(hook)


def atomic(operation: Callable[P, R]) -> Callable[P, R]:
    """An operation does all it set out to do or nothing: it runs in a SAVEPOINT, so a refusal half-way
    (OperationError, StaleEdit) leaves no change behind in the request's transaction.

    The outermost operation first takes the writers' lock, then forgets what the session read before it,
    so that every check it makes (a version, a status, "is there a decision already?") reads the state
    the last writer committed. Concurrent writers therefore queue up instead of racing; taking the lock
    first, in every operation, also keeps them from deadlocking on row locks taken in another order.
    """

    @wraps(operation)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        session = db.session
        if session.info.get(_IN_OPERATION):
            with session.begin_nested():
                return operation(*args, **kwargs)
        session.flush()
        with session.begin_nested():
            session.info[_IN_OPERATION] = True
            try:
                for hook in _OPERATION_START:
                    hook()
                session.expire_all()
                return operation(*args, **kwargs)
            finally:
                session.info[_IN_OPERATION] = False

    return wrapper
