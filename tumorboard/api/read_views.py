"""The API's reads: the records the token's user may see (404 for any other), each view of patient data
in the access log as in the UI; lists in keyset pages with `Link` headers."""

from flask import Response, abort, json
from flask_login import current_user

from tumorboard.api import queries
from tumorboard.api.blueprint import bp
from tumorboard.api.http import page_links, version_headers
from tumorboard.api.schemas import (
    AgendaItemSchema,
    BoardSchema,
    CaseSchema,
    DecisionSchema,
    FollowUpSchema,
    ImagingSchema,
    LabSchema,
    MeetingSchema,
    PageArgs,
    PathologySchema,
    PatientSchema,
    PriorTreatmentSchema,
)
from tumorboard.audit.access import log_access
from tumorboard.audit.models import AccessPage
from tumorboard.audit.recording import record
from tumorboard.decisions import documents as decision_documents


def listing(path: str, schema: type):
    """A list endpoint: GET `path`, one keyset page of `schema` (limit, after, before; `Link` headers)."""

    def route(view):
        paged = bp.arguments(PageArgs, location="query", as_kwargs=False)(
            bp.response(200, schema(many=True))(view)
        )
        return bp.get(path)(paged)

    return route


def _page(page, args):
    return page.rows, page_links(page, args["limit"])


def _args(args: dict) -> dict:
    return {"limit": args["limit"], "after": args.get("after"), "before": args.get("before")}


def _or_404(found):
    if found is None:
        abort(404)
    return found


# Patients -------------------------------------------------------------------------------------------


@listing("/patients", PatientSchema)
def list_patients(args):
    """The patients of the token's boards and those its user registered."""
    page = queries.patients(current_user, **_args(args))
    log_access(AccessPage.PATIENT_SEARCH, patients=page.rows)
    return _page(page, args)


@bp.get("/patients/<id:patient_id>")
@bp.response(200, PatientSchema)
def get_patient(patient_id: int):
    found = _or_404(queries.patient(current_user, patient_id))
    log_access(AccessPage.PATIENT, patients=[found])
    return found, version_headers(found)


@listing("/patients/<id:patient_id>/cases", CaseSchema)
def list_patient_cases(args, patient_id: int):
    found = _or_404(queries.patient(current_user, patient_id))
    page = queries.cases(current_user, patient_id=found.id, **_args(args))
    log_access(AccessPage.PATIENT, cases=page.rows, patients=[] if page.rows else [found])
    return _page(page, args)


# Cases and findings ---------------------------------------------------------------------------------


@listing("/cases", CaseSchema)
def list_cases(args):
    """The cases the token's user may see: their own, and their boards' once submitted."""
    page = queries.cases(current_user, **_args(args))
    log_access(AccessPage.CASE_LIST, cases=page.rows)
    return _page(page, args)


@bp.get("/cases/<id:case_id>")
@bp.response(200, CaseSchema)
def get_case(case_id: int):
    found = _or_404(queries.case(current_user, case_id))
    log_access(AccessPage.CASE, cases=[found])
    return found, version_headers(found)


def _findings(case_id: int, kind: str, args):
    case = _or_404(queries.case(current_user, case_id))
    page = queries.findings(case, kind, **_args(args))
    log_access(AccessPage.CASE, cases=[case])
    return _page(page, args)


def _finding(kind: str, finding_id: int):
    found = _or_404(queries.finding(current_user, kind, finding_id))
    log_access(AccessPage.CASE, cases=[found.case])
    return found


@listing("/cases/<id:case_id>/labs", LabSchema)
def list_labs(args, case_id: int):
    """The case's laboratory results (tumour markers) with the lab's reference range."""
    return _findings(case_id, "lab", args)


@bp.get("/labs/<id:finding_id>")
@bp.response(200, LabSchema)
def get_lab(finding_id: int):
    found = _finding("lab", finding_id)
    return found, version_headers(found)


@listing("/cases/<id:case_id>/imaging", ImagingSchema)
def list_imaging(args, case_id: int):
    return _findings(case_id, "imaging", args)


@bp.get("/imaging/<id:finding_id>")
@bp.response(200, ImagingSchema)
def get_imaging(finding_id: int):
    found = _finding("imaging", finding_id)
    return found, version_headers(found)


@listing("/cases/<id:case_id>/pathology", PathologySchema)
def list_pathology(args, case_id: int):
    return _findings(case_id, "pathology", args)


@bp.get("/pathology/<id:finding_id>")
@bp.response(200, PathologySchema)
def get_pathology(finding_id: int):
    found = _finding("pathology", finding_id)
    return found, version_headers(found)


@listing("/cases/<id:case_id>/prior-treatments", PriorTreatmentSchema)
def list_prior_treatments(args, case_id: int):
    return _findings(case_id, "treatment", args)


@listing("/cases/<id:case_id>/decisions", DecisionSchema)
def list_case_decisions(args, case_id: int):
    """The case's signed decisions (in force, or superseded by an amendment)."""
    case = _or_404(queries.case(current_user, case_id))
    page = queries.decisions(current_user, case_id=case.id, **_args(args))
    log_access(AccessPage.DECISIONS, cases=[case])
    return _page(page, args)


# Boards, meetings, agendas --------------------------------------------------------------------------


@listing("/boards", BoardSchema)
def list_boards(args):
    """The boards the token's user is a member of."""
    return _page(queries.boards(current_user, **_args(args)), args)


@bp.get("/boards/<id:board_id>")
@bp.response(200, BoardSchema)
def get_board(board_id: int):
    return _or_404(queries.board(current_user, board_id))


@listing("/meetings", MeetingSchema)
def list_meetings(args):
    """The meetings of the token's boards."""
    return _page(queries.meetings(current_user, **_args(args)), args)


@bp.get("/meetings/<id:meeting_id>")
@bp.response(200, MeetingSchema)
def get_meeting(meeting_id: int):
    found = _or_404(queries.meeting(current_user, meeting_id))
    return found, version_headers(found)


@listing("/meetings/<id:meeting_id>/agenda", AgendaItemSchema)
def list_agenda_items(args, meeting_id: int):
    """The meeting's agenda: one item per case, in id order (`position` is the order of discussion)."""
    found = _or_404(queries.meeting(current_user, meeting_id))
    page = queries.agenda_items(found, **_args(args))
    log_access(AccessPage.MEETING, cases=[item.case for item in page.rows])
    return _page(page, args)


@bp.get("/agenda-items/<id:item_id>")
@bp.response(200, AgendaItemSchema)
def get_agenda_item(item_id: int):
    found = _or_404(queries.agenda_item(current_user, item_id))
    log_access(AccessPage.MEETING, cases=[found.case])
    return found, version_headers(found)


# Decisions ------------------------------------------------------------------------------------------


@listing("/decisions", DecisionSchema)
def list_decisions(args):
    """Signed decisions of the token's boards, and of its user's own cases; read only."""
    page = queries.decisions(current_user, **_args(args))
    log_access(AccessPage.DECISIONS, cases=[d.case for d in page.rows])
    return _page(page, args)


@bp.get("/decisions/<id:decision_id>")
@bp.response(200, DecisionSchema)
def get_decision(decision_id: int):
    found = _or_404(queries.decision(current_user, decision_id))
    log_access(AccessPage.DECISIONS, cases=[found.case])
    return found, version_headers(found)


@bp.get("/decisions/<id:decision_id>/follow-up")
@bp.response(200, FollowUpSchema)
def get_follow_up(decision_id: int):
    """Whether the decision was carried out, as its case's submitter recorded it (404 until then)."""
    found = _or_404(queries.decision(current_user, decision_id))
    follow_up = _or_404(queries.follow_up(found))
    log_access(AccessPage.FOLLOW_UP, cases=[found.case])
    return follow_up, version_headers(follow_up)


def decision_fhir(decision) -> dict:
    """The hook of `GET /decisions/{id}/fhir`: the signed decision's FHIR R4 Bundle, built from its
    frozen snapshot by the document builders (tumorboard.documents.fhir.decision_bundle)."""
    return decision_documents.decision_bundle(decision)


@bp.get("/decisions/<id:decision_id>/fhir")
@bp.response(
    200,
    {"type": "object", "description": "A FHIR R4 Bundle (type collection)."},
    content_type="application/fhir+json",
)
def get_decision_fhir(decision_id: int):
    """The signed decision as a FHIR R4 Bundle (mCODE-aligned), as the UI's download."""
    found = _or_404(queries.decision(current_user, decision_id))
    log_access(AccessPage.FHIR, cases=[found.case])
    bundle = decision_fhir(found)
    record("decision.fhir_exported", actor=current_user, entity=found, details={"channel": "api"})
    return Response(json.dumps(bundle), mimetype="application/fhir+json")
