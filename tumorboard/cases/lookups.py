"""The records a request may show: a 404 for what the signed-in user may not see (its existence is not
disclosed). Views of every package use these; no package imports another's views."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tumorboard.cases import queries
from tumorboard.cases.models import Case


def get_visible_case(case_id: int) -> Case:
    case = queries.find_visible_case(current_user, case_id)
    if case is None:
        abort(404)
    return case


def no_longer_open(case: Case, message: str, template: str | None = None, **context):
    """A form of a case that this user could once use and may no longer (the case moved on): a GET goes
    to the case page with the reason; a POST comes back with the reason and everything typed, unsaved and
    without a save button (403), so nothing is lost; without a page of its own it goes to the case page."""
    if request.method == "GET" or template is None:
        flash(message, "warning")
        return redirect(url_for("cases.detail", case_id=case.id))
    return render_template(template, case=case, refused=message, **context), 403
