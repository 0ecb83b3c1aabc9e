"""The data-protection officer's pages: review one patient's record, and export what was found."""

import csv
import io

from flask import Response, render_template, request
from flask_login import current_user

from tumorboard.audit.access import log_access
from tumorboard.audit.models import AccessPage
from tumorboard.auth.access import require_role
from tumorboard.auth.roles import Role
from tumorboard.errors import OperationError
from tumorboard.privacy import operations, queries
from tumorboard.privacy.blueprint import bp
from tumorboard.privacy.forms import PatientReviewForm
from tumorboard.timezones import to_local
from tumorboard.views_helpers import form_error


@bp.route("/", methods=["GET", "POST"])
@require_role(Role.PRIVACY)
def review():
    form = PatientReviewForm()
    found = None
    if form.validate_on_submit():
        try:
            patient = operations.review_patient(current_user, mrn=form.mrn.data, reason=form.reason.data)
        except OperationError as exc:
            if isinstance(exc, operations.PatientNotFound):
                operations.record_not_found(current_user, mrn=form.mrn.data, reason=form.reason.data)
            form_error(form, exc, default="mrn")
        else:
            log_access(AccessPage.PRIVACY_REVIEW, patients=[patient])
            found = {"patient": patient, **queries.patient_record(patient.id)}
    status = 422 if request.method == "POST" and form.errors else 200
    return render_template("privacy/review.html", form=form, found=found, limit=queries.LIMIT), status


@bp.post("/export.csv")
@require_role(Role.PRIVACY)
def export():
    """The review as a CSV file, for the answer to the patient: their record's events and who opened it."""
    form = PatientReviewForm()
    if not form.validate_on_submit():
        return render_template("privacy/review.html", form=form, found=None, limit=queries.LIMIT), 422
    try:
        patient = operations.review_patient(
            current_user, mrn=form.mrn.data, reason=form.reason.data, export=True
        )
    except OperationError as exc:
        if isinstance(exc, operations.PatientNotFound):
            operations.record_not_found(current_user, mrn=form.mrn.data, reason=form.reason.data)
        form_error(form, exc, default="mrn")
        return render_template("privacy/review.html", form=form, found=None, limit=queries.LIMIT), 422
    log_access(AccessPage.PRIVACY_REVIEW, patients=[patient])
    data = queries.patient_record(patient.id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["kind", "when", "who", "what", "record", "case", "details"])
    writer.writerow(
        _cells(
            "patient",
            to_local(patient.created_at).isoformat(),
            "",
            f"{patient.display_name}, MRN {patient.mrn}, born {patient.birth_date.isoformat()}, "
            f"{patient.sex}",
            f"patients {patient.id}",
            "",
            "",
        )
    )
    for case in data["cases"]:
        writer.writerow(
            _cells(
                "case",
                to_local(case.created_at).isoformat(),
                case.submitter.email if case.submitter else "",
                f"{case.board.name}: {case.status.label}",
                f"case {case.id}",
                case.id,
                case.clinical_question,
            )
        )
    for event in data["events"]:
        writer.writerow(
            _cells(
                "change",
                to_local(event.occurred_at).isoformat(),
                event.actor_label or "",
                event.action,
                f"{event.entity_type or ''} {event.entity_id or ''}".strip(),
                "",
                event.changes_json if event.changes_json != "{}" else event.details_json,
            )
        )
    for access in data["accesses"]:
        writer.writerow(
            _cells(
                "view",
                to_local(access.occurred_at).isoformat(),
                access.user.email,
                access.page_enum.label,
                "",
                access.case_id or "",
                "",
            )
        )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="patient-{patient.id}-record.csv"'},
    )


def _cells(*values) -> list[str]:
    """A CSV row a spreadsheet shows as text: a value that starts like a formula (=, +, -, @) is quoted
    with an apostrophe (OWASP CSV injection), so a name or a note is never run as one."""
    row = []
    for value in values:
        text = "" if value is None else str(value)
        row.append("'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text)
    return row
