"""`flask` commands: create-user, seed-demo, audit head, audit verify, jobs tick, jobs worker, jobs stats,
remind follow-ups, backup create, backup restore, and `db` (Flask-Migrate's, with the downgrade that
refuses to drop data, and `db analyze`)."""

import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from tumorboard import backup, jobs, migration_guard, statistics
from tumorboard.audit.models import AuditChainHead
from tumorboard.audit.verification import audit_problems, head_problems
from tumorboard.auth import operations as auth_operations
from tumorboard.auth.roles import Role
from tumorboard.clinical.specialties import Specialty
from tumorboard.decisions.operations import escalate_overdue_follow_ups, remind_due_follow_ups
from tumorboard.errors import OperationError
from tumorboard.extensions import db
from tumorboard.meetings.reminders import remind_cutoff, remind_meetings

audit_cli = AppGroup("audit", help="The audit trail.")
jobs_cli = AppGroup("jobs", help="The background jobs: the scheduled reminders and the worker.")
remind_cli = AppGroup("remind", help="Reminders run at once, without the queue.")
backup_cli = AppGroup("backup", help="Back the database up, and restore it (see the README).")
hl7_cli = AppGroup("hl7", help="HL7 v2 in: the MLLP listener.")


@hl7_cli.command("listen")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=2575, show_default=True, help="0: any free one."
)
@with_appcontext
def hl7_listen_command(host: str, port: int) -> None:
    """Take ADT^A01/A04/A08/A40 and ORU^R01 messages over MLLP, and answer each with its ACK. Runs until
    SIGTERM, which lets the messages in hand be answered first."""
    from tumorboard.hl7.listener import Listener
    from tumorboard.hl7.operations import InterfaceNotReady, interface_account
    from tumorboard.hl7.parsing import local_code_table

    try:
        interface_account()
        local_code_table(current_app.config.get("HL7_CODE_TABLE") or "")
    except InterfaceNotReady as exc:
        raise click.ClickException(str(exc)) from None
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"HL7_CODE_TABLE cannot be used: {exc}") from None
    finally:
        db.session.remove()  # each message has its own session and transaction, in a worker thread
    listener = Listener(current_app._get_current_object(), host, port)  # type: ignore[attr-defined]

    def announce() -> None:
        listener.ready.wait()
        click.echo(f"Listening for HL7 on {host}:{listener.bound_port}", err=False)

    import threading

    threading.Thread(target=announce, daemon=True).start()
    listener.run(handle_signals=True)
    click.echo("HL7 listener stopped.")


# What `flask jobs tick` starts; each is idempotent, so a tick every 10 minutes sends each reminder once.
SCHEDULED = (
    remind_cutoff,
    remind_meetings,
    remind_due_follow_ups,
    escalate_overdue_follow_ups,
    auth_operations.prune_session_records,
)


@jobs_cli.command("tick")
@with_appcontext
def jobs_tick_command() -> None:
    """Start the scheduled jobs (the cut-off, meeting, due and overdue follow-up reminders, and the pruning
    of old session records): queued for the worker, or run here without JOB_QUEUE_URL. A systemd timer
    runs this every 10 minutes."""
    for job in SCHEDULED:
        jobs.enqueue(job)
    db.session.commit()
    count = jobs.dispatch()
    where = "queued" if jobs.connection() is not None else "run inline"
    click.echo(f"{count} scheduled job(s) {where}.")
    analyzed = statistics.refresh_grown()
    if analyzed:
        click.echo(f"Statistics refreshed for the tables that grew: {', '.join(analyzed)}.")


@click.command("analyze")
@with_appcontext
def db_analyze_command() -> None:
    """Refresh the query planner's statistics of every table (ANALYZE): run it after a bulk load or a
    restore; `flask jobs tick` refreshes the tables that have doubled since on its own."""
    started = time.perf_counter()
    statistics.refresh_all()
    click.echo(f"Statistics refreshed for every table in {time.perf_counter() - started:.1f} s.")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def jobs_worker_command(burst: bool) -> None:
    """Run the worker: the queue's jobs one after another, and the retries when their wait is over."""
    if jobs.connection() is None:
        raise click.ClickException("JOB_QUEUE_URL is not set: jobs run inline, there is no worker to run.")
    jobs.worker(burst=burst)


@jobs_cli.command("stats")
@with_appcontext
def jobs_stats_command() -> None:
    """Print the queue's counts (queued, started, scheduled retries, failed)."""
    click.echo(" ".join(f"{name}={count}" for name, count in jobs.queue_stats().items()))


@remind_cli.command("follow-ups")
@with_appcontext
def remind_follow_ups_command() -> None:
    """Tell each submitter once that a decision's follow-up is due, and the coordinators of those still
    overdue; their e-mails go to the queue (or out at once without one). `flask jobs tick` does this too."""
    count = remind_due_follow_ups()
    escalated = escalate_overdue_follow_ups()
    db.session.commit()
    mails = jobs.dispatch()
    click.echo(
        f"{count} follow-up reminder(s); {escalated} overdue follow-up(s) sent to coordinators; "
        f"{mails} e-mail job(s)."
    )


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--specialty", default=Specialty.OTHER.value, type=click.Choice([s.value for s in Specialty]))
@click.password_option("--password", help="Asked for when not given.")
@with_appcontext
def create_user_command(email: str, name: str, roles: tuple[str, ...], specialty: str, password: str) -> None:
    """Create an account (the first admin, or a user added from a script)."""
    try:
        user = auth_operations.create_user(
            None,
            email=email,
            name=name,
            specialty=specialty,
            roles=roles,
            password=password,
            must_change_password=False,
        )
        db.session.commit()
    except OperationError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    click.echo(f"Created user {user.id} ({', '.join(sorted(roles))}).")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@click.option(
    "--cases", "bulk", type=click.IntRange(1, 10_000_000), help="Also add this many synthetic cases."
)
@with_appcontext
def seed_demo_command(if_empty: bool, bulk: int | None) -> None:
    """Fill the database with demo boards, one account per role and NET cases (never in production)."""
    from tumorboard.cases.bulk_data import bulk_cases
    from tumorboard.seed import database_is_empty, seed_demo

    if not current_app.config.get("ALLOW_DEMO_DATA"):
        raise click.ClickException("Demo data is refused under this configuration (production).")
    if not database_is_empty():
        if if_empty:
            click.echo("The database already has data; no demo data loaded.")
            return
        if bulk:
            _bulk(bulk, bulk_cases)
            return
        raise click.ClickException("The database already has data; use --cases N to add synthetic cases.")
    logins = seed_demo()
    db.session.commit()
    click.echo("Demo data loaded. Sign in with any of these accounts:")
    for email in logins:
        click.echo(f"  {email}")
    click.echo(f"Password for all: {current_app.config['DEMO_PASSWORD']}")
    if bulk:
        _bulk(bulk, bulk_cases)


def _bulk(count: int, bulk_cases) -> None:
    started = time.perf_counter()
    with click.progressbar(length=count, label=f"Adding {count} synthetic cases") as bar:
        bulk_cases(count, progress=bar.update)
    seconds = time.perf_counter() - started
    click.echo(f"{count} cases in {seconds:.1f} s ({count / seconds:,.0f} cases per second).")


def _head_value(head: AuditChainHead) -> str:
    return f"{head.seq}:{head.hash}"


def _expected_head(value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    seq, _, digest = value.strip().partition(":")
    if not seq.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise click.BadParameter(
            "give the value `flask audit head` printed: SEQ:HASH", param_hint="--expect-head"
        )
    return int(seq), digest


NO_CHAIN = "The database holds no audit chain: is it migrated (`flask db upgrade`)?"


def _chain_head() -> AuditChainHead | None:
    try:
        return db.session.get(AuditChainHead, 1)
    except SQLAlchemyError as exc:  # no such table: a new or a wrong database
        raise click.ClickException(NO_CHAIN) from exc


@audit_cli.command("head")
def audit_head_command() -> None:
    """Print the chain's head as SEQ:HASH, to keep outside the database (see the README)."""
    head = _chain_head()
    if head is None:
        raise click.ClickException("The audit chain has no head: `flask audit verify` says more.")
    click.echo(_head_value(head))


@audit_cli.command("verify")
@click.option(
    "--expect-head",
    metavar="SEQ:HASH",
    help="A head printed earlier by `flask audit head`: fail if the chain no longer holds it "
    "(cut back or reset).",
)
def audit_verify_command(expect_head: str | None) -> None:
    """Check every event's hash and link, and every frozen document against the hash its event recorded;
    exit 1 when anything is broken."""
    expected = _expected_head(expect_head)
    head = _chain_head()
    problems = audit_problems()
    if expected is not None:
        problems += head_problems(expected)
    for problem in problems:
        click.echo(problem, err=True)
    if problems or head is None:  # a missing head is one of the problems (verify_chain)
        raise click.ClickException(f"The audit trail is broken: {len(problems)} problem(s).")
    click.echo(f"The audit chain is intact: {head.seq} events, head {_head_value(head)}.")
    click.echo("Every frozen document matches the hash its audit event recorded.")
    if expected is None:
        click.echo("Keep the head outside the database (`flask audit head`, see the README) to detect a cut.")


@backup_cli.command("create")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--dated",
    is_flag=True,
    help="PATH is a directory of backups: make this one in PATH/YYYYMMDDTHHMMSSZ (UTC), as a timer does.",
)
@click.option(
    "--keep",
    type=click.IntRange(1),
    help="With --dated: then delete all but the newest KEEP complete backups in PATH.",
)
@with_appcontext
def backup_create_command(path: Path, dated: bool, keep: int | None) -> None:
    """Back the database up into the new directory PATH: the dump and its manifest (row counts, audit
    head, migration revision), readable by the owner only."""
    if keep is not None and not dated:
        raise click.UsageError("--keep needs --dated (it prunes a directory of dated backups).")
    target = backup.dated_path(path) if dated else path
    try:
        manifest = backup.create_backup(target)
        pruned = backup.prune(path, keep) if keep else []
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    except SQLAlchemyError as exc:
        raise click.ClickException(str(backup.database_error(exc))) from None
    except OSError as exc:
        raise click.ClickException(f"Pruning {path} failed: {exc.strerror or exc}.") from None
    rows = sum(manifest.row_counts.values())
    click.echo(
        f"Backed up the {manifest.database} database into {target}: {len(manifest.row_counts)} tables, "
        f"{rows} rows, migration revision {manifest.revision}, audit head {manifest.audit_head}."
    )
    for old in pruned:
        click.echo(f"Deleted the older backup {old}.")
    click.echo(
        "Keep AUDIT_HMAC_KEY and SECRET_KEY with the backups, stored apart from them (see the README)."
    )


@backup_cli.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace everything in a database that is not empty.")
@with_appcontext
def backup_restore_command(path: Path, force: bool) -> None:
    """Restore the backup in PATH into the app's (empty) database, then check it against the manifest:
    the same row counts, the same audit head, the chain intact; exit 1 when anything differs."""
    try:
        report = backup.restore_backup(path, force=force)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    except SQLAlchemyError as exc:
        raise click.ClickException(str(backup.database_error(exc))) from None
    manifest = report.manifest
    for problem in report.problems:
        click.echo(problem, err=True)
    if report.problems:
        raise click.ClickException(
            f"The restored database differs from the backup of {manifest.created_at}: "
            f"{len(report.problems)} problem(s)."
        )
    click.echo(
        f"Restored the backup of {manifest.created_at}: {len(manifest.row_counts)} tables with the rows "
        f"the manifest counted; the audit chain is intact up to its head {manifest.audit_head}."
    )
    if report.older_revision:
        click.echo("The backup is at an older migration revision: run `flask db upgrade` before serving it.")


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(audit_cli)
    app.cli.add_command(remind_cli)
    app.cli.add_command(backup_cli)
    db_group = migration_guard.guarded_db_group()
    db_group.add_command(db_analyze_command)
    app.cli.add_command(db_group, name="db")
    app.cli.add_command(jobs_cli)
    app.cli.add_command(hl7_cli)
