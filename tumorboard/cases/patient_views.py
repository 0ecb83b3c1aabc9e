"""Patient pages: register, search (by POST, so no name or MRN lands in a URL), view, edit."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tumorboard import keyset
from tumorboard.audit.access import log_access, patient_accesses
from tumorboard.audit.models import AccessPage
from tumorboard.auth.access import require_login, require_role
from tumorboard.auth.roles import Role
from tumorboard.boards.models import coordinated_board_ids
from tumorboard.cases import patient_operations as operations
from tumorboard.cases import queries
from tumorboard.cases.blueprint import bp
from tumorboard.cases.forms import EditPatientForm, PatientForm, PatientSearchForm
from tumorboard.errors import OperationError
from tumorboard.views_helpers import form_error, form_page


def _patient_data(form: PatientForm) -> dict:
    return {name: form[name].data for name in ("mrn", "family_name", "given_name", "birth_date", "sex")}


@bp.route("/patients", methods=["GET", "POST"])
@require_login
def patients():
    """Every patient the user may see, by name, in keyset pages (a jump to an initial); a search is POSTed
    and so are its pages, so that neither its text nor a page of it enters a URL."""
    form = PatientSearchForm()
    text = ""
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("cases/patients.html", form=form, listing=None, text=""), 422
        text = form.q.data
    stmt, order = queries.patient_list(current_user, text)
    listing = keyset.listing(
        stmt,
        order,
        # a search's pages by rank, a browse's by name (jumps to an initial): one's cursors fit not the other
        sort="patient-search" if text else "patients",
        args=request.args if request.method == "GET" else request.form,
        jump_kind=None if text else "initial",
    )
    log_access(AccessPage.PATIENT_SEARCH, patients=listing.rows)
    return render_template("cases/patients.html", form=form, listing=listing, text=text)


@bp.route("/patients/new", methods=["GET", "POST"])
@require_role(Role.SUBMITTER)
def register_patient():
    form = PatientForm()
    if form.validate_on_submit():
        try:
            patient, matched = operations.register_or_match_patient(current_user, **_patient_data(form))
        except operations.MrnInUse as exc:
            operations.record_refused_registration(current_user, exc.holder_id, purpose="registration")
            form_error(form, exc, default="mrn")
        except OperationError as exc:
            form_error(form, exc, default="mrn")
        else:
            if matched:
                flash(
                    _(
                        "This patient was already registered with the same MRN, name and birth date: your "
                        "registration is matched to that record. Now open a case for your board."
                    ),
                    "info",
                )
            else:
                flash(_("Patient registered. Now open a case for the board."), "success")
            return redirect(url_for("cases.create", patient_id=patient.id))
    return form_page("cases/patient_form.html", form=form, patient=None)


ACCESS_LIMIT = 100  # the newest accesses shown on the patient page


@bp.get("/patients/<id:patient_id>")
@require_login
def patient(patient_id: int):
    found = queries.find_visible_patient(current_user, patient_id)
    if found is None:
        abort(404)
    cases = queries.patient_cases(current_user, found)
    if cases:
        log_access(AccessPage.PATIENT, cases=cases)
    else:
        log_access(AccessPage.PATIENT, patients=[found])
    coordinated = coordinated_board_ids(current_user)
    return render_template(
        "cases/patient.html",
        patient=found,
        cases=cases,
        accesses=patient_accesses(found.id, board_ids=coordinated, limit=ACCESS_LIMIT)
        if coordinated
        else None,
        access_limit=ACCESS_LIMIT,
    )


@bp.route("/patients/<id:patient_id>/edit", methods=["GET", "POST"])
@require_role(Role.SUBMITTER)
def edit_patient(patient_id: int):
    found = queries.find_visible_patient(current_user, patient_id)
    if found is None:
        abort(404)
    if not found.can_edit(current_user):
        abort(403)
    log_access(AccessPage.PATIENT_FORM, patients=[found])
    form = EditPatientForm(obj=found if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            operations.update_patient(
                current_user, found, expected_version=form.version.data, **_patient_data(form)
            )
        except operations.MrnInUse as exc:
            operations.record_refused_registration(current_user, exc.holder_id, purpose="correction")
            form_error(form, exc, default="mrn")
        except OperationError as exc:
            form_error(form, exc, default="mrn")
        else:
            flash(_("Patient saved."), "success")
            return redirect(url_for("cases.patient", patient_id=found.id))
    return form_page("cases/patient_form.html", form=form, patient=found)
