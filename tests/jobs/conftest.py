"""The worker's tests run on the real Redis (database 3; 4 stands for a second queue), flushed before and
after each test; mail goes to Flask-Mail's outbox (`mail.record_messages()`), never to a server."""

from collections.abc import Iterator

import pytest
from redis import Redis

from tests.conftest import job_queue
from tumorboard import jobs
from tumorboard.extensions import mail

QUEUE_URL = "redis://127.0.0.1:6379/3"


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
    with job_queue(app, QUEUE_URL) as redis:
        yield redis


@pytest.fixture
def work():
    """Run the queue's jobs in this process (an RQ SimpleWorker in burst mode, its scheduler on, so
    retries whose wait is over are queued first); returns the queue's counts after."""

    def run() -> dict[str, int]:
        jobs.worker(burst=True)
        return jobs.queue_stats()

    return run
