"""Patients, cases and the case lifecycle. Every status transition of a case lives here.

Lifecycle: draft → submitted → scheduled → discussed → closed; also deferred (back to the pool for the
next meeting) and withdrawn. Meetings and decisions move cases only through the functions below.
"""

import json
from collections.abc import Mapping
from functools import partial
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tumorboard import fields as v
from tumorboard.audit.recording import diff, record, snapshot
from tumorboard.auth.roles import Role
from tumorboard.boards.models import Board
from tumorboard.cases.fields import CaseActionFields, CaseFields, PriorTreatmentFields
from tumorboard.cases.models import (
    ON_AGENDA,
    PRESENTED_AGAIN_FROM,
    TRANSITIONS,
    Case,
    CaseStatus,
    Patient,
    PriorTreatment,
)
from tumorboard.cases.readiness import Missing, missing_for_board, required_to_submit, written
from tumorboard.cases.summary import computed_grade_value
from tumorboard.clinical import staging
from tumorboard.clinical.vocabularies import (
    EcogPerformanceStatus,
    FunctionalStatus,
    PrimarySite,
)
from tumorboard.db import atomic, utcnow
from tumorboard.errors import OperationError, check_version
from tumorboard.extensions import db
from tumorboard.i18n import in_sentence
from tumorboard.notifications.operations import notify
from tumorboard.timezones import format_date, hospital_today

CASE_FIELDS = (
    "board_id",
    "conference_type",
    "primary_site",
    "tumour_size_cm",
    "extent",
    "nodes_examined",
    "nodes_positive",
    "mesenteric_mass_cm",
    "metastatic_sites",
    "differentiation",
    "functional_status",
    "syndrome",
    "symptoms",
    "hereditary_syndrome",
    "ecog",
    "comorbidities",
    "patient_preferences",
    "clinical_question",
    "no_pathology_reason",
)
SMALL_INTESTINE = frozenset({PrimarySite.JEJUNUM, PrimarySite.ILEUM})

# Cases ---------------------------------------------------------------------------------------------


def _clean_case(actor, data: Mapping[str, Any], case: Case | None = None) -> dict:
    """The case's fields from the form, each checked by its declaration (cases.fields), then the rules
    that join fields. A case that has been on an agenda keeps its board."""
    cleaned = v.clean_all(CaseFields, data)
    board_id: Any = data.get("board_id")  # as submitted: a form's string, or an int
    board: Board | None
    if case is not None and case.board_is_fixed:
        if str(board_id) != str(case.board_id):
            raise OperationError(board_fixed_message(case), field="board_id")
        board = case.board
    else:
        board = db.session.get(Board, int(board_id)) if str(board_id or "").isdigit() else None
        if board is None or not board.active or board.id not in actor.board_ids:
            raise OperationError(_("Choose one of your active boards."), field="board_id")
        origin = case.referred_from if case is not None else None
        if origin is not None and board.id == origin.board_id:
            raise OperationError(
                _(
                    "This case was referred from the %(board)s, which keeps the original case: "
                    "choose another board, or withdraw this referral.",
                    board=origin.board.name,
                ),
                field="board_id",
            )
    site = cleaned["primary_site"]
    cleaned["board_id"] = board.id
    cleaned["metastatic_sites"] = ",".join(cleaned["metastatic_sites"])
    ecog = data.get("ecog")  # the stored value is an int, the form's a string
    ecog = v.choice(
        None if ecog is None else str(ecog),
        EcogPerformanceStatus,
        _l("ECOG performance status"),
        "ecog",
        required=False,
    )
    cleaned["ecog"] = int(ecog) if ecog is not None else None
    if cleaned["tumour_size_cm"] == 0:  # the staging rules need a tumour (AJCC: size > 0)
        raise OperationError(_("The tumour size must be greater than 0 cm."), field="tumour_size_cm")
    extent = data.get("extent") or None
    if extent is not None and extent not in {value for value, _ in staging.extent_choices(site)}:
        raise OperationError(
            _("This extent of invasion does not apply to the chosen primary site."), field="extent"
        )
    cleaned["extent"] = extent
    v.nodes(cleaned["nodes_positive"], cleaned["nodes_examined"])
    if cleaned["mesenteric_mass_cm"] is not None and site not in SMALL_INTESTINE:
        raise OperationError(
            _("A mesenteric mass is recorded for jejunal or ileal primaries only."),
            field="mesenteric_mass_cm",
        )
    if cleaned["syndrome"] and cleaned["functional_status"] != FunctionalStatus.FUNCTIONAL:
        raise OperationError(
            _("A hormone syndrome is recorded only for a functional tumour."), field="syndrome"
        )
    return cleaned


@atomic
def create_case(actor, patient: Patient, **data) -> Case:
    """A submitter opens a draft case for a patient, addressed to one of their boards."""
    if not actor.has_role(Role.SUBMITTER):
        raise OperationError(_("Only referring clinicians register cases."))
    cleaned = _clean_case(actor, data)
    case = Case(patient=patient, submitter_id=actor.id, status=CaseStatus.DRAFT.value, **cleaned)
    db.session.add(case)
    db.session.flush()
    record("case.created", actor=actor, entity=case, changes=diff({}, snapshot(case, CASE_FIELDS)))
    return case


def board_fixed_message(case: Case) -> str:
    return (
        f"This case has been on an agenda of the {case.board.name}, and its history stays with that board. "
        "To bring it to another board, refer it: that makes a new case, linked to this one."
    )


@atomic
def update_case(actor, case: Case, *, expected_version: int | None, **data) -> None:
    if not case.can_edit(actor):
        raise OperationError(_("This case can no longer be edited by you."))
    check_version(case, expected_version)
    before = snapshot(case, CASE_FIELDS)
    cleaned = _clean_case(actor, data, case)
    for name, value in cleaned.items():
        setattr(case, name, value)
    db.session.flush()
    changes = diff(before, snapshot(case, CASE_FIELDS))
    if changes:
        case.computed_grade = computed_grade_value(case)
        record("case.updated", actor=actor, entity=case, changes=changes)


def touch_case(case: Case) -> None:
    """A finding changed: the case's version moves on (open case forms become stale) and the cached grade
    is refreshed."""
    case.updated_at = utcnow()
    case.computed_grade = computed_grade_value(case)


@atomic
def add_prior_treatment(
    actor, case: Case, *, treatment: str, start_date, end_date=None, note: str = ""
) -> PriorTreatment:
    if not case.can_edit(actor):
        raise OperationError(_("This case can no longer be edited by you."))
    today, birth = hospital_today(), case.patient.birth_date
    item = PriorTreatment(
        treatment=PriorTreatmentFields.treatment.clean(treatment, "treatment"),
        start_date=v.clinical_date(start_date, _l("start date"), "start_date", today=today, birth_date=birth),
        end_date=v.clinical_date(end_date, _l("end date"), "end_date", today=today, birth_date=birth)
        if end_date
        else None,
        note=PriorTreatmentFields.note.clean(note, "note"),
    )
    if item.end_date and item.end_date < item.start_date:
        raise OperationError(_("The end date is before the start date."), field="end_date")
    values = {n: getattr(item, n) for n in ("treatment", "start_date", "end_date", "note")}
    for other in case.prior_treatments:
        if all(getattr(other, n) == v for n, v in values.items()):
            raise OperationError(_("This prior treatment is already recorded with these dates and note."))
    case.prior_treatments.append(item)
    touch_case(case)
    db.session.flush()
    record(
        "case.prior_treatment_added",
        actor=actor,
        entity=case,
        changes={"prior_treatment": [None, f"{item.treatment} from {item.start_date.isoformat()}"]},
    )
    return item


@atomic
def remove_prior_treatment(
    actor, case: Case, item: PriorTreatment, *, expected_version: int | None = None
) -> None:
    """Remove a prior treatment; `expected_version`, when given (the API's If-Match), is the case's."""
    if not case.can_edit(actor) or item.case_id != case.id:
        raise OperationError(_("This case can no longer be edited by you."))
    if expected_version is not None:
        check_version(case, expected_version)
    case.prior_treatments.remove(item)
    touch_case(case)
    db.session.flush()
    record(
        "case.prior_treatment_removed",
        actor=actor,
        entity=case,
        changes={"prior_treatment": [f"{item.treatment} from {item.start_date.isoformat()}", None]},
    )


# Lifecycle -----------------------------------------------------------------------------------------


def _check_move(case: Case, to: CaseStatus, only_from: frozenset[CaseStatus] | None = None) -> CaseStatus:
    """The case's status, if TRANSITIONS (and the calling action, when it names its `only_from` states)
    allows the move to `to`."""
    current = CaseStatus(case.status)
    if to not in TRANSITIONS[current] or (only_from is not None and current not in only_from):
        raise OperationError(
            _(
                "A %(current)s case cannot become %(target)s.",
                current=in_sentence(current.label),
                target=in_sentence(to.label),
            )
        )
    return current


def _move(
    actor,
    case: Case,
    to: CaseStatus,
    action: str,
    details: dict | None = None,
    *,
    only_from: frozenset[CaseStatus] | None = None,
) -> None:
    current = _check_move(case, to, only_from)
    case.status = to
    case.status_changed_at = utcnow()
    db.session.flush()
    record(action, actor=actor, entity=case, changes={"status": [current.value, to.value]}, details=details)


def readiness(case: Case) -> list[Missing]:
    return missing_for_board(case, hospital_today(), current_app.config["IMAGING_MAX_AGE_WEEKS"])


def readiness_texts(entries) -> list[str]:
    """Readiness entries (live `Missing`s, or as a record stored them) in the reader's language."""
    return [written(entry, _, format_date) for entry in entries]


@atomic
def submit_case(
    actor, case: Case, *, expected_version: int | None, override_reason: str = ""
) -> list[Missing]:
    """Send a draft to its board. What the board will miss is recorded; submitting anyway needs a reason,
    which the board sees. A reason excuses missing findings, never a missing question."""
    if not case.can_submit(actor):
        raise OperationError(_("Only the submitter can submit a draft case."))
    check_version(case, expected_version)
    if not case.board.active or case.board_id not in actor.board_ids:
        raise OperationError(
            _("This board no longer takes your cases: choose another board on the case form.")
        )
    required = required_to_submit(case)
    if required:
        raise OperationError(
            _(
                "The case cannot go to the board without: %(missing)s Add it on the case form.",
                missing=" ".join(readiness_texts(required)),
            ),
            field="required",
        )
    missing = readiness(case)
    reason = CaseActionFields.override_reason.clean(override_reason, "override_reason")
    if missing and not reason:
        raise OperationError(
            _("Say why the board should discuss the case without what is missing."), field="override_reason"
        )
    if missing:
        v.reason_given(reason, "override_reason")
    stored = [entry.stored() for entry in missing]
    case.readiness_missing = json.dumps(stored)
    case.readiness_override_reason = reason if missing else ""
    case.submitted_at = utcnow()
    _move(
        actor,
        case,
        CaseStatus.SUBMITTED,
        "case.submitted",
        {"missing": [str(entry) for entry in missing], "reason": case.readiness_override_reason},
    )
    notify(
        case.board.coordinator_ids() - {actor.id},
        "case_submitted",
        partial(_submitted_message, case.id, case.board.name, len(missing)),
        f"/cases/{case.id}",
    )
    return missing


def _submitted_message(case_id: int, board: str, missing: int) -> str:
    if missing:
        return _(
            "Case %(case)s was submitted to the %(board)s's pool, with %(missing)s item(s) missing and the "
            "submitter's reason.",
            case=case_id,
            board=board,
            missing=missing,
        )
    return _("Case %(case)s was submitted to the %(board)s's pool.", case=case_id, board=board)


@atomic
def recall_case(actor, case: Case, *, expected_version: int | None) -> None:
    """The submitter takes a submitted case back to draft, before it is on an agenda."""
    if not case.can_recall(actor):
        raise OperationError(_("Only the submitter can take back a case that is not yet on an agenda."))
    check_version(case, expected_version)
    _move(actor, case, CaseStatus.DRAFT, "case.recalled")


@atomic
def withdraw_case(actor, case: Case, *, expected_version: int | None, reason: str) -> None:
    if not case.can_withdraw(actor):
        raise OperationError(_("Only the submitter can withdraw this case."))
    check_version(case, expected_version)
    reason = CaseActionFields.withdraw_reason.clean(reason, "reason")
    _move(actor, case, CaseStatus.WITHDRAWN, "case.withdrawn", {"reason": reason})


@atomic
def schedule_case(actor, case: Case, *, details: dict | None = None) -> None:
    """Called by the meetings package when a coordinator puts the case on an agenda. From the first
    agenda on, the case stays with its board."""
    if case.first_scheduled_at is None:
        case.first_scheduled_at = utcnow()
    _move(actor, case, CaseStatus.SCHEDULED, "case.scheduled", details)


@atomic
def unschedule_case(actor, case: Case, *, details: dict | None = None) -> None:
    """Off the agenda, back to the pool; only a scheduled case (a discussed one is presented again)."""
    _move(actor, case, CaseStatus.SUBMITTED, "case.unscheduled", details, only_from=ON_AGENDA)


@atomic
def defer_case(actor, case: Case, *, details: dict | None = None) -> None:
    _move(actor, case, CaseStatus.DEFERRED, "case.deferred", details)


@atomic
def mark_discussed(actor, case: Case, *, details: dict | None = None) -> None:
    _move(actor, case, CaseStatus.DISCUSSED, "case.discussed", details)


@atomic
def close_case(actor, case: Case, *, details: dict | None = None) -> None:
    _move(actor, case, CaseStatus.CLOSED, "case.closed", details)


@atomic
def present_again(actor, case: Case, *, details: dict | None = None) -> None:
    """A discussed or closed case goes back to its board's pool (follow-up, progression)."""
    _check_move(case, CaseStatus.SUBMITTED, PRESENTED_AGAIN_FROM)
    case.submitted_at = utcnow()
    _move(actor, case, CaseStatus.SUBMITTED, "case.presented_again", details, only_from=PRESENTED_AGAIN_FROM)
