"""Background jobs: the one module that knows of the queue (RQ on Redis). Code elsewhere calls
`enqueue(func, *args)` and never imports rq.

A job is held until the transaction that asked for it has committed: a rolled-back change (a refused
request, a failed commit) sends nothing. Whoever commits then calls `dispatch()` (the request's commit
hook, the CLI commands, the job runner itself); with `JOB_QUEUE_URL` set the jobs go to the queue, where
`flask jobs worker` runs them, with retries and back-off (`JOB_RETRY_INTERVALS`), and a job that failed
its last try stays in RQ's failed-job registry: the dead letters an admin sees at /admin/jobs. Without a
queue (development, tests) each job runs inline, right after the commit, once: a failure is logged.

A job is a module-level function of plain arguments (ids, never objects); it runs in an app context,
its changes are committed after it, and it must be idempotent: a retry, a duplicate enqueue or a worker
that died half-way may run it again.
"""

import logging
from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.utils import import_string

from tumorboard.extensions import db

log = logging.getLogger("tumorboard.jobs")

QUEUE_NAME = "tumorboard"
_PENDING = "tumorboard.jobs.pending"  # asked for in the open transaction
_COMMITTED = "tumorboard.jobs.committed"  # their transaction committed: to dispatch
_EXTENSION = "tumorboard.jobs"
# How long a dead letter stays on the admin's page (RQ's failure TTL) unless retried or discarded.
FAILED_KEPT_SECONDS = 90 * 24 * 3600

Job = tuple[str, tuple[Any, ...]]


def enqueue(func: Callable[..., Any], *args: Any) -> None:
    """Run `func(*args)` in the background once the current transaction has committed."""
    path = f"{func.__module__}.{func.__qualname__}"
    if import_string(path, silent=True) is not func:
        raise ValueError(f"{path} is not a module-level function: a worker could not find it")
    db.session.info.setdefault(_PENDING, []).append((path, args))


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT released: the transaction may still roll back
        return
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.info.setdefault(_COMMITTED, []).extend(pending)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(_PENDING, None)


def dispatch() -> int:
    """Send the committed transactions' jobs to the queue, or run them inline without one; returns how
    many. A queue that cannot be reached does not lose them: they run inline then (and it is logged)."""
    jobs: list[Job] = db.session.info.pop(_COMMITTED, [])
    if not jobs:
        return 0
    queue = _queue()
    for done, (path, args) in enumerate(jobs):
        if queue is None:
            _run_inline(path, args)
            continue
        try:
            _put(queue, path, args)
        except Exception:  # noqa: BLE001 - Redis down: the committed change must still be told
            log.exception("job queue unreachable; running %d job(s) inline", len(jobs) - done)
            for path_left, args_left in jobs[done:]:
                _run_inline(path_left, args_left)
            break
    return len(jobs)


def _put(queue, path: str, args: tuple[Any, ...]) -> None:
    from rq import Retry

    intervals = list(current_app.config["JOB_RETRY_INTERVALS"])
    queue.enqueue(
        run,
        path,
        *args,
        retry=Retry(max=len(intervals), interval=intervals) if intervals else None,
        description=describe(path, args),
        failure_ttl=FAILED_KEPT_SECONDS,
    )


def describe(path: str, args: tuple[Any, ...]) -> str:
    """What a job is, for the admin's page and the logs: its function and its ids."""
    return f"{path.rsplit('.', 1)[-1]}({', '.join(repr(a) for a in args)})"


def _execute(path: str, args: tuple[Any, ...]) -> Any:
    """Run one job and commit its changes; then dispatch the jobs it asked for (a reminder's e-mails)."""
    try:
        result = import_string(path)(*args)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    dispatch()
    return result


def _run_inline(path: str, args: tuple[Any, ...]) -> None:
    try:
        _execute(path, args)
    except Exception:  # noqa: BLE001 - inline there is no retry: the failure is logged, the change stands
        log.exception("job %s failed", describe(path, args))


def run(path: str, *args: Any) -> Any:
    """The worker's entry point for every job. A failure is noted on the job (the error's class and
    message, for the dead-letter page: never a traceback's local values) and raised again, so RQ retries
    it or, after the last try, keeps it as failed."""
    try:
        return _execute(path, args)
    except Exception as exc:
        _note_failure(exc)
        raise
    finally:
        db.session.remove()


def _note_failure(exc: Exception) -> None:
    from rq import get_current_job

    job = get_current_job()
    if job is None:
        return
    job.meta["error_class"] = type(exc).__name__
    job.meta["error_message"] = str(exc)[:500]
    job.meta["attempts"] = int(job.meta.get("attempts", 0)) + 1
    job.save_meta()


def connection():
    """The queue's Redis connection (one per app), or None without JOB_QUEUE_URL."""
    url = current_app.config.get("JOB_QUEUE_URL")
    if not url:
        return None
    held = current_app.extensions.get(_EXTENSION)
    if held is None or held[0] != url:
        from redis import Redis

        held = (url, Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5))
        current_app.extensions[_EXTENSION] = held
    return held[1]


def _queue():
    redis = connection()
    if redis is None:
        return None
    from rq import Queue

    return Queue(QUEUE_NAME, connection=redis)


def queue_stats() -> dict[str, int]:
    """The queue's depth for the metrics: waiting, running, scheduled for a retry, and failed (the dead
    letters). Zeros without a queue; a Redis error is raised to the caller."""
    queue = _queue()
    if queue is None:
        return {"queued": 0, "started": 0, "scheduled": 0, "failed": 0}
    return {
        "queued": queue.count,
        "started": queue.started_job_registry.count,
        "scheduled": queue.scheduled_job_registry.count,
        "failed": queue.failed_job_registry.count,
    }


def worker(*, burst: bool = False) -> bool:
    """Work the queue in this process (the job runs in the caller's app context), with RQ's scheduler
    on, so that retries fire after their waits. `burst`: stop when the queue is empty."""
    from rq import SimpleWorker

    queue = _queue()
    if queue is None:
        raise RuntimeError("JOB_QUEUE_URL is not set: jobs run inline, there is no queue to work")
    return SimpleWorker([queue], connection=queue.connection).work(burst=burst, with_scheduler=True)
