"""The second factor's pages: the sign-in's second step, enrolment and recovery codes under the
account, and the admin's reset (auth.second_factor has the operations)."""

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tumorboard.auth import second_factor, totp
from tumorboard.auth.access import public, require_login, require_role
from tumorboard.auth.blueprint import bp
from tumorboard.auth.forms import EnrolForm, RenewRecoveryCodesForm, SecondStepForm, VersionedActionForm
from tumorboard.auth.models import SignInMethod, User
from tumorboard.auth.roles import Role
from tumorboard.auth.sessions import end_second_step, second_step_user, start_session
from tumorboard.clinical.labels import N_
from tumorboard.errors import OperationError
from tumorboard.extensions import db
from tumorboard.views_helpers import form_error

STEP_EXPIRED = N_("Sign in again: the code must follow the password within five minutes.")
# The secret being set up, until a code confirms it: encrypted, in the signed session cookie only.
_PENDING_SECRET = "second_factor_pending"  # noqa: S105 (a session key, not a secret)


@bp.route("/login/code", methods=["GET", "POST"])
@public
def second_step():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    user, next_path = second_step_user()
    if user is None or not user.has_second_factor:
        end_second_step()
        flash(_(STEP_EXPIRED), "info")
        return redirect(url_for("auth.login"))
    form = SecondStepForm()
    if form.validate_on_submit():
        try:
            second_factor.pass_second_step(user, form.code.data)
        except second_factor.CodeThrottled as exc:
            # answered here, not by abort(429), whose handler would roll the audit row back
            second_factor.record_wrong_code(user, "sign-in (throttled)")
            return render_template("errors/error.html", status=429, message=exc.message), 429
        except OperationError as exc:
            second_factor.record_wrong_code(user, "sign-in")
            form_error(form, exc, default="code")
        else:
            start_session(user, SignInMethod.PASSWORD_AND_CODE)
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(next_path or url_for("main.dashboard"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/second_step.html", form=form), status


def _pending_secret() -> str:
    """The secret shown on the enrolment page: the same one on every reload until it is confirmed."""
    stored = session.get(_PENDING_SECRET)
    secret = totp.decrypt_secret(stored) if isinstance(stored, str) else None
    if secret is None:
        secret = totp.new_secret()
        session[_PENDING_SECRET] = totp.encrypt_secret(secret)
    return secret


def _enrol_page(form: EnrolForm, status: int = 200):
    user = current_user._get_current_object()
    secret = _pending_secret()
    return render_template(
        "auth/second_factor.html",
        form=form,
        qr=totp.qr_svg(totp.provisioning_uri(secret, user.email)),
        secret=totp.grouped(secret),
        required=second_factor.needs_second_factor(user),
    ), status


def _status_page(form: RenewRecoveryCodesForm, status: int = 200, codes: list[str] | None = None):
    user = current_user._get_current_object()
    return render_template(
        "auth/second_factor.html",
        renew_form=form,
        codes=codes,
        unused=second_factor.unused_recovery_codes(user),
    ), status


@bp.route("/account/second-factor", methods=["GET", "POST"])
@require_login
def second_factor_page():
    user = current_user._get_current_object()
    if user.has_second_factor:
        if request.method == "POST":
            abort(400)
        return _status_page(RenewRecoveryCodesForm(formdata=None))
    if not user.has_local_password:  # the provider asks its own factors: nothing to set up here
        status = 422 if request.method == "POST" else 200
        page = render_template("auth/second_factor.html", provider_only=_(second_factor.PROVIDER_FACTORS))
        return page, status
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.enrol(user, secret=_pending_secret(), code=form.code.data)
        except OperationError as exc:
            form_error(form, exc, default="code")
        else:
            session.pop(_PENDING_SECRET, None)
            flash(_("Your second factor is on: sign-in and signing a decision ask for a code."), "success")
            return _status_page(RenewRecoveryCodesForm(formdata=None), codes=codes)
    return _enrol_page(form, status=422 if request.method == "POST" else 200)


@bp.post("/account/second-factor/recovery-codes")
@require_login
def renew_recovery_codes():
    user = current_user._get_current_object()
    if not user.has_second_factor:
        return redirect(url_for("auth.second_factor_page"))
    form = RenewRecoveryCodesForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.renew_recovery_codes(user, form.code.data)
        except OperationError as exc:
            second_factor.record_wrong_code(user, "new recovery codes")
            form_error(form, exc, default="code")
        else:
            flash(_("New recovery codes: the old ones no longer work."), "success")
            return _status_page(RenewRecoveryCodesForm(formdata=None), codes=codes)
    return _status_page(form, status=422)


@bp.post("/admin/users/<id:user_id>/second-factor")
@require_role(Role.ADMIN)
def reset_second_factor(user_id: int):
    user = db.get_or_404(User, user_id)
    form = VersionedActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        second_factor.reset_second_factor(current_user, user, expected_version=form.version.data)
    except OperationError as exc:
        flash(exc.message, "danger")
    else:
        flash(
            _("The second factor of %(name)s is removed; their sessions have ended.", name=user.name),
            "success",
        )
    return redirect(url_for("auth.edit_user", user_id=user.id))
