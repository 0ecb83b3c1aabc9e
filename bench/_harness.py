"""What the benchmark scripts share: a fresh database, the app on it, a signed-in test client, a counter of
SQL statements, interleaved timing of pages, and a bare Flask + SQLAlchemy page to compare them with.

Server time is the time of a Flask test client call: routing, hooks, queries and rendering, no network.
Benchmarks print figures; they are never timed unit tests.
"""

import cProfile
import io
import math
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/<script>.py` from the repository root
    sys.path.insert(0, str(ROOT))

from flask import Flask, render_template_string  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from flask_sqlalchemy import SQLAlchemy  # noqa: E402
from sqlalchemy import column, create_engine, event, select, table, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402

from config import TestConfig  # noqa: E402
from tumorboard import create_app  # noqa: E402
from tumorboard.auth.models import SignInMethod  # noqa: E402
from tumorboard.auth.sessions import open_session  # noqa: E402
from tumorboard.extensions import db  # noqa: E402

TRANSACTION_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")


@dataclass
class Database:
    url: str
    label: str


def _empty_schema(url: str) -> None:
    """Drop everything in the PostgreSQL database `url` names: its public schema, made again empty."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@contextmanager
def own_database(url: str) -> Iterator[Database]:
    """The PostgreSQL database `url` names itself, for a run on a server where one may not create
    databases (a shared machine, one database per engineer): emptied before the run, and left as the run
    made it, for EXPLAIN of the pages' statements, until the next run."""
    _empty_schema(url)
    yield Database(url, f"PostgreSQL {make_url(url).render_as_string()} (emptied first, kept after)")


@contextmanager
def fresh_database(
    server_url: str | None, prefix: str = "tumorboard_bench", *, own: bool = False
) -> Iterator[Database]:
    """A new, empty database for this run (a SQLite file in a temporary directory, or a new database on
    the PostgreSQL server `server_url` names, or with `own` the database it names, emptied), removed at
    the end whatever happens."""
    if not server_url:
        with tempfile.TemporaryDirectory(prefix=f"{prefix}_") as tmp:
            path = Path(tmp) / f"{prefix}.db"
            yield Database(f"sqlite:///{path}", f"SQLite {path}")
        return
    if own:
        with own_database(server_url) as database:
            yield database
        return
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name)
    try:
        yield Database(url.render_as_string(hide_password=False), f"PostgreSQL {url.render_as_string()}")
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def build_app(url: str, **overrides) -> Flask:
    """The real app (TestConfig: no CSRF, test secrets) on `url`, its schema made by the migrations."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False, **overrides)
    with app.app_context():
        upgrade()
    return app


def sign_in(client: FlaskClient, user) -> FlaskClient:
    """Sign a test client in as a login does, without the password check: a session record
    (auth.sessions.open_session, committed) and its key in the cookie (tests/conftest.py log_in)."""
    _record, key = open_session(user, SignInMethod.PASSWORD)
    db.session.commit()
    with client.session_transaction() as sess:
        sess["_user_id"] = key
        sess["_fresh"] = True
    return client


class StatementCounter:
    """Counts the SQL statements an engine runs, transaction control aside; keeps the last ones run."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0
        self.recent: list[str] = []
        event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, _conn, _cursor, statement: str, *_args) -> None:
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            self.count += 1
            self.recent.append(statement)

    def reset_recent(self) -> None:
        self.recent = []

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)


@dataclass
class Page:
    """One page to time: `call` makes one request and returns the response."""

    name: str
    call: Callable[[], object]
    counter: StatementCounter
    check: Callable[[object], None] = lambda response: None
    status: int = 200  # the answer expected (304: a revalidated chart)
    times_ms: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    sql: list[str] = field(default_factory=list)

    def request(self) -> tuple[float, int]:
        before = self.counter.count
        self.counter.reset_recent()
        started = time.perf_counter()
        response = self.call()
        elapsed = (time.perf_counter() - started) * 1000
        status = getattr(response, "status_code", None)
        assert status == self.status, f"{self.name}: HTTP {status}"
        self.check(response)
        self.sql = self.counter.recent
        return elapsed, self.counter.count - before

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.times_ms)  # nearest rank
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    @property
    def statement_count(self) -> int:
        """The statements of most requests. A signed-in request adds one UPDATE of its session record's
        last_seen_at at most once a minute (auth.sessions.SEEN_EVERY), so a long run sees n and n + 1; any
        other spread is a page whose statements vary, and fails."""
        counts = sorted(set(self.statements))
        assert len(counts) == 1 or (len(counts) == 2 and counts[1] == counts[0] + 1), (
            f"{self.name}: statements per request vary: {counts}"
        )
        return statistics.mode(self.statements)


MIN_REQUESTS = 20
BAR = 2.0  # issue 14's bar: every list, search and detail page within 2x of the bare page


def measure(pages: list[Page], requests: int, warmup: int, budget_s: float) -> None:
    """Time every page `requests` times after `warmup` untimed requests, or fewer (never under
    MIN_REQUESTS) once its timed requests add up to `budget_s` seconds, so a page of seconds does not take
    an hour. The pages take turns, request by request, so a slow drift of the machine (caches, CPU clock,
    other load) weighs on all of them alike."""
    pending = list(pages)
    for round_number in range(warmup + requests):
        for page in pending:
            elapsed, statements = page.request()
            if round_number >= warmup:
                page.times_ms.append(elapsed)
                page.statements.append(statements)
        pending = [
            page
            for page in pending
            if len(page.times_ms) < MIN_REQUESTS or sum(page.times_ms) < budget_s * 1000
        ]
        if not pending:
            return


TEMPLATE_RENDER = ("flask/templating.py", "_render")  # where Flask renders a template: its time, nested


def profile(page: Page, lines: int = 20) -> str:
    """Where one request to the page spends its time: its SQL statements each with the time from execute
    to its result (the cursor's work: the database and the driver; SQLite steps to the rows past the first
    only as they are fetched, so there see the cursor's `fetchall` too), the time spent rendering templates
    (SQL of lazy loads in them counted twice), then cProfile's functions by their own time, the `lines`
    first."""
    timings: list[tuple[float, str]] = []
    started: list[float] = []

    def before(*_args) -> None:
        started.append(time.perf_counter())

    def after(_conn, _cursor, statement: str, *_args) -> None:
        timings.append(((time.perf_counter() - started.pop()) * 1000, statement))

    engine = page.counter.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    profiler = cProfile.Profile()
    try:
        began = time.perf_counter()
        profiler.runcall(page.call)
        total = (time.perf_counter() - began) * 1000
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    sql = sum(ms for ms, _ in timings)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    templates = 1000 * sum(
        cumulative
        for (path, _line, function), (_calls, _primitive, _total, cumulative, _callers) in stats.stats.items()  # type: ignore[attr-defined]
        if path.endswith(TEMPLATE_RENDER[0]) and function == TEMPLATE_RENDER[1]
    )
    out.write(
        f"{page.name}: {total:.1f} ms under cProfile: SQL {sql:.1f} ms ({sql / total:.0%}), templates"
        f" {templates:.1f} ms ({templates / total:.0%}), the rest {total - sql - templates:.1f} ms\n"
    )
    for ms, statement in sorted(timings, reverse=True):
        out.write(f"  {ms:7.2f} ms  {' '.join(statement.split())[:160]}\n")
    stats.sort_stats("tottime").print_stats(lines)
    return out.getvalue()


def profile_slow(pages: list[Page], baseline: Page, ratio: float = BAR) -> None:
    """Print the profile of one request of each page whose median is beyond `ratio` times the bare page's."""
    for page in pages:
        if page.median_ms / baseline.median_ms > ratio:
            print(f"\n-- profile of one request: {profile(page)}")


def statements_of(page: Page) -> int:
    """The statements of one request to the page (untimed), e.g. for a comparison across data sets."""
    return page.request()[1]


BARE_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Patients</title></head><body>
<h1>Patients</h1>
<table>
  <thead><tr><th>ID</th><th>MRN</th><th>Name</th><th>Born</th></tr></thead>
  <tbody>
  {% for row in rows %}
    <tr><td>{{ row.id }}</td><td>{{ row.mrn }}</td><td>{{ row.family_name }}, {{ row.given_name }}</td>
      <td>{{ row.birth_date }}</td></tr>
  {% endfor %}
  </tbody>
</table>
</body></html>
"""

BARE_ROWS = 50


def bare_app(url: str) -> tuple[Flask, SQLAlchemy]:
    """The yardstick: a minimal Flask + Flask-SQLAlchemy app on the same database, one page that selects
    50 rows of one table and renders them with a small template. No auth, no layout, no ORM objects."""
    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=url, TESTING=True)
    bare_db = SQLAlchemy()
    bare_db.init_app(app)
    patient = table(
        "patient",
        column("id"),
        column("mrn"),
        column("family_name"),
        column("given_name"),
        column("birth_date"),
    )

    @app.get("/patients")
    def patients():
        rows = bare_db.session.execute(select(patient).order_by(patient.c.id).limit(BARE_ROWS)).all()
        return render_template_string(BARE_TEMPLATE, rows=rows)

    return app, bare_db


def bare_page(url: str) -> tuple[Page, Callable[[], None]]:
    """The bare page ready to time, and how to close its engine."""
    app, bare_db = bare_app(url)
    with app.app_context():
        counter = StatementCounter(bare_db.engine)
    client = app.test_client()

    def close() -> None:
        counter.close()
        with app.app_context():
            bare_db.engine.dispose()

    return Page(f"bare Flask + SQLAlchemy, {BARE_ROWS} rows", lambda: client.get("/patients"), counter), close


OWN_DATABASE_HELP = (
    "with --database-url: run in the database it names, emptied first (its public schema is dropped) and"
    " kept after, instead of creating a new one beside it"
)


def dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def print_table(title: str, pages: list[Page], baseline: Page, target: float) -> None:
    """page | median ms | p95 ms | statements | ratio to bare | requests timed; a ratio beyond `target` is
    marked."""
    width = max(len(p.name) for p in [*pages, baseline])
    print(f"\n{title}")
    header = (
        f"{'page':<{width}} | {'median ms':>9} | {'p95 ms':>8} | {'statements':>10} | {'ratio to bare':>13}"
        f" | {'requests':>8}"
    )
    print(header)
    print("-" * len(header))
    for page in [baseline, *pages]:
        ratio = page.median_ms / baseline.median_ms
        mark = "" if page is baseline or ratio <= target else "  > target"
        print(
            f"{page.name:<{width}} | {page.median_ms:9.2f} | {page.p95_ms:8.2f}"
            f" | {page.statement_count:>10} | {ratio:12.2f}x | {len(page.times_ms):>8}{mark}"
        )
