"""A case as it was presented to the board, frozen: the patient as then recorded, every clinical field, every
finding, the clinical summary the app computed then (with its rules and inputs) and the readiness warnings.

`case_record` turns the live case into plain JSON for a frozen record (tumorboard.frozen); `frozen_case`
and `frozen_summary` turn such a record back into transient objects of the same classes, so that the
pages and documents that show a case show a frozen one the same way, and nothing of it is read from, or
ever written to, the database. The grade and stage come back as computed then, never recomputed with
today's rules.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime

from tumorboard.audit.recording import json_value
from tumorboard.auth.models import User
from tumorboard.boards.models import Board
from tumorboard.cases.models import Case, ImagingStudy, LabResult, PathologyReport, Patient, PriorTreatment
from tumorboard.cases.readiness import Missing
from tumorboard.cases.summary import CaseSummary, Flag, GradeFinding
from tumorboard.clinical.coding import CodeSuggestions
from tumorboard.clinical.imaging import KrenningResult
from tumorboard.clinical.results import Result
from tumorboard.clinical.staging import Staging
from tumorboard.extensions import Model

# Columns of the live rows that stay out of a record: bookkeeping, not what the board saw.
_SKIPPED = frozenset({"version", "created_by_id", "computed_grade"})
FINDINGS = (("imaging", ImagingStudy), ("labs", LabResult), ("pathology", PathologyReport))


def _columns(obj) -> dict[str, Any]:
    return {
        column.key: json_value(getattr(obj, column.key))
        for column in type(obj).__table__.columns
        if column.key not in _SKIPPED
    }


def _result(result: Result | None) -> dict | None:
    if result is None:
        return None
    data: dict[str, Any] = {
        "category": str(result.category),
        "rule": result.rule,
        "inputs": {key: json_value(value) for key, value in result.inputs.items()},
        "disputed_reason": result.disputed_reason,
        "note": result.note,
    }
    if isinstance(result, KrenningResult):
        data |= {"score": result.score, "prrt_eligible": result.prrt_eligible}
    return data


def summary_data(summary: CaseSummary) -> dict:
    grade = summary.grade
    return {
        "grade": None
        if grade is None
        else {
            "result": _result(grade.result),
            "report_id": getattr(grade.report, "id", None),
            "scheme": grade.scheme,
            "reported": grade.reported,
        },
        "staging": None
        if summary.staging is None
        else {part: _result(getattr(summary.staging, part)) for part in ("t", "n", "m", "stage")},
        "reported_tnm": summary.reported_tnm,
        "codes": None
        if summary.codes is None
        else {
            "morphology": _result(summary.codes.morphology),
            "icd10": [_result(code) for code in summary.codes.icd10],
        },
        "recist": _result(summary.recist),
        "krenning": _result(summary.krenning),
        "netpet": _result(summary.netpet),
        "flags": [{"kind": flag.kind, "message": flag.message} for flag in summary.flags],
    }


def case_record(case: Case, summary: CaseSummary, missing: list) -> dict:
    """Everything a page or document shows of the case, as plain JSON."""
    patient = case.patient
    return {
        "case": _columns(case),
        "patient": _columns(patient),
        "board": {"id": case.board.id, "name": case.board.name},
        "submitter": {"id": case.submitter.id, "name": case.submitter.name, "email": case.submitter.email},
        **{name: [_columns(f) for f in getattr(case, name)] for name, _ in FINDINGS},
        "prior_treatments": [_columns(t) for t in case.prior_treatments],
        "summary": summary_data(summary),
        "missing": [entry.stored() if isinstance(entry, Missing) else entry for entry in missing],
    }


def _parsed(model: type[Model], values: dict) -> Any:
    """A transient `model` with the recorded values (columns added since the record was taken stay unset)."""
    obj = model()
    for column in model.__table__.columns:
        if column.key not in values:
            continue
        value = values[column.key]
        if value is not None and isinstance(column.type, Date):
            value = date.fromisoformat(value)
        elif value is not None and isinstance(getattr(column.type, "impl", column.type), DateTime):
            value = datetime.fromisoformat(value)
        setattr(obj, column.key, value)
    return obj


def frozen_case(record: dict) -> Case:
    """The recorded case as transient objects: never added to a session, so never flushed."""
    case = _parsed(Case, record["case"])
    case.patient = _parsed(Patient, record["patient"])
    case.board = Board(**record["board"])
    case.submitter = User(**record["submitter"])
    for name, model in FINDINGS:
        setattr(case, name, [_parsed(model, values) for values in record[name]])
    case.prior_treatments = [_parsed(PriorTreatment, values) for values in record["prior_treatments"]]
    return case


def _restored(data: dict | None, cls: type[Result] = Result) -> Result | None:
    if data is None:
        return None
    return _restored_result(data, cls)


def _restored_result(data: dict, cls: type[Result] = Result) -> Result:
    fields = {key: data[key] for key in ("category", "rule", "inputs", "disputed_reason", "note")}
    if "score" in data:
        return KrenningResult(**fields, score=data["score"], prrt_eligible=data["prrt_eligible"])
    return cls(**fields)


def frozen_summary(record: dict, case: Case) -> CaseSummary:
    """The clinical summary as computed when the record was taken (`case` is its `frozen_case`)."""
    data = record["summary"]
    krenning = _restored(data["krenning"])
    if krenning is not None and not isinstance(krenning, KrenningResult):
        raise ValueError("The recorded Krenning result has no score.")
    summary = CaseSummary(
        reported_tnm=data["reported_tnm"],
        recist=_restored(data["recist"]),
        krenning=krenning,
        netpet=_restored(data["netpet"]),
        flags=[Flag(**flag) for flag in data["flags"]],
    )
    if data["grade"] is not None:
        grade = data["grade"]
        report = next((r for r in case.pathology if r.id == grade["report_id"]), None)
        summary.grade = GradeFinding(
            _restored_result(grade["result"]), report, grade["scheme"], grade["reported"]
        )
    if data["staging"] is not None:
        summary.staging = Staging(
            **{part: _restored_result(data["staging"][part]) for part in ("t", "n", "m", "stage")}
        )
    if data["codes"] is not None:
        summary.codes = CodeSuggestions(
            _restored_result(data["codes"]["morphology"]),
            tuple(_restored_result(code) for code in data["codes"]["icd10"]),
        )
    return summary
