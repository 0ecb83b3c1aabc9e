"""The user's notifications."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tumorboard.auth.access import require_login
from tumorboard.extensions import db
from tumorboard.forms import ActionForm
from tumorboard.notifications import operations, queries
from tumorboard.notifications.blueprint import bp
from tumorboard.views_helpers import page_number


@bp.get("/")
@require_login
def index():
    page = db.paginate(
        queries.notifications_of(current_user),
        page=page_number(),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template("notifications/index.html", page=page, form=ActionForm())


@bp.post("/read")
@require_login
def mark_all_read():
    if not ActionForm().validate_on_submit():
        flash(_("The form has expired; try again."), "danger")
    else:
        count = operations.mark_read(current_user)
        flash(f"{count} notification(s) marked as read.", "success")
    return redirect(url_for("notifications.index"))
