"""The worker's tests run on the real Redis (database 3; 4 stands for a second queue), flushed before and
after each test; mail goes to Flask-Mail's outbox (`mail.record_messages()`), never to a server."""

import socket
from collections.abc import Iterator

import pytest
from redis import Redis

from tests.conftest import IN_CI
from tumorboard import jobs
from tumorboard.extensions import mail

QUEUE_URL = "redis://127.0.0.1:6379/3"


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.fixture
def mail_server(app) -> Iterator[list]:
    """The site has a mail server; yields the outbox of what was sent."""
    app.config["MAIL_SERVER"] = "mail.hospital.org"
    try:
        with mail.record_messages() as outbox:
            yield outbox
    finally:
        app.config["MAIL_SERVER"] = None


@pytest.fixture
def queue(app, app_ctx) -> Iterator[Redis]:
    """The app queues its jobs on Redis (database 3, empty); yields that connection."""
    if not _redis_up():
        if IN_CI:
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("no Redis on 127.0.0.1:6379")
    redis = Redis.from_url(QUEUE_URL)
    redis.flushdb()
    app.config["JOB_QUEUE_URL"] = QUEUE_URL
    try:
        yield redis
    finally:
        app.config["JOB_QUEUE_URL"] = ""
        app.extensions.pop("tumorboard.jobs", None)
        redis.flushdb()
        redis.close()


@pytest.fixture
def work():
    """Run the queue's jobs in this process (an RQ SimpleWorker in burst mode, its scheduler on, so
    retries whose wait is over are queued first); returns the queue's counts after."""

    def run() -> dict[str, int]:
        jobs.worker(burst=True)
        return jobs.queue_stats()

    return run
