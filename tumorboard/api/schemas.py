"""The API's request and response shapes (marshmallow, documented by flask-smorest as OpenAPI 3.1).

Responses name what the UI shows, never internal columns (search keys, caches). Request bodies take the
same values the forms do and hand them to the same operations, which clean every field with its one
declaration (`fields.py`); the limits the document states (maxLength, minimum, maximum, enum) are read
from those declarations here, so the document and the checks cannot drift apart.
"""

from enum import StrEnum

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from tumorboard.api.fields import PageFields
from tumorboard.boards.fields import MeetingPlanFields
from tumorboard.cases.fields import (
    CaseFields,
    ImagingFields,
    LabFields,
    PathologyFields,
    PatientFields,
    PriorTreatmentFields,
)
from tumorboard.cases.finding_operations import IHC_RESULTS, REPORTED_GRADES
from tumorboard.cases.models import LabStatus, Withdrawal
from tumorboard.clinical.specialties import Specialty
from tumorboard.clinical.vocabularies import (
    Comparator,
    DeviationReason,
    EcogPerformanceStatus,
    IhcMarker,
    PlanIntent,
    Treatment,
)
from tumorboard.db import MAX_ID
from tumorboard.decisions.fields import DecisionFields, FollowUpFields, PlanItemFields
from tumorboard.decisions.models import FollowUpStatus
from tumorboard.fields import Choice, Choices, Link, Number, Text
from tumorboard.forms import UNREADABLE
from tumorboard.meetings.fields import AgendaFields, MeetingFields
from tumorboard.meetings.models import AgendaMode


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


def _no_character_of(characters) -> str:
    return "".join(f"\\u{ord(ch):04x}" for ch in sorted(characters))


# Text without the characters the operations refuse (tumorboard.forms.UNREADABLE), and one line where the
# declaration is not multiline; as JSON Schema (ECMA-262) patterns.
_ANY_TEXT = f"^[^{_no_character_of(UNREADABLE)}]*$"
_ONE_LINE = f"^[^{_no_character_of(UNREADABLE | {chr(9), chr(10), chr(13)})}]*$"


def text(rule: Text, **kwargs) -> fields.String:
    """A text field as its declaration has it (the operation refuses anything longer, never cuts)."""
    metadata = {
        "maxLength": rule.max_length,
        "description": str(rule.description or rule.label),
        "pattern": _ANY_TEXT if rule.multiline else _ONE_LINE,
    }
    if rule.min_length:
        metadata["minLength"] = rule.min_length
    return fields.String(metadata=metadata, **kwargs)


def link(rule: Link, **kwargs) -> fields.String:
    """A web address as its declaration has it: one line, https only (or empty)."""
    field = text(rule, **kwargs)
    field.metadata = {**field.metadata, "pattern": _ONE_LINE.replace("^[", "^(?:\\s*https://[")[:-1] + ")?$"}
    return field


class StrictFloat(fields.Float):
    """A JSON number, never a string that looks like one (the document says number)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class WholeNumber(fields.Integer):
    """A JSON Schema integer: 2, or 2.0 (JSON has one number type, and JSON Schema counts 2.0 as an
    integer), never 2.5, true or "2"."""

    def __init__(self, **kwargs):
        super().__init__(strict=False, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


# The days a date field accepts, which JSON Schema cannot say with a keyword: the document turns each
# mark into a `pattern` of the days themselves, from the hospital's today (tumorboard.api.openapi_document).
DAYS = "x-days"
PAST_DAY = "past"  # 1900-01-01 (no patient was born before) to today: birth dates, findings, treatments
FUTURE_START = "future-start"  # a local wall-clock start, from tomorrow on (no meeting in the past)


CLOSED = "closed"  # a dict of the named properties only (closed_dict, below)


def closed_dict(_converter, field, **_kwargs) -> dict:
    """apispec's attribute function for a dict field marked CLOSED: no property beyond those it names."""
    return {"additionalProperties": False} if field.metadata.get(CLOSED) else {}


def past_day(**kwargs) -> fields.Date:
    """A day up to today (the operations refuse the future and, for findings, a day before the birth)."""
    metadata = {DAYS: PAST_DAY, **kwargs.pop("metadata", {})}
    return fields.Date(metadata=metadata, **kwargs)


def number(rule: Number, **kwargs) -> fields.Field:
    metadata = {"minimum": rule.low, "maximum": rule.high, "description": str(rule.description or rule.label)}
    if rule.whole:
        return WholeNumber(metadata=metadata, **kwargs)
    return StrictFloat(metadata=metadata, allow_nan=False, **kwargs)


def choice(rule: Choice, **kwargs) -> fields.String:
    return fields.String(
        metadata={"enum": _values(rule.enum), "description": str(rule.description or rule.label)}, **kwargs
    )


def choices(rule: Choices, **kwargs) -> fields.List:
    return fields.List(
        fields.String(metadata={"enum": _values(rule.enum)}),
        metadata={"description": str(rule.description or rule.label)},
        **kwargs,
    )


def record_id(**kwargs) -> fields.Integer:
    """A record's id in a body: what a URL's `<id:…>` accepts (tumorboard.db.IdConverter)."""
    return WholeNumber(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def read(enum: type[StrEnum] | None = None, **kwargs) -> fields.String:
    """An enum value in a response."""
    if enum is None:
        return fields.String(dump_only=True, **kwargs)
    return fields.String(dump_only=True, metadata={"enum": _values(enum)}, **kwargs)


class ApiSchema(Schema):
    class Meta:
        unknown = RAISE  # a misspelt field is refused by name, not ignored


class PageArgs(ApiSchema):
    """Keyset pagination: records in id order, a page after (or before) the last one seen."""

    class Meta:
        unknown = EXCLUDE

    limit = fields.Integer(
        load_default=PageFields.default,
        validate=validate.Range(min=int(PageFields.limit.low), max=int(PageFields.limit.high)),
        metadata={"description": str(PageFields.limit.label)},
    )
    after = fields.Integer(
        validate=validate.Range(min=0, max=MAX_ID), metadata={"description": "The id the page starts after."}
    )
    before = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID), metadata={"description": "The id the page ends before."}
    )


# Patients -------------------------------------------------------------------------------------------


class PatientSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    mrn = fields.String(dump_only=True)
    family_name = fields.String(dump_only=True)
    given_name = fields.String(dump_only=True)
    birth_date = fields.Date(dump_only=True)
    sex = read()
    version = fields.Integer(dump_only=True)


class PatientInput(ApiSchema):
    mrn = text(PatientFields.mrn, required=True)
    family_name = text(PatientFields.family_name, required=True)
    given_name = text(PatientFields.given_name, required=True)
    birth_date = past_day(required=True, metadata={"description": "From 1900-01-01 to today."})
    sex = choice(PatientFields.sex, required=True)


class PatientRegistered(PatientSchema):
    matched = fields.Boolean(
        dump_only=True,
        metadata={"description": "The patient was registered before with the same MRN, name and birth date."},
    )


# Cases ----------------------------------------------------------------------------------------------


class CaseSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    patient_id = fields.Integer(dump_only=True)
    board_id = fields.Integer(dump_only=True)
    submitter_id = fields.Integer(dump_only=True)
    status = read()
    conference_type = read()
    primary_site = read()
    tumour_size_cm = fields.Float(dump_only=True, allow_none=True)
    extent = fields.String(dump_only=True, allow_none=True)
    nodes_examined = fields.Integer(dump_only=True, allow_none=True)
    nodes_positive = fields.Integer(dump_only=True, allow_none=True)
    mesenteric_mass_cm = fields.Float(dump_only=True, allow_none=True)
    metastatic_sites = fields.List(fields.String(), dump_only=True, attribute="metastatic_site_list")
    differentiation = read(allow_none=True)
    functional_status = read(allow_none=True)
    syndrome = read(allow_none=True)
    symptoms = fields.String(dump_only=True)
    hereditary_syndrome = read(allow_none=True)
    ecog = fields.Integer(dump_only=True, allow_none=True)
    comorbidities = fields.String(dump_only=True)
    patient_preferences = fields.String(dump_only=True)
    clinical_question = fields.String(dump_only=True)
    no_pathology_reason = fields.String(dump_only=True)
    referred_from_id = fields.Integer(dump_only=True, allow_none=True)
    submitted_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


class CaseInput(ApiSchema):
    """A case's details, as the case form has them; `patient_id` on creation only."""

    board_id = record_id(required=True)
    conference_type = choice(CaseFields.conference_type, required=True)
    primary_site = choice(CaseFields.primary_site, required=True)
    tumour_size_cm = number(CaseFields.tumour_size_cm, allow_none=True)
    extent = fields.String(allow_none=True, metadata={"description": "A value the primary site allows."})
    nodes_examined = number(CaseFields.nodes_examined, allow_none=True)
    nodes_positive = number(CaseFields.nodes_positive, allow_none=True)
    mesenteric_mass_cm = number(CaseFields.mesenteric_mass_cm, allow_none=True)
    metastatic_sites = choices(CaseFields.metastatic_sites)
    differentiation = choice(CaseFields.differentiation, allow_none=True)
    functional_status = choice(CaseFields.functional_status, allow_none=True)
    syndrome = choice(CaseFields.syndrome, allow_none=True)
    symptoms = text(CaseFields.symptoms)
    hereditary_syndrome = choice(CaseFields.hereditary_syndrome, allow_none=True)
    ecog = WholeNumber(allow_none=True, metadata={"enum": [int(v) for v in _values(EcogPerformanceStatus)]})
    comorbidities = text(CaseFields.comorbidities)
    patient_preferences = text(CaseFields.patient_preferences)
    clinical_question = text(CaseFields.clinical_question)
    no_pathology_reason = text(CaseFields.no_pathology_reason)


class NewCaseInput(CaseInput):
    patient_id = record_id(required=True)


# Findings -------------------------------------------------------------------------------------------


class FindingSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    case_id = fields.Integer(dump_only=True)
    reported_by = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


class LabSchema(FindingSchema):
    sample_date = fields.Date(dump_only=True)
    analyte = read()
    value = fields.Float(dump_only=True)
    comparator = read(Comparator, allow_none=True)
    unit = fields.String(dump_only=True)
    ref_low = fields.Float(dump_only=True, allow_none=True)
    ref_high = fields.Float(dump_only=True, allow_none=True)
    note = fields.String(dump_only=True)
    flag = fields.String(dump_only=True, allow_none=True)
    # final, preliminary or corrected; withdrawn by the laboratory (HL7 OBX-11 D or W): kept, not counted
    status = read(LabStatus)
    withdrawal = read(Withdrawal, allow_none=True)


class LabInput(ApiSchema):
    sample_date = past_day(required=True)
    analyte = choice(LabFields.analyte, required=True)
    value = number(LabFields.value, required=True)
    comparator = choice(LabFields.comparator, allow_none=True)
    unit = text(LabFields.unit, required=True)
    ref_low = number(LabFields.ref_low, allow_none=True)
    ref_high = number(LabFields.ref_high, allow_none=True)
    note = text(LabFields.note)
    reported_by = text(LabFields.reported_by)


class ImagingSchema(FindingSchema):
    study_date = fields.Date(dump_only=True)
    modality = read()
    tracer = read(allow_none=True)
    region = fields.String(dump_only=True)
    krenning_score = fields.Integer(dump_only=True, allow_none=True)
    uptake_positive = fields.Boolean(dump_only=True, allow_none=True)
    fdg_vs_sstr = read(allow_none=True)
    target_lesion_sum_mm = fields.Float(dump_only=True, allow_none=True)
    new_lesions = fields.Boolean(dump_only=True)
    report_text = fields.String(dump_only=True)


class ImagingInput(ApiSchema):
    study_date = past_day(required=True)
    modality = choice(ImagingFields.modality, required=True)
    tracer = choice(ImagingFields.tracer, allow_none=True)
    region = text(ImagingFields.region)
    krenning_score = WholeNumber(allow_none=True, metadata={"minimum": 0, "maximum": 4})
    uptake_positive = fields.Boolean(allow_none=True)
    fdg_vs_sstr = choice(ImagingFields.fdg_vs_sstr, allow_none=True)
    target_lesion_sum_mm = number(ImagingFields.target_lesion_sum_mm, allow_none=True)
    new_lesions = fields.Boolean()
    report_text = text(ImagingFields.report_text)
    reported_by = text(ImagingFields.reported_by)


class PathologySchema(FindingSchema):
    report_date = fields.Date(dump_only=True)
    specimen_type = read()
    specimen_site = fields.String(dump_only=True)
    histology = read(allow_none=True)
    differentiation = read()
    ki67_percent = fields.Float(dump_only=True, allow_none=True)
    mitoses_per_2mm2 = fields.Float(dump_only=True, allow_none=True)
    mitoses_count = fields.Integer(dump_only=True, allow_none=True)
    mitoses_area_mm2 = fields.Float(dump_only=True, allow_none=True)
    necrosis = fields.Boolean(dump_only=True, allow_none=True)
    ihc = fields.Dict(keys=fields.String(), values=fields.String(), dump_only=True)
    margins = read(allow_none=True)
    lymphovascular_invasion = fields.Boolean(dump_only=True, allow_none=True)
    perineural_invasion = fields.Boolean(dump_only=True, allow_none=True)
    nodes_examined = fields.Integer(dump_only=True, allow_none=True)
    nodes_positive = fields.Integer(dump_only=True, allow_none=True)
    reported_grade = fields.String(dump_only=True, allow_none=True)
    reported_tnm = fields.String(dump_only=True)
    report_text = fields.String(dump_only=True)


class PathologyInput(ApiSchema):
    report_date = past_day(required=True)
    specimen_type = choice(PathologyFields.specimen_type, required=True)
    specimen_site = text(PathologyFields.specimen_site)
    histology = choice(PathologyFields.histology, allow_none=True)
    differentiation = choice(PathologyFields.differentiation, required=True)
    ki67_percent = number(PathologyFields.ki67_percent, allow_none=True)
    mitoses_per_2mm2 = number(PathologyFields.mitoses_per_2mm2, allow_none=True)
    mitoses_count = number(PathologyFields.mitoses_count, allow_none=True)
    mitoses_area_mm2 = number(PathologyFields.mitoses_area_mm2, allow_none=True)
    necrosis = fields.Boolean(allow_none=True)
    ihc = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={
            "description": "Immunohistochemistry: marker to result.",
            "properties": {
                marker.value: {"type": "string", "enum": list(IHC_RESULTS)} for marker in IhcMarker
            },
            CLOSED: True,
        },
    )
    margins = choice(PathologyFields.margins, allow_none=True)
    lymphovascular_invasion = fields.Boolean(allow_none=True)
    perineural_invasion = fields.Boolean(allow_none=True)
    nodes_examined = number(PathologyFields.nodes_examined, allow_none=True)
    nodes_positive = number(PathologyFields.nodes_positive, allow_none=True)
    reported_grade = fields.String(allow_none=True, metadata={"enum": list(REPORTED_GRADES)})
    reported_tnm = text(PathologyFields.reported_tnm)
    report_text = text(PathologyFields.report_text)
    reported_by = text(PathologyFields.reported_by)


class PriorTreatmentSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    case_id = fields.Integer(dump_only=True)
    treatment = read()
    start_date = fields.Date(dump_only=True)
    end_date = fields.Date(dump_only=True, allow_none=True)
    note = fields.String(dump_only=True)


class PriorTreatmentInput(ApiSchema):
    treatment = choice(PriorTreatmentFields.treatment, required=True)
    start_date = past_day(required=True)
    end_date = past_day(allow_none=True)
    note = text(PriorTreatmentFields.note)


# Boards, meetings, agendas, decisions ----------------------------------------------------------------


class BoardSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    description = fields.String(dump_only=True)
    active = fields.Boolean(dump_only=True)


class MeetingSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    board_id = fields.Integer(dump_only=True)
    status = read()
    starts_at = fields.DateTime(dump_only=True)
    duration_minutes = fields.Integer(dump_only=True)
    cutoff_at = fields.DateTime(dump_only=True)
    room = fields.String(dump_only=True)
    video_link = fields.String(dump_only=True)
    started_at = fields.DateTime(dump_only=True, allow_none=True)
    closed_at = fields.DateTime(dump_only=True, allow_none=True)
    version = fields.Integer(dump_only=True)


class MeetingInput(ApiSchema):
    """A meeting's plan, as the meeting form has it; `start` is the hospital's wall-clock time."""

    start = fields.NaiveDateTime(
        required=True,
        metadata={
            "description": "Local start, the hospital's time zone, no offset (2027-01-14T16:00), not in the "
            "past.",
            DAYS: FUTURE_START,
        },
    )
    duration_minutes = number(MeetingPlanFields.duration_minutes, required=True)
    room = text(MeetingPlanFields.room, load_default="")
    video_link = link(MeetingPlanFields.video_link, load_default="")
    cutoff_hours = number(MeetingPlanFields.cutoff_hours, load_default=48)
    capacity_cases = number(MeetingPlanFields.capacity_cases, allow_none=True, load_default=None)
    capacity_minutes = number(MeetingPlanFields.capacity_minutes, allow_none=True, load_default=None)


def _given(name: str) -> dict:
    return {"required": [name], "properties": {name: {"pattern": r"\S"}}}


# Rules between fields, added to the schemas' documents as they are (tumorboard.api.openapi_document).
BETWEEN_FIELDS = {
    "MeetingInput": {"anyOf": [_given("room"), _given("video_link")]},  # a room, a video link, or both
}


class CancellationInput(ApiSchema):
    reason = text(MeetingFields.cancel_reason, required=True)


class AgendaLockInput(ApiSchema):
    locked = fields.Boolean(required=True, metadata={"description": "true locks the agenda, false unlocks."})


class AgendaItemInput(ApiSchema):
    case_id = record_id(required=True)
    minutes = number(AgendaFields.minutes, load_default=10)
    mode = fields.String(load_default=AgendaMode.FULL.value, metadata={"enum": _values(AgendaMode)})
    late_reason = text(AgendaFields.late_reason, load_default="")


class AgendaOrderInput(ApiSchema):
    item_ids = fields.List(
        record_id(),
        required=True,
        metadata={"description": "Every agenda item's id once, in the new order."},
    )


class AgendaItemSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    meeting_id = fields.Integer(dump_only=True)
    case_id = fields.Integer(dump_only=True)
    position = fields.Integer(dump_only=True)
    minutes = fields.Integer(dump_only=True)
    mode = read()
    late = fields.Boolean(dump_only=True)
    outcome = read(allow_none=True)
    version = fields.Integer(dump_only=True)


class PlanItemSchema(ApiSchema):
    position = fields.Integer(dump_only=True)
    treatment = read(allow_none=True)
    intent = read(allow_none=True)
    detail = fields.String(dump_only=True)


class DecisionSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    agenda_item_id = fields.Integer(dump_only=True)
    case_id = fields.Integer(dump_only=True)
    meeting_id = fields.Integer(dump_only=True)
    number = fields.Integer(dump_only=True)
    status = read()
    outcome = read()
    recommendation = fields.String(dump_only=True)
    rationale = fields.String(dump_only=True)
    guideline_basis = read()
    guideline_reference = fields.String(dump_only=True)
    trial_candidate = fields.Boolean(dump_only=True)
    trial_identifier = fields.String(dump_only=True)
    dissent = fields.String(dump_only=True)
    next_review_date = fields.Date(dump_only=True, allow_none=True)
    present_again = fields.Boolean(dump_only=True)
    signed_at = fields.DateTime(dump_only=True, allow_none=True)
    supersedes_id = fields.Integer(dump_only=True, allow_none=True)
    items = fields.List(fields.Nested(PlanItemSchema), dump_only=True)
    version = fields.Integer(dump_only=True)


class PlanItemInput(ApiSchema):
    treatment = fields.String(allow_none=True, metadata={"enum": _values(Treatment)})
    intent = fields.String(allow_none=True, metadata={"enum": _values(PlanIntent)})
    responsible_specialty = fields.String(allow_none=True, metadata={"enum": _values(Specialty)})
    target_date = fields.Date(allow_none=True)
    detail = text(PlanItemFields.detail)


class DecisionDraftInput(ApiSchema):
    """A draft as the decision form saves it, whole: the fields and the plan (a field left out is saved
    empty, and the plan sent replaces the plan saved)."""

    outcome = choice(DecisionFields.outcome)
    recommendation = text(DecisionFields.recommendation)
    rationale = text(DecisionFields.rationale)
    guideline_basis = choice(DecisionFields.guideline_basis)
    guideline_reference = text(DecisionFields.guideline_reference)
    trial_candidate = fields.Boolean()
    trial_identifier = text(DecisionFields.trial_identifier)
    trial_name = text(DecisionFields.trial_name)
    dissent = text(DecisionFields.dissent)
    dissent_by = text(DecisionFields.dissent_by)
    preference_weighing = text(DecisionFields.preference_weighing)
    next_review_date = fields.Date(allow_none=True)
    present_again = fields.Boolean()
    items = fields.List(fields.Nested(PlanItemInput), load_default=list)


class FollowUpInput(ApiSchema):
    status = fields.String(required=True, metadata={"enum": _values(FollowUpStatus)})
    reason = fields.String(allow_none=True, load_default=None, metadata={"enum": _values(DeviationReason)})
    reason_text = text(FollowUpFields.reason_text, load_default="")
    started_on = fields.Date(allow_none=True, load_default=None)
    completed_on = fields.Date(allow_none=True, load_default=None)


class FollowUpSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    decision_id = fields.Integer(dump_only=True)
    status = read()
    reason = read(allow_none=True)
    reason_text = fields.String(dump_only=True)
    started_on = fields.Date(dump_only=True, allow_none=True)
    completed_on = fields.Date(dump_only=True, allow_none=True)
    recorded_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.Raw())
