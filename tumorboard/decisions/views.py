"""Meeting mode (the agenda case by case, with the decision form beside the case), signing, amendments,
the version history, the letter, the FHIR export and the follow-up."""

import difflib

from flask import (
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from tumorboard.audit.access import log_access
from tumorboard.audit.models import AccessPage
from tumorboard.audit.recording import record
from tumorboard.auth import operations as auth_operations
from tumorboard.auth.access import require_login
from tumorboard.cases.charts import marker_trends
from tumorboard.cases.lookups import get_visible_case
from tumorboard.cases.summary import summarise
from tumorboard.decisions import documents, operations, queries
from tumorboard.decisions.blueprint import bp
from tumorboard.decisions.forms import AmendForm, DecisionForm, FollowUpForm, SignForm
from tumorboard.decisions.models import DECISION_FIELDS, Decision, DecisionStatus
from tumorboard.errors import OperationError, StaleEdit
from tumorboard.extensions import db
from tumorboard.forms import ActionForm
from tumorboard.meetings.lookups import get_visible_meeting
from tumorboard.meetings.models import AgendaItem
from tumorboard.meetings.queries import agenda_rows
from tumorboard.views_helpers import flash_form_errors, form_error, form_page


def get_visible_decision(decision_id: int) -> Decision:
    decision = db.session.get(Decision, decision_id)
    if decision is None or not decision.can_view(current_user):
        abort(404)
    return decision


def _fill_form(form: DecisionForm, decision: Decision) -> None:
    for name in DECISION_FIELDS:
        form[name].data = getattr(decision, name)
    # one empty row to add an item, unless the plan is full (the form holds at most MAX_PLAN_ITEMS rows)
    while len(form.items) < max(3, min(len(decision.items) + 1, operations.MAX_PLAN_ITEMS)):
        form.items.append_entry()
    for row, item in zip(form.items, decision.items, strict=False):
        row.form.treatment.data, row.form.detail.data = item.treatment, item.detail
        row.form.intent.data, row.form.responsible_specialty.data = item.intent, item.responsible_specialty
        row.form.target_date.data = item.target_date
    form.version.data = decision.version


@bp.get("/meetings/<id:meeting_id>/mode")
@require_login
def meeting_mode(meeting_id: int):
    """The meeting in progress, one case at a time: summary on the left, the decision on the right."""
    meeting = get_visible_meeting(meeting_id)
    rows = agenda_rows(meeting)
    if not rows:
        flash("The agenda is empty.", "info")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    wanted = request.args.get("item", type=int)
    index = next((n for n, row in enumerate(rows) if row.item.id == wanted), 0)
    row = rows[index]
    log_access(AccessPage.MEETING_MODE, cases=[r.case for r in rows])
    decision = operations.current_decision(row.item)
    form = DecisionForm(formdata=None)
    if decision is not None:
        _fill_form(form, decision)
    sign_form = SignForm(formdata=None, version=decision.version if decision else None)
    return render_template(
        "decisions/meeting_mode.html",
        meeting=meeting,
        rows=rows,
        index=index,
        row=row,
        case=row.case,
        decision=decision,
        doc=_signed_document(decision),
        form=form,
        sign_form=sign_form,
        warnings=operations.consistency_warnings(decision) if decision and not decision.is_signed else [],
        marker_trends=marker_trends(row.case.labs),
        previous=rows[index - 1].item if index > 0 else None,
        following=rows[index + 1].item if index + 1 < len(rows) else None,
        can_start=meeting.can_record_decisions(current_user) and not row.item.was_deferred,
    )


def _signed_document(decision: Decision | None):
    """What the screen shows of a signed version: its frozen document."""
    return documents.decision_document(decision) if decision is not None and decision.is_signed else None


def _mode_url(item: AgendaItem, anchor: str = "decision") -> str:
    return url_for("decisions.meeting_mode", meeting_id=item.meeting_id, item=item.id, _anchor=anchor)


@bp.post("/agenda/<id:item_id>/decision")
@require_login
def start(item_id: int):
    item = db.session.get(AgendaItem, item_id)
    if item is None or not item.meeting.can_view(current_user):
        abort(404)
    try:
        operations.start_decision(current_user, item)
    except OperationError as exc:
        flash(exc.message, "danger")
    return redirect(_mode_url(item))


SIGNED_MEANWHILE = (
    "This decision has been signed meanwhile: the signed version is shown. Change it with an amendment."
)


def _back_to(decision: Decision) -> str:
    """Where the decision is worked on: meeting mode for a first version, the amendment page otherwise."""
    if decision.number == 1:
        return _mode_url(decision.agenda_item)
    return url_for("decisions.edit", decision_id=decision.id)


def _error_messages(form: DecisionForm) -> list[str]:
    """One line per error; the plan's rows report theirs per row and field (FieldList errors are one dict
    per row, empty for a valid row)."""
    messages = []
    for name, errors in form.errors.items():
        for n, error in enumerate(errors if isinstance(errors, list) else [errors], start=1):
            if isinstance(error, dict):
                messages += [
                    f"Plan item {n}, {form.items[n - 1].form[field].label.text.lower()}: {text}"
                    for field, texts in error.items()
                    for text in texts
                ]
            else:
                messages.append(f"{form[name].label.text}: {error}")
    return messages


@bp.post("/decisions/<id:decision_id>")
@require_login
def save(decision_id: int):
    decision = get_visible_decision(decision_id)
    back = _back_to(decision)
    if decision.is_signed:
        flash(SIGNED_MEANWHILE, "info")
        return redirect(back)
    if not decision.can_edit(current_user):
        abort(403)
    form = DecisionForm()
    if not form.validate_on_submit():
        for message in _error_messages(form):
            flash(message, "danger")
        return redirect(back)
    try:
        operations.save_draft(
            current_user, decision, expected_version=form.version.data, data=form.data, items=form.plan_rows()
        )
    except OperationError as exc:
        flash(exc.message, "danger")
    else:
        flash("Draft saved.", "success")
    return redirect(back)


@bp.post("/decisions/<id:decision_id>/autosave")
@require_login
def autosave(decision_id: int):
    """The page saves the draft as people type; a stale version answers 409 with both texts."""
    decision = get_visible_decision(decision_id)
    if decision.is_signed:
        return jsonify(error="This decision has been signed meanwhile: reload the page."), 409
    if not decision.can_edit(current_user):
        abort(403)
    form = DecisionForm()
    if not form.validate_on_submit():
        return jsonify(error="Not saved: " + "; ".join(f"{k}" for k in form.errors)), 422
    mine = form.recommendation.data or ""
    try:
        operations.save_draft(
            current_user, decision, expected_version=form.version.data, data=form.data, items=form.plan_rows()
        )
    except StaleEdit:
        db.session.rollback()
        theirs = db.session.get(Decision, decision_id)
        if theirs is None:  # a decision is never deleted
            abort(404)
        return jsonify(
            error="Someone else saved this decision meanwhile. Both texts are shown: merge them, then save.",
            theirs={
                "recommendation": theirs.recommendation,
                "rationale": theirs.rationale,
                "version": theirs.version,
            },
            yours={"recommendation": mine, "rationale": form.rationale.data or ""},
        ), 409
    except OperationError as exc:
        db.session.rollback()
        return jsonify(error=exc.message), 422
    db.session.flush()
    return jsonify(version=decision.version, saved_at=decision.updated_at.isoformat())


@bp.post("/decisions/<id:decision_id>/sign")
@require_login
def sign(decision_id: int):
    decision = get_visible_decision(decision_id)
    back = _back_to(decision)
    if decision.is_signed:
        flash(SIGNED_MEANWHILE, "info")
        return redirect(back)
    if not decision.can_sign(current_user):
        abort(403)
    form = SignForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(back)
    try:
        warnings = operations.sign_decision(
            current_user,
            decision,
            expected_version=form.version.data,
            password=form.password.data,
            override_reason=form.override_reason.data,
        )
    except OperationError as exc:
        if exc.field == "password":
            auth_operations.record_wrong_password(current_user._get_current_object(), "signing a decision")
        flash(exc.message, "danger")
        return redirect(back)
    flash(
        "Decision signed" + (f", with {len(warnings)} warning(s) and your reason." if warnings else "."),
        "success",
    )
    return redirect(back if decision.number == 1 else url_for("decisions.history", case_id=decision.case_id))


@bp.post("/decisions/<id:decision_id>/amend")
@require_login
def amend(decision_id: int):
    decision = get_visible_decision(decision_id)
    form = AmendForm()
    if not form.validate_on_submit():
        flash("Say why the decision changes.", "danger")
        return redirect(url_for("decisions.history", case_id=decision.case_id))
    try:
        amendment = operations.amend_decision(current_user, decision, reason=form.reason.data)
    except operations.AmendmentPending as exc:
        flash(exc.message, "info")
        return redirect(url_for("decisions.edit", decision_id=exc.amendment.id))
    except OperationError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("decisions.history", case_id=decision.case_id))
    flash("Amendment started: change what needs changing, then the chair signs it.", "success")
    return redirect(url_for("decisions.edit", decision_id=amendment.id))


@bp.get("/decisions/<id:decision_id>/edit")
@require_login
def edit(decision_id: int):
    """An amendment's draft, outside the meeting."""
    decision = get_visible_decision(decision_id)
    log_access(AccessPage.DECISION_EDIT, cases=[decision.case])
    form = DecisionForm(formdata=None)
    _fill_form(form, decision)
    return render_template(
        "decisions/edit.html",
        decision=decision,
        doc=_signed_document(decision),
        case=decision.case,
        form=form,
        sign_form=SignForm(formdata=None, version=decision.version),
        warnings=[] if decision.is_signed else operations.consistency_warnings(decision),
        summary=summarise(decision.case),
    )


def _text_diff(before: str, after: str) -> list[tuple[str, str]]:
    """Word-level differences as (kind, text) pairs: "same", "removed" or "added"."""
    a, b = before.split(), after.split()
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(("same", " ".join(a[i1:i2])))
        else:
            if i2 > i1:
                parts.append(("removed", " ".join(a[i1:i2])))
            if j2 > j1:
                parts.append(("added", " ".join(b[j1:j2])))
    return parts


@bp.get("/cases/<id:case_id>/decisions")
@require_login
def history(case_id: int):
    case = get_visible_case(case_id)
    log_access(AccessPage.DECISIONS, cases=[case])
    decisions = queries.case_decisions(case)
    differences: dict[int, dict[str, list[tuple[str, str]] | list[str]]] = {}
    for decision in decisions:
        previous = decision.supersedes
        if previous is not None:
            differences[decision.id] = {
                name: _text_diff(getattr(previous, name) or "", getattr(decision, name) or "")
                for name in ("recommendation", "rationale", "dissent", "preference_weighing")
                if (getattr(previous, name) or "") != (getattr(decision, name) or "")
            }
            lines = difflib.unified_diff(
                operations.plan_lines(previous), operations.plan_lines(decision), lineterm="", n=0
            )
            differences[decision.id]["plan"] = [
                line for line in lines if line[:1] in "+-" and line[:3] not in ("---", "+++")
            ]
    return render_template(
        "decisions/history.html",
        case=case,
        decisions=decisions,
        docs={d.id: documents.decision_document(d) for d in decisions if d.is_signed},
        differences=differences,
        amend_form=AmendForm(formdata=None),
    )


def _file_name(decision: Decision) -> str:
    return f"decision-case-{decision.case_id}-v{decision.number}"


def _signed(decision_id: int) -> Decision:
    decision = get_visible_decision(decision_id)
    if decision.status == DecisionStatus.DRAFT.value:
        abort(404)
    return decision


@bp.get("/decisions/<id:decision_id>/letter")
@require_login
def letter(decision_id: int):
    decision = _signed(decision_id)
    log_access(AccessPage.LETTER, cases=[decision.case])
    record("decision.letter_viewed", actor=current_user, entity=decision, details={"format": "html"})
    return render_template(
        "decisions/letter.html", doc=documents.decision_document(decision), decision=decision
    )


@bp.get("/decisions/<id:decision_id>/letter.pdf")
@require_login
def letter_pdf(decision_id: int):
    decision = _signed(decision_id)
    log_access(AccessPage.LETTER_PDF, cases=[decision.case])
    pdf = documents.letter_pdf(decision)
    record("decision.letter_downloaded", actor=current_user, entity=decision, details={"format": "pdf"})
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{_file_name(decision)}.pdf"'},
    )


@bp.get("/decisions/<id:decision_id>/fhir.json")
@require_login
def fhir(decision_id: int):
    decision = _signed(decision_id)
    log_access(AccessPage.FHIR, cases=[decision.case])
    record("decision.fhir_exported", actor=current_user, entity=decision)
    return Response(
        documents.fhir_json(decision),
        mimetype="application/fhir+json",
        headers={"Content-Disposition": f'attachment; filename="{_file_name(decision)}.fhir.json"'},
    )


@bp.route("/decisions/<id:decision_id>/follow-up", methods=["GET", "POST"])
@require_login
def follow_up(decision_id: int):
    decision = _signed(decision_id)
    log_access(AccessPage.FOLLOW_UP, cases=[decision.case])
    allowed = decision.can_record_follow_up(current_user)
    form = FollowUpForm()
    if request.method == "GET" and decision.follow_up is not None:
        existing = decision.follow_up
        form.status.data, form.reason.data, form.reason_text.data = (
            existing.status,
            existing.reason,
            existing.reason_text,
        )
        form.started_on.data, form.completed_on.data, form.version.data = (
            existing.started_on,
            existing.completed_on,
            str(existing.version),
        )
    if request.method == "POST":
        if not allowed:
            abort(403)
        if form.validate_on_submit():
            try:
                operations.record_follow_up(
                    current_user,
                    decision,
                    expected_version=form.expected_version(),
                    status=form.status.data,
                    reason=form.reason.data,
                    reason_text=form.reason_text.data,
                    started_on=form.started_on.data,
                    completed_on=form.completed_on.data,
                )
            except OperationError as exc:
                form_error(form, exc, default="status")
            else:
                flash("Follow-up recorded.", "success")
                return redirect(url_for("cases.detail", case_id=decision.case_id))
    return form_page(
        "decisions/follow_up.html",
        decision=decision,
        doc=documents.decision_document(decision),
        form=form,
        allowed=allowed,
    )


@bp.post("/decisions/<id:decision_id>/present-again")
@require_login
def present_again(decision_id: int):
    decision = _signed(decision_id)
    if decision.case.submitter_id != current_user.id:
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        operations.present_case_again(current_user, decision)
    except OperationError as exc:
        flash(exc.message, "danger")
    else:
        flash("The case is back in the board's pool; update its findings and question.", "success")
    return redirect(url_for("cases.detail", case_id=decision.case_id))
