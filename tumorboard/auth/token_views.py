"""API tokens in the web UI: a user's personal access tokens on their account page, and the
administrator's service accounts for integrations (tumorboard.auth.tokens). A new token's secret is shown
once, on the page that answers the POST (never in a flash, which would put it in the session cookie)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tumorboard.auth import queries
from tumorboard.auth import token_operations as operations
from tumorboard.auth.access import require_login, require_role
from tumorboard.auth.blueprint import bp
from tumorboard.auth.forms import ServiceAccountForm, TokenForm
from tumorboard.auth.pages import account_page
from tumorboard.auth.roles import Role
from tumorboard.auth.tokens import ApiToken, ServiceAccount, user_tokens
from tumorboard.clinical.labels import N_
from tumorboard.errors import OperationError
from tumorboard.extensions import db
from tumorboard.forms import ActionForm, choices
from tumorboard.once import AlreadySaved, once
from tumorboard.views_helpers import form_error

SHOWN_ONCE = N_(
    "This form was sent twice: the token it made was shown once, on the first answer. If you did not copy "
    "it, revoke it below and make another."
)


def _token_data(form: TokenForm) -> dict:
    return {"name": form.name.data, "scope": form.scope.data, "lifetime": form.lifetime.data}


@bp.post("/account/tokens")
@require_login
def create_token():
    form = TokenForm()
    if form.validate_on_submit():
        made: dict = {}

        def create():
            made["token"], made["secret"] = operations.create_personal_token(
                current_user._get_current_object(), **_token_data(form)
            )
            return made["token"]

        try:
            once(current_user, form.once.data, create)
        except AlreadySaved:
            flash(_(SHOWN_ONCE), "warning")
            return redirect(url_for("auth.account", _anchor="tokens"))
        except OperationError as exc:
            form_error(form, exc, default="name")
        else:
            return account_page(new_secret=made["secret"], status=201)
    return account_page(token_form=form, status=422)


def _revoke(token: ApiToken) -> None:
    if not ActionForm().validate_on_submit():
        abort(400)
    if not token.can_revoke(current_user):
        abort(403)
    operations.revoke_token(current_user._get_current_object(), token)


@bp.post("/account/tokens/<id:token_id>/revoke")
@require_login
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    _revoke(token)
    flash(_("The token is revoked: it no longer works."), "success")
    return redirect(url_for("auth.account", _anchor="tokens"))


# Service accounts ------------------------------------------------------------------------------------


def _service_account(user_id: int) -> ServiceAccount:
    return db.get_or_404(ServiceAccount, user_id)


def _accounts_page(form: ServiceAccountForm | None = None, status: int = 200):
    if form is None:
        form = ServiceAccountForm(formdata=None)
    form.boards.choices = choices(queries.boards_by_name())
    return render_template(
        "admin/service_accounts.html", accounts=queries.service_accounts(), form=form
    ), status


@bp.get("/admin/service-accounts")
@require_role(Role.ADMIN)
def service_accounts():
    return _accounts_page()


@bp.post("/admin/service-accounts")
@require_role(Role.ADMIN)
def create_service_account():
    form = ServiceAccountForm()
    form.boards.choices = choices(queries.boards_by_name())
    if form.validate_on_submit():
        try:
            user = once(  # the account's user stands for it (what the form made, for a retried POST)
                current_user,
                form.once.data,
                lambda: (
                    operations.create_service_account(
                        current_user._get_current_object(),
                        name=form.name.data,
                        description=form.description.data,
                        board_ids=form.boards.data or [],
                    ).user
                ),
            )
        except AlreadySaved as saved:
            return redirect(url_for("auth.service_account", user_id=saved.entity_id))
        except OperationError as exc:
            form_error(form, exc, default="name")
        else:
            flash(_("Service account created. Now make its token."), "success")
            return redirect(url_for("auth.service_account", user_id=user.id))
    return _accounts_page(form, 422)


def _account_page(account: ServiceAccount, *, form=None, new_secret=None, status=200):
    return render_template(
        "admin/service_account.html",
        account=account,
        tokens=user_tokens(account.user),
        token_form=form or TokenForm(formdata=None),
        revoke_form=ActionForm(),
        new_secret=new_secret,
    ), status


@bp.get("/admin/service-accounts/<id:user_id>")
@require_role(Role.ADMIN)
def service_account(user_id: int):
    return _account_page(_service_account(user_id))


@bp.post("/admin/service-accounts/<id:user_id>/tokens")
@require_role(Role.ADMIN)
def create_service_token(user_id: int):
    account = _service_account(user_id)
    form = TokenForm()
    if form.validate_on_submit():
        made: dict = {}

        def create():
            made["token"], made["secret"] = operations.create_service_token(
                current_user._get_current_object(), account, **_token_data(form)
            )
            return made["token"]

        try:
            once(current_user, form.once.data, create)
        except AlreadySaved:
            flash(_(SHOWN_ONCE), "warning")
            return redirect(url_for("auth.service_account", user_id=account.user_id))
        except OperationError as exc:
            form_error(form, exc, default="name")
        else:
            return _account_page(account, new_secret=made["secret"], status=201)
    return _account_page(account, form=form, status=422)


@bp.post("/admin/service-accounts/<id:user_id>/tokens/<id:token_id>/revoke")
@require_role(Role.ADMIN)
def revoke_service_token(user_id: int, token_id: int):
    account = _service_account(user_id)
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != account.user_id:
        abort(404)
    _revoke(token)
    flash(_("The token is revoked: it no longer works."), "success")
    return redirect(url_for("auth.service_account", user_id=account.user_id))
