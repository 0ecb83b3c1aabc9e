"""The user's notifications."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from tumorboard import keyset
from tumorboard.auth.access import require_login
from tumorboard.forms import ActionForm
from tumorboard.notifications import operations, queries
from tumorboard.notifications.blueprint import bp


@bp.get("/")
@require_login
def index():
    listing = keyset.listing(
        queries.notifications_of(current_user),
        queries.ORDER,
        sort="notifications",
        jump_kind="date",
    )
    return render_template("notifications/index.html", listing=listing, form=ActionForm())


@bp.post("/read")
@require_login
def mark_all_read():
    if not ActionForm().validate_on_submit():
        flash(_("The form has expired; try again."), "danger")
    else:
        count = operations.mark_read(current_user)
        flash(
            ngettext(
                "%(num)d notification(s) marked as read.", "%(num)d notification(s) marked as read.", count
            ),
            "success",
        )
    return redirect(url_for("notifications.index"))
