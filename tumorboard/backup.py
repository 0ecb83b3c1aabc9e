"""Backup and restore of the whole database, with a manifest that lets a restore prove it is complete.

A backup is a directory of two files, both mode 0600 in a directory of mode 0700 (they hold patient data):

- `database.dump` (PostgreSQL: `pg_dump --format=custom`) or `database.sqlite3` (SQLite: a copy made with
  the online backup API, so a running app can be backed up);
- `manifest.json`: when it was made, by which app version, at which migration revision, from which kind
  of database, the database file's SHA-256, the row count of every table and the audit chain's head.

The manifest describes the copy itself, not the live database a moment later: on PostgreSQL it is read in
the transaction whose snapshot pg_dump exports (`--snapshot`), on SQLite from the copy. The directory is
written under a hidden temporary name and renamed into place when both files are on disk, so a half-made
backup never looks complete.

A restore goes into an empty database (or, with force, replaces everything in it), then checks the restored
database against the manifest: the same revision, the same row counts, the same audit head, and the chain
intact under this installation's AUDIT_HMAC_KEY (`audit_problems`).
"""

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from sqlalchemy import Connection, create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL

from tumorboard.audit.verification import audit_problems, head_problems
from tumorboard.db import utcnow
from tumorboard.extensions import db

MANIFEST = "manifest.json"
_HEAD = re.compile(r"[0-9]+:[0-9a-f]{64}")
FORMAT = 1
DUMP_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
PG_TIMEOUT_S = 6 * 3600


class BackupError(Exception):
    """A backup or restore that could not be done, or a restored database that differs from its backup;
    the message says what and names no patient data."""


@dataclass(frozen=True)
class Manifest:
    created_at: str
    app_version: str
    revision: str | None
    database: str
    file: str
    sha256: str
    row_counts: dict[str, int]
    audit_head: str | None

    def as_json(self) -> str:
        return json.dumps({"format": FORMAT, **self.__dict__}, indent=2, sort_keys=True) + "\n"

    @classmethod
    def read(cls, directory: Path) -> "Manifest":
        path = directory / MANIFEST
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise BackupError(f"{directory} is not a complete backup: it has no {MANIFEST}.") from None
        except (OSError, ValueError) as exc:
            raise BackupError(f"{path} cannot be read: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BackupError(f"{path} is not a manifest this version reads (format {FORMAT}).")
        missing = [key for key in cls.__dataclass_fields__ if key not in data]
        if missing:
            raise BackupError(f"{path} lacks {', '.join(missing)}.")
        manifest = cls(**{key: data[key] for key in cls.__dataclass_fields__})
        counts = manifest.row_counts
        if not (
            all(isinstance(getattr(manifest, key), str) for key in ("created_at", "database", "file"))
            and isinstance(manifest.sha256, str)
            and isinstance(counts, dict)
            and all(isinstance(k, str) and type(v) is int for k, v in counts.items())
            and all(v is None or isinstance(v, str) for v in (manifest.revision, manifest.audit_head))
            and (manifest.audit_head is None or _HEAD.fullmatch(manifest.audit_head))
        ):
            raise BackupError(f"{path} is damaged: a value has the wrong type or form.")
        return manifest


# ---- create


def create_backup(path: Path) -> Manifest:
    """Back the app's database up into the new directory `path` (which must not exist yet)."""
    path = Path(path)
    if path.exists() or path.is_symlink():
        raise BackupError(f"{path} already exists: a backup never overwrites anything.")
    parent = path.parent
    if not parent.is_dir():
        raise BackupError(f"{parent} is not a directory.")
    kind = _kind()
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=parent))
    except OSError as exc:
        raise BackupError(f"Cannot write in {parent}: {exc.strerror}.") from None
    started = utcnow()
    try:
        target = staging / DUMP_FILES[kind]
        if kind == "postgresql":
            counts, head, revision = _dump_postgresql(target)
        else:
            counts, head, revision = _copy_sqlite(target)
        manifest = Manifest(
            created_at=started.isoformat(),
            app_version=app_version(),
            revision=revision,
            database=kind,
            file=target.name,
            sha256=_sha256(target),
            row_counts=counts,
            audit_head=head,
        )
        _write_private(staging / MANIFEST, manifest.as_json().encode())
        _fsync(staging)
        if path.exists():
            raise BackupError(f"{path} appeared while the backup was written; the backup was not kept.")
        os.rename(staging, path)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BackupError(
            f"Writing the backup failed: {exc.strerror or exc} ({exc.filename or path})."
        ) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        _fsync(parent)  # the rename itself on disk
    except OSError as exc:
        raise BackupError(f"{path} is complete, but {parent} could not be synced: {exc.strerror}.") from None
    return manifest


def database_error(exc: Exception) -> BackupError:
    """A database that cannot be reached or read, in one line (SQLAlchemy's message carries the SQL)."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return BackupError(
        f"The database could not be reached or read: {lines[0] if lines else type(cause).__name__}"
    )


def _kind() -> str:
    name = db.engine.dialect.name
    if name not in DUMP_FILES:
        raise BackupError(f"Backups of a {name} database are not supported (PostgreSQL or SQLite).")
    return name


def app_version() -> str:
    try:
        return version("tumorboard")
    except PackageNotFoundError:
        return "unknown"


def _dump_postgresql(target: Path) -> tuple[dict[str, int], str | None, str | None]:
    pg_dump = _client("pg_dump")
    url = db.engine.url
    connect = db.engine.connect().execution_options(isolation_level="REPEATABLE READ")
    with connect as connection, connection.begin():
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
        counts, head, revision = _describe(connection)
        with _private_file(target) as out:
            _run(
                [pg_dump, "--format=custom", f"--snapshot={snapshot}", "--no-password", _conninfo(url)],
                url,
                stdout=out,
            )
    return counts, head, revision


def _copy_sqlite(target: Path) -> tuple[dict[str, int], str | None, str | None]:
    source_path = _sqlite_path(db.engine.url)
    if not source_path.is_file():
        raise BackupError(f"The database file {source_path} does not exist.")
    with _private_file(target):
        pass
    try:
        source = sqlite3.connect(source_path)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
            copy.commit()
        finally:
            source.close()
            copy.close()
    except sqlite3.Error as exc:
        raise BackupError(f"Copying the SQLite database failed: {exc}.") from None
    _fsync(target)
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as connection:
            return _describe(connection)
    finally:
        engine.dispose()


def _describe(connection: Connection) -> tuple[dict[str, int], str | None, str | None]:
    """Row counts of every table, the audit head and the migration revision, as `connection` sees them."""
    names = sorted(inspect(connection).get_table_names())
    counts = {name: connection.scalar(select(func.count()).select_from(table(name))) or 0 for name in names}
    head = None
    if "audit_chain_head" in names:
        row = connection.execute(text("SELECT seq, hash FROM audit_chain_head WHERE id = 1")).one_or_none()
        head = f"{row.seq}:{row.hash}" if row is not None else None
    revision = None
    if "alembic_version" in names:
        revisions = connection.scalars(text("SELECT version_num FROM alembic_version")).all()
        revision = ",".join(sorted(revisions)) or None
    return counts, head, revision


DATED = "%Y%m%dT%H%M%SZ"


def dated_path(directory: Path) -> Path:
    """Where a scheduled backup goes: a directory named after the moment (UTC) inside `directory`."""
    return Path(directory) / utcnow().strftime(DATED)


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` complete dated backups in `directory` (never anything else);
    returns what was deleted."""
    if keep < 1:
        raise ValueError("prune keeps at least the newest backup")
    dated = sorted(
        child
        for child in Path(directory).iterdir()
        if _is_dated(child.name) and not child.is_symlink() and (child / MANIFEST).is_file()
    )
    old = dated[:-keep]
    for child in old:
        shutil.rmtree(child)
    return old


def _is_dated(name: str) -> bool:
    try:
        datetime.strptime(name, DATED)  # a name, sorted as text
    except ValueError:
        return False
    return True


# ---- restore


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    problems: list[str]
    older_revision: bool


def restore_backup(path: Path, *, force: bool = False) -> RestoreReport:
    """Restore the backup in `path` into the app's database, then compare it with the manifest. Raises
    BackupError when it cannot restore; returns the differences found afterwards (empty: all equal)."""
    path = Path(path)
    if not path.is_dir():
        raise BackupError(f"{path} is not a backup directory.")
    manifest = Manifest.read(path)
    kind = _kind()
    if manifest.database != kind:
        raise BackupError(
            f"This is a {manifest.database} backup; the app's database is {kind}. Restore it into a "
            f"{manifest.database} database."
        )
    older = _check_revision(manifest.revision)
    dump = path / manifest.file
    if Path(manifest.file).name != manifest.file or not dump.is_file():
        raise BackupError(f"{path} is not a complete backup: {manifest.file} is missing.")
    if _sha256(dump) != manifest.sha256:
        raise BackupError(f"{dump} differs from the SHA-256 its manifest recorded: damaged or changed.")
    tables = sorted(inspect(db.engine).get_table_names())
    if tables and not force:
        raise BackupError(
            f"The database is not empty ({len(tables)} tables). Restore into a new, empty database, or give "
            "--force to replace everything in this one."
        )
    db.session.remove()
    db.engine.dispose()
    if kind == "postgresql":
        _restore_postgresql(dump, wipe=bool(tables))
    else:
        _restore_sqlite(dump)
    db.engine.dispose()
    return RestoreReport(manifest, _compare(manifest), older)


def _check_revision(revision: str | None) -> bool:
    """Refuse a backup made by code with migrations this code does not know; True when it is older than
    this code's head (the admin upgrades it after the restore)."""
    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    heads = set(script.get_heads())
    if revision is None:
        return bool(heads)
    for rev in revision.split(","):
        try:
            known = script.get_revision(rev)
        except CommandError:
            known = None
        if known is None:
            raise BackupError(
                f"The backup is at migration revision {rev}, which this version of TumorBoard does not know "
                f"(its newest is {', '.join(sorted(heads))}): it was made by a newer version. Restore it "
                "with that version."
            )
    return set(revision.split(",")) != heads


def _restore_postgresql(dump: Path, *, wipe: bool) -> None:
    pg_restore = _client("pg_restore")
    url = db.engine.url
    if wipe:
        _replace_postgresql(pg_restore, _client("psql"), dump, url)
        return
    _run(
        [
            pg_restore,
            "--exit-on-error",
            "--single-transaction",
            "--no-owner",
            "--no-privileges",
            "--no-password",
            f"--dbname={_conninfo(url)}",
            str(dump),
        ],
        url,
    )


def _replace_postgresql(pg_restore: str, psql: str, dump: Path, url: URL) -> None:
    """Replace everything in the database with the dump, in one transaction: pg_restore's SQL streams into
    psql after BEGIN and the schema's drop, and COMMIT follows only when pg_restore has finished well. A
    restore that fails half-way leaves the database as it was."""
    env = _pg_env(url)
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        reader = subprocess.Popen(  # noqa: S603 - the client found on PATH, with our own arguments
            [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(dump)],
            stdout=subprocess.PIPE,
            stderr=restore_errors,
            env=env,
        )
        writer = subprocess.Popen(  # noqa: S603 - the client found on PATH, with our own arguments
            [psql, "--no-psqlrc", "--quiet", "--no-password", "-v", "ON_ERROR_STOP=1", _conninfo(url)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_errors,
            env=env,
        )
        if reader.stdout is None or writer.stdin is None:  # pipes, as asked for; for the type checker
            raise BackupError("pg_restore and psql could not be connected.")
        try:
            writer.stdin.write(b"BEGIN;\nDROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n")
            shutil.copyfileobj(reader.stdout, writer.stdin, 1 << 20)
            if reader.wait(timeout=PG_TIMEOUT_S) == 0:
                writer.stdin.write(b"COMMIT;\n")
            writer.stdin.close()
        except BrokenPipeError:
            reader.kill()
        finally:
            reader.wait(timeout=PG_TIMEOUT_S)
            writer.wait(timeout=PG_TIMEOUT_S)
        for process, errors, name in ((reader, restore_errors, "pg_restore"), (writer, psql_errors, "psql")):
            if process.returncode != 0:
                errors.seek(0)
                message = " ".join(errors.read().decode(errors="replace").strip().splitlines()[-5:])
                raise BackupError(
                    f"{name} failed (exit status {process.returncode}), nothing was changed: {message}"
                )


def _restore_sqlite(dump: Path) -> None:
    """Check the copy first (SQLite's quick_check), then copy it into the app's file with the backup API,
    which writes the whole database in one transaction."""
    target = _sqlite_path(db.engine.url)
    try:
        source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
        try:
            verdict = source.execute("PRAGMA quick_check").fetchall()
            if verdict != [("ok",)]:
                raise BackupError(f"{dump} is damaged: SQLite's check found {len(verdict)} problem(s).")
            if not target.exists():
                with _private_file(target):
                    pass
            destination = sqlite3.connect(target)
            try:
                source.backup(destination)
            finally:
                destination.close()
        finally:
            source.close()
    except sqlite3.Error as exc:
        raise BackupError(f"Restoring {dump} failed, nothing was changed: {exc}.") from None
    os.chmod(target, 0o600)  # the engine that looked for tables may have made the file with the umask's mode


def _compare(manifest: Manifest) -> list[str]:
    """What differs between the restored database and its manifest, one line each."""
    with db.engine.connect() as connection:
        counts, head, revision = _describe(connection)
    problems = []
    if revision != manifest.revision:
        problems.append(f"migration revision {revision}, the backup recorded {manifest.revision}")
    for name in sorted(set(counts) | set(manifest.row_counts)):
        have, recorded = counts.get(name), manifest.row_counts.get(name)
        if have != recorded:
            problems.append(f"table {name}: {have} rows, the backup recorded {recorded}")
    if head != manifest.audit_head:
        problems.append(f"audit head {head}, the backup recorded {manifest.audit_head}")
    if manifest.audit_head is not None:
        seq, _, digest = manifest.audit_head.partition(":")
        problems += audit_problems() + head_problems((int(seq), digest))
    db.session.remove()
    return problems


# ---- helpers


def _client(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found on the PATH: install the PostgreSQL client of the server's major version "
            "(Debian: postgresql-client)."
        )
    return found


def _conninfo(url: URL) -> str:
    """The database as a libpq URI without its password (which goes in PGPASSWORD, never on a command
    line that `ps` shows)."""
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False)


def _pg_env(url: URL) -> dict[str, str]:
    env = {**os.environ}
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return env


def _run(command: list[str], url: URL, **kwargs) -> None:
    try:
        result = subprocess.run(  # noqa: S603 - the client found on PATH, with our own arguments
            command,
            env=_pg_env(url),
            stderr=subprocess.PIPE,
            text=True,
            timeout=PG_TIMEOUT_S,
            check=False,
            **kwargs,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackupError(f"{Path(command[0]).name} could not run: {exc}.") from None
    if result.returncode != 0:
        message = " ".join(result.stderr.strip().splitlines()[-5:])
        raise BackupError(f"{Path(command[0]).name} failed (exit status {result.returncode}): {message}")


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError("The app's SQLite database is not a file (DATABASE_URL=sqlite:///path).")
    return Path(url.database)


@contextmanager
def _private_file(path: Path) -> Iterator:
    """A new file only its owner can read, whatever the umask."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


def _write_private(path: Path, data: bytes) -> None:
    with _private_file(path) as handle:
        handle.write(data)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
