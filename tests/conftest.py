"""Test harness (after Indico, newdle and flaskr).

The app is built once per run on a database of its own (SQLite file, or a fresh PostgreSQL database
when TEST_DATABASE_URL names a server), its schema made by the real migrations. Each test runs inside a
transaction that is rolled back at its end; application code may commit (it commits a SAVEPOINT).
"""

import os
import secrets
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from config import TestConfig
from tests import factories
from tumorboard import create_app
from tumorboard.auth.models import SignInMethod, UserSession
from tumorboard.auth.roles import Role
from tumorboard.auth.sessions import KEY_BYTES, key_hash
from tumorboard.extensions import db, limiter

if TYPE_CHECKING:
    from redis import Redis

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_redis() -> None:
    """Skips the test without Redis on 127.0.0.1:6379 (fails it in CI, which always has one)."""
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        if IN_CI:
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("no Redis on 127.0.0.1:6379")


@contextmanager
def job_queue(app: Flask, url: str) -> Iterator["Redis"]:
    """The app queues its jobs on the Redis database `url` (emptied before and after); yields it."""
    from redis import Redis

    require_redis()
    redis = Redis.from_url(url)
    redis.flushdb()
    app.config["JOB_QUEUE_URL"] = url
    try:
        yield redis
    finally:
        app.config["JOB_QUEUE_URL"] = ""
        app.extensions.pop("tumorboard.jobs", None)
        redis.flushdb()
        redis.close()


class RequestScopedClient(FlaskClient):
    """Each request in an app context of its own, as in production: a test that holds an app context
    (app_ctx) must not hand one request's `g` (e.g. Flask-Login's cached user) to the next."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@dataclass
class TestDatabase:
    url: str
    drop: Callable[[], None]


def make_database(tmp_dir) -> TestDatabase:
    """A new, empty database for this run: never shared with another run or the developer's data."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        path = tmp_dir / f"tumorboard-{uuid.uuid4().hex[:8]}.db"
        return TestDatabase(f"sqlite:///{path}", lambda: None)
    name = f"tumorboard_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
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

    return TestDatabase(make_url(server_url).set(database=name).render_as_string(hide_password=False), drop)


def build_app(database: TestDatabase, **overrides) -> Flask:
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database.url, **overrides)
    app.test_client_class = RequestScopedClient
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(scope="session")
def app(tmp_path_factory) -> Iterator[Flask]:
    database = make_database(tmp_path_factory.mktemp("db"))
    application = build_app(database)
    yield application
    with application.app_context():
        db.engine.dispose()
    database.drop()


@pytest.fixture
def isolated_app(tmp_path) -> Iterator[Callable[..., Flask]]:
    """Apps on databases of their own, whose writes really commit (threads, CLI, live servers)."""
    made: list[tuple[Flask, TestDatabase]] = []

    def make(**overrides) -> Flask:
        database = make_database(tmp_path)
        application = build_app(database, **overrides)
        made.append((application, database))
        return application

    yield make
    for application, database in made:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
        database.drop()


class _TestScopedSession(scoped_session):
    """One session for the whole test; Flask-SQLAlchemy's teardown must not discard it between requests."""

    def remove(self) -> None:
        self.registry().expire_all()


@pytest.fixture(autouse=True)
def _transaction(request, app) -> Iterator[None]:
    limiter.reset()
    if "isolated_app" in request.fixturenames:
        yield
        return
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    session = _TestScopedSession(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint"), scopefunc=lambda: "test"
    )
    original, db.session = db.session, session
    try:
        yield
    finally:
        session.registry().close()
        db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def app_ctx(app) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


def open_session_record(user, method=SignInMethod.PASSWORD, **values) -> tuple[UserSession, str]:
    """A session's record for `user`, committed, and its key (what the cookie carries)."""
    key = secrets.token_urlsafe(KEY_BYTES)
    record = UserSession(key_hash=key_hash(key), user_id=user.id, method=method, **values)
    db.session.add(record)
    db.session.commit()
    return record, key


def log_in(client: FlaskClient, user, **record_values) -> FlaskClient:
    """Sign a test client in as `user` without the cost of a password check (a session record, and its
    key in the cookie as the sign-in would put it); the record is `client.session_record`."""
    record, key = open_session_record(user, **record_values)
    with client.session_transaction(**getattr(client, "session_environ", {})) as sess:
        sess["_user_id"] = key
        sess["_fresh"] = True
    client.session_record_id = record.id  # type: ignore[attr-defined]
    client.session_key = key  # type: ignore[attr-defined]
    client.session_user = user  # type: ignore[attr-defined]
    return client


def posts_at_once(requests) -> list[int | None]:
    """Send (client, url, data) POSTs at the same moment, each from a thread of its own (each test client
    request in an app context of its own); their status codes, in order (None: no answer in 60 s)."""
    import threading

    barrier = threading.Barrier(len(requests))
    statuses: list[int | None] = [None] * len(requests)

    def run(i, client, url, data):
        barrier.wait()
        statuses[i] = client.post(url, data=data).status_code

    threads = [threading.Thread(target=run, args=(i, *req)) for i, req in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


@pytest.fixture
def board(app):
    with app.app_context():
        return factories.create_board(name="GEP-NET board")


@pytest.fixture
def users(app, board) -> dict[Role, object]:
    """One user per role, with the specialty that role usually has: a member of `board`, except the
    data-protection officer, who treats nobody and belongs to no board."""
    with app.app_context():
        return {
            role: factories.create_user(roles=[role], boards=[] if role is Role.PRIVACY else [board])
            for role in Role
        }


def give_function(user, board, *, coordinator: bool = False, chair: bool = False):
    """The user's functions on the board: coordinator (plans its meetings) and chair (signs)."""
    membership = board.membership_of(user)
    membership.is_coordinator, membership.is_chair = coordinator, chair
    db.session.commit()
    return user


# One fixture per role, for every package's tests: the board's people, inside an app context.
@pytest.fixture
def submitter(app_ctx, users):
    return users[Role.SUBMITTER]


@pytest.fixture
def specialist(app_ctx, users):
    return users[Role.SPECIALIST]


@pytest.fixture
def coordinator(app_ctx, users, board):
    """The board's coordinator: the role, and the function on the board."""
    return give_function(users[Role.COORDINATOR], board, coordinator=True)


@pytest.fixture
def chair(app_ctx, users, board):
    """The board's chair: the role, and the function on the board."""
    return give_function(users[Role.CHAIR], board, chair=True)


@pytest.fixture
def client_as(app, users) -> Callable[[Role], FlaskClient]:
    def make(role: Role) -> FlaskClient:
        return log_in(app.test_client(), users[role])

    return make


@pytest.fixture
def count_queries(app):
    """`with count_queries() as statements:` collects the SQL the block runs (transaction control aside).

    The session starts empty, as a request's does in production, so objects the test made earlier do not
    save (or cost) statements: read the ids you need before the block."""

    @contextmanager
    def counter() -> Iterator[list[str]]:
        statements: list[str] = []
        db.session.expunge_all()
        engine = db.session.get_bind().engine

        def before(_conn, _cursor, statement, *_args):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN")):
                statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counter


def pytest_report_header(config) -> str:
    server = os.environ.get("TEST_DATABASE_URL")
    return f"database: {'PostgreSQL ' + make_url(server).render_as_string() if server else 'SQLite'}"


def _factory_fixture(name: str):
    @pytest.fixture(name=name)
    def fixture(app):
        def make(*args, **overrides):
            with app.app_context():
                return getattr(factories, name)(*args, **overrides)

        return make

    return fixture


create_user = _factory_fixture("create_user")
create_board = _factory_fixture("create_board")
create_patient = _factory_fixture("create_patient")
create_case = _factory_fixture("create_case")
create_imaging = _factory_fixture("create_imaging")
create_lab = _factory_fixture("create_lab")
create_pathology = _factory_fixture("create_pathology")
