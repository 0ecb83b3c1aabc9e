"""Imaging, laboratory and pathology findings of a case, and the marker charts."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tumorboard.audit.access import log_access
from tumorboard.audit.models import AccessPage
from tumorboard.auth.access import require_login
from tumorboard.cases import finding_operations, queries
from tumorboard.cases.blueprint import bp
from tumorboard.cases.charts import chart_inputs, lab_results_svg
from tumorboard.cases.forms import FINDING_FORMS, VersionOnlyForm
from tumorboard.cases.lookups import get_visible_case, no_longer_open
from tumorboard.clinical.vocabularies import Analyte, IhcMarker
from tumorboard.errors import OperationError
from tumorboard.extensions import db
from tumorboard.once import AlreadySaved, once
from tumorboard.render_cache import chart_key, svg_response
from tumorboard.timezones import hospital_today
from tumorboard.views_helpers import form_error

KIND_RULE = "any(imaging, lab, pathology)"
TITLES = {"imaging": _l("imaging study"), "lab": _l("laboratory result"), "pathology": _l("pathology report")}
# what the page says once a finding is saved, per kind and deed (a whole sentence each, for the translators)
DONE = {
    ("imaging", "added"): _l("Imaging study added."),
    ("lab", "added"): _l("Laboratory result added."),
    ("pathology", "added"): _l("Pathology report added."),
    ("imaging", "saved"): _l("Imaging study saved."),
    ("lab", "saved"): _l("Laboratory result saved."),
    ("pathology", "saved"): _l("Pathology report saved."),
    ("imaging", "removed"): _l("Imaging study removed."),
    ("lab", "removed"): _l("Laboratory result removed."),
    ("pathology", "removed"): _l("Pathology report removed."),
}
DEFAULT_FIELD = {"imaging": "study_date", "lab": "value", "pathology": "report_date"}


def _form_data(kind: str, form) -> dict:
    data = {
        name: field.data
        for name, field in form._fields.items()
        if name not in ("csrf_token", "submit", "version")
    }
    if kind == "pathology":
        data = {k: v for k, v in data.items() if not k.startswith("ihc_")}
        data["ihc"] = form.ihc_data()
    return data


def _get_finding(case, kind: str, finding_id: int):
    model = finding_operations.KINDS[kind][0]
    finding = db.session.get(model, finding_id)
    if not isinstance(finding, model) or finding.case_id != case.id:  # None when there is none
        abort(404)
    return finding


def _findings_closed(case, kind: str, finding=None, *, page: bool = True):
    """A finding's form of a case discussed since it was opened: told why (403 for who never could)."""
    if not case.findings_no_longer_editable_by(current_user):
        abort(403)
    message = _(
        "%(where)s Its findings can no longer be changed: they stay as the board saw them.",
        where=case.where_it_stands,
    )
    if request.method == "GET" or not page:
        return no_longer_open(case, message)
    form = FINDING_FORMS[kind]()
    if finding is None:
        del form.version
    log_access(AccessPage.FINDING_FORM, cases=[case])
    return no_longer_open(
        case,
        message,
        "cases/finding_form.html",
        kind=kind,
        title=TITLES[kind],
        form=form,
        finding=finding,
        ihc_markers=list(IhcMarker),
        analytes=list(Analyte),
    )


def _fill_for_edit(kind: str, form, finding) -> None:
    form.process(obj=finding)
    for name in (
        "uptake_positive",
        "new_lesions",
        "necrosis",
        "lymphovascular_invasion",
        "perineural_invasion",
    ):
        if name in form._fields:
            value = getattr(finding, name)
            form[name].data = "" if value is None else ("yes" if value else "no")
    if "krenning_score" in form._fields:
        form.krenning_score.data = "" if finding.krenning_score is None else str(finding.krenning_score)
    if kind == "lab":
        form.value.data = finding.typed_value  # "<2": the comparator with the number
    if kind == "pathology":
        for marker, result in finding.ihc.items():
            form[f"ihc_{marker}"].data = result


@bp.route(f"/cases/<id:case_id>/<{KIND_RULE}:kind>/new", methods=["GET", "POST"])
@require_login
def add_finding(case_id: int, kind: str):
    case = get_visible_case(case_id)
    if not case.can_edit_findings(current_user):
        return _findings_closed(case, kind)
    form = FINDING_FORMS[kind]()
    del form.version  # a new finding has no version yet
    if request.method == "GET":
        form[DEFAULT_FIELD[kind] if kind != "lab" else "sample_date"].data = hospital_today()
    if form.validate_on_submit():
        try:
            once(
                current_user,
                form.once.data,
                lambda: finding_operations.add_finding(current_user, case, kind, _form_data(kind, form)),
            )
        except AlreadySaved as done:
            flash(done.message, "info")
            return redirect(url_for("cases.detail", case_id=case.id, _anchor=kind))
        except OperationError as exc:
            form_error(form, exc, default=DEFAULT_FIELD[kind])
        else:
            flash(str(DONE[kind, "added"]), "success")
            return redirect(url_for("cases.detail", case_id=case.id, _anchor=kind))
    return _render(case, kind, form, None), 422 if request.method == "POST" else 200


@bp.route(f"/cases/<id:case_id>/<{KIND_RULE}:kind>/<id:finding_id>/edit", methods=["GET", "POST"])
@require_login
def edit_finding(case_id: int, kind: str, finding_id: int):
    case = get_visible_case(case_id)
    finding = _get_finding(case, kind, finding_id)
    if not case.can_edit_findings(current_user):
        return _findings_closed(case, kind, finding)
    form = FINDING_FORMS[kind]()
    if request.method == "GET":
        _fill_for_edit(kind, form, finding)
    if form.validate_on_submit():
        try:
            finding_operations.update_finding(
                current_user,
                case,
                kind,
                finding,
                expected_version=form.version.data,
                data=_form_data(kind, form),
            )
        except OperationError as exc:
            form_error(form, exc, default=DEFAULT_FIELD[kind])
        else:
            flash(str(DONE[kind, "saved"]), "success")
            return redirect(url_for("cases.detail", case_id=case.id, _anchor=kind))
    return _render(case, kind, form, finding), 422 if request.method == "POST" else 200


@bp.post(f"/cases/<id:case_id>/<{KIND_RULE}:kind>/<id:finding_id>/delete")
@require_login
def remove_finding(case_id: int, kind: str, finding_id: int):
    case = get_visible_case(case_id)
    finding = _get_finding(case, kind, finding_id)
    if not case.can_edit_findings(current_user):
        return _findings_closed(case, kind, finding, page=False)
    form = VersionOnlyForm()
    if not form.validate_on_submit():
        abort(400)
    finding_operations.remove_finding(current_user, case, kind, finding, expected_version=form.version.data)
    flash(str(DONE[kind, "removed"]), "success")
    return redirect(url_for("cases.detail", case_id=case.id, _anchor=kind))


def _render(case, kind, form, finding):
    log_access(AccessPage.FINDING_FORM, cases=[case])
    return render_template(
        "cases/finding_form.html",
        case=case,
        kind=kind,
        title=TITLES[kind],
        form=form,
        finding=finding,
        ihc_markers=list(IhcMarker),
        analytes=list(Analyte),
    )


@bp.get("/cases/<id:case_id>/markers/<analyte>.svg")
@require_login
def marker_chart(case_id: int, analyte: str):
    """The marker's values over time with each result's own reference range as a band."""
    case = get_visible_case(case_id)
    log_access(AccessPage.MARKER_CHART, cases=[case])
    try:
        marker = Analyte(analyte)
    except ValueError:
        abort(404)
    results = queries.marker_results(case, marker.value)
    if not results:
        abort(404)
    today = hospital_today()
    key = chart_key("marker", case.id, marker.value, today, chart_inputs(results))
    return svg_response(key, lambda: lab_results_svg(results, title=marker.label, today=today))
