"""Case pages: the list, the case page with its clinical summary, create and edit, the lifecycle."""

from collections.abc import Sequence
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tumorboard import keyset
from tumorboard.audit.access import log_access
from tumorboard.audit.models import AccessPage
from tumorboard.auth.access import require_login, require_role
from tumorboard.auth.roles import Role
from tumorboard.cases import hooks, operations, queries, referrals
from tumorboard.cases.blueprint import bp
from tumorboard.cases.charts import marker_trends
from tumorboard.cases.forms import (
    CaseForm,
    EditCaseForm,
    PatientSearchForm,
    PriorTreatmentForm,
    ReferCaseForm,
    SubmitCaseForm,
    VersionOnlyForm,
    WithdrawCaseForm,
)
from tumorboard.cases.lookups import get_visible_case, no_longer_open
from tumorboard.cases.models import Case, CaseStatus, PriorTreatment
from tumorboard.cases.readiness import required_to_submit
from tumorboard.cases.summary import summarise
from tumorboard.clinical.vocabularies import Analyte, PrimarySite
from tumorboard.errors import OperationError
from tumorboard.extensions import db
from tumorboard.forms import ActionForm, choices
from tumorboard.once import AlreadySaved, once
from tumorboard.timezones import to_local
from tumorboard.views_helpers import (
    form_error,
    form_page,
    query_id,
    query_text,
)

GRADE_FILTERS = (
    "G1",
    "G2",
    "G3",
    "NEC",
    "typical carcinoid",
    "atypical carcinoid",
    "high-grade (LCNEC/SCLC)",
)


def _date_arg(name: str) -> date | None:
    return keyset.day_value(request.args.get(name, ""))


def _list_filters(text: str) -> queries.CaseFilters:
    status = request.args.get("status") or None
    site = request.args.get("site") or None
    grade = request.args.get("grade") or None
    sort = request.args.get("sort", "")
    return queries.CaseFilters(
        board_id=query_id("board"),
        status=status if status in CaseStatus.__members__.values() else None,
        site=site if site in PrimarySite.__members__.values() else None,
        grade=grade if grade in GRADE_FILTERS else None,
        submitter=query_text("submitter", 12) or None,
        date_from=_date_arg("from"),
        date_to=_date_arg("to"),
        text=text,
        sort=sort if sort in queries.SORTS else "updated",
    )


@bp.route("/cases", methods=["GET", "POST"])
@require_login
def index():
    """The case list. Filters travel in the URL; a search for a name or MRN is POSTed, never in the URL."""
    search = PatientSearchForm(prefix="search")
    text = ""
    if request.method == "POST":
        if search.validate_on_submit():
            text = search.q.data
        else:
            return _render_list(search, ""), 422
    return _render_list(search, text)


def _page_args():
    """The paging arguments: from the URL on a GET, from the form on a POSTed search (never in the URL)."""
    return request.args if request.method == "GET" else request.form


def _render_list(search: PatientSearchForm, text: str):
    filters = _list_filters(text)
    stmt = queries.case_list(current_user, filters)
    listing = keyset.listing(
        stmt,
        queries.SORTS[filters.sort],
        sort=filters.sort,
        args=_page_args(),
        jump_kind=queries.JUMPS.get(filters.sort),
    )
    log_access(AccessPage.CASE_LIST, cases=listing.rows)
    return render_template(
        "cases/list.html",
        listing=listing,
        total=queries.count_capped(current_user, filters),
        count_cap=queries.COUNT_CAP,
        filters=filters,
        search=search,
        boards=queries.active_boards_of(current_user),
        submitters=queries.submitters_of(current_user),
        statuses=list(CaseStatus),
        sites=list(PrimarySite),
        grades=GRADE_FILTERS,
        sorts=queries.SORTS.keys(),
    )


@bp.get("/cases/<id:case_id>")
@require_login
def detail(case_id: int):
    case = queries.load_case_page(current_user, case_id)
    if case is None:
        abort(404)
    return _detail_page(case)


def _refused_on_the_case_page(case: Case, **refused):
    """A form of the case page refused (422): the page again, loaded as a GET loads it, with the form."""
    return _detail_page(queries.load_case_page(current_user, case.id) or case, status=422, **refused)


def _detail_page(case: Case, *, status: int = 200, **refused):
    """The case page; `refused`: a form of the page as the user posted it and the app refused (422), so
    that what was typed comes back beside the message."""
    summary = summarise(case)
    sections = hooks.sections(case, current_user)
    log_access(AccessPage.CASE, cases=[case])
    return render_template(
        "cases/detail.html",
        case=case,
        summary=summary,
        timeline=_timeline(case, queries.case_events(case), sections),
        panels=[section.panel for section in sections if section.panel is not None],
        marker_trends=marker_trends(case.labs),
        readiness=operations.readiness_texts(
            operations.readiness(case) if case.status == CaseStatus.DRAFT else case.missing_at_submission
        ),
        **(
            {
                "treatment_form": PriorTreatmentForm(formdata=None),
                "version_form": VersionOnlyForm(formdata=None, version=case.version),
                "withdraw_form": WithdrawCaseForm(formdata=None, version=case.version),
            }
            | refused
        ),
    ), status


def _timeline(case: Case, events, sections: Sequence[hooks.CaseSection] = ()) -> list[dict]:
    """Findings by their clinical date and the case's lifecycle events, newest first."""
    items = [
        {
            "when": s.study_date,
            "kind": _("Imaging"),
            "text": f"{s.modality_label} {s.region}".strip(),
            "anchor": "imaging",
        }
        for s in case.imaging
    ]
    items += [
        {
            "when": r.sample_date,
            "kind": _("Laboratory"),
            "text": f"{Analyte(r.analyte).label}: {r.shown_value} {r.unit}"
            + (f" ({r.flag_label})" if r.flag else ""),
            "anchor": "lab",
        }
        for r in case.labs
    ]
    items += [
        {"when": p.report_date, "kind": _("Pathology"), "text": p.summary_line, "anchor": "pathology"}
        for p in case.pathology
    ]
    items += [
        {
            "when": to_local(e.occurred_at).date(),
            "kind": _("Case"),
            "text": _("%(event)s by %(name)s", event=EVENT_TEXT.get(e.action, e.action), name=e.actor.name)
            if e.actor
            else str(EVENT_TEXT.get(e.action, e.action)),
            "anchor": None,
        }
        for e in events
    ]
    items += [item for section in sections for item in section.timeline]
    return sorted(items, key=lambda item: item["when"], reverse=True)


EVENT_TEXT = {
    "case.created": _l("Case registered"),
    "case.updated": _l("Case details changed"),
    "case.submitted": _l("Submitted to the board"),
    "case.recalled": _l("Taken back to draft"),
    "case.withdrawn": _l("Withdrawn"),
    "case.scheduled": _l("Put on a meeting agenda"),
    "case.unscheduled": _l("Taken off the agenda"),
    "case.deferred": _l("Deferred to a later meeting"),
    "case.discussed": _l("Discussed by the board"),
    "case.closed": _l("Closed"),
    "case.presented_again": _l("Presented to the board again"),
    "case.prior_treatment_added": _l("Prior treatment added"),
    "case.prior_treatment_removed": _l("Prior treatment removed"),
    "case.referred": _l("Registered as a referral from another board's case"),
    "case.referred_out": _l("Referred to another board (a new, linked case)"),
}


def _case_form_choices(form: CaseForm, case: Case | None = None) -> None:
    boards = [(b.id, b.name) for b in queries.active_boards_of(current_user)]
    if case is not None and case.board_is_fixed and case.board_id not in dict(boards):
        boards.append((case.board_id, case.board.name))  # it stays, even if the submitter left that board
    form.board_id.choices = choices(boards)


def _case_data(form: CaseForm) -> dict:
    return {
        name: field.data
        for name, field in form._fields.items()
        if name not in ("csrf_token", "submit", "version")
    }


@bp.route("/patients/<id:patient_id>/cases/new", methods=["GET", "POST"])
@require_role(Role.SUBMITTER)
def create(patient_id: int):
    patient = queries.find_visible_patient(current_user, patient_id)
    if patient is None:
        abort(404)
    log_access(AccessPage.CASE_FORM, patients=[patient])
    form = CaseForm()
    _case_form_choices(form)
    if not form.board_id.choices:
        flash(_("You are not a member of an active board yet: an administrator adds you to one."), "warning")
        return redirect(url_for("cases.patient", patient_id=patient.id))
    if form.validate_on_submit():
        try:
            case = once(
                current_user,
                form.once.data,
                lambda: operations.create_case(current_user, patient, **_case_data(form)),
            )
        except AlreadySaved as done:
            flash(done.message, "info")
            return redirect(url_for("cases.detail", case_id=done.entity_id))
        except OperationError as exc:
            form_error(form, exc, default="primary_site")
        else:
            flash(_("Draft case saved. Add the findings, then submit it to the board."), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    return form_page("cases/form.html", form=form, patient=patient, case=None)


@bp.route("/cases/<id:case_id>/edit", methods=["GET", "POST"])
@require_login
def edit(case_id: int):
    case = get_visible_case(case_id)
    if not case.can_edit(current_user):
        return _details_closed(case)
    log_access(AccessPage.CASE_FORM, cases=[case])
    form = EditCaseForm(obj=case if request.method == "GET" else None)
    if request.method == "GET":
        form.metastatic_sites.data = case.metastatic_site_list
        form.ecog.data = "" if case.ecog is None else str(case.ecog)
    _case_form_choices(form, case)
    if form.validate_on_submit():
        try:
            operations.update_case(current_user, case, expected_version=form.version.data, **_case_data(form))
        except OperationError as exc:
            form_error(form, exc, default="primary_site")
        else:
            flash(_("Case saved."), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    return form_page("cases/form.html", form=form, patient=case.patient, case=case)


def _details_closed(case: Case):
    """The case form of a case its submitter can no longer edit (403 for anyone who never could)."""
    if not case.no_longer_editable_by(current_user):
        abort(403)
    message = f"{case.where_it_stands} Its details can no longer be changed."
    if case.can_edit_findings(current_user):
        message += " Findings can still be added on the case page."
    elif case.can_present_again(current_user):
        message += " To bring it to the board again, present it again from the case page."
    if request.method == "GET":
        return no_longer_open(case, message)
    log_access(AccessPage.CASE_FORM, cases=[case])
    form = EditCaseForm()
    _case_form_choices(form, case)
    return no_longer_open(case, message, "cases/form.html", form=form, patient=case.patient)


@bp.route("/cases/<id:case_id>/submit", methods=["GET", "POST"])
@require_login
def submit(case_id: int):
    case = get_visible_case(case_id)
    if not case.can_submit(current_user):
        if not case.no_longer_submittable_by(current_user):
            abort(403)
        message = f"{case.where_it_stands} It is not a draft, so there is nothing to submit."
        if request.method == "POST":
            log_access(AccessPage.CASE_FORM, cases=[case])
        return no_longer_open(
            case, message, "cases/submit.html", form=SubmitCaseForm(), missing=[], required=[]
        )
    form = (
        SubmitCaseForm(formdata=None, version=case.version) if request.method == "GET" else SubmitCaseForm()
    )
    missing = operations.readiness(case)
    required = required_to_submit(case)
    log_access(AccessPage.CASE_FORM, cases=[case])
    if form.validate_on_submit():
        try:
            operations.submit_case(
                current_user,
                case,
                expected_version=form.version.data,
                override_reason=form.override_reason.data,
            )
        except OperationError as exc:
            form_error(form, exc, default="override_reason")
        else:
            flash(_("Case submitted to the %(board)s.", board=case.board.name), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    excusable = [item for item in missing if item not in required]
    return form_page(
        "cases/submit.html",
        case=case,
        form=form,
        missing=operations.readiness_texts(excusable),
        required=operations.readiness_texts(required),
    )


@bp.route("/cases/<id:case_id>/refer", methods=["GET", "POST"])
@require_login
def refer(case_id: int):
    """Another board's opinion on a case this board has had: a new, linked case on that board."""
    case = get_visible_case(case_id)
    if not case.can_refer(current_user):
        reason = case.why_not_referable(current_user)
        if reason is None:
            abort(403)
        form = ReferCaseForm()
        form.board_id.choices = choices((b.id, b.name) for b in referrals.referral_boards(current_user, case))
        if request.method == "POST":
            log_access(AccessPage.CASE_FORM, cases=[case])
        return no_longer_open(case, f"{case.where_it_stands} {reason}", "cases/refer.html", form=form)
    log_access(AccessPage.CASE_FORM, cases=[case])
    form = ReferCaseForm() if request.method == "POST" else ReferCaseForm(formdata=None, version=case.version)
    form.board_id.choices = choices((b.id, b.name) for b in referrals.referral_boards(current_user, case))
    if request.method == "GET":
        form.clinical_question.data = case.clinical_question
    if form.validate_on_submit():
        try:
            referral = referrals.refer_case(
                current_user,
                case,
                board_id=form.board_id.data,
                expected_version=form.version.data,
                question=form.clinical_question.data,
            )
        except referrals.ReferralPending as exc:
            flash(exc.message, "info")
            return redirect(url_for("cases.detail", case_id=exc.referral.id))
        except OperationError as exc:
            form_error(form, exc, default="board_id")
        else:
            flash(
                _(
                    "New draft case %(number)d for the %(board)s, with this case's findings. "
                    "Check it, then submit it there.",
                    number=referral.id,
                    board=referral.board.name,
                ),
                "success",
            )
            return redirect(url_for("cases.detail", case_id=referral.id))
    return form_page("cases/refer.html", case=case, form=form)


@bp.post("/cases/<id:case_id>/recall")
@require_login
def recall(case_id: int):
    case = get_visible_case(case_id)
    if not case.can_recall(current_user):
        abort(403)
    form = VersionOnlyForm()
    if not form.validate_on_submit():
        abort(400)
    operations.recall_case(current_user, case, expected_version=form.version.data)
    flash(_("The case is a draft again; submit it when it is ready."), "success")
    return redirect(url_for("cases.detail", case_id=case.id))


@bp.post("/cases/<id:case_id>/withdraw")
@require_login
def withdraw(case_id: int):
    case = get_visible_case(case_id)
    if not case.can_withdraw(current_user):
        abort(403)
    form = WithdrawCaseForm()
    if not form.validate_on_submit():
        return _refused_on_the_case_page(case, withdraw_form=form)
    try:
        operations.withdraw_case(
            current_user, case, expected_version=form.version.data, reason=form.reason.data
        )
    except OperationError as exc:
        form_error(form, exc, default="reason")
        return _refused_on_the_case_page(case, withdraw_form=form)
    flash(_("The case has been withdrawn."), "success")
    return redirect(url_for("cases.detail", case_id=case.id))


@bp.post("/cases/<id:case_id>/treatments")
@require_login
def add_treatment(case_id: int):
    case = get_visible_case(case_id)
    if not case.can_edit(current_user):
        return _treatments_closed(case)
    form = PriorTreatmentForm()
    if form.validate_on_submit():
        try:
            once(
                current_user,
                form.once.data,
                lambda: operations.add_prior_treatment(
                    current_user,
                    case,
                    treatment=form.treatment.data,
                    start_date=form.start_date.data,
                    end_date=form.end_date.data,
                    note=form.note.data,
                ),
            )
        except AlreadySaved as done:
            flash(done.message, "info")
        except OperationError as exc:
            form_error(form, exc, default="treatment")
            return _refused_on_the_case_page(case, treatment_form=form)
        else:
            flash(_("Prior treatment added."), "success")
    else:
        return _refused_on_the_case_page(case, treatment_form=form)
    return redirect(url_for("cases.detail", case_id=case.id, _anchor="treatments"))


@bp.post("/cases/<id:case_id>/treatments/<id:treatment_id>/delete")
@require_login
def remove_treatment(case_id: int, treatment_id: int):
    case = get_visible_case(case_id)
    if not case.can_edit(current_user):
        return _treatments_closed(case)
    item = db.session.get(PriorTreatment, treatment_id)
    if item is None or item.case_id != case.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    operations.remove_prior_treatment(current_user, case, item)
    flash(_("Prior treatment removed."), "success")
    return redirect(url_for("cases.detail", case_id=case.id, _anchor="treatments"))


def _treatments_closed(case: Case):
    """A prior-treatment button of a page kept open after the case moved on: back to the case, told why."""
    if not case.no_longer_editable_by(current_user):
        abort(403)
    return no_longer_open(case, f"{case.where_it_stands} Its prior treatments can no longer be changed.")
