"""Sign in, sign out, and the user's own account."""

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import TooManyRequests

from tumorboard.auth import oidc, operations, reset, throttle
from tumorboard.auth.access import public, require_login
from tumorboard.auth.blueprint import bp
from tumorboard.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    LanguageSwitchForm,
    LoginForm,
    ResetByLinkForm,
)
from tumorboard.auth.models import SignInMethod
from tumorboard.auth.pages import account_page
from tumorboard.auth.sessions import begin_second_step, end_session, session_method, start_session
from tumorboard.clinical.labels import N_
from tumorboard.errors import OperationError
from tumorboard.forms import ActionForm
from tumorboard.i18n import LOCALE_COOKIE
from tumorboard.views_helpers import flash_form_errors, form_error, safe_next

LOGIN_FAILED = N_("Email or password is not correct, or the account is disabled.")
RESET_SENT = N_(
    "If this address belongs to an account, a link to choose a new password is on its way to it. "
    "It works once, within %(minutes)s minutes."
)
RESET_DONE = N_("Your new password is set, and every session of yours has ended. Sign in with it.")
_RESET_TOKEN = "password_reset_token"  # noqa: S105 - the session key, not a secret


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data
        refusal = throttle.admit_attempt(email)
        if refusal is not None:
            # the 429 handler audits it, once per account and window, and says how long to wait
            g.throttled_login = email if throttle.first_refusal_in_window(email) else None
            raise TooManyRequests(retry_after=refusal.retry_after)
        user = operations.authenticate(email, form.password.data)
        if user is not None:
            throttle.record_success(email)
            if user.has_second_factor:  # the code is still to come (auth.second_factor_views)
                begin_second_step(user, safe_next(request.args.get("next")))
                return redirect(url_for("auth.second_step"))
            start_session(user, SignInMethod.PASSWORD)
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(safe_next(request.args.get("next")))
        flash(_(LOGIN_FAILED), "danger")
    if request.method == "POST":
        throttle.record_failure(form.email.data if isinstance(form.email.data, str) else "")
        return render_template("auth/login.html", form=form), 422
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@require_login
def logout():
    operations.log_out(current_user._get_current_object())
    provider_logout = oidc.logout_url(session)
    end_session()
    if provider_logout:  # signed in through the hospital's provider: sign out there too
        return redirect(provider_logout)
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/account")
@require_login
def account():
    return account_page()


@bp.post("/account/calendar")
@require_login
def renew_calendar():
    if not ActionForm().validate_on_submit():
        abort(400)
    operations.renew_calendar_token(current_user._get_current_object())
    flash(_("Your calendar link is new; the old one no longer works."), "success")
    return redirect(url_for("auth.account", _anchor="calendar"))


@bp.post("/account/language")
@require_login
def choose_language():
    form = LanguageForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            operations.choose_language(user, form.locale.data or None, form.version.data)
        except OperationError as exc:
            form_error(form, exc, default="locale")
        else:
            flash(_("Your language is saved."), "success")
            return redirect(url_for("auth.account", _anchor="language"))
    return account_page(language_form=form, status=422)


# A year: an anonymous visitor's language outlives the browser's session, like a signed-in user's profile.
LOCALE_COOKIE_AGE = 365 * 24 * 3600


@bp.post("/language")
@public
def switch_language():
    """The navigation's switch: the signed-in user's profile (audited), an anonymous visitor's cookie; back
    to the page it was pressed on (its form's content is kept by static/language.js)."""
    form = LanguageSwitchForm()
    target = safe_next(form.next.data)
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(target)
    response = redirect(target)
    if current_user.is_authenticated:
        operations.choose_language(current_user._get_current_object(), form.language.data)
    else:
        response.set_cookie(
            LOCALE_COOKIE,
            form.language.data,
            max_age=LOCALE_COOKIE_AGE,
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
            httponly=True,
            samesite="Lax",
        )
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@require_login
def change_password():
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if not user.has_local_password and request.method == "POST":
        # the page shows no form to such an account; a POST all the same is told why (the operation refuses)
        flash(_(operations.PROVIDER_ONLY_ACCOUNT), "danger")
        return account_page(form=form, status=422)
    if form.validate_on_submit():
        method = session_method()
        try:
            operations.change_password(user, form.current_password.data, form.new_password.data)
        except OperationError as exc:
            if exc.field == "current_password":
                operations.record_wrong_password(user, "password change")
            form_error(form, exc, default="new_password")
        else:
            start_session(user, method)
            flash(_("Your password has been changed. Other sessions have been signed out."), "success")
            return redirect(url_for("main.dashboard"))
    status = 422 if request.method == "POST" else 200
    return account_page(form=form, status=status)


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        operations.request_password_reset(form.email.data)
        flash(_(RESET_SENT, minutes=reset.max_age_seconds() // 60), "info")
        return redirect(url_for("auth.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/forgot.html", form=form), status


@bp.route(reset.RESET_PATH, methods=["GET", "POST"])
@public
def reset_password_page():
    """The e-mailed link: the token moves from the query string into the signed session cookie, and the
    browser comes back here without it (see auth.reset for why)."""
    token = request.args.get("token")
    if token is not None:
        if current_user.is_authenticated:
            end_session()  # a shared computer: whoever was signed in is signed out
        session[_RESET_TOKEN] = token[:2000]
        return redirect(url_for("auth.reset_password_page"))
    token = session.get(_RESET_TOKEN)
    if not isinstance(token, str) or reset.user_for_token(token) is None:
        session.pop(_RESET_TOKEN, None)
        flash(_(operations.RESET_LINK_INVALID), "danger")
        return redirect(url_for("auth.forgot_password"))
    form = ResetByLinkForm()
    if form.validate_on_submit():
        try:
            operations.reset_password_by_link(token, form.new_password.data)
        except OperationError as exc:
            form_error(form, exc, default="new_password")
        else:
            session.pop(_RESET_TOKEN, None)
            flash(_(RESET_DONE), "success")
            return redirect(url_for("auth.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/reset.html", form=form), status
