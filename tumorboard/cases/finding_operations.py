"""Adding, editing and removing the dated findings of a case: imaging, laboratory, pathology.

Findings stay editable until the board has discussed the case; each change is audited before → after
and moves the case's version on, so a case form opened before is answered with 409.
"""

import json
from collections.abc import Callable, Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tumorboard import fields as v
from tumorboard.audit.recording import diff, record, snapshot
from tumorboard.cases.fields import ImagingFields, LabFields, PathologyFields
from tumorboard.cases.models import Case, ImagingStudy, LabResult, LabStatus, PathologyReport, Withdrawal
from tumorboard.cases.operations import touch_case
from tumorboard.clinical import grading
from tumorboard.clinical.vocabularies import (
    Comparator,
    IhcMarker,
    ImagingModality,
)
from tumorboard.db import atomic, utcnow
from tumorboard.errors import OperationError, check_version
from tumorboard.extensions import db
from tumorboard.timezones import format_number, hospital_today

# An immunostain's result: the value stored, and its label.
IHC_RESULT_LABELS = {
    "positive": _l("Positive"),
    "negative": _l("Negative"),
    "focal": _l("Focal"),
    "lost": _l("Lost"),
    "retained": _l("Retained"),
    "aberrant": _l("Aberrant"),
}
IHC_RESULTS = tuple(IHC_RESULT_LABELS)
REPORTED_GRADES = (
    "G1",
    "G2",
    "G3",
    "NEC",
    "typical carcinoid",
    "atypical carcinoid",
    "high-grade (LCNEC/SCLC)",
)
PET_MODALITIES = frozenset({ImagingModality.SSTR_PET_CT, ImagingModality.FDG_PET_CT})


def _yes_no(data: Mapping, field: str) -> bool | None:
    value = data.get(field)
    if value in (None, "", "unknown"):
        return None
    if value in (True, "yes", "true", "1"):
        return True
    if value in (False, "no", "false", "0"):
        return False
    raise OperationError(_("Answer yes, no or unknown."), field=field)


def _finding_date(case: Case, value, what: str, field: str):
    return v.clinical_date(value, what, field, today=hospital_today(), birth_date=case.patient.birth_date)


def clean_imaging(case: Case, data: Mapping) -> dict:
    cleaned = {
        "study_date": _finding_date(case, data.get("study_date"), _l("study date"), "study_date"),
        **v.clean_all(ImagingFields, data),
        "krenning_score": v.integer(
            data.get("krenning_score"), _l("Krenning score"), "krenning_score", low=0, high=4
        ),
        "uptake_positive": _yes_no(data, "uptake_positive"),
        "new_lesions": bool(_yes_no(data, "new_lesions")),
    }
    modality = ImagingModality(cleaned["modality"])
    if cleaned["tracer"] and modality is not ImagingModality.SSTR_PET_CT:
        raise OperationError(_("A tracer is recorded for SSTR PET/CT only."), field="tracer")
    if cleaned["krenning_score"] is not None and not modality.shows_sstr_uptake:
        raise OperationError(_("The Krenning score applies to SSTR imaging only."), field="krenning_score")
    krenning, uptake = cleaned["krenning_score"], cleaned["uptake_positive"]
    if krenning is not None and uptake is not None and (krenning > 0) != uptake:
        raise OperationError(
            _(
                "A Krenning score of %(score)d means some uptake; the uptake answer says otherwise.",
                score=krenning,
            )
            if krenning
            else _("A Krenning score of 0 means no uptake; the uptake answer says otherwise."),
            field="uptake_positive",
        )
    if cleaned["uptake_positive"] is not None and modality not in PET_MODALITIES:
        raise OperationError(
            _("Tracer uptake is recorded for SSTR or FDG PET only."), field="uptake_positive"
        )
    if cleaned["fdg_vs_sstr"]:
        if modality is not ImagingModality.FDG_PET_CT:
            raise OperationError(
                _("The FDG/SSTR comparison is recorded on the FDG PET."), field="fdg_vs_sstr"
            )
        if not cleaned["uptake_positive"]:
            raise OperationError(
                _("Compare FDG with SSTR uptake only when the FDG PET is positive."), field="fdg_vs_sstr"
            )
    return cleaned


def clean_lab(case: Case, data: Mapping) -> dict:
    written, value = LabFields.value.split(data.get("value"), "value")
    given = LabFields.comparator.clean(data.get("comparator"), "comparator") or None
    if written and given and written != given:
        raise OperationError(
            _(
                "The value says %(written)s, the comparator %(given)s: give the comparator once.",
                written=written,
                given=given,
            ),
            field="value",
        )
    comparator = written or given
    cleaned = {
        **v.clean_all(LabFields, data, ("analyte",)),
        "value": value,
        "comparator": Comparator(comparator) if comparator else None,
        "sample_date": _finding_date(case, data.get("sample_date"), _l("sample date"), "sample_date"),
        **v.clean_all(LabFields, data, ("unit", "ref_low", "ref_high", "note", "reported_by")),
    }
    if (
        cleaned["ref_low"] is not None
        and cleaned["ref_high"] is not None
        and cleaned["ref_low"] > cleaned["ref_high"]
    ):
        raise OperationError(_("The lower reference limit is above the upper one."), field="ref_low")
    return cleaned


def clean_pathology(case: Case, data: Mapping) -> dict:
    mitoses = v.clean_all(PathologyFields, data, ("mitoses_count", "mitoses_area_mm2", "mitoses_per_2mm2"))
    count, area, per_2mm2 = mitoses["mitoses_count"], mitoses["mitoses_area_mm2"], mitoses["mitoses_per_2mm2"]
    if (count is None) != (area is None):
        raise OperationError(
            _("Give both the mitotic count and the area counted, or neither."), field="mitoses_area_mm2"
        )
    if count is not None:
        converted = round(grading.per_2mm2(count, area), 2)
        if per_2mm2 is not None and abs(per_2mm2 - converted) > 0.05:
            raise OperationError(
                _(
                    "%(count)s mitoses in %(area)s mm² is %(converted)s per 2 mm², not %(given)s; "
                    "leave one of them empty.",
                    count=format_number(count),
                    area=format_number(area),
                    converted=format_number(converted),
                    given=format_number(per_2mm2),
                ),
                field="mitoses_per_2mm2",
            )
        per_2mm2 = converted
    ihc = {}
    for marker, result in dict(data.get("ihc") or {}).items():
        if not result:
            continue
        v.choice(marker, IhcMarker, _l("IHC marker"), "ihc")
        if result not in IHC_RESULTS:
            raise OperationError(_("Unknown IHC result."), field="ihc")
        ihc[marker] = result
    reported_grade = data.get("reported_grade") or None
    if reported_grade is not None and reported_grade not in REPORTED_GRADES:
        raise OperationError(_("Unknown reported grade."), field="reported_grade")
    simple = [name for name in v.rules_of(PathologyFields) if not name.startswith("mitoses_")]
    cleaned = {
        "report_date": _finding_date(case, data.get("report_date"), _l("report date"), "report_date"),
        **v.clean_all(PathologyFields, data, simple),
        "mitoses_per_2mm2": per_2mm2,
        "mitoses_count": count,
        "mitoses_area_mm2": area,
        "necrosis": _yes_no(data, "necrosis"),
        "ihc_results": json.dumps(ihc, sort_keys=True),
        "lymphovascular_invasion": _yes_no(data, "lymphovascular_invasion"),
        "perineural_invasion": _yes_no(data, "perineural_invasion"),
        "reported_grade": reported_grade,
    }
    v.nodes(cleaned["nodes_positive"], cleaned["nodes_examined"])
    return cleaned


Finding = ImagingStudy | LabResult | PathologyReport
KINDS: dict[str, tuple[type[Finding], Callable[[Case, Mapping], dict], str]] = {
    "imaging": (ImagingStudy, clean_imaging, "imaging"),
    "lab": (LabResult, clean_lab, "lab_results"),
    "pathology": (PathologyReport, clean_pathology, "pathology"),
}


# What a finding's refusal as a copy says, per kind (a whole sentence each: German declines the noun).
COPY_REFUSALS = {
    "imaging": _l(
        "This imaging study is already recorded with exactly these values. "
        "If it is another one, a value differs: correct it and save again."
    ),
    "lab": _l(
        "This laboratory result is already recorded with exactly these values. "
        "If it is another one, a value differs: correct it and save again."
    ),
    "pathology": _l(
        "This pathology report is already recorded with exactly these values. "
        "If it is another one, a value differs: correct it and save again."
    ),
}


def refuse_a_copy(existing, cleaned: Mapping, kind: str) -> None:
    """A finding identical in every value the clinician entered to one the case already has is the same
    entry made twice (Back to the form and Save again, typed from the same report), not a second result."""
    for other in existing:
        if all(getattr(other, name) == value for name, value in cleaned.items()):
            raise OperationError(COPY_REFUSALS[kind])


def _check_open(actor, case: Case) -> None:
    if not case.can_edit_findings(actor):
        raise OperationError(_("Findings of this case can no longer be changed by you."))


def _check_belongs(case: Case, kind: str, finding) -> None:
    """The finding is one of this case's, of this kind: access was checked on this case."""
    if not isinstance(finding, KINDS[kind][0]) or finding.case_id != case.id:
        raise OperationError(_("This finding does not belong to this case."))


@atomic
def add_finding(actor, case: Case, kind: str, data: Mapping, *, source: tuple[str, str] | None = None):
    """Record a new imaging study, laboratory result or pathology report for the case; `source` is the
    (system, identifier) of the hospital's record it was imported from (`cases.fhir_import`)."""
    _check_open(actor, case)
    _model, clean, collection = KINDS[kind]
    cleaned = clean(case, data)
    refuse_a_copy(case.labs if kind == "lab" else getattr(case, collection), cleaned, kind)
    return _add(actor, case, kind, cleaned, {"case": case.id}, source)


def _add(
    actor, case: Case, kind: str, cleaned: Mapping, details: dict, source: tuple[str, str] | None = None
):
    model, _clean, collection = KINDS[kind]
    finding = model(created_by_id=actor.id, **cleaned)
    if source is not None:
        finding.source_system, finding.source_id = source
    getattr(case, collection).append(finding)
    db.session.flush()
    touch_case(case)
    record(
        f"{kind}.added",
        actor=actor,
        entity=finding,
        changes=diff({}, snapshot(finding, [*cleaned, "source_system", "source_id"] if source else cleaned)),
        details=details,
    )
    return finding


@atomic
def file_received_result(
    actor,
    case: Case,
    data: Mapping,
    *,
    message_id: int,
    source: tuple[str, str] | None = None,
    status: LabStatus = LabStatus.FINAL,
) -> LabResult | None:
    """A laboratory result the hospital sent (HL7 ORU^R01), cleaned as a typed one is; audited as
    `lab.added` with the message it came in. `source` names the result among the laboratory's (its order,
    code and sub-id): the case's result of that name is replaced (the final value of a preliminary one,
    audited `lab.updated` before → after). One the case already has with exactly these values (the
    laboratory sent it again under a new control id) is not recorded twice: None."""
    if not case.can_file_received_result(actor):
        raise OperationError(_("Results can no longer be filed on this case."))
    cleaned = {**clean_lab(case, data), "status": status}
    # withdrawn ones included, as a FHIR import finds its finding again (the results are loaded already)
    existing = next((r for r in case.lab_results if (r.source_system, r.source_id) == source), None)
    if existing is not None:
        return existing if _replace_received(actor, existing, cleaned, message_id, "lab.updated") else None
    if any(all(getattr(other, k) == value for k, value in cleaned.items()) for other in case.labs):
        return None
    return _add(actor, case, "lab", cleaned, {"case": case.id, "hl7_message": message_id}, source)


def _replace_received(actor, lab: LabResult, cleaned: Mapping, message_id: int, action: str) -> dict:
    """The received result's values replaced, audited `action` before → after; the changes."""
    fields = [*cleaned, "withdrawal", "withdrawn_at"]
    before = snapshot(lab, fields)
    for name, value in cleaned.items():
        setattr(lab, name, value)
    lab.withdrawal = None
    lab.withdrawn_at = None
    changes = diff(before, snapshot(lab, fields))
    if changes:
        db.session.flush()
        touch_case(lab.case)
        details = {"case": lab.case_id, "hl7_message": message_id}
        record(action, actor=actor, entity=lab, changes=changes, details=details)
    return changes


def _check_interface(actor) -> None:
    if not getattr(actor, "is_hl7_interface", False):
        raise OperationError(_("Only the laboratory's interface corrects or withdraws a received result."))


@atomic
def correct_received_result(actor, lab: LabResult, data: Mapping, *, message_id: int) -> dict[str, list]:
    """The laboratory corrected a result it sent (OBX-11 C): its values become the corrected ones, on any
    case, whatever its status (what the board saw is in its frozen record); the before → after is the
    audit event `lab.corrected`. Returns the changes ({} when the correction changes nothing)."""
    _check_interface(actor)
    cleaned = {**clean_lab(lab.case, data), "status": LabStatus.CORRECTED}
    return _replace_received(actor, lab, cleaned, message_id, "lab.corrected")


@atomic
def withdraw_received_result(actor, lab: LabResult, why: Withdrawal, *, message_id: int) -> bool:
    """The laboratory withdrew a result it sent (OBX-11 D, or W: it was for the wrong patient): kept,
    never deleted, marked withdrawn, and out of every chart, check and summary from now on. False when it
    was withdrawn already."""
    _check_interface(actor)
    if lab.status is LabStatus.WITHDRAWN:
        return False
    was = lab.status.value
    lab.status = LabStatus.WITHDRAWN
    lab.withdrawal = why
    lab.withdrawn_at = utcnow()
    db.session.flush()
    touch_case(lab.case)
    record(
        "lab.withdrawn",
        actor=actor,
        entity=lab,
        changes={"status": [was, LabStatus.WITHDRAWN.value], "withdrawal": [None, why.value]},
        details={"case": lab.case_id, "hl7_message": message_id},
    )
    return True


@atomic
def update_finding(
    actor, case: Case, kind: str, finding, *, expected_version: int | None, data: Mapping
) -> None:
    _check_open(actor, case)
    _check_belongs(case, kind, finding)
    check_version(finding, expected_version)
    cleaned = KINDS[kind][1](case, data)
    before = snapshot(finding, cleaned)
    for name, value in cleaned.items():
        setattr(finding, name, value)
    db.session.flush()
    changes = diff(before, snapshot(finding, cleaned))
    if changes:
        touch_case(case)
        record(f"{kind}.updated", actor=actor, entity=finding, changes=changes, details={"case": case.id})


@atomic
def remove_finding(actor, case: Case, kind: str, finding, *, expected_version: int | None) -> None:
    _check_open(actor, case)
    _check_belongs(case, kind, finding)
    check_version(finding, expected_version)
    model, clean, collection = KINDS[kind]
    before = snapshot(finding, [c.key for c in model.__table__.columns if c.key not in ("id", "case_id")])
    getattr(case, collection).remove(finding)
    db.session.flush()
    touch_case(case)
    record(
        f"{kind}.removed",
        actor=actor,
        entity_type=model.__tablename__,
        entity_id=finding.id,
        changes=diff(before, {}),
        details={"case": case.id},
        scope=case,
    )
