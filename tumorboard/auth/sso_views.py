"""Single sign-on's pages: the way to the provider and back, and the admin's group mapping."""

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tumorboard.auth import oidc, sso_operations, step_up
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
from tumorboard.views_helpers import form_error, is_local_path, safe_next

# Where the person was going when they chose the provider: a local path only, kept in the signed session
# across the round trip (start_session clears the session, so it is read before).
_NEXT = "oidc_next"


@bp.app_context_processor
def _single_sign_on():
    return {"single_sign_on": oidc.enabled}


def _refused(status: int, message: str):
    return render_template("auth/sso_refused.html", message=_(message), status=status), status


@bp.get("/login/oidc")
@public
def oidc_login():
    if not oidc.enabled():
        abort(404)
    target = request.args.get("next")
    if current_user.is_authenticated:
        return redirect(safe_next(target))
    if is_local_path(target):
        session[_NEXT] = target
    else:
        session.pop(_NEXT, None)
    try:
        return oidc.authorize_redirect()
    except oidc.SignInRefused as refused:
        return _refused(refused.status, refused.message)


def _step_up_refused(refused: step_up.StepUpRefused):
    return (
        render_template(
            "auth/step_up_refused.html", message=_(refused.message), return_to=safe_next(refused.return_to)
        ),
        refused.status,
    )


def _step_up_callback():
    """The provider sent back a signed-in user who went there to confirm an act (auth.step_up): the
    proof is kept and they return to their page, or a clear refusal; never a sign-in of anybody else."""
    user = current_user._get_current_object()
    try:
        step_up.complete(session, user)
    except step_up.StepUpRefused as refused:
        sso_operations.record_failed_step_up(user, refused.reason)
        return _step_up_refused(refused)
    flash(_("Confirmed at the hospital's sign-in service: sign now."), "success")
    return redirect(safe_next(step_up.kept_return_to(session, user)))


@bp.get("/login/oidc/callback")
@public
def oidc_callback():
    if not oidc.enabled():
        abort(404)
    if current_user.is_authenticated and step_up.pending(session, current_user):
        return _step_up_callback()
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
    target = safe_next(session.pop(_NEXT, None))
    start_session(result.user, SignInMethod.PROVIDER)
    oidc.remember_sign_in(session, identity)
    flash(_("Welcome, %(name)s.", name=result.user.name), "success")
    return redirect(target)


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
            flash(_("Group mapping added; it applies at each person's next single sign-on."), "success")
            return redirect(url_for("auth.group_mapping"))
    return _mapping_page(form, 422)


@bp.post("/admin/sso/groups/<id:mapping_id>/remove")
@require_role(Role.ADMIN)
def remove_group_mapping(mapping_id: int):
    mapping = db.get_or_404(GroupMapping, mapping_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    sso_operations.remove_group_mapping(current_user, mapping)
    flash(_("Group mapping removed; it applies at each person's next single sign-on."), "success")
    return redirect(url_for("auth.group_mapping"))
