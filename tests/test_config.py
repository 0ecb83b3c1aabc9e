"""Configuration: production refuses weak secrets; SQLite runs with WAL, foreign keys and BEGIN IMMEDIATE;
PostgreSQL without JIT."""

import sqlite3

import pytest
from sqlalchemy import text

from config import ProductionConfig
from tumorboard import create_app
from tumorboard.extensions import db

AUDIT_KEY = "a" * 32


@pytest.fixture
def production_env(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/none")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("AUDIT_HMAC_KEY", AUDIT_KEY)
    monkeypatch.setenv("PUBLIC_URL", "https://tumorboard.example-hospital.org/")
    monkeypatch.setenv("HOSPITAL_NAME", "Klinikum Musterstadt")
    return monkeypatch


def _refused_without(env, variable: str, value: str | None) -> None:
    """Production with `variable` unset (None) or set to `value` does not start, and the message names it."""
    if value is None:
        env.delenv(variable, raising=False)
    else:
        env.setenv(variable, value)
    with pytest.raises(RuntimeError, match=variable):
        create_app(ProductionConfig)


@pytest.mark.parametrize("secret", [None, "", "too-short", "x" * 31])
def test_production_refuses_a_missing_or_short_secret(production_env, secret):
    _refused_without(production_env, "SECRET_KEY", secret)


@pytest.mark.parametrize("audit_key", [None, "short", "s" * 32], ids=["missing", "short", "same-as-secret"])
def test_production_needs_its_own_audit_key(production_env, audit_key):
    _refused_without(production_env, "AUDIT_HMAC_KEY", audit_key)


def test_production_starts_with_long_secrets(production_env):
    app = create_app(ProductionConfig, RATELIMIT_STORAGE_URI="memory://")
    assert app.config["SECRET_KEY"] == "s" * 32 and app.config["AUDIT_HMAC_KEY"] == AUDIT_KEY
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["ALLOW_DEMO_DATA"] is False
    assert app.config["PUBLIC_URL"] == "https://tumorboard.example-hospital.org/"


@pytest.mark.parametrize(
    "address",
    [
        None,
        "",
        "  ",
        "tumorboard.example.org",
        "http://tumorboard.example.org",  # the session cookie is Secure: over http nobody can sign in
        "https://",
        "https://tumorboard.example.org/?x=1",
    ],
)
def test_production_needs_its_public_address(production_env, address):
    _refused_without(production_env, "PUBLIC_URL", address)


@pytest.mark.parametrize("name", [None, "", "   "])
def test_production_needs_the_hospitals_name(production_env, name):
    """Letters to GPs and referrers, agendas and e-mails name the hospital they come from: production does
    not start without it (the demo and tests fall back to "University Hospital")."""
    _refused_without(production_env, "HOSPITAL_NAME", name)


def test_production_shows_the_hospitals_name_as_configured(production_env):
    production_env.setenv("HOSPITAL_NAME", "  Klinikum Nord  ")
    app = create_app(ProductionConfig)
    assert app.config["HOSPITAL_NAME"] == "Klinikum Nord"


def test_production_links_use_the_configured_address_whatever_the_host(production_env):
    from tumorboard.public_url import public_url

    app = create_app(ProductionConfig, RATELIMIT_STORAGE_URI="memory://")
    with app.test_request_context(base_url="http://10.1.2.3:8000"):
        assert public_url() == "https://tumorboard.example-hospital.org"


def test_development_without_public_url_follows_the_served_host_and_port(monkeypatch):
    from config import DevelopmentConfig
    from tumorboard.public_url import DEVELOPMENT_FALLBACK, public_url

    monkeypatch.delenv("PUBLIC_URL", raising=False)
    app = create_app(DevelopmentConfig, PUBLIC_URL="", SQLALCHEMY_DATABASE_URI="sqlite://")
    with app.test_request_context(base_url="http://192.168.0.7:8123"):
        assert public_url() == "http://192.168.0.7:8123"
    with app.app_context():
        assert public_url() == DEVELOPMENT_FALLBACK, "outside a request (the CLI) nothing says otherwise"
    app = create_app(
        DevelopmentConfig, PUBLIC_URL="http://tb.test:9000/", SQLALCHEMY_DATABASE_URI="sqlite://"
    )
    with app.test_request_context(base_url="http://192.168.0.7:8123"):
        assert public_url() == "http://tb.test:9000", "a configured address wins in development too"


def test_without_a_configuration_name_the_app_is_production(monkeypatch):
    monkeypatch.delenv("TUMORBOARD_CONFIG", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_session_cookie_is_secure(production_env, app, users):
    from tests.factories import PASSWORD
    from tumorboard.auth.roles import Role

    prod = create_app(
        ProductionConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        RATELIMIT_STORAGE_URI="memory://",
        WTF_CSRF_ENABLED=False,
    )
    client = prod.test_client()
    response = client.post(
        "/login", base_url="https://localhost", data={"email": users[Role.CHAIR].email, "password": PASSWORD}
    )
    cookie = response.headers["Set-Cookie"]
    assert response.status_code == 302
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_sqlite_settings(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite settings apply to SQLite only")
    with app.app_context():
        conn = db.session.connection()
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_postgresql_connections_run_without_jit(app):
    """A search's plan over a large table passes jit_above_cost; compiling it cost more than running it."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("SHOW jit")).scalar() == "off"


def test_engine_options_keep_what_the_configuration_passes():
    from tumorboard.db import engine_options

    configured = {"pool_pre_ping": True, "connect_args": {"options": "-c statement_timeout=5000"}}
    options = engine_options("postgresql+psycopg://db/tumorboard", configured)
    assert options["connect_args"]["options"] == "-c statement_timeout=5000 -c jit=off"
    assert options["pool_pre_ping"] and options["hide_parameters"]
    assert configured["connect_args"]["options"] == "-c statement_timeout=5000", "the configuration unchanged"
    sqlite = engine_options("sqlite:///tb.db", {"pool_pre_ping": True})
    assert sqlite == {"pool_pre_ping": True, "hide_parameters": True}


def test_engine_options_keep_the_options_of_the_database_url():
    """An operator's settings in DATABASE_URL (?options=…) would be replaced by a connect argument of
    the same name: they are kept, before the app's own."""
    from tumorboard.db import engine_options

    url = "postgresql+psycopg://db/tumorboard?options=-c%20statement_timeout%3D1234"
    options = engine_options(url, {"connect_args": {"options": "-c lock_timeout=500"}})
    assert options["connect_args"]["options"] == "-c statement_timeout=1234 -c lock_timeout=500 -c jit=off"


def test_a_postgresql_connection_has_the_urls_settings_and_no_jit(app):
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    from sqlalchemy import create_engine

    from tumorboard.db import engine_options

    url = uri + ("&" if "?" in uri else "?") + "options=-c%20statement_timeout%3D1234"
    engine = create_engine(url, **engine_options(url, {}))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "1234ms"
            assert conn.execute(text("SHOW jit")).scalar() == "off"
    finally:
        engine.dispose()


def test_sqlite_transactions_take_the_write_lock_at_begin(isolated_app):
    """A transaction holds the write lock from BEGIN: a second writer waits (busy timeout), it does not
    fail half-way through when it first writes."""
    app = isolated_app()
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite only")
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with app.app_context(), db.engine.connect() as conn:
        conn.begin()
        other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()
        conn.rollback()


def _variables_read() -> set[str]:
    """Every environment variable the code reads: os.environ.get / os.getenv / os.environ[...] / _env_int."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    found = set()
    for path in [root / "config.py", root / "gunicorn.conf.py", *(root / "tumorboard").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and ast.unparse(node.func) in ("os.environ.get", "os.getenv", "_env_int")
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
            if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
                found.add(ast.unparse(node.slice).strip("'\""))
    return found


def test_every_variable_the_app_reads_is_documented_and_in_the_example():
    """An administrator finds every setting in one table of the README and in .env.example."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    read = _variables_read()
    assert len(read) >= 25
    table = {
        name
        for line in (root / "README.md").read_text().splitlines()
        if line.startswith("| `")
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1])
    }
    example = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (root / ".env.example").read_text(), re.M))
    assert read - table == set(), "missing from the README's table"
    assert read - example == set(), "missing from .env.example"
