"""Single sign-on's pages: the way to the provider and back, and the admin's group mapping."""

from flask import abort, current_app, flash, redirect, render_template, session, url_for
from flask_login import current_user

from tumorboard.auth import oidc, sso_operations
from tumorboard.auth.access import public, require_role
from tumorboard.auth.blueprint import bp
from tumorboard.auth.forms import GroupMappingForm
from tumorboard.auth.models import GroupMapping, SignInMethod
from tumorboard.auth.queries import boards_by_name, group_mappings
from tumorboard.auth.roles import Role
from tumorboard.auth.sessions import start_session
from tumorboard.errors import OperationError
from tumorboard.extensions import db
from tumorboard.forms import ActionForm, choices
from tumorboard.views_helpers import form_error


@bp.app_context_processor
def _single_sign_on():
    return {"single_sign_on": oidc.enabled}


def _refused(status: int, message: str):
    return render_template("auth/sso_refused.html", message=message, status=status), status


@bp.get("/login/oidc")
@public
def oidc_login():
    if not oidc.enabled():
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    try:
        return oidc.authorize_redirect()
    except oidc.SignInRefused as refused:
        return _refused(refused.status, refused.message)


@bp.get("/login/oidc/callback")
@public
def oidc_callback():
    if not oidc.enabled():
        abort(404)
    try:
        identity = oidc.complete_sign_in()
    except oidc.SignInRefused as refused:
        sso_operations.record_refused_answer(refused.reason)
        return _refused(refused.status, refused.message)
    result = sso_operations.sign_in_with_provider(
        identity, allow_signup=bool(current_app.config["OIDC_ALLOW_SIGNUP"])
    )
    if result.user is None:
        return _refused(403, result.message)
    start_session(result.user, SignInMethod.PROVIDER)
    oidc.remember_sign_in(session, identity)
    flash(f"Welcome, {result.user.name}.", "success")
    return redirect(url_for("main.dashboard"))


def _mapping_form(**kwargs) -> GroupMappingForm:
    form = GroupMappingForm(**kwargs)
    form.board.choices = choices([("", "No board (the role only)"), *boards_by_name()])
    return form


def _mapping_page(form: GroupMappingForm, status: int = 200):
    return (
        render_template(
            "admin/group_mappings.html",
            form=form,
            mappings=group_mappings(),
            remove_form=ActionForm(formdata=None),
            configured=oidc.enabled(),
            callback_url=oidc.callback_url(),
        ),
        status,
    )


@bp.get("/admin/sso/groups")
@require_role(Role.ADMIN)
def group_mapping():
    return _mapping_page(_mapping_form(formdata=None))


@bp.post("/admin/sso/groups")
@require_role(Role.ADMIN)
def add_group_mapping():
    form = _mapping_form()
    if form.validate_on_submit():
        try:
            sso_operations.add_group_mapping(
                current_user,
                group_name=form.group_name.data,
                role=form.role.data,
                board_id=int(form.board.data) if form.board.data else None,
            )
        except OperationError as exc:
            form_error(form, exc, default="group_name")
        else:
            flash("Group mapping added; it applies at each person's next single sign-on.", "success")
            return redirect(url_for("auth.group_mapping"))
    return _mapping_page(form, 422)


@bp.post("/admin/sso/groups/<id:mapping_id>/remove")
@require_role(Role.ADMIN)
def remove_group_mapping(mapping_id: int):
    mapping = db.get_or_404(GroupMapping, mapping_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    sso_operations.remove_group_mapping(current_user, mapping)
    flash("Group mapping removed; it applies at each person's next single sign-on.", "success")
    return redirect(url_for("auth.group_mapping"))
