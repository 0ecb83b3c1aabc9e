"""Meeting mode (the agenda case by case, with the decision form beside the case), signing, amendments,
the version history, the letter, the FHIR export and the follow-up."""

import difflib
from datetime import UTC, date, datetime
from enum import StrEnum

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from tumorboard.audit.access import log_access
from tumorboard.audit.models import AccessPage
from tumorboard.audit.recording import record
from tumorboard.auth import oidc, step_up
from tumorboard.auth import operations as auth_operations
from tumorboard.auth.access import require_login
from tumorboard.auth.second_factor import record_wrong_code
from tumorboard.cases.charts import marker_trends
from tumorboard.cases.hooks import CaseSection, case_section
from tumorboard.cases.lookups import get_visible_case
from tumorboard.cases.summary import summarise
from tumorboard.clinical.vocabularies import EcogPerformanceStatus
from tumorboard.decisions import documents, operations, queries
from tumorboard.decisions.blueprint import bp
from tumorboard.decisions.fields import DecisionFields
from tumorboard.decisions.forms import (
    AmendForm,
    DecisionForm,
    FollowUpForm,
    LetterLanguageForm,
    ProviderSignForm,
    SignForm,
)
from tumorboard.decisions.models import DECISION_FIELDS, Decision, DecisionStatus
from tumorboard.errors import OperationError, StaleEdit
from tumorboard.extensions import db
from tumorboard.forms import ActionForm
from tumorboard.i18n import Language, in_sentence
from tumorboard.meetings.lookups import get_visible_meeting
from tumorboard.meetings.models import AgendaItem
from tumorboard.meetings.queries import agenda_rows
from tumorboard.timezones import format_date, to_local
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
    if not meeting.items:  # the items alone: their rows (each case summarised) are made once, below
        flash(_("The agenda is empty."), "info")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return _meeting_mode_page(meeting, request.args.get("item", type=int))


def _meeting_mode_page(
    meeting,
    wanted: int | None,
    *,
    form: DecisionForm | None = None,
    sign_form: SignForm | ProviderSignForm | None = None,
    conflict: dict | None = None,
    status: int = 200,
):
    """Meeting mode at one agenda item; `form` and `sign_form` are what the user posted when the page
    comes back with a refusal or a conflict, so that nothing typed is lost."""
    rows = agenda_rows(meeting)
    index = next((n for n, row in enumerate(rows) if row.item.id == wanted), 0)
    row = rows[index]
    log_access(AccessPage.MEETING_MODE, cases=[r.case for r in rows])
    decision = operations.current_decision(row.item)
    form, sign_form = _forms_for(decision, form, sign_form)
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
        provider_sign=_provider_sign(decision, sign_form),
        conflict=conflict,
        plan_errors=_plan_errors(form),
        warnings=operations.consistency_warnings(decision) if decision and not decision.is_signed else [],
        marker_trends=marker_trends(row.case.labs),
        meeting_day=to_local(meeting.starts_at).date(),
        ecog_label=EcogPerformanceStatus(str(row.case.ecog)).label if row.case.ecog is not None else None,
        previous=rows[index - 1].item if index > 0 else None,
        following=rows[index + 1].item if index + 1 < len(rows) else None,
        can_start=meeting.can_record_decisions(current_user) and not row.item.was_deferred,
    ), status


def _forms_for(
    decision: Decision | None, form: DecisionForm | None, sign_form: SignForm | ProviderSignForm | None
) -> tuple[DecisionForm, SignForm | ProviderSignForm]:
    if form is None:
        form = DecisionForm(formdata=None)
        if decision is not None:
            _fill_form(form, decision)
    if sign_form is None:
        sign_form = SignForm(formdata=None, version=decision.version if decision else None)
    return form, sign_form


def _provider_sign(decision: Decision | None, sign_form) -> dict:
    """How the sign card confirms the chair: for a session the hospital's provider opened, a button that
    goes there (`offered`), and once it has confirmed them for this decision, "Sign now" while the proof
    is valid (`proof`, `until`); the override reason typed before going there comes back into the form."""
    user = current_user._get_current_object()
    if decision is None or not current_user.is_authenticated or not step_up.offered(session, user):
        return {"offered": False}
    purpose = operations.signing_purpose(decision)
    proof = step_up.proof_for(session, user, purpose)
    if proof is not None and not sign_form.override_reason.data:
        sign_form.override_reason.data = step_up.kept(session, user, purpose).get("override_reason", "")
    return {
        "offered": True,
        "name": current_app.config["OIDC_PROVIDER_NAME"],
        "proof": proof,
        "confirmed_at": proof and datetime.fromtimestamp(proof.auth_time, UTC),
        "until": proof and datetime.fromtimestamp(step_up.valid_until(proof), UTC),
    }


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


def _work_page(decision: Decision, **context):
    """The page the decision is worked on, drawn again with what the user posted (a refusal, 422, or a
    conflict, 409): meeting mode for a first version, the amendment page otherwise."""
    if decision.number == 1:
        return _meeting_mode_page(decision.meeting, decision.agenda_item_id, **context)
    return _edit_page(decision, **context)


def _plan_errors(form: DecisionForm) -> list[str]:
    """The plan's errors as sentences: a row's field errors name the row (FieldList errors are one dict
    per invalid row), an operation's refusal of the plan is a plain message."""
    messages = []
    for n, error in enumerate(form.items.errors, start=1):
        if isinstance(error, dict):
            messages += [
                _(
                    "Plan item %(position)d, %(field)s: %(problem)s",
                    position=n,
                    field=in_sentence(str(form.items[n - 1].form[field].label.text)),
                    problem=text,
                )
                for field, texts in error.items()
                for text in texts
            ]
        else:
            messages.append(str(error))
    return messages


def _refusal(form: DecisionForm, sign_form: SignForm | ProviderSignForm | None, exc: OperationError) -> None:
    """An operation's refusal, shown beside the field it is about, on whichever form holds it."""
    if isinstance(sign_form, ProviderSignForm) and exc.field in ("password", "code", "step_up"):
        flash(exc.message, "danger")  # confirmed at the provider: no password field to show it beside
    elif sign_form is not None and exc.field in ("password", "code", "override_reason", "step_up"):
        form_error(sign_form, exc, default="password")
    elif exc.field == "items":
        form.items.errors = [*form.items.errors, exc.message]
    else:
        form_error(form, exc, default="recommendation")


def _shown(value, like=None) -> str:
    """A field's value as the page shows it, so that a stored value and a posted one compare as a person
    reads them: a vocabulary by its label, yes/no, a date in the hospital's format."""
    if isinstance(like, StrEnum) and value not in (None, ""):
        try:
            value = type(like)(value)
        except ValueError:
            return str(value)
    if isinstance(value, StrEnum):
        return str(getattr(value, "label", value.value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return format_date(value)
    return "" if value is None else str(value)


def _conflict(decision_id: int, form: DecisionForm) -> dict:
    """Someone else saved first: their version beside the user's own text, field by field, and the plan.
    The form keeps the user's text and takes their version number, so that saving again applies it."""
    db.session.rollback()
    theirs = db.session.get(Decision, decision_id)
    if theirs is None:  # a decision is never deleted
        abort(404)
    pairs = {
        name: (_shown(getattr(theirs, name)), _shown(form[name].data, like=getattr(theirs, name)))
        for name in DECISION_FIELDS  # every field the board decides
    }
    fields = [
        {"name": name, "label": form[name].label.text, "theirs": theirs_text, "yours": yours_text}
        for name, (theirs_text, yours_text) in pairs.items()
        if theirs_text != yours_text
    ]
    theirs_plan = operations.plan_lines(theirs)
    yours_plan = operations.plan_lines_of(form.plan_rows())
    form.version.data = theirs.version
    return {
        "same": not fields and theirs_plan == yours_plan,  # the stored draft is what was posted
        "fields": fields,
        "plan": {"theirs": theirs_plan, "yours": yours_plan} if theirs_plan != yours_plan else None,
        "version": theirs.version,
        "saved_at": theirs.updated_at,
        "reload_url": _back_to(theirs),
    }


CONFLICT_MESSAGE = (
    "Someone else saved this decision meanwhile. Your text is still in the form; theirs is shown beside it. "
    "Save to keep yours (it replaces theirs), or reload the page to take theirs."
)


@bp.post("/decisions/<id:decision_id>")
@require_login
def save(decision_id: int):
    decision = get_visible_decision(decision_id)
    if decision.is_signed:
        flash(SIGNED_MEANWHILE, "info")
        return redirect(_back_to(decision))
    if not decision.can_edit(current_user):
        abort(403)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _work_page(decision, form=form, status=422)
    try:
        operations.save_draft(
            current_user, decision, expected_version=form.version.data, data=form.data, items=form.plan_rows()
        )
    except StaleEdit:
        conflict = _conflict(decision_id, form)
        if not conflict["same"]:
            return _work_page(decision, form=form, conflict=conflict, status=409)
        # sent twice (a double click, a retry): the first one saved exactly this
    except OperationError as exc:
        _refusal(form, None, exc)
        return _work_page(decision, form=form, status=422)
    flash(_("Draft saved."), "success")
    return redirect(_back_to(decision))


@bp.post("/decisions/<id:decision_id>/autosave")
@require_login
def autosave(decision_id: int):
    """The page saves the draft as people type; a stale version answers 409 with both texts."""
    decision = get_visible_decision(decision_id)
    if decision.is_signed:
        return jsonify(error=_("This decision has been signed meanwhile: reload the page.")), 409
    if not decision.can_edit(current_user):
        abort(403)
    form = DecisionForm()
    if not form.validate_on_submit():
        messages = [
            _("The page is out of date: reload it.")
            if name in ("version", "csrf_token")
            else _("%(field)s: %(problem)s", field=form[name].label.text, problem=" ".join(map(str, errors)))
            for name, errors in form.errors.items()
            if name != "items"
        ]
        return jsonify(
            error=_("Not saved: %(problems)s", problems="; ".join(messages + _plan_errors(form)))
        ), 422
    try:
        operations.save_draft(
            current_user, decision, expected_version=form.version.data, data=form.data, items=form.plan_rows()
        )
    except StaleEdit:
        conflict = _conflict(decision_id, form)
        if conflict["same"]:  # the stored draft is already what this page holds
            return jsonify(version=conflict["version"], saved_at=conflict["saved_at"].isoformat())
        return jsonify(error=CONFLICT_MESSAGE, **{k: v for k, v in conflict.items() if k != "same"}), 409
    except OperationError as exc:
        db.session.rollback()
        return jsonify(error=exc.message, field=exc.field), 422
    db.session.flush()
    return jsonify(version=decision.version, saved_at=decision.updated_at.isoformat())


def _keep_draft(decision: Decision, form: DecisionForm) -> None:
    """Signing was refused (a wrong password, a row to complete): what the chair typed is saved as the
    draft all the same, and the page carries the new version, so the next try signs it."""
    try:
        operations.save_draft(
            current_user, decision, expected_version=decision.version, data=form.data, items=form.plan_rows()
        )
    except (OperationError, StaleEdit):
        pass  # the operation's savepoint has undone what it began
    else:
        form.version.data = decision.version


def _to_sign(decision_id: int) -> tuple[Decision, str, ResponseReturnValue | None]:
    """The decision a signing POST is for, the page to go back to, and the answer when another chair
    signed it meanwhile; 404 for a decision the user may not see, 403 for one they may not sign."""
    decision = get_visible_decision(decision_id)
    back = _back_to(decision)
    if decision.is_signed:
        flash(SIGNED_MEANWHILE, "info")
        return decision, back, redirect(back)
    if not decision.can_sign(current_user):
        abort(403)
    return decision, back, None


@bp.post("/decisions/<id:decision_id>/sign")
@require_login
def sign(decision_id: int):
    """The chair signs. From the decision form, the POST carries the draft as the chair sees it: it is
    saved and signed in one step, so nothing typed since the last autosave is lost, and the chair signs
    exactly what the screen shows."""
    decision, back, signed_meanwhile = _to_sign(decision_id)
    if signed_meanwhile is not None:
        return signed_meanwhile
    user = current_user._get_current_object()
    proof = None
    if request.form.get("confirmed_at_provider"):
        # "Sign now" after the provider confirmed the chair: the proof is in the session, no password
        sign_form: SignForm | ProviderSignForm = ProviderSignForm()
        proof = step_up.proof_for(session, user, operations.signing_purpose(decision))
    else:
        sign_form = SignForm()
    form = DecisionForm() if request.form.get("with_draft") else None
    valid = sign_form.validate_on_submit()
    valid = (form.validate() if form is not None else True) and valid
    if not valid:
        if form is None:
            flash_form_errors(sign_form)
            return redirect(back)
        return _work_page(decision, form=form, sign_form=sign_form, status=422)
    if isinstance(sign_form, ProviderSignForm) and proof is None:
        # gone stale (or never there): nothing is signed, what the chair typed is kept as the draft
        flash(_(step_up.PROOF_INVALID), "danger")
        if form is None:
            return redirect(back)
        _keep_draft(decision, form)
        return _work_page(decision, form=form, sign_form=SignForm(formdata=None), status=422)

    def signing(version):
        return operations.sign_decision(
            current_user,
            decision,
            expected_version=version,
            password=sign_form.password.data if isinstance(sign_form, SignForm) else "",
            code=sign_form.code.data if isinstance(sign_form, SignForm) else "",
            proof=proof,
            override_reason=sign_form.override_reason.data,
            draft=(form.data, form.plan_rows()) if form is not None else None,
        )

    try:
        try:
            warnings = signing(sign_form.version.data)
        except StaleEdit:
            if form is None:
                raise
            conflict = _conflict(decision_id, form)
            if not conflict["same"]:
                return _work_page(decision, form=form, sign_form=sign_form, conflict=conflict, status=409)
            # saved meanwhile exactly as the chair's screen shows it (the page's own last autosave)
            warnings = signing(conflict["version"])
    except StaleEdit:
        flash(_("Someone saved the decision meanwhile: check it, then sign again."), "danger")
        return redirect(back)
    except OperationError as exc:
        if exc.field == "password":
            auth_operations.record_wrong_password(current_user._get_current_object(), "signing a decision")
        if exc.field == "code":
            record_wrong_code(current_user._get_current_object(), "signing a decision")
        if form is None:
            flash(exc.message, "danger")
            return redirect(back)
        _keep_draft(decision, form)
        _refusal(form, sign_form, exc)
        return _work_page(decision, form=form, sign_form=sign_form, status=422)
    step_up.forget(session)
    flash(
        _("Decision signed, with %(count)s warning(s) and your reason.", count=len(warnings))
        if warnings
        else _("Decision signed."),
        "success",
    )
    return redirect(back if decision.number == 1 else url_for("decisions.history", case_id=decision.case_id))


@bp.post("/decisions/<id:decision_id>/sign/provider")
@require_login
def sign_with_provider(decision_id: int):
    """ "Confirm with <provider> and sign", for a session the hospital's provider opened: the draft as the
    chair's screen shows it is saved (nothing typed is lost), the signing waits in the session (this
    decision, the override reason), and the browser goes to the provider, which signs the chair in again
    (max_age=0, prompt=login). Back at the callback (auth.sso_views), the page offers "Sign now"."""
    decision, back, signed_meanwhile = _to_sign(decision_id)
    if signed_meanwhile is not None:
        return signed_meanwhile
    user = current_user._get_current_object()
    if not step_up.offered(session, user):
        abort(400)  # the page offers this button only to a session the provider opened
    sign_form = ProviderSignForm()
    form = DecisionForm()
    valid = sign_form.validate_on_submit()
    if not (form.validate() and valid):
        return _work_page(decision, form=form, sign_form=sign_form, status=422)
    try:
        operations.save_draft(
            current_user, decision, expected_version=form.version.data, data=form.data, items=form.plan_rows()
        )
    except StaleEdit:
        conflict = _conflict(decision_id, form)
        if not conflict["same"]:
            return _work_page(decision, form=form, sign_form=sign_form, conflict=conflict, status=409)
        decision = get_visible_decision(decision_id)
    except OperationError as exc:
        _refusal(form, sign_form, exc)
        return _work_page(decision, form=form, sign_form=sign_form, status=422)
    try:
        return step_up.begin(
            session,
            user,
            purpose=operations.signing_purpose(decision),
            return_to=back.split("#")[0] + "#sign-card",
            keep={"override_reason": sign_form.override_reason.data or ""},
        )
    except oidc.SignInRefused as refused:
        flash(_("%(problem)s Your draft is saved.", problem=_(refused.message)), "danger")
        return redirect(back)


@bp.post("/decisions/<id:decision_id>/amend")
@require_login
def amend(decision_id: int):
    decision = get_visible_decision(decision_id)
    if not decision.is_amender(current_user):
        abort(403)
    form = AmendForm()
    if not form.validate_on_submit():
        return _history_page(decision.case, amend_form=form, status=422)
    try:
        amendment = operations.amend_decision(current_user, decision, reason=form.reason.data)
    except operations.AmendmentPending as exc:
        flash(exc.message, "info")
        return redirect(url_for("decisions.edit", decision_id=exc.amendment.id))
    except OperationError as exc:
        form_error(form, exc, default="reason")
        return _history_page(decision.case, amend_form=form, status=422)
    flash(_("Amendment started: change what needs changing, then the chair signs it."), "success")
    return redirect(url_for("decisions.edit", decision_id=amendment.id))


@bp.get("/decisions/<id:decision_id>/edit")
@require_login
def edit(decision_id: int):
    """An amendment's draft, outside the meeting. A signed version is not edited: its page is the
    version history, where "Amend" starts the change."""
    decision = get_visible_decision(decision_id)
    if decision.is_signed:
        flash(_("This version is signed: it is kept as it was. To change the decision, amend it."), "info")
        return redirect(
            url_for("decisions.history", case_id=decision.case_id, _anchor=f"decision-{decision.id}")
        )
    return _edit_page(decision)


def _edit_page(
    decision: Decision,
    *,
    form: DecisionForm | None = None,
    sign_form: SignForm | ProviderSignForm | None = None,
    conflict: dict | None = None,
    status: int = 200,
):
    log_access(AccessPage.DECISION_EDIT, cases=[decision.case])
    form, sign_form = _forms_for(decision, form, sign_form)
    return render_template(
        "decisions/edit.html",
        decision=decision,
        doc=_signed_document(decision),
        case=decision.case,
        form=form,
        sign_form=sign_form,
        provider_sign=_provider_sign(decision, sign_form),
        conflict=conflict,
        plan_errors=_plan_errors(form),
        warnings=[] if decision.is_signed else operations.consistency_warnings(decision),
        summary=summarise(decision.case),
    ), status


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


HISTORY_FIELDS = ("recommendation", "rationale", "dissent", "preference_weighing")


@bp.get("/cases/<id:case_id>/decisions")
@require_login
def history(case_id: int):
    return _history_page(get_visible_case(case_id))


def _history_page(case, *, amend_form: AmendForm | None = None, status: int = 200):
    """Every version with its differences; `amend_form` as posted when the amendment was refused."""
    log_access(AccessPage.DECISIONS, cases=[case])
    decisions = queries.case_decisions(case)
    differences: dict[int, dict[str, list[tuple[str, str]] | list[str]]] = {}
    for decision in decisions:
        previous = decision.supersedes
        if previous is not None:
            differences[decision.id] = {
                name: _text_diff(getattr(previous, name) or "", getattr(decision, name) or "")
                for name in HISTORY_FIELDS
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
        field_labels={
            "plan": "Plan",
            **{name: getattr(DecisionFields, name).label for name in HISTORY_FIELDS},
        },
        amend_form=amend_form or AmendForm(formdata=None),
    ), status


def _file_name(decision: Decision) -> str:
    return f"decision-case-{decision.case_id}-v{decision.number}"


def _signed(decision_id: int) -> Decision:
    decision = get_visible_decision(decision_id)
    if decision.status == DecisionStatus.DRAFT.value:
        abort(404)
    return decision


def _letter_page(decision: Decision, form: LetterLanguageForm | None = None, status: int = 200):
    """The letter as it is sent, in its own language (the page's controls in the reader's)."""
    if form is None and decision.can_choose_letter_language(current_user):
        form = LetterLanguageForm(
            formdata=None, letter_language=documents.letter_language(decision), version=decision.version
        )
    language = documents.letter_language(decision)
    with force_locale(language):
        doc = documents.decision_document(decision)
        body = render_template("decisions/_letter_body.html", doc=doc)
    return render_template(
        "decisions/letter.html",
        doc=doc,
        decision=decision,
        letter_html=Markup(body),  # noqa: S704 (rendered by Jinja with autoescape)
        language=language,
        page_language=str(get_locale()),
        form=form,
    ), status


@bp.get("/decisions/<id:decision_id>/letter")
@require_login
def letter(decision_id: int):
    decision = _signed(decision_id)
    log_access(AccessPage.LETTER, cases=[decision.case])
    record("decision.letter_viewed", actor=current_user, entity=decision, details={"format": "html"})
    return _letter_page(decision)


@bp.post("/decisions/<id:decision_id>/letter/language")
@require_login
def letter_language(decision_id: int):
    decision = _signed(decision_id)
    if not decision.can_choose_letter_language(current_user):
        abort(403)
    form = LetterLanguageForm()
    if not form.validate_on_submit():
        log_access(AccessPage.LETTER, cases=[decision.case])
        return _letter_page(decision, form, 422)
    try:
        operations.choose_letter_language(
            current_user, decision, form.letter_language.data, expected_version=form.version.data
        )
    except OperationError as exc:
        form_error(form, exc, default="letter_language")
        log_access(AccessPage.LETTER, cases=[decision.case])
        return _letter_page(decision, form, 422)
    flash(
        _(
            "The letter is now written in %(language)s.",
            language=Language(documents.letter_language(decision)).label,
        ),
        "success",
    )
    return redirect(url_for("decisions.letter", decision_id=decision.id))


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
                flash(_("Follow-up recorded."), "success")
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
        flash(_("The case is back in the board's pool; update its findings and question."), "success")
    return redirect(url_for("cases.detail", case_id=decision.case_id))


# On the case page (cases.hooks): the board's decision and its history -------------------------------


@case_section
def _decision_section(case, user) -> CaseSection:
    """The decision in force (plan, signatory, date, letter) and its follow-up, at the top of the case
    page, or while the board is still deciding, a line saying so; and the decisions' history in the
    timeline."""
    decisions = queries.case_page_decisions(case)
    if not decisions:
        return CaseSection()
    in_force = next((d for d in reversed(decisions) if d.is_in_force), None)
    # a draft the board can still sign: an amendment, or a first version whose case was not deferred
    pending = next(
        (
            d
            for d in reversed(decisions)
            if not d.is_signed and (d.number > 1 or d.agenda_item.outcome is None)
        ),
        None,
    )
    html = render_template(
        "decisions/_case_panel.html", case=case, decision=in_force, pending=pending, user=user
    )
    return CaseSection(
        panel=Markup(html),  # noqa: S704 - the output of an autoescaped template
        timeline=_decision_timeline(decisions),
    )


def _decision_timeline(decisions: list[Decision]) -> list[dict]:
    items = []
    for decision in decisions:
        anchor = "board-decision"
        if decision.number > 1:
            items.append(
                {
                    "when": to_local(decision.created_at).date(),
                    "kind": _("Decision"),
                    "text": _(
                        "Amendment (version %(number)s) started: %(reason)s",
                        number=decision.number,
                        reason=decision.amendment_reason,
                    ),
                    "anchor": anchor,
                }
            )
        if decision.signed_at is not None:
            who = decision.signed_by.name if decision.signed_by else _("the chair")
            items.append(
                {
                    "when": to_local(decision.signed_at).date(),
                    "kind": _("Decision"),
                    "text": _(
                        "Version %(number)s signed by %(name)s: %(outcome)s",
                        number=decision.number,
                        name=who,
                        outcome=decision.outcome.label,
                    ),
                    "anchor": anchor,
                }
            )
        if decision.follow_up is not None:
            items.append(
                {
                    "when": to_local(decision.follow_up.recorded_at).date(),
                    "kind": _("Follow-up"),
                    "text": _(
                        "Follow-up recorded: %(status)s", status=decision.follow_up.status.label.lower()
                    ),
                    "anchor": anchor,
                }
            )
    return items
