"""What an admin does with a dead letter: try it again, or discard it; each audited."""

from flask_babel import gettext as _

from tumorboard.audit.recording import record
from tumorboard.db import atomic
from tumorboard.errors import OperationError
from tumorboard.jobs import queries


def _require_admin(actor) -> None:
    if not getattr(actor, "is_admin", False):
        raise OperationError(_("Only an admin handles failed jobs."))


@atomic
def retry_dead_letter(actor, job_id: str) -> str:
    """Put a failed job back on the queue (its retries start again); returns what it was. The audit event
    is written first: if Redis refuses, the operation fails and the event goes with it."""
    _require_admin(actor)
    job = queries.dead_letter(job_id)
    if job is None:
        raise OperationError(_("This job is no longer among the failed ones."))
    record("job.retried", actor=actor, entity_type="job", entity_id=job.id, details=_details(job))
    job.failed_job_registry.requeue(job)
    return job.description or ""


@atomic
def discard_dead_letter(actor, job_id: str) -> str:
    """Delete a failed job for good (what it would have sent is not sent); returns what it was."""
    _require_admin(actor)
    job = queries.dead_letter(job_id)
    if job is None:
        raise OperationError(_("This job is no longer among the failed ones."))
    record("job.discarded", actor=actor, entity_type="job", entity_id=job.id, details=_details(job))
    job.failed_job_registry.remove(job, delete_job=True)
    return job.description or ""


def _details(job) -> dict:
    meta = job.meta or {}
    return {"job": job.description or "", "error": meta.get("error_class", "")}
