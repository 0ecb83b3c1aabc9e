"""The coordinator's work list of unmatched laboratory results, and the admin's HL7 message log."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from tumorboard import keyset
from tumorboard.audit.access import log_access
from tumorboard.audit.models import AccessPage
from tumorboard.auth.access import require_role
from tumorboard.auth.roles import Role
from tumorboard.errors import OperationError
from tumorboard.hl7 import operations, queries
from tumorboard.hl7.blueprint import bp
from tumorboard.hl7.forms import DismissForm, MatchForm
from tumorboard.hl7.models import UnmatchedResult, UnmatchedStatus
from tumorboard.views_helpers import form_error

STATUSES = {status.value: status for status in UnmatchedStatus}


@bp.get("/results/unmatched")
@require_role(Role.COORDINATOR)
def unmatched():
    status = STATUSES.get(request.args.get("status", ""), UnmatchedStatus.OPEN)
    listing = keyset.listing(
        queries.unmatched_results(current_user, status),
        queries.UNMATCHED_ORDER,
        sort=f"unmatched-{status.value}",
        jump_kind="date",
    )
    log_access(
        AccessPage.UNMATCHED_RESULTS,
        patients=[i.patient for i in listing.rows if i.patient],
        held_results=[i.id for i in listing.rows if i.patient is None],
    )
    return render_template(
        "hl7/unmatched.html", listing=listing, status=status, statuses=list(UnmatchedStatus)
    )


def _item(item_id: int) -> UnmatchedResult:
    item = queries.unmatched_result(item_id)
    if item is None or not item.can_view(current_user):
        abort(404)
    return item


def _item_page(item: UnmatchedResult, *, match_form=None, dismiss_form=None, status: int = 200):
    match_form = match_form or MatchForm(
        formdata=None, analyte=item.analyte.value if item.analyte else "", version=item.version
    )
    dismiss_form = dismiss_form or DismissForm(formdata=None, version=item.version)
    if item.patient is not None:
        log_access(AccessPage.UNMATCHED_RESULTS, patients=[item.patient])
    else:
        log_access(AccessPage.UNMATCHED_RESULTS, held_results=[item.id])
    return (
        render_template(
            "hl7/unmatched_item.html",
            item=item,
            match_form=match_form,
            dismiss_form=dismiss_form,
            can_resolve=item.can_resolve(current_user),
        ),
        status,
    )


@bp.get("/results/unmatched/<id:item_id>")
@require_role(Role.COORDINATOR)
def unmatched_item(item_id: int):
    return _item_page(_item(item_id))


@bp.post("/results/unmatched/<id:item_id>/match")
@require_role(Role.COORDINATOR)
def match(item_id: int):
    item = _item(item_id)
    if not item.can_resolve(current_user):
        abort(403)
    form = MatchForm()
    if form.validate_on_submit():
        try:
            cases = operations.match_result(
                current_user,
                item,
                expected_version=form.version.data,
                data={"mrn": form.mrn.data, "analyte": form.analyte.data},
            )
        except OperationError as exc:
            form_error(form, exc, default="mrn")
        else:
            flash(
                ngettext(
                    "The result was filed on %(num)d case(s).",
                    "The result was filed on %(num)d case(s).",
                    len(cases),
                ),
                "success",
            )
            return redirect(url_for("hl7.unmatched"))
    return _item_page(item, match_form=form, status=422)


@bp.post("/results/unmatched/<id:item_id>/dismiss")
@require_role(Role.COORDINATOR)
def dismiss(item_id: int):
    item = _item(item_id)
    if not item.can_resolve(current_user):
        abort(403)
    form = DismissForm()
    if form.validate_on_submit():
        try:
            operations.dismiss_result(
                current_user, item, expected_version=form.version.data, reason=form.reason.data
            )
        except OperationError as exc:
            form_error(form, exc, default="reason")
        else:
            flash(_("The result was dismissed."), "success")
            return redirect(url_for("hl7.unmatched"))
    return _item_page(item, dismiss_form=form, status=422)


@bp.get("/admin/hl7/messages")
@require_role(Role.ADMIN)
def messages():
    listing = keyset.listing(
        queries.message_log(),
        queries.MESSAGE_ORDER,
        sort="hl7-messages",
        jump_kind="date",
    )
    return render_template("hl7/messages.html", listing=listing)
