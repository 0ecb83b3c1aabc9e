"""`flask` commands: create-user, seed-demo, audit verify."""

import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from tumorboard.audit.models import AuditChainHead
from tumorboard.audit.recording import verify_chain
from tumorboard.auth import operations as auth_operations
from tumorboard.auth.roles import Role
from tumorboard.clinical.specialties import Specialty
from tumorboard.errors import OperationError
from tumorboard.extensions import db

audit_cli = AppGroup("audit", help="The audit trail.")


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


@audit_cli.command("verify")
def audit_verify_command() -> None:
    """Check every event's hash and link; exit 1 when the chain is broken."""
    problems = list(verify_chain())
    for problem in problems:
        click.echo(f"event {problem.seq}: {problem.message}", err=True)
    if problems:
        raise click.ClickException(f"The audit chain is broken: {len(problems)} problem(s).")
    head = db.session.get(AuditChainHead, 1)
    click.echo(f"The audit chain is intact: {head.seq} events, head {head.hash}.")
    click.echo("Keep the head outside the database (e.g. in the operations log) to detect a rewritten tail.")


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(audit_cli)
