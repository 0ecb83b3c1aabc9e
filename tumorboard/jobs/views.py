"""The admin's page of failed background jobs (dead letters), with Retry and Discard."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tumorboard.auth.access import require_role
from tumorboard.auth.roles import Role
from tumorboard.errors import OperationError
from tumorboard.forms import ActionForm
from tumorboard.jobs import operations, queries
from tumorboard.jobs.blueprint import bp


@bp.get("/")
@require_role(Role.ADMIN)
def dead_letters():
    return render_template(
        "admin/jobs.html",
        configured=queries.queue_configured(),
        letters=queries.dead_letters(),
        total=queries.dead_letter_count(),
        shown=queries.SHOWN,
        form=ActionForm(),
    )


def _act(job_id: str, operation, done: LazyString):
    """`done`: the sentence that says what became of the job, with its %(job)s."""
    if not queries.JOB_ID.fullmatch(job_id):
        abort(404)
    if not ActionForm().validate_on_submit():
        flash(_("The form has expired; try again."), "danger")
        return redirect(url_for("jobs.dead_letters"))
    try:
        description = operation(current_user, job_id)
    except OperationError as exc:
        flash(exc.message, "warning")
    else:
        flash(str(done) % {"job": description}, "success")
    return redirect(url_for("jobs.dead_letters"))


@bp.post("/<job_id>/retry")
@require_role(Role.ADMIN)
def retry(job_id: str):
    return _act(job_id, operations.retry_dead_letter, _l("%(job)s is queued again."))


@bp.post("/<job_id>/discard")
@require_role(Role.ADMIN)
def discard(job_id: str):
    return _act(job_id, operations.discard_dead_letter, _l("%(job)s was discarded."))
