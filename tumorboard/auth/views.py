"""Sign in, sign out, and the user's own account."""

import hashlib
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user

from tumorboard.auth import operations
from tumorboard.auth.access import public, require_login
from tumorboard.auth.forms import ChangePasswordForm, LoginForm
from tumorboard.auth.models import email_key
from tumorboard.auth.sessions import end_session, start_session
from tumorboard.errors import OperationError
from tumorboard.extensions import limiter

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "Email or password is not correct, or the account is disabled."


def _account_key() -> str:
    email = email_key(request.form.get("email", "")[:254])
    return "login-account:" + hashlib.sha256(email.encode()).hexdigest()


def _login_failed(_response) -> bool:
    return bool(g.get("login_failed"))


def _safe_next(target: str | None) -> str:
    """Only a local path: never an open redirect to another host."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("main.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_IP"],
    key_func=get_remote_address,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-ip",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-account",
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data, form.password.data)
        if user is not None:
            start_session(user)
            flash(f"Welcome, {user.name}.", "success")
            return redirect(_safe_next(request.args.get("next")))
        flash(LOGIN_FAILED, "danger")
    if request.method == "POST":
        g.login_failed = True
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
    return render_template("auth/account.html", form=ChangePasswordForm())


@bp.route("/account/password", methods=["GET", "POST"])
@require_login
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            operations.change_password(user, form.current_password.data, form.new_password.data)
        except OperationError as exc:
            getattr(form, exc.field or "new_password").errors.append(exc.message)
        else:
            start_session(user)
            flash("Your password has been changed. Other sessions have been signed out.", "success")
            return redirect(url_for("main.dashboard"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/account.html", form=form), status


def audit_throttled_login() -> None:
    """Called by the 429 handler: a throttled sign-in is worth an audit row."""
    if request.endpoint == "auth.login":
        operations.record_throttled_login(request.form.get("email", ""))
