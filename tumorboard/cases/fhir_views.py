"""A case's findings imported from the hospital's systems as a FHIR R4 Bundle: uploaded, or fetched from
the hospital's FHIR server by the patient's MRN; shown on a preview; written only on its confirm.

The preview carries the bundle itself (in the page, never in a URL) and the case's version: a refused
confirm (an expired form, a case changed meanwhile, a bundle that no longer fits) draws the preview again
with the same bundle, and a retried confirm finds what the first one created by its source and leaves it.
"""

from collections.abc import Sequence

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tumorboard.audit.access import log_access
from tumorboard.audit.models import AccessPage
from tumorboard.auth.access import require_login
from tumorboard.cases import fhir_import
from tumorboard.cases.blueprint import bp
from tumorboard.cases.fhir_source import FetchFailed, fetch_patient_bundle
from tumorboard.cases.fields import FhirImportFields
from tumorboard.cases.forms import FhirConfirmForm, FhirFetchForm, FhirUploadForm
from tumorboard.cases.lookups import get_visible_case
from tumorboard.errors import OperationError, StaleEdit

FIELD_LABELS = {
    "analyte": "marker",
    "value": "value",
    "unit": "unit",
    "sample_date": "sample date",
    "ref_low": "reference range from",
    "ref_high": "reference range to",
    "reported_by": "reported by",
    "study_date": "study date",
    "modality": "modality",
    "region": "region",
    "report_text": "report",
    "report_date": "report date",
}


def _case_for_import(case_id: int):
    case = get_visible_case(case_id)  # 404 for a case the user may not see
    if not case.can_import_findings(current_user):
        abort(403)
    return case


def _errors(form) -> list[str]:
    return [
        str(e) for errors in form.errors.values() for e in (errors if isinstance(errors, list) else [errors])
    ]


def _upload_page(case, problems: Sequence[str] = (), *, status: int = 200):
    log_access(AccessPage.FINDING_FORM, cases=[case])
    return (
        render_template(
            "cases/fhir_import.html",
            case=case,
            form=FhirUploadForm(formdata=None),
            fetch_form=FhirFetchForm(formdata=None),
            can_fetch=bool(current_app.config.get("FHIR_SOURCE_URL")),
            problems=list(problems),
        ),
        status,
    )


def _preview_page(case, plan, form, problems: Sequence[str] = (), *, status: int = 200):
    log_access(AccessPage.FINDING_FORM, cases=[case])
    return (
        render_template(
            "cases/fhir_preview.html",
            case=case,
            plan=plan,
            form=form,
            problems=list(problems),
            field_labels=FIELD_LABELS,
            can_update_patient=case.patient.can_edit(current_user),
        ),
        status,
    )


def _preview(case, text: str):
    try:
        plan = fhir_import.plan_import(case, text)
    except fhir_import.BundleRefused as refusal:
        return _upload_page(case, refusal.problems, status=422)
    form = FhirConfirmForm(
        formdata=None,
        data={"bundle": text, "version": case.version, "patient_version": case.patient.version},
    )
    return _preview_page(case, plan, form)


@bp.route("/cases/<id:case_id>/fhir-import", methods=["GET", "POST"])
@require_login
def fhir_import_upload(case_id: int):
    case = _case_for_import(case_id)
    form = FhirUploadForm()
    if not form.is_submitted():
        return _upload_page(case)
    if not form.validate():
        return _upload_page(case, _errors(form), status=422)
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        return _upload_page(case, [FhirImportFields.bundle.empty], status=422)
    limit = FhirImportFields.bundle.max_length
    raw = upload.read(limit * 4 + 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _upload_page(case, ["The file is not UTF-8 text: export the Bundle as FHIR JSON."], status=422)
    return _preview(case, text)


@bp.post("/cases/<id:case_id>/fhir-import/fetch")
@require_login
def fhir_import_fetch(case_id: int):
    case = _case_for_import(case_id)
    base_url = current_app.config.get("FHIR_SOURCE_URL")
    if not base_url:
        abort(404)
    form = FhirFetchForm()
    if not form.validate_on_submit():
        return _upload_page(case, _errors(form), status=422)
    try:
        text = fetch_patient_bundle(base_url, case.patient.mrn)
    except FetchFailed as failure:
        return _upload_page(case, [failure.message], status=422)
    return _preview(case, text)


def _already_imported(case, text: str) -> bool:
    try:
        plan = fhir_import.plan_import(case, text)
    except fhir_import.BundleRefused:
        return False
    return all(item.action == "unchanged" for item in plan.items)


@bp.post("/cases/<id:case_id>/fhir-import/confirm")
@require_login
def fhir_import_confirm(case_id: int):
    case = _case_for_import(case_id)
    form = FhirConfirmForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            plan = fhir_import.import_bundle(
                current_user,
                case,
                form.bundle.data,
                expected_version=form.version.data,
                update_patient=form.update_patient.data,
                patient_version=form.patient_version.data,
            )
        except fhir_import.BundleRefused as refusal:
            problems = refusal.problems
        except StaleEdit as stale:
            if stale.entity_type == "patient":
                problems = [
                    "The patient's details were changed since this preview was made: the comparison below "
                    "is as the record stands now. Check it and confirm again."
                ]
                form.patient_version.data = case.patient.version
            elif _already_imported(case, form.bundle.data):  # the same confirm again: it was done
                flash(_("This Bundle is already imported: nothing to change."), "info")
                return redirect(url_for("cases.detail", case_id=case.id))
            else:
                problems = [
                    "The case was changed since this preview was made: the preview below is as the case "
                    "stands now. Check it and confirm again."
                ]
                form.version.data = case.version
        except OperationError as exc:
            problems = [exc.message]
        else:
            updated = form.update_patient.data and plan.patient is not None and plan.patient.differences
            flash(
                f"Imported from FHIR: {plan.count('create')} new, {plan.count('update')} updated, "
                f"{plan.count('unchanged')} unchanged."
                + (" The patient's details were updated from the Bundle." if updated else ""),
                "success",
            )
            return redirect(url_for("cases.detail", case_id=case.id))
    else:
        problems = _errors(form)
    shown: fhir_import.ImportPlan | None = None
    try:
        shown = fhir_import.plan_import(case, form.bundle.data or "")
    except fhir_import.BundleRefused as refusal:
        problems += [p for p in refusal.problems if p not in problems]
    return _preview_page(case, shown, form, problems, status=422)
