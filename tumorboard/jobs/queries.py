"""The dead letters: jobs that failed their last try, as RQ's failed-job registry keeps them."""

import re
from dataclasses import dataclass
from datetime import datetime

from tumorboard import jobs

JOB_ID = re.compile(r"[0-9a-f-]{32,36}")  # RQ's ids: uuid4, hex or with dashes
SHOWN = 200


@dataclass(frozen=True)
class DeadLetter:
    id: str
    description: str  # the job's function and ids (a notification's, a meeting's): never patient data
    enqueued_at: datetime | None
    failed_at: datetime | None
    error_class: str
    error_message: str
    attempts: int


def queue_configured() -> bool:
    return jobs.connection() is not None


def _registry():
    queue = jobs._queue()
    return None if queue is None else queue.failed_job_registry


def dead_letter_count() -> int:
    registry = _registry()
    return 0 if registry is None else registry.count


def dead_letters(limit: int = SHOWN) -> list[DeadLetter]:
    """The latest failed jobs first."""
    registry = _registry()
    if registry is None:
        return []
    from rq.job import Job

    ids = registry.get_job_ids(0, limit - 1, desc=True)
    found = Job.fetch_many(ids, connection=registry.connection)
    return [_letter(job) for job in found if job is not None]


def dead_letter(job_id: str):
    """The failed RQ job of this id, or None (not failed, gone, or no queue)."""
    registry = _registry()
    if registry is None or not JOB_ID.fullmatch(job_id) or job_id not in registry:
        return None
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        return Job.fetch(job_id, connection=registry.connection)
    except NoSuchJobError:
        return None


def _letter(job) -> DeadLetter:
    meta = job.meta or {}
    return DeadLetter(
        id=job.id,
        description=job.description or "",
        enqueued_at=_aware(job.enqueued_at),
        failed_at=_aware(job.ended_at),
        error_class=str(meta.get("error_class", "")),
        error_message=str(meta.get("error_message", "")),
        attempts=int(meta.get("attempts", 0)),
    )


def _aware(moment: datetime | None) -> datetime | None:
    from datetime import UTC

    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
