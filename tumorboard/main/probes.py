"""What the readiness check asks: the database, its migrations, the throttling store and (when one is
configured) the job queue. Each answer is a word ("ok", "unreachable", "behind" …), never an address,
a URL or an error text: the page is public, for the load balancer."""

import logging

from flask import current_app
from redis import Redis, RedisError

from tumorboard.auth import throttle
from tumorboard.main import queries

log = logging.getLogger("tumorboard.probes")

# A probe that waits longer than its load balancer is no answer either.
REDIS_TIMEOUT_SECONDS = 2.0


def _word(up: bool) -> str:
    return "ok" if up else "unreachable"


def job_queue_answers(url: str) -> bool:
    """Whether the job queue's Redis answers PING (a connection of its own, closed after)."""
    try:
        client = Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
        )
    except ValueError:
        log.error("JOB_QUEUE_URL is not a Redis URL")
        return False
    try:
        return bool(client.ping())
    except (RedisError, OSError):
        return False
    finally:
        client.close()


def readiness() -> dict[str, str]:
    """Each part's word; the migrations are "unknown" when the database does not answer."""
    database = queries.database_answers()
    parts = {
        "database": _word(database),
        "migrations": queries.migration_state() if database else "unknown",
        "throttle_store": _word(throttle.storage_answers()),
    }
    queue_url = current_app.config.get("JOB_QUEUE_URL")
    if queue_url:
        parts["job_queue"] = _word(job_queue_answers(queue_url))
    return parts
