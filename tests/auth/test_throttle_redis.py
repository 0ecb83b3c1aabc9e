"""The sign-in throttle on Redis, the storage production uses (shared by all workers)."""

import uuid

from config import TestConfig
from tests.conftest import require_redis
from tumorboard import create_app
from tumorboard.auth.roles import Role
from tumorboard.extensions import limiter


def test_failed_logins_are_throttled_through_redis(app, users):
    require_redis()
    redis_app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
        RATELIMIT_KEY_PREFIX=f"tumorboard-test-{uuid.uuid4().hex}",
    )
    try:
        client = redis_app.test_client()
        email = users[Role.SUBMITTER].email
        statuses = [
            client.post("/login", data={"email": email, "password": "wrong password!"}).status_code
            for _ in range(6)
        ]
        assert statuses == [422] * 5 + [429]
        assert limiter.storage.__class__.__name__.lower().startswith("redis")
    finally:
        limiter.reset()
        limiter.init_app(app)  # the one Limiter object goes back to the suite's app and its memory storage
