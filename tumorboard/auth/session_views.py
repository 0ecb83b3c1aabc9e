"""The signed-in sessions page: the user's own active sessions, each to end, and the admin's "end all
sessions" of a user (auth.sessions keeps the records, auth.operations ends them)."""

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from tumorboard import keyset
from tumorboard.auth import operations, queries
from tumorboard.auth.access import require_login, require_role
from tumorboard.auth.blueprint import bp
from tumorboard.auth.models import User, UserSession
from tumorboard.auth.roles import Role
from tumorboard.auth.sessions import current_session, end_session
from tumorboard.errors import OperationError
from tumorboard.extensions import db
from tumorboard.forms import ActionForm


def _this_session() -> UserSession:
    record = current_session()
    if record is None:  # signed in, so the request loaded its session: never here
        abort(401)
    return record


def _limits() -> dict:
    return {
        "idle": current_app.config["SESSION_IDLE_TIMEOUT"],
        "lifetime": current_app.config["PERMANENT_SESSION_LIFETIME"],
    }


def _refused(exc: OperationError):
    if exc.message == _(operations.THIS_SESSION_ENDED):
        end_session()
        flash(exc.message, "info")
        return redirect(url_for("auth.login"))
    flash(exc.message, "danger")
    return redirect(url_for("auth.sessions_page"))


@bp.get("/account/sessions")
@require_login
def sessions_page():
    listing = keyset.listing(
        queries.active_sessions(current_user, **_limits()),
        queries.SESSION_ORDER,
        sort="sessions",
        jump_kind="date",
    )
    return render_template(
        "auth/sessions.html",
        listing=listing,
        others=listing.paged or len(listing.rows) > 1,
        this_session=_this_session(),
        form=ActionForm(formdata=None),
    )


@bp.post("/account/sessions/<id:session_id>/end")
@require_login
def end_one_session(session_id: int):
    target = queries.own_session(current_user, session_id)
    if target is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        operations.end_own_session(current_user._get_current_object(), _this_session(), target)
    except OperationError as exc:
        return _refused(exc)
    flash(_("The session in %(browser)s has ended.", browser=target.user_agent), "success")
    return redirect(url_for("auth.sessions_page"))


@bp.post("/account/sessions/end-others")
@require_login
def end_other_sessions():
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        ended = operations.end_other_sessions(current_user._get_current_object(), _this_session())
    except OperationError as exc:
        return _refused(exc)
    flash(
        ngettext(
            "%(num)d other session(s) ended; this one goes on.",
            "%(num)d other session(s) ended; this one goes on.",
            ended,
        ),
        "success",
    )
    return redirect(url_for("auth.sessions_page"))


@bp.post("/admin/users/<id:user_id>/sessions/end")
@require_role(Role.ADMIN)
def end_user_sessions(user_id: int):
    user = db.get_or_404(User, user_id)
    if not current_user.can_end_sessions_of(user):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    ended = operations.end_all_sessions_of(current_user._get_current_object(), user, keep=_this_session())
    flash(
        ngettext(
            "%(num)d session(s) of %(name)s ended.",
            "%(num)d session(s) of %(name)s ended.",
            ended,
            name=user.name,
        ),
        "success",
    )
    return redirect(url_for("auth.edit_user", user_id=user.id))
