"""The sign-in throttle on Redis, the storage production uses (shared by all workers)."""

import socket
import uuid

import pytest

from config import TestConfig
from tests.conftest import IN_CI
from tumorboard import create_app
from tumorboard.auth.roles import Role
from tumorboard.extensions import limiter

REDIS = ("127.0.0.1", 6379)


def _redis_up() -> bool:
    try:
        socket.create_connection(REDIS, timeout=0.5).close()
    except OSError:
        return False
    return True


def test_failed_logins_are_throttled_through_redis(app, users):
    if not _redis_up():
        if IN_CI:
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("no Redis on 127.0.0.1:6379")
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
