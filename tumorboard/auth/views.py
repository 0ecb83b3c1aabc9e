"""Sign in, sign out, and the user's own account."""

import re

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from tumorboard.auth import operations, throttle
from tumorboard.auth.access import public, require_login
from tumorboard.auth.blueprint import bp
from tumorboard.auth.forms import ChangePasswordForm, LoginForm
from tumorboard.auth.sessions import begin_second_step, end_session, start_session
from tumorboard.errors import OperationError
from tumorboard.forms import ActionForm
from tumorboard.views_helpers import form_error

LOGIN_FAILED = "Email or password is not correct, or the account is disabled."


# A local path only: no scheme, no host, no backslash or control characters (never an open redirect).
_LOCAL_PATH = re.compile(r"^/(?![/\\])[A-Za-z0-9/_.~%=&?+-]*$")


def _safe_next(target: str | None) -> str:
    if target and _LOCAL_PATH.match(target):
        return target
    return url_for("main.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data
        if not throttle.admit_attempt(email):
            # the 429 handler audits it, once per account and window
            g.throttled_login = email if throttle.first_refusal_in_window(email) else None
            abort(429)
        user = operations.authenticate(email, form.password.data)
        if user is not None:
            throttle.record_success(email)
            if user.has_second_factor:  # the code is still to come (auth.second_factor_views)
                begin_second_step(user, _safe_next(request.args.get("next")))
                return redirect(url_for("auth.second_step"))
            start_session(user)
            flash(f"Welcome, {user.name}.", "success")
            return redirect(_safe_next(request.args.get("next")))
        flash(LOGIN_FAILED, "danger")
    if request.method == "POST":
        throttle.record_failure()
        return render_template("auth/login.html", form=form), 422
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@require_login
def logout():
    operations.log_out(current_user._get_current_object())
    end_session()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.get("/account")
@require_login
def account():
    return render_template("auth/account.html", form=ChangePasswordForm(), calendar_form=ActionForm())


@bp.post("/account/calendar")
@require_login
def renew_calendar():
    if not ActionForm().validate_on_submit():
        abort(400)
    operations.renew_calendar_token(current_user._get_current_object())
    flash("Your calendar link is new; the old one no longer works.", "success")
    return redirect(url_for("auth.account", _anchor="calendar"))


@bp.route("/account/password", methods=["GET", "POST"])
@require_login
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            operations.change_password(user, form.current_password.data, form.new_password.data)
        except OperationError as exc:
            if exc.field == "current_password":
                operations.record_wrong_password(user, "password change")
            form_error(form, exc, default="new_password")
        else:
            start_session(user)
            flash("Your password has been changed. Other sessions have been signed out.", "success")
            return redirect(url_for("main.dashboard"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/account.html", form=form, calendar_form=ActionForm()), status
