"""The admin's user management: list, create, edit roles, specialty and boards, disable, reset password."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tumorboard import keyset
from tumorboard.auth import operations, queries
from tumorboard.auth.access import require_role
from tumorboard.auth.blueprint import bp
from tumorboard.auth.forms import CreateUserForm, ResetPasswordForm, UserForm, VersionedActionForm
from tumorboard.auth.models import User
from tumorboard.auth.roles import Role
from tumorboard.errors import OperationError
from tumorboard.extensions import db
from tumorboard.forms import choices
from tumorboard.once import AlreadySaved, once
from tumorboard.views_helpers import (
    flash_form_errors,
    form_error,
    form_page,
    query_id,
    query_text,
)


def _board_choices():
    return choices(queries.boards_by_name())


def _get_user(user_id: int) -> User:
    return db.get_or_404(User, user_id)


@bp.get("/admin/users")
@require_role(Role.ADMIN)
def users():
    q = query_text("q")
    role = request.args.get("role", "")
    status = request.args.get("status", "active")
    board_id = query_id("board")
    listing = keyset.listing(
        queries.user_list(text=q, role=role, status=status, board_id=board_id),
        queries.USER_ORDER,
        sort="users",
        jump_kind="initial",
    )
    return render_template(
        "admin/users.html",
        listing=listing,
        filters={"q": q, "role": role, "status": status, "board": board_id},
        roles=list(Role),
        boards=queries.boards_by_name(),
    )


@bp.route("/admin/users/new", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def create_user():
    form = CreateUserForm()
    form.boards.choices = _board_choices()
    if form.validate_on_submit():
        try:
            user = once(
                current_user,
                form.once.data,
                lambda: operations.create_user(
                    current_user,
                    email=form.email.data,
                    name=form.name.data,
                    specialty=form.specialty.data,
                    roles=form.roles.data,
                    board_ids=form.boards.data,
                    password=form.new_password.data,
                ),
            )
        except AlreadySaved as done:
            flash(done.message, "info")
            return redirect(url_for("auth.edit_user", user_id=done.entity_id))
        except OperationError as exc:
            form_error(form, exc, default="email")
        else:
            flash(
                _(
                    "Account for %(name)s created. They choose their own password at first sign-in.",
                    name=user.name,
                ),
                "success",
            )
            return redirect(url_for("auth.edit_user", user_id=user.id))
    return form_page("admin/user_new.html", form=form)


@bp.route("/admin/users/<id:user_id>", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def edit_user(user_id: int):
    user = _get_user(user_id)
    form = UserForm(obj=user if request.method == "GET" else None)
    form.boards.choices = _board_choices()
    if request.method == "GET":
        form.roles.data = sorted(r.value for r in user.roles)
        form.boards.data = sorted(user.board_ids)
    if form.validate_on_submit():
        try:
            operations.update_user(
                current_user,
                user,
                expected_version=form.version.data,
                email=form.email.data,
                name=form.name.data,
                specialty=form.specialty.data,
                roles=form.roles.data,
                board_ids=form.boards.data,
            )
        except OperationError as exc:
            form_error(form, exc, default="email")
        else:
            flash(_("Account of %(name)s saved.", name=user.name), "success")
            return redirect(url_for("auth.edit_user", user_id=user.id))
    return form_page(
        "admin/user_edit.html",
        user=user,
        form=form,
        action_form=VersionedActionForm(formdata=None, version=user.version),
        reset_form=ResetPasswordForm(formdata=None, version=user.version),
        active_sessions=queries.active_session_count(
            user,
            idle=current_app.config["SESSION_IDLE_TIMEOUT"],
            lifetime=current_app.config["PERMANENT_SESSION_LIFETIME"],
        ),
    )


@bp.post("/admin/users/<id:user_id>/active")
@require_role(Role.ADMIN)
def set_active(user_id: int):
    user = _get_user(user_id)
    form = VersionedActionForm()
    wanted = request.form.get("active")
    if wanted not in ("0", "1") or not form.validate_on_submit():
        abort(400)
    try:
        operations.set_user_active(
            current_user, user, active=wanted == "1", expected_version=form.version.data
        )
    except OperationError as exc:
        flash(exc.message, "danger")
    else:
        message = _("Account of %(name)s enabled.") if user.active else _("Account of %(name)s disabled.")
        flash(message % {"name": user.name}, "success")
    return redirect(url_for("auth.edit_user", user_id=user.id))


@bp.post("/admin/users/<id:user_id>/password")
@require_role(Role.ADMIN)
def reset_password(user_id: int):
    user = _get_user(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            operations.reset_password(
                current_user, user, new_password=form.new_password.data, expected_version=form.version.data
            )
        except OperationError as exc:
            flash(exc.message, "danger")
        else:
            flash(
                _("Temporary password set; %(name)s must change it at the next sign-in.", name=user.name),
                "success",
            )
        return redirect(url_for("auth.edit_user", user_id=user.id))
    flash_form_errors(form)
    return redirect(url_for("auth.edit_user", user_id=user.id))
