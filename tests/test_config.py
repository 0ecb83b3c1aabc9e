"""Configuration: production refuses weak secrets; SQLite runs with WAL, foreign keys and BEGIN IMMEDIATE."""

import sqlite3

import pytest
from sqlalchemy import text

from config import ProductionConfig
from tumorboard import create_app
from tumorboard.extensions import db


@pytest.mark.parametrize("secret", [None, "", "too-short", "x" * 31])
def test_production_refuses_a_missing_or_short_secret(monkeypatch, secret):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/none")
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_starts_with_a_long_secret(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/none")
    app = create_app(ProductionConfig, RATELIMIT_STORAGE_URI="memory://")
    assert app.config["SECRET_KEY"] == "s" * 32
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["ALLOW_DEMO_DATA"] is False


def test_sqlite_settings(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite settings apply to SQLite only")
    with app.app_context():
        conn = db.session.connection()
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


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
