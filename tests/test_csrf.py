"""With CSRF on (as in production), a POST without its token is refused and writes nothing."""

import re

from sqlalchemy import func, select

from config import TestConfig
from tests.conftest import log_in
from tumorboard import create_app
from tumorboard.auth.models import User
from tumorboard.auth.roles import Role
from tumorboard.extensions import db


def test_post_without_token_is_400_and_writes_nothing(app, users):
    csrf_app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], WTF_CSRF_ENABLED=True
    )
    client = log_in(csrf_app.test_client(), users[Role.ADMIN])
    before = db.session.scalar(select(func.count(User.id)))
    response = client.post(
        "/admin/users/new",
        data={
            "email": "new@hospital.org",
            "name": "New",
            "specialty": "surgery",
            "roles": ["submitter"],
            "new_password": "a long enough password",
            "confirm": "a long enough password",
        },
    )
    assert response.status_code == 400
    assert "The form has expired" in response.text
    assert db.session.scalar(select(func.count(User.id))) == before
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200, "still signed in: the logout without a token did nothing"


def test_every_post_endpoint_refuses_a_missing_token(app, users):
    """Walks the URL map: each POST route of the app answers 400 without a token, as any role."""
    csrf_app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], WTF_CSRF_ENABLED=True
    )
    client = log_in(csrf_app.test_client(), users[Role.ADMIN])
    checked = 0
    for rule in csrf_app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        url = re.sub(r"<[^>]+>", "1", rule.rule)
        response = client.post(url, data={"anything": "x"})
        if rule.endpoint.startswith("api."):  # exempt: the session cookie opens nothing there (tests/api)
            assert response.status_code == 401, (rule.rule, response.status_code)
        else:
            assert response.status_code in (400, 404), (rule.rule, response.status_code)
        checked += 1
    assert checked >= 8
