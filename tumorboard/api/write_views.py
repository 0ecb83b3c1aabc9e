"""The API's writes, through the operations the UI's forms call: the same checks, the same audit events,
the same version check (If-Match with the ETag read: 412 on a stale one, 428 without one). A POST with an
Idempotency-Key makes one record however often it is sent (tumorboard.once): a retry answers 200 with
what the first request made."""

from typing import Any

from flask import abort, url_for
from flask_login import current_user

from tumorboard.api import queries
from tumorboard.api.blueprint import bp
from tumorboard.api.http import expected_version, idempotency_key, version_headers
from tumorboard.api.schemas import (
    AgendaItemInput,
    AgendaItemSchema,
    AgendaLockInput,
    AgendaOrderInput,
    CancellationInput,
    CaseInput,
    CaseSchema,
    DecisionDraftInput,
    DecisionSchema,
    FollowUpInput,
    FollowUpSchema,
    ImagingInput,
    ImagingSchema,
    LabInput,
    LabSchema,
    MeetingInput,
    MeetingSchema,
    NewCaseInput,
    PathologyInput,
    PathologySchema,
    PatientInput,
    PatientRegistered,
    PatientSchema,
    PriorTreatmentInput,
    PriorTreatmentSchema,
)
from tumorboard.audit.access import log_access
from tumorboard.audit.models import AccessPage
from tumorboard.cases import finding_operations, operations
from tumorboard.cases import patient_operations as patients
from tumorboard.decisions import operations as decision_operations
from tumorboard.extensions import db
from tumorboard.meetings import operations as meeting_operations
from tumorboard.once import TOKEN, AlreadySaved, once, saved_with
from tumorboard.problems import problem, refused

IDEMPOTENCY = {
    "Idempotency-Key": {
        "description": "16 to 64 letters, digits, - or _: a retried POST with the same key makes nothing "
        "new and answers 200 with what the first one made.",
        "schema": {"type": "string", "pattern": f"^{TOKEN.pattern}$"},
        "required": False,
    }
}
IF_MATCH = {
    "If-Match": {
        "description": "The ETag the record was read with.",
        "schema": {"type": "string"},
        "required": True,
    }
}


def _created(entity, endpoint: str, **values) -> dict[str, str]:
    return {**version_headers(entity), "Location": url_for(endpoint, **values)}


def _finding_data(data: dict[str, Any]) -> dict[str, Any]:
    """The JSON's values as the finding operations take them (a form's yes/no for the booleans)."""
    return {k: ("yes" if v is True else "no" if v is False else v) for k, v in data.items()}


# Patients -------------------------------------------------------------------------------------------


class _Registered:
    """A patient as the registration answers it: the record, and whether it was there before."""

    def __init__(self, patient, *, matched: bool):
        self.patient, self.matched = patient, matched

    def __getattr__(self, name):
        return getattr(self.patient, name)


@bp.post("/patients")
@bp.arguments(PatientInput)
@bp.response(201, PatientRegistered)
@bp.alt_response(200, schema=PatientRegistered, description="The same Idempotency-Key was sent before.")
@bp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", **IDEMPOTENCY["Idempotency-Key"]}])
def register_patient(data):
    """Register a patient (submitters); the same MRN, name and birth date again is the same patient."""
    key = idempotency_key()
    made: dict = {}

    def register():
        made["patient"], made["matched"] = patients.register_or_match_patient(current_user, **data)
        return made["patient"]

    try:
        patient = once(current_user, key, register)
    except AlreadySaved as saved:
        earlier = _or_404(queries.patient(current_user, saved.entity_id))
        log_access(AccessPage.PATIENT, patients=[earlier])
        return _Registered(earlier, matched=True), 200, version_headers(earlier)
    except patients.MrnInUse as exc:
        # the refusal is audited, so it is answered here (committed), not by the rollback of an error
        patients.record_refused_registration(current_user, exc.holder_id, purpose="registration")
        return refused(exc)
    log_access(AccessPage.PATIENT, patients=[patient])
    return (
        _Registered(patient, matched=made["matched"]),
        201,
        _created(patient, "api.get_patient", patient_id=patient.id),
    )


def _or_404(found):
    if found is None:
        abort(404)
    return found


@bp.put("/patients/<id:patient_id>")
@bp.arguments(PatientInput)
@bp.response(200, PatientSchema)
@bp.doc(parameters=[{"in": "header", "name": "If-Match", **IF_MATCH["If-Match"]}])
def update_patient(data, patient_id: int):
    """Correct a patient's identity data (the submitter who registered them)."""
    found = _or_404(queries.patient(current_user, patient_id))
    if found.created_by_id != current_user.id:
        abort(403, description="Only the submitter who registered this patient corrects their record.")
    version = expected_version()
    try:
        patients.update_patient(current_user, found, expected_version=version, **data)
    except patients.MrnInUse as exc:
        patients.record_refused_registration(current_user, exc.holder_id, purpose="correction")
        return refused(exc)
    log_access(AccessPage.PATIENT_FORM, patients=[found])
    db.session.flush()
    return found, version_headers(found)


# Cases ----------------------------------------------------------------------------------------------


@bp.post("/cases")
@bp.arguments(NewCaseInput)
@bp.response(201, CaseSchema)
@bp.alt_response(200, schema=CaseSchema, description="The same Idempotency-Key was sent before.")
@bp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", **IDEMPOTENCY["Idempotency-Key"]}])
def create_case(data):
    """Open a draft case for a patient the token's user may see, for one of their boards."""
    patient = _or_404(queries.patient(current_user, data.pop("patient_id")))
    key = idempotency_key()
    try:
        case = once(current_user, key, lambda: operations.create_case(current_user, patient, **data))
    except AlreadySaved as saved:
        earlier = _or_404(queries.case(current_user, saved.entity_id))
        log_access(AccessPage.CASE, cases=[earlier])
        return earlier, 200, version_headers(earlier)
    log_access(AccessPage.CASE, cases=[case])
    return case, 201, _created(case, "api.get_case", case_id=case.id)


@bp.put("/cases/<id:case_id>")
@bp.arguments(CaseInput)
@bp.response(200, CaseSchema)
@bp.doc(parameters=[{"in": "header", "name": "If-Match", **IF_MATCH["If-Match"]}])
def update_case(data, case_id: int):
    """Change a case's details (its submitter, while the case is open to them)."""
    case = _or_404(queries.case(current_user, case_id))
    if not case.can_edit(current_user):
        abort(403, description="This case's details can no longer be changed by this token's user.")
    version = expected_version()
    operations.update_case(current_user, case, expected_version=version, **data)
    log_access(AccessPage.CASE_FORM, cases=[case])
    db.session.flush()
    return case, version_headers(case)


# Findings -------------------------------------------------------------------------------------------

FINDING_ENDPOINTS = {"lab": "api.get_lab", "imaging": "api.get_imaging", "pathology": "api.get_pathology"}


def _add_finding(case_id: int, kind: str, data: dict[str, Any]):
    case = _or_404(queries.case(current_user, case_id))
    if not case.can_edit_findings(current_user):
        abort(403, description="Findings of this case can no longer be changed by this token's user.")
    key = idempotency_key()
    try:
        finding = once(
            current_user,
            key,
            lambda: finding_operations.add_finding(current_user, case, kind, _finding_data(data)),
        )
    except AlreadySaved as saved:
        earlier = _or_404(queries.finding(current_user, kind, saved.entity_id))
        log_access(AccessPage.CASE, cases=[case])
        return earlier, 200, version_headers(earlier)
    log_access(AccessPage.FINDING_FORM, cases=[case])
    return finding, 201, _created(finding, FINDING_ENDPOINTS[kind], finding_id=finding.id)


def _update_finding(kind: str, finding_id: int, data: dict[str, Any]):
    finding = _or_404(queries.finding(current_user, kind, finding_id))
    case = finding.case
    if not case.can_edit_findings(current_user):
        abort(403, description="Findings of this case can no longer be changed by this token's user.")
    version = expected_version()
    finding_operations.update_finding(
        current_user, case, kind, finding, expected_version=version, data=_finding_data(data)
    )
    log_access(AccessPage.FINDING_FORM, cases=[case])
    db.session.flush()
    return finding, version_headers(finding)


def _remove_finding(kind: str, finding_id: int):
    finding = _or_404(queries.finding(current_user, kind, finding_id))
    case = finding.case
    if not case.can_edit_findings(current_user):
        abort(403, description="Findings of this case can no longer be changed by this token's user.")
    version = expected_version()
    finding_operations.remove_finding(current_user, case, kind, finding, expected_version=version)
    log_access(AccessPage.FINDING_FORM, cases=[case])
    return "", 204


FINDING_DOCS = {
    "create": {"parameters": [{"in": "header", "name": "Idempotency-Key", **IDEMPOTENCY["Idempotency-Key"]}]},
    "change": {"parameters": [{"in": "header", "name": "If-Match", **IF_MATCH["If-Match"]}]},
}


@bp.post("/cases/<id:case_id>/labs")
@bp.arguments(LabInput)
@bp.response(201, LabSchema)
@bp.alt_response(200, schema=LabSchema, description="The same Idempotency-Key was sent before.")
@bp.doc(**FINDING_DOCS["create"])
def add_lab(data, case_id: int):
    """Record a laboratory result (a tumour marker with the lab's unit and reference range)."""
    return _add_finding(case_id, "lab", data)


@bp.put("/labs/<id:finding_id>")
@bp.arguments(LabInput)
@bp.response(200, LabSchema)
@bp.doc(**FINDING_DOCS["change"])
def update_lab(data, finding_id: int):
    return _update_finding("lab", finding_id, data)


@bp.delete("/labs/<id:finding_id>")
@bp.response(204)
@bp.doc(**FINDING_DOCS["change"])
def remove_lab(finding_id: int):
    return _remove_finding("lab", finding_id)


@bp.post("/cases/<id:case_id>/imaging")
@bp.arguments(ImagingInput)
@bp.response(201, ImagingSchema)
@bp.alt_response(200, schema=ImagingSchema, description="The same Idempotency-Key was sent before.")
@bp.doc(**FINDING_DOCS["create"])
def add_imaging(data, case_id: int):
    return _add_finding(case_id, "imaging", data)


@bp.put("/imaging/<id:finding_id>")
@bp.arguments(ImagingInput)
@bp.response(200, ImagingSchema)
@bp.doc(**FINDING_DOCS["change"])
def update_imaging(data, finding_id: int):
    return _update_finding("imaging", finding_id, data)


@bp.delete("/imaging/<id:finding_id>")
@bp.response(204)
@bp.doc(**FINDING_DOCS["change"])
def remove_imaging(finding_id: int):
    return _remove_finding("imaging", finding_id)


@bp.post("/cases/<id:case_id>/pathology")
@bp.arguments(PathologyInput)
@bp.response(201, PathologySchema)
@bp.alt_response(200, schema=PathologySchema, description="The same Idempotency-Key was sent before.")
@bp.doc(**FINDING_DOCS["create"])
def add_pathology(data, case_id: int):
    return _add_finding(case_id, "pathology", data)


@bp.put("/pathology/<id:finding_id>")
@bp.arguments(PathologyInput)
@bp.response(200, PathologySchema)
@bp.doc(**FINDING_DOCS["change"])
def update_pathology(data, finding_id: int):
    return _update_finding("pathology", finding_id, data)


@bp.delete("/pathology/<id:finding_id>")
@bp.response(204)
@bp.doc(**FINDING_DOCS["change"])
def remove_pathology(finding_id: int):
    return _remove_finding("pathology", finding_id)


# Prior treatments -----------------------------------------------------------------------------------


@bp.post("/cases/<id:case_id>/prior-treatments")
@bp.arguments(PriorTreatmentInput)
@bp.response(201, PriorTreatmentSchema)
@bp.alt_response(200, schema=PriorTreatmentSchema, description="The same Idempotency-Key was sent before.")
@bp.doc(**FINDING_DOCS["create"])
def add_prior_treatment(data, case_id: int):
    """Record a treatment the patient had before (the case's submitter, while the case is open to them);
    the case's ETag moves on."""
    case = _or_404(queries.case(current_user, case_id))
    if not case.can_edit(current_user):
        abort(403, description="This case's details can no longer be changed by this token's user.")
    key = idempotency_key()
    try:
        item = once(current_user, key, lambda: operations.add_prior_treatment(current_user, case, **data))
    except AlreadySaved as saved:
        earlier = _or_404(queries.finding(current_user, "treatment", saved.entity_id))
        log_access(AccessPage.CASE, cases=[case])
        return earlier, 200, version_headers(case)
    log_access(AccessPage.CASE_FORM, cases=[case])
    db.session.flush()
    return item, 201, version_headers(case)


@bp.delete("/cases/<id:case_id>/prior-treatments/<id:treatment_id>")
@bp.response(204)
@bp.doc(
    parameters=[
        {"in": "header", "name": "If-Match", **IF_MATCH["If-Match"], "description": "The case's ETag."}
    ]
)
def remove_prior_treatment(case_id: int, treatment_id: int):
    """Remove a prior treatment of a case (If-Match: the case's ETag)."""
    case = _or_404(queries.case(current_user, case_id))
    item = queries.finding(current_user, "treatment", treatment_id)
    if item is None or item.case_id != case.id:
        abort(404)
    if not case.can_edit(current_user):
        abort(403, description="This case's details can no longer be changed by this token's user.")
    version = expected_version()
    operations.remove_prior_treatment(current_user, case, item, expected_version=version)
    log_access(AccessPage.CASE_FORM, cases=[case])
    return "", 204


# Decisions ------------------------------------------------------------------------------------------

SIGNED_TITLE = "The decision is signed"
SIGNED_DETAIL = (
    "A signed decision is never changed: the board amends it in TumorBoard, which makes a new version."
)


@bp.put("/decisions/<id:decision_id>")
@bp.arguments(DecisionDraftInput)
@bp.response(200, DecisionSchema)
@bp.doc(parameters=[{"in": "header", "name": "If-Match", **IF_MATCH["If-Match"]}])
def save_decision_draft(data, decision_id: int):
    """Save a decision's draft while its meeting records decisions (the board's specialists, chairs and
    coordinators). The plan sent replaces the plan saved. A signed decision answers 409."""
    decision = _or_404(queries.board_decision(current_user, decision_id))
    if decision.is_signed:
        return problem(409, SIGNED_DETAIL, title=SIGNED_TITLE)
    if not decision.can_edit(current_user):
        abort(403, description="This token's user may not write this decision's draft.")
    version = expected_version()
    items = data.pop("items")
    decision_operations.save_draft(current_user, decision, expected_version=version, data=data, items=items)
    log_access(AccessPage.DECISION_EDIT, cases=[decision.case])
    db.session.flush()
    return decision, version_headers(decision)


@bp.post("/decisions/<id:decision_id>/signature")
@bp.response(204)
@bp.doc(
    description="Signing is not done through the API: the chair signs in TumorBoard's web app, which asks "
    "for the chair's password (and second factor) again. This route always answers 403 with a problem "
    "that says so; nothing changes."
)
def sign_decision(decision_id: int):
    """Sign a decision: not through the API (always 403)."""
    _or_404(queries.decision(current_user, decision_id))
    return problem(
        403,
        "The board's chair signs a decision in TumorBoard's web app, which asks for their password again. "
        "Nothing was changed.",
        title="Signing is not done through the API",
    )


# Follow-ups -----------------------------------------------------------------------------------------


def _replayed(follow_up):
    log_access(AccessPage.FOLLOW_UP, cases=[follow_up.decision.case])
    return follow_up, 200, version_headers(follow_up)


def _follow_up(data, decision_id: int, *, first: bool):
    decision = _or_404(queries.decision(current_user, decision_id))
    if not decision.can_record_follow_up(current_user):
        abort(403, description="Only the case's submitter records the follow-up of its signed decision.")
    existing = queries.follow_up(decision)
    key = idempotency_key() if first else None
    if first and existing is not None:
        earlier = saved_with(current_user, key)
        if earlier is not None and earlier.entity_id == existing.id:  # a retry of the POST that made it
            return _replayed(existing)
        return problem(
            409,
            "A follow-up is recorded for this decision: change it with PUT and its ETag in If-Match.",
            title="The follow-up is already recorded",
        )
    if not first and existing is None:
        abort(404, description="No follow-up is recorded for this decision yet: record it with POST.")
    version = None if first else expected_version()
    try:
        follow_up = once(
            current_user,
            key,
            lambda: decision_operations.record_follow_up(
                current_user, decision, expected_version=version, **data
            ),
        )
    except AlreadySaved:  # the same POST, raced: the other one made it
        return _replayed(_or_404(queries.follow_up(decision)))
    log_access(AccessPage.FOLLOW_UP, cases=[decision.case])
    db.session.flush()
    headers = version_headers(follow_up)
    if first:
        headers["Location"] = url_for("api.get_follow_up", decision_id=decision.id)
        return follow_up, 201, headers
    return follow_up, headers


@bp.post("/decisions/<id:decision_id>/follow-up")
@bp.arguments(FollowUpInput)
@bp.response(201, FollowUpSchema)
@bp.alt_response(200, schema=FollowUpSchema, description="The same Idempotency-Key was sent before.")
@bp.doc(**FINDING_DOCS["create"])
def record_follow_up(data, decision_id: int):
    """Record whether a signed decision was carried out (the case's submitter); fully closes the case. A
    second POST answers 409 (the follow-up is changed with PUT), unless it is the first one's retry with
    its Idempotency-Key."""
    return _follow_up(data, decision_id, first=True)


@bp.put("/decisions/<id:decision_id>/follow-up")
@bp.arguments(FollowUpInput)
@bp.response(200, FollowUpSchema)
@bp.doc(parameters=[{"in": "header", "name": "If-Match", **IF_MATCH["If-Match"]}])
def change_follow_up(data, decision_id: int):
    """Change the recorded follow-up of a signed decision (the case's submitter)."""
    return _follow_up(data, decision_id, first=False)


# Meetings and agendas -------------------------------------------------------------------------------

COORDINATORS_ONLY = "Only the board's coordinators plan its meetings and build its agendas."


def _plan(data: dict[str, Any]) -> meeting_operations.MeetingPlan:
    return meeting_operations.MeetingPlan(start_local=data.pop("start"), **data)


def _managed_meeting(meeting_id: int):
    meeting = _or_404(queries.meeting(current_user, meeting_id))
    if not meeting.can_manage(current_user):
        abort(403, description=COORDINATORS_ONLY)
    return meeting


@bp.post("/boards/<id:board_id>/meetings")
@bp.arguments(MeetingInput)
@bp.response(201, MeetingSchema)
@bp.alt_response(200, schema=MeetingSchema, description="The same Idempotency-Key was sent before.")
@bp.doc(**FINDING_DOCS["create"])
def plan_meeting(data, board_id: int):
    """Plan a meeting of a board (its coordinators)."""
    board = _or_404(queries.board(current_user, board_id))
    if not board.can_manage_meetings(current_user):
        abort(403, description=COORDINATORS_ONLY)
    key = idempotency_key()
    try:
        meeting = once(
            current_user, key, lambda: meeting_operations.plan_meeting(current_user, board, _plan(data))
        )
    except AlreadySaved as saved:
        earlier = _or_404(queries.meeting(current_user, saved.entity_id))
        return earlier, 200, version_headers(earlier)
    return meeting, 201, _created(meeting, "api.get_meeting", meeting_id=meeting.id)


@bp.put("/meetings/<id:meeting_id>")
@bp.arguments(MeetingInput)
@bp.response(200, MeetingSchema)
@bp.doc(**FINDING_DOCS["change"])
def update_meeting(data, meeting_id: int):
    """Change a meeting's details (its board's coordinators, before it starts)."""
    meeting = _managed_meeting(meeting_id)
    version = expected_version()
    meeting_operations.update_meeting(current_user, meeting, _plan(data), expected_version=version)
    db.session.flush()
    return meeting, version_headers(meeting)


@bp.put("/meetings/<id:meeting_id>/cancellation")
@bp.arguments(CancellationInput)
@bp.response(200, MeetingSchema)
@bp.doc(**FINDING_DOCS["change"])
def cancel_meeting(data, meeting_id: int):
    """Cancel a meeting: its cases go back to the board's pool and their submitters are told."""
    meeting = _managed_meeting(meeting_id)
    version = expected_version()
    meeting_operations.cancel_meeting(current_user, meeting, reason=data["reason"], expected_version=version)
    db.session.flush()
    return meeting, version_headers(meeting)


@bp.put("/meetings/<id:meeting_id>/agenda-lock")
@bp.arguments(AgendaLockInput)
@bp.response(200, MeetingSchema)
@bp.doc(**FINDING_DOCS["change"])
def lock_agenda(data, meeting_id: int):
    """Lock (`locked: true`) or unlock the meeting's agenda."""
    meeting = _managed_meeting(meeting_id)
    version = expected_version()
    meeting_operations.set_agenda_locked(
        current_user, meeting, locked=data["locked"], expected_version=version
    )
    db.session.flush()
    return meeting, version_headers(meeting)


@bp.post("/meetings/<id:meeting_id>/agenda")
@bp.arguments(AgendaItemInput)
@bp.response(201, AgendaItemSchema)
@bp.alt_response(200, schema=AgendaItemSchema, description="The same Idempotency-Key was sent before.")
@bp.doc(
    parameters=[
        {"in": "header", "name": "If-Match", **IF_MATCH["If-Match"], "description": "The meeting's ETag."},
        *FINDING_DOCS["create"]["parameters"],
    ]
)
def add_agenda_item(data, meeting_id: int):
    """Put a case of the board's pool on the agenda (If-Match: the meeting's ETag, so a retry is a 412,
    unless it carries the first try's Idempotency-Key: then it answers with the item that one made)."""
    meeting = _managed_meeting(meeting_id)
    case = _or_404(queries.case(current_user, data.pop("case_id")))
    version = expected_version()
    try:
        item = once(
            current_user,
            idempotency_key(),
            lambda: meeting_operations.add_to_agenda(
                current_user, meeting, case, expected_version=version, **data
            ),
        )
    except AlreadySaved as saved:
        earlier = _or_404(queries.agenda_item(current_user, saved.entity_id))
        return earlier, 200, version_headers(earlier.meeting)  # the meeting's ETag, as the 201 has it
    log_access(AccessPage.MEETING, cases=[case])
    db.session.flush()
    return (
        item,
        201,
        {**_created(item, "api.get_agenda_item", item_id=item.id), "ETag": f'"v{meeting.version}"'},
    )


@bp.put("/meetings/<id:meeting_id>/agenda/order")
@bp.arguments(AgendaOrderInput)
@bp.response(200, MeetingSchema)
@bp.doc(
    parameters=[
        {"in": "header", "name": "If-Match", **IF_MATCH["If-Match"], "description": "The meeting's ETag."}
    ]
)
def reorder_agenda(data, meeting_id: int):
    """Set the agenda's whole order: every item's id once."""
    meeting = _managed_meeting(meeting_id)
    version = expected_version()
    meeting_operations.reorder_agenda(current_user, meeting, data["item_ids"], expected_version=version)
    db.session.flush()
    return meeting, version_headers(meeting)


@bp.delete("/agenda-items/<id:item_id>")
@bp.response(204)
@bp.doc(
    parameters=[
        {"in": "header", "name": "If-Match", **IF_MATCH["If-Match"], "description": "The meeting's ETag."}
    ]
)
def remove_agenda_item(item_id: int):
    """Take a case off the agenda (back to the pool)."""
    item = _or_404(queries.agenda_item(current_user, item_id))
    _managed_meeting(item.meeting_id)
    version = expected_version()
    meeting_operations.remove_from_agenda(current_user, item, expected_version=version)
    return "", 204
