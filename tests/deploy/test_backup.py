"""The backup drill, on the database the suite runs on: demo data, `flask backup create`, `flask backup
restore` into a new database, the same row counts, the chain verified against the head the backup
recorded, and the app serving the restored database. And what a restore must refuse: a database that is
not empty (without --force), a tampered or damaged backup, a backup from a newer migration revision.

The commands run as real processes (`flask --app tumorboard ...`), as an admin or a timer runs them, so
their exit status and output are what is tested."""

import errno
import hashlib
import json
import shutil
import stat
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import create_engine, select, text

from config import TestConfig
from tests import conftest
from tests.commands import flask, row_counts
from tests.conftest import RequestScopedClient, build_app, make_database
from tumorboard import create_app
from tumorboard.auth.models import User
from tumorboard.cases.models import Case, Patient
from tumorboard.extensions import db


@pytest.fixture(autouse=True)
def _own_databases(isolated_app):
    """These tests' apps use their own databases: the harness's shared test transaction stays out."""


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A database with the demo data (`flask seed-demo`), and its backup: made once for the module, never
    changed (a test that changes a backup changes its own copy)."""
    tmp = tmp_path_factory.mktemp("backup")
    database = make_database(tmp)
    app = build_app(database)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    dispose(app)
    path = tmp / "backups" / "nightly"
    path.parent.mkdir()
    made = flask(database.url, "backup", "create", str(path))
    assert made.returncode == 0, made.stderr
    yield database.url, path
    database.drop()


@pytest.fixture
def new_database(tmp_path):
    """New, empty databases (a fresh PostgreSQL database, or a new SQLite file), dropped afterwards."""
    made: list[conftest.TestDatabase] = []

    def make() -> str:
        made.append(make_database(tmp_path))
        return made[-1].url

    yield make
    for database in made:
        database.drop()


@pytest.fixture
def backup(seeded, tmp_path) -> Path:
    """A copy of the module's backup, for a test to change."""
    copy = tmp_path / "copy"
    shutil.copytree(seeded[1], copy)
    return copy


def dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def cli(url: str, *args: str, **config):
    """A command run in this process (its exit code and output as click reports them)."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, **config)
    try:
        return app.test_cli_runner().invoke(args=list(args))
    finally:
        dispose(app)


def manifest_of(path: Path) -> dict:
    return json.loads((path / "manifest.json").read_text())


def _refused(result: subprocess.CompletedProcess, words: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def _refused_here(result, words: str) -> None:
    assert result.exit_code == 1 and words in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def _chain_head_and_revision(url: str) -> tuple[str, str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            head = connection.execute(text("SELECT seq, hash FROM audit_chain_head")).one()
            return f"{head.seq}:{head.hash}", connection.scalar(
                text("SELECT version_num FROM alembic_version")
            )
    finally:
        engine.dispose()


def test_the_drill_backup_restore_into_a_new_database_and_serve_it(seeded, new_database):
    source, backup = seeded
    manifest = manifest_of(backup)
    kind = "postgresql" if source.startswith("postgresql") else "sqlite"
    assert manifest["database"] == kind and manifest["format"] == 1
    assert manifest["file"] == {"postgresql": "database.dump", "sqlite": "database.sqlite3"}[kind]
    assert (manifest["audit_head"], manifest["revision"]) == _chain_head_and_revision(source)
    assert manifest["row_counts"] == row_counts(source)
    assert manifest["row_counts"]["tumor_case"] > 10 and manifest["row_counts"]["decision_snapshot"] > 0
    # patient data: readable by the backup's owner only, and nothing half-made left beside it
    assert stat.S_IMODE(backup.stat().st_mode) == 0o700
    for file in backup.iterdir():
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    assert sorted(p.name for p in backup.iterdir()) == sorted(["manifest.json", manifest["file"]])
    assert [p.name for p in backup.parent.iterdir()] == ["nightly"]

    restored = new_database()
    result = flask(restored, "backup", "restore", str(backup))
    assert result.returncode == 0, result.stderr
    assert "the audit chain is intact" in result.stdout
    assert row_counts(restored) == manifest["row_counts"]
    verified = flask(restored, "audit", "verify", "--expect-head", manifest["audit_head"])
    assert verified.returncode == 0, verified.stderr

    # the app serves the restored database: a demo account signs in and opens a case page
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=restored)
    app.test_client_class = RequestScopedClient
    try:
        with app.app_context():
            case_id, email, mrn = db.session.execute(
                select(Case.id, User.email, Patient.mrn)
                .join(User, User.id == Case.submitter_id)
                .join(Patient, Patient.id == Case.patient_id)
                .order_by(Case.id)
            ).first()
        client = app.test_client()
        login = client.post("/login", data={"email": email, "password": app.config["DEMO_PASSWORD"]})
        assert login.status_code == 302
        page = client.get(f"/cases/{case_id}")
        assert page.status_code == 200 and mrn in page.get_data(as_text=True)
    finally:
        dispose(app)


def test_restore_over_a_database_that_is_not_empty_is_refused_unless_forced(seeded, tmp_path):
    source, backup = seeded
    before = row_counts(source)
    _refused(flask(source, "backup", "restore", str(backup)), "The database is not empty")
    assert row_counts(source) == before
    # a database in use since: the schema, and an account the backup does not have
    other = make_database(tmp_path)
    try:
        app = build_app(other)
        made = app.test_cli_runner().invoke(
            args=["create-user", "--email=late@hospital.org", "--name=Late", "--role=submitter"],
            input="a long enough passphrase 42\na long enough passphrase 42\n",
        )
        assert made.exit_code == 0, made.output
        dispose(app)
        forced = flask(other.url, "backup", "restore", "--force", str(backup))
        assert forced.returncode == 0, forced.stderr
        assert row_counts(other.url) == before == manifest_of(backup)["row_counts"]
    finally:
        other.drop()


def _rewrite_database(path: Path, statement: str, new_database) -> None:
    """Change the backup's database with `statement` and give the manifest the new file's SHA-256, as
    someone with write access to the backups could: only the audit chain can tell."""
    manifest = manifest_of(path)
    dump = path / manifest["file"]
    if manifest["database"] == "sqlite":
        engine = create_engine(f"sqlite:///{dump}")
    else:
        scratch = new_database()
        conninfo = scratch.replace("postgresql+psycopg", "postgresql")
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={conninfo}", str(dump)], check=True)  # noqa: S603, S607
        engine = create_engine(scratch)
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()
    if manifest["database"] == "postgresql":
        dump.unlink()
        subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", conninfo], check=True)  # noqa: S603, S607
    manifest["sha256"] = hashlib.sha256(dump.read_bytes()).hexdigest()
    (path / "manifest.json").write_text(json.dumps(manifest))


def test_a_tampered_backup_fails_verification(backup, new_database):
    _rewrite_database(backup, "UPDATE audit_event SET action = 'forged' WHERE seq = 5", new_database)
    result = flask(new_database(), "backup", "restore", str(backup))
    _refused(result, "differs from the backup")
    assert "event 5" in result.stderr


def _damage(backup: Path) -> None:
    dump = backup / manifest_of(backup)["file"]
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])


def _newer(backup: Path) -> None:
    manifest = manifest_of(backup)
    manifest["revision"] = "ffffffffffff"
    (backup / "manifest.json").write_text(json.dumps(manifest))


def _half_written(backup: Path) -> None:
    (backup / "manifest.json").unlink()


def _garbled(backup: Path) -> None:
    manifest = manifest_of(backup)
    manifest["row_counts"] = list(manifest["row_counts"])
    (backup / "manifest.json").write_text(json.dumps(manifest))


def _other_kind(backup: Path) -> None:
    manifest = manifest_of(backup)
    manifest["database"] = {"sqlite": "postgresql", "postgresql": "sqlite"}[manifest["database"]]
    (backup / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    "spoil, words",
    [
        (_damage, "differs from the SHA-256 its manifest recorded"),
        (_newer, "revision ffffffffffff, which this version of TumorBoard does not know"),
        (_half_written, "is not a complete backup: it has no manifest.json"),
        (_garbled, "manifest.json is damaged"),
        (_other_kind, "backup; the app's database is"),
    ],
    ids=["damaged", "newer-revision", "half-written", "garbled-manifest", "other-database"],
)
def test_a_backup_that_cannot_be_trusted_is_refused_before_anything_is_restored(
    backup, new_database, spoil, words
):
    spoil(backup)
    restored = new_database()
    _refused_here(cli(restored, "backup", "restore", str(backup)), words)
    assert row_counts(restored) == {}


def test_create_refuses_clearly(seeded, tmp_path, monkeypatch):
    source, backup = seeded
    _refused_here(cli(source, "backup", "create", str(backup)), "already exists")
    _refused_here(cli(source, "backup", "create", str(tmp_path / "no" / "such")), "is not a directory")
    if source.startswith("postgresql"):
        monkeypatch.setenv("PATH", str(tmp_path / "empty"))
        _refused_here(cli(source, "backup", "create", str(tmp_path / "lost")), "pg_dump was not found")
        assert list(tmp_path.iterdir()) == [], "nothing half-made is left"


def test_a_timer_makes_dated_backups_and_keeps_the_newest(seeded, tmp_path):
    source, _ = seeded
    directory = tmp_path / "nightly"
    directory.mkdir()
    (directory / "notes").mkdir()  # not a backup: never pruned
    (directory / "20200101T000000Z").mkdir()  # no manifest: not a complete backup, never pruned
    for day in (1, 2, 3):
        with time_machine.travel(datetime(2026, 12, day, 2, 30, tzinfo=UTC)):
            made = cli(source, "backup", "create", "--dated", "--keep", "2", str(directory))
        assert made.exit_code == 0, made.output
    assert "Deleted the older backup" in made.output and "20261201T023000Z" in made.output
    assert sorted(p.name for p in directory.iterdir()) == [
        "20200101T000000Z",
        "20261202T023000Z",
        "20261203T023000Z",
        "notes",
    ]
    assert manifest_of(directory / "20261203T023000Z")["created_at"].startswith("2026-12-03T02:30")
    usage = cli(source, "backup", "create", "--keep", "2", str(directory))
    assert usage.exit_code == 2 and "--keep needs --dated" in usage.output


def test_without_the_audit_key_that_wrote_it_a_restored_chain_cannot_be_verified(seeded, new_database):
    _, backup = seeded
    restored = new_database()
    result = cli(restored, "backup", "restore", str(backup), AUDIT_HMAC_KEY="another-audit-key-" + "x" * 32)
    assert result.exit_code == 1 and "differs from the backup" in result.output, result.output
    assert "event 1:" in result.output
    assert row_counts(restored) == manifest_of(backup)["row_counts"], "restored, but not proven"


def test_a_full_disk_is_a_message_and_leaves_nothing_behind(seeded, tmp_path, monkeypatch):
    from tumorboard import backup as backups

    def full(path, _data):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(backups, "_write_private", full)
    result = cli(seeded[0], "backup", "create", str(tmp_path / "tonight"))
    _refused_here(result, "Writing the backup failed: No space left on device")
    assert list(tmp_path.iterdir()) == []


def test_a_database_that_cannot_be_reached_is_a_message(tmp_path):
    nowhere = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
    result = cli(nowhere, "backup", "create", str(tmp_path / "tonight"))
    _refused_here(result, "The database could not be reached or read: connection failed")
    assert list(tmp_path.iterdir()) == []


def test_a_forced_restore_that_fails_half_way_changes_nothing(seeded, backup, tmp_path):
    """A damaged dump whose manifest was made to match: the restore over a database in use fails (on
    PostgreSQL inside the one transaction of the schema's drop and the restore, on SQLite at the copy's
    check before the database is touched), and the database keeps everything it had."""
    manifest = manifest_of(backup)
    dump = backup / manifest["file"]
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size * 2 // 3])
    manifest["sha256"] = hashlib.sha256(dump.read_bytes()).hexdigest()
    (backup / "manifest.json").write_text(json.dumps(manifest))
    in_use = make_database(tmp_path)
    try:
        app = build_app(in_use)
        made = app.test_cli_runner().invoke(args=["seed-demo"])
        assert made.exit_code == 0, made.output
        dispose(app)
        before = row_counts(in_use.url)
        result = flask(in_use.url, "backup", "restore", "--force", str(backup))
        _refused(result, "nothing was changed")
        assert row_counts(in_use.url) == before
    finally:
        in_use.drop()
