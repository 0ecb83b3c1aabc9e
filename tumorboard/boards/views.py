"""Admin pages for boards; members are listed here and set on each user's page."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tumorboard import keyset
from tumorboard.auth.access import require_role
from tumorboard.auth.roles import Role
from tumorboard.boards import operations, queries
from tumorboard.boards.blueprint import bp
from tumorboard.boards.forms import BoardForm, EditBoardForm, MemberFunctionsForm
from tumorboard.boards.models import Board
from tumorboard.errors import OperationError
from tumorboard.extensions import db
from tumorboard.once import AlreadySaved, once
from tumorboard.views_helpers import form_error, form_page


@bp.get("/")
@require_role(Role.ADMIN)
def index():
    listing = keyset.listing(
        queries.board_list(),
        queries.BOARD_ORDER,
        sort="boards",
        jump_kind="initial",
    )
    return render_template(
        "boards/index.html", listing=listing, member_counts=queries.member_counts(listing.rows)
    )


@bp.route("/new", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def create():
    form = BoardForm()
    if form.validate_on_submit():
        try:
            board = once(
                current_user,
                form.once.data,
                lambda: operations.create_board(
                    current_user,
                    name=form.name.data,
                    description=form.description.data,
                    active=form.active.data,
                ),
            )
        except AlreadySaved as done:
            flash(done.message, "info")
            return redirect(url_for("boards.edit", board_id=done.entity_id))
        except OperationError as exc:
            form_error(form, exc, default="name")
        else:
            flash(
                _("Board “%(name)s” created. Add members from each user's page.", name=board.name), "success"
            )
            return redirect(url_for("boards.edit", board_id=board.id))
    return form_page("boards/new.html", form=form)


@bp.route("/<id:board_id>", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def edit(board_id: int):
    board = db.get_or_404(Board, board_id)
    form = EditBoardForm(obj=board if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            operations.update_board(
                current_user,
                board,
                expected_version=form.version.data,
                name=form.name.data,
                description=form.description.data,
                active=form.active.data,
            )
        except OperationError as exc:
            form_error(form, exc, default="name")
        else:
            flash(_("Board “%(name)s” saved.", name=board.name), "success")
            return redirect(url_for("boards.edit", board_id=board.id))
    members = keyset.listing(
        queries.members_of(board),
        queries.MEMBER_ORDER,
        sort=f"members-{board.id}",
        limit=current_app.config["PER_PAGE"] * 2,
    )
    return form_page(
        "boards/edit.html",
        board=board,
        form=form,
        members=members,
        member_count=queries.member_count(board),
        functions_form=MemberFunctionsForm(formdata=None),
    )


@bp.post("/<id:board_id>/members/<id:user_id>")
@require_role(Role.ADMIN)
def member_functions(board_id: int, user_id: int):
    board = db.get_or_404(Board, board_id)
    membership = queries.find_membership(board, user_id)
    if membership is None:
        abort(404)
    form = MemberFunctionsForm()
    if not form.validate_on_submit():
        abort(400)
    operations.set_member_functions(
        current_user, board, membership, is_coordinator=form.is_coordinator.data, is_chair=form.is_chair.data
    )
    flash(_("Coordinator and chair saved."), "success")
    return redirect(url_for("boards.edit", board_id=board.id))
