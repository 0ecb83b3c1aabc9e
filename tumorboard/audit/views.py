"""The admins' view of the audit log: filtered, in keyset pages, and a button to verify the chain."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from tumorboard import keyset
from tumorboard.audit import queries
from tumorboard.audit.blueprint import bp
from tumorboard.audit.forms import AuditFilterForm, VerifyChainForm
from tumorboard.audit.operations import verify_audit_chain
from tumorboard.auth.access import require_role
from tumorboard.auth.models import find_user_by_email
from tumorboard.auth.roles import Role


@bp.get("/")
@require_role(Role.ADMIN, Role.PRIVACY)
def index():
    form = AuditFilterForm(request.args)
    filters = None
    if form.validate():
        actor_id = None
        if form.actor.data:
            # an address without an account matches no event, as an account without events does:
            # the page says nothing else about it
            actor = find_user_by_email(form.actor.data)
            actor_id = actor.id if actor else -1
        filters = queries.AuditFilters(
            entity_type=form.entity_type.data,
            entity_id=form.entity_id.data,
            actor_id=actor_id,
            action=form.action.data,
            date_from=form.date_from.data,
            date_to=form.date_to.data,
        )
    listing = keyset.listing(
        queries.audit_events(filters),
        queries.ORDER,
        sort="audit",
        limit=current_app.config["PER_PAGE"] * 2,
        jump_kind="date",
    )
    return render_template(
        "audit/index.html",
        listing=listing,
        form=form,
        verify_form=VerifyChainForm() if current_user.is_admin else None,
    ), 200 if not form.errors else 422


@bp.post("/verify")
@require_role(Role.ADMIN)
def verify():
    form = VerifyChainForm()
    if not form.validate_on_submit():
        flash(_("The form has expired; try again."), "danger")
        return redirect(url_for("audit.index"))
    problems = verify_audit_chain(current_user)
    if problems:
        for problem in problems[:10]:
            flash(problem[:1].upper() + problem[1:], "danger")
        flash(
            ngettext(
                "The audit trail is broken: %(num)d problem(s) found.",
                "The audit trail is broken: %(num)d problem(s) found.",
                len(problems),
            ),
            "danger",
        )
    else:
        flash(_("The audit chain is intact, and every frozen document matches its recorded hash."), "success")
    return redirect(url_for("audit.index"))
