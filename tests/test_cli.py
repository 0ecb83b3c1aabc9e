"""The flask commands: create-user, seed-demo, audit head, audit verify."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from tumorboard.auth.models import User
from tumorboard.auth.roles import Role
from tumorboard.extensions import db


def test_create_user_asks_for_the_password(isolated_app):
    app = isolated_app()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "First.Admin@hospital.org",
            "--name",
            "First Admin",
            "--role",
            "admin",
        ],
        input="a good long passphrase\na good long passphrase\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "first.admin@hospital.org"))
        assert user.roles == {Role.ADMIN} and not user.must_change_password


def test_create_user_refuses_bad_input(isolated_app):
    app = isolated_app()
    runner = app.test_cli_runner()
    short = runner.invoke(
        args=[
            "create-user",
            "--email",
            "a@hospital.org",
            "--name",
            "A",
            "--role",
            "admin",
            "--password",
            "short",
        ]
    )
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    role = runner.invoke(
        args=[
            "create-user",
            "--email",
            "a@hospital.org",
            "--name",
            "A",
            "--role",
            "king",
            "--password",
            "a good long passphrase",
        ]
    )
    assert role.exit_code != 0
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "a@hospital.org")) is None


def test_seed_demo_and_audit_verify(isolated_app):
    app = isolated_app()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    for role in Role:
        assert f"{role.value}@example.org" in result.output
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "already has data" in again.output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    with app.app_context():
        db.session.execute(text("UPDATE audit_event SET action = 'forged' WHERE seq = 2"))
        db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "event 2" in broken.output


def test_seed_demo_accounts_can_sign_in(isolated_app):
    app = isolated_app()
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    client = app.test_client()
    for role in Role:
        response = client.post(
            "/login", data={"email": f"{role.value}@example.org", "password": "tumorboard-demo"}
        )
        assert response.status_code == 302, role
        assert client.get("/").status_code == 200
        client.post("/logout")


def test_seed_demo_is_refused_in_production(isolated_app):
    app = isolated_app(ALLOW_DEMO_DATA=False)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "refused" in result.output


def test_audit_head_kept_outside_finds_a_cut_or_reset_chain(isolated_app):
    app = isolated_app()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    for n in range(3):  # the tail that will be cut: three accounts made after the demo data
        args = [
            "create-user",
            "--email",
            f"late{n}@hospital.org",
            "--name",
            f"Late {n}",
            "--role",
            "submitter",
        ]
        assert runner.invoke(args=[*args, "--password", "a long enough passphrase 42"]).exit_code == 0
    head = runner.invoke(args=["audit", "head"])
    assert head.exit_code == 0
    kept = head.output.strip()
    seq, digest = kept.split(":")
    assert seq.isdigit() and int(seq) > 10 and len(digest) == 64
    assert runner.invoke(args=["audit", "verify", "--expect-head", kept]).exit_code == 0
    # an older head kept earlier still holds: the chain only grew
    with app.app_context():
        older = db.session.execute(text("SELECT seq, hash FROM audit_event WHERE seq = 5")).one()
    assert (
        runner.invoke(args=["audit", "verify", "--expect-head", f"{older.seq}:{older.hash}"]).exit_code == 0
    )
    # cut back: the last events deleted and the head row set to match, so the chain alone looks intact
    with app.app_context():
        last = int(seq) - 3
        new_head = db.session.execute(
            text("SELECT hash FROM audit_event WHERE seq = :s"), {"s": last}
        ).scalar()
        db.session.execute(text("DELETE FROM audit_event WHERE seq > :s"), {"s": last})
        db.session.execute(
            text("UPDATE audit_chain_head SET seq = :s, hash = :h"), {"s": last, "h": new_head}
        )
        db.session.commit()
    alone = runner.invoke(args=["audit", "verify"])  # what the database alone can tell
    assert alone.exit_code == 0, alone.output
    cut = runner.invoke(args=["audit", "verify", "--expect-head", kept])
    assert cut.exit_code == 1 and f"no longer reaches event {seq}" in cut.output


def test_audit_verify_names_a_rewritten_chain(isolated_app):
    app = isolated_app()
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    seq, _ = runner.invoke(args=["audit", "head"]).output.strip().split(":")
    other = "ab" * 32
    rewritten = runner.invoke(args=["audit", "verify", "--expect-head", f"{seq}:{other}"])
    assert rewritten.exit_code == 1 and f"event {seq} differs from the head kept outside" in rewritten.output


@pytest.mark.parametrize("value", ["", "12", "12:abc", "x:" + "a" * 64, "12:" + "G" * 64])
def test_audit_verify_refuses_a_malformed_head(app, value):
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--expect-head", value])
    assert result.exit_code == 2 and "SEQ:HASH" in result.output


def test_audit_head_and_verify_on_a_database_without_tables_say_so(isolated_app):
    """A new or wrong database (DATABASE_URL pointing elsewhere): one line and exit status 1, no traceback."""
    app = isolated_app()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "downgrade", "base"]).exit_code == 0
    try:
        for command in (["audit", "head"], ["audit", "verify"]):
            result = runner.invoke(args=command)
            assert result.exit_code == 1, result.output
            assert "holds no audit chain" in result.output and "Traceback" not in result.output
            assert not isinstance(result.exception, SQLAlchemyError)
    finally:
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
