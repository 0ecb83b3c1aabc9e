"""The flask commands: create-user, seed-demo, audit verify."""

from sqlalchemy import select, text

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
