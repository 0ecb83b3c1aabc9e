"""`flask` commands: create-user, seed-demo, audit verify."""

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
@with_appcontext
def seed_demo_command(if_empty: bool) -> None:
    """Fill the database with demo boards and one account per role (never in production)."""
    from tumorboard.seed import database_is_empty, seed_demo

    if not current_app.config.get("ALLOW_DEMO_DATA"):
        raise click.ClickException("Demo data is refused under this configuration (production).")
    if if_empty and not database_is_empty():
        click.echo("The database already has data; no demo data loaded.")
        return
    logins = seed_demo()
    db.session.commit()
    click.echo("Demo data loaded. Sign in with any of these accounts:")
    for email in logins:
        click.echo(f"  {email}")
    click.echo(f"Password for all: {current_app.config['DEMO_PASSWORD']}")


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
