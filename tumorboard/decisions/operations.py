"""Recording, signing and amending the board's decision, and following it up.

The decision is typed during the meeting (autosaved drafts, optimistic locking), signed by the chair with
their password (or a fresh sign-in at the hospital's provider), and never changed afterwards: a change is
an amendment, a new version with a reason. The case's status follows: signing a first decision marks the
agenda item discussed (or deferred) through the meetings and cases operations.

One agenda item has one decision in force and at most one draft, whatever the race: each operation runs
under the writers' lock and reads the state the last writer committed (`tumorboard.db.atomic`), so a
second "start" finds the first one's draft, a second "sign" finds it signed and a second "amend" finds
the amendment already started; the database's unique indexes refuse anything else.
"""

import json
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from functools import partial

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import String, cast, literal, select

from tumorboard.audit.recording import diff, record, snapshot
from tumorboard.auth import step_up as reauthentication
from tumorboard.cases import operations as case_operations
from tumorboard.cases.models import PRESENTED_AGAIN_FROM, CaseStatus
from tumorboard.cases.summary import summarise
from tumorboard.clinical.labels import N_
from tumorboard.clinical.specialties import Specialty
from tumorboard.clinical.vocabularies import (
    SYSTEMIC_CATEGORIES,
    DeviationReason,
    ImagingModality,
    PlanIntent,
    Treatment,
)
from tumorboard.db import atomic, utcnow
from tumorboard.decisions import checks, publication
from tumorboard.decisions.documents import SNAPSHOT_SCHEMA, snapshot_data
from tumorboard.decisions.fields import (
    DecisionFields,
    FollowUpFields,
    LetterFields,
    PlanItemFields,
    SigningFields,
)
from tumorboard.decisions.models import (
    DECISION_FIELDS,
    Decision,
    DecisionAction,
    DecisionOutcome,
    DecisionSnapshot,
    DecisionStatus,
    FollowUp,
    FollowUpStatus,
    PlanItem,
    ResultChange,
    ResultNotice,
)
from tumorboard.decisions.queries import follow_up_due
from tumorboard.errors import OperationError, check_version
from tumorboard.extensions import db
from tumorboard.fields import clean_all, reason_given
from tumorboard.i18n import Language
from tumorboard.meetings import operations as meeting_operations
from tumorboard.meetings.models import AgendaItem, AttendanceStatus, MeetingAction
from tumorboard.notifications.models import Notification, ReminderKind, ReminderSent
from tumorboard.notifications.operations import claim_reminder, notify, remind
from tumorboard.timezones import hospital_today

MAX_PLAN_ITEMS = 20
SSTR_MODALITIES = frozenset({ImagingModality.SSTR_PET_CT.value, ImagingModality.OCTREOSCAN_SPECT.value})


def current_decision(item: AgendaItem) -> Decision | None:
    """The item's newest decision: the draft being typed, or the signed one in force."""
    return db.session.scalar(
        select(Decision)
        .where(Decision.agenda_item_id == item.id, Decision.status != DecisionStatus.SUPERSEDED.value)
        .order_by(Decision.number.desc())
        .limit(1)
    )


class AmendmentPending(OperationError):
    """Someone started the amendment of this version first: the one to work on is theirs."""

    def __init__(self, amendment: Decision):
        super().__init__("An amendment of this decision is already being prepared: carry on with it.")
        self.amendment = amendment


RECORD = MeetingAction.RECORD_DECISIONS
DEFERRED_HERE = N_("The board deferred this case at this meeting: it decides it at a later one.")


@atomic
def start_decision(actor, item: AgendaItem) -> Decision:
    """The draft decision for an agenda item, made when the board reaches the case in the meeting."""
    meeting = item.meeting
    if not meeting.is_for(RECORD.who, actor):
        raise OperationError(RECORD.not_allowed)
    existing = current_decision(item)
    if existing is not None:
        return existing
    if not meeting.allows(RECORD):
        raise OperationError(RECORD.not_now)
    if item.was_deferred:
        raise OperationError(_(DEFERRED_HERE))
    decision = Decision(
        agenda_item_id=item.id,
        case_id=item.case_id,
        meeting_id=item.meeting_id,
        number=1,
        created_by_id=actor.id,
    )
    db.session.add(decision)
    db.session.flush()
    record("decision.started", actor=actor, entity=decision, details={"case": item.case_id})
    return decision


def _clean_fields(data: Mapping) -> dict:
    """The decision's fields, each checked by its declaration (decisions.fields), then the rules that
    join them."""
    review = data.get("next_review_date")
    if review is not None and not isinstance(review, date):
        raise OperationError(_("Enter the review date as a date."), field="next_review_date")
    if review is not None and review < hospital_today():
        raise OperationError(_("The next review cannot be in the past."), field="next_review_date")
    trial = bool(data.get("trial_candidate"))
    cleaned = {
        **clean_all(DecisionFields, data),
        "trial_candidate": trial,
        "next_review_date": review,
        "present_again": bool(data.get("present_again")),
    }
    if not trial:
        cleaned["trial_identifier"] = cleaned["trial_name"] = ""
    return cleaned


def _vocabulary(value, enum, unknown: str):
    if value in (None, ""):
        return None
    try:
        return enum(value).value
    except ValueError:
        raise OperationError(unknown, field="items") from None


def _clean_items(rows: Sequence[Mapping]) -> list[dict]:
    """Every row someone typed into, kept as typed: a draft may hold a treatment whose intent is not
    chosen yet. Signing asks for complete rows (`_require_complete`)."""
    items = []
    for row in rows:
        target = row.get("target_date")
        if target is not None and not isinstance(target, date):
            raise OperationError(_("Enter the target date as a date."), field="items")
        item = {
            "treatment": _vocabulary(row.get("treatment"), Treatment, _l("Unknown treatment in the plan.")),
            "detail": PlanItemFields.detail.clean(row.get("detail"), "items"),
            "intent": _vocabulary(row.get("intent"), PlanIntent, _l("Unknown intent in the plan.")),
            "responsible_specialty": _vocabulary(
                row.get("responsible_specialty"), Specialty, _l("Unknown specialty in the plan.")
            ),
            "target_date": target,
        }
        if any(value not in (None, "") for value in item.values()):
            items.append(item)
    if len(items) > MAX_PLAN_ITEMS:
        raise OperationError(_("A plan has at most %(most)d items.", most=MAX_PLAN_ITEMS), field="items")
    return items


def plan_lines(decision: Decision) -> list[str]:
    """The plan as one line per item, for the audit trail and the history's differences."""
    return [
        _plan_line(i.treatment, i.intent, i.responsible_specialty, i.target_date, i.detail)
        for i in decision.items
    ]


def plan_lines_of(rows: Sequence[Mapping]) -> list[str]:
    """The same lines for plan rows as typed into the form (to show beside a saved plan)."""
    return [
        _plan_line(
            row.get("treatment"),
            row.get("intent"),
            row.get("responsible_specialty"),
            row.get("target_date") if isinstance(row.get("target_date"), date) else None,
            row.get("detail") or "",
        )
        for row in rows
        if any(row.get(k) for k in ("treatment", "intent", "responsible_specialty", "target_date", "detail"))
    ]


def _plan_line(treatment, intent, specialty, target: date | None, detail: str) -> str:
    return (
        f"{treatment or '(no treatment)'} · {intent or '(no intent)'} · {specialty or '(no one responsible)'}"
        + (f" · {target.isoformat()}" if target else "")
        + (f" · {detail}" if detail else "")
    )


@atomic
def save_draft(
    actor, decision: Decision, *, expected_version: int | None, data: Mapping, items: Sequence[Mapping]
) -> None:
    """Save what was typed (the form's save, or the page's autosave). A stale version is refused, so two
    people typing at once never overwrite each other."""
    if not decision.allows(DecisionAction.SAVE):
        raise OperationError(_("This decision is signed: change it with an amendment."))
    if not decision.can_edit(actor):
        raise OperationError(RECORD.not_allowed)
    check_version(decision, expected_version)
    before = {**snapshot(decision, DECISION_FIELDS), "items": plan_lines(decision)}
    for name, value in _clean_fields(data).items():
        setattr(decision, name, value)
    new_items = _clean_items(items)
    decision.items.clear()
    db.session.flush()
    for position, row in enumerate(new_items, start=1):
        decision.items.append(PlanItem(position=position, **row))
    decision.updated_at = utcnow()
    db.session.flush()
    changes = diff(before, {**snapshot(decision, DECISION_FIELDS), "items": plan_lines(decision)})
    if changes:
        record("decision.saved", actor=actor, entity=decision, changes=changes)


def clinical_picture(decision: Decision) -> checks.ClinicalPicture:
    case = decision.case
    summary = summarise(case)
    report = summary.grade.report if summary.grade else None
    krenning = [
        s for s in sorted(case.imaging, key=lambda s: (s.study_date, s.id)) if s.krenning_score is not None
    ]
    return checks.ClinicalPicture(
        differentiation=(
            report.differentiation if report and report.differentiation != "unknown" else case.differentiation
        ),
        histology=report.histology if report else None,
        grade=str(summary.grade.result.category) if summary.grade else None,
        m_category=str(summary.staging.m.category) if summary.staging else None,
        has_sstr_imaging=any(s.modality in SSTR_MODALITIES for s in case.imaging),
        krenning_score=krenning[-1].krenning_score if krenning else None,
        functional_syndrome=case.syndrome if case.functional_status == "functional" else None,
        primary_site=case.primary_site,
        # the case's recorded history: nothing recorded reads as "no earlier systemic treatment recorded",
        # which is what the warning says (it asks, it does not block)
        prior_systemic_treatment=any(
            Treatment(t.treatment).category in SYSTEMIC_CATEGORIES for t in case.prior_treatments
        ),
    )


def consistency_warnings(decision: Decision) -> list[checks.CheckWarning]:
    # a draft's unfinished rows are checked once they are complete (signing requires them to be)
    items = [
        checks.PlanItemData(i.treatment, i.intent, i.detail)
        for i in decision.items
        if i.treatment is not None and i.intent is not None
    ]
    return checks.check_plan(clinical_picture(decision), items)


def _require_complete(decision: Decision) -> None:
    outcome = decision.outcome
    if outcome is DecisionOutcome.RECOMMENDATION and (not decision.recommendation or not decision.items):
        raise OperationError(
            _("A recommendation needs its text and at least one plan item."), field="recommendation"
        )
    if outcome is DecisionOutcome.FURTHER_DIAGNOSTICS and not (decision.items or decision.recommendation):
        raise OperationError(
            _("Say which diagnostics are needed (a plan item or the recommendation)."), field="recommendation"
        )
    if outcome is DecisionOutcome.DEFERRED and not decision.rationale:
        raise OperationError(_("Say why the case is deferred (the rationale)."), field="rationale")
    for position, item in enumerate(decision.items, start=1):
        if not item.is_complete:
            missing = [
                what
                for what, value in (
                    (_("treatment"), item.treatment),
                    (_("intent"), item.intent),
                    (_("responsible specialty"), item.responsible_specialty),
                )
                if value is None
            ]
            raise OperationError(
                _(
                    "Plan item %(position)d needs its %(missing)s before the decision is signed.",
                    position=position,
                    missing=_(" and ").join(missing),
                ),
                field="items",
            )
    if decision.dissent and not decision.dissent_by:
        raise OperationError(_("Say whose dissent or minority opinion it is."), field="dissent_by")
    if decision.number > 1 and not decision.amendment_reason:
        raise OperationError(_("An amendment needs its reason."), field="amendment_reason")


def signing_purpose(decision: Decision) -> str:
    """What a provider's re-authentication for signing this decision (this version of it) is good for."""
    return f"sign decision {decision.id}"


@atomic
def sign_decision(
    actor,
    decision: Decision,
    *,
    expected_version: int | None,
    password: str = "",
    code: str = "",
    proof: reauthentication.Proof | None = None,
    override_reason: str = "",
    draft: tuple[Mapping, Sequence[Mapping]] | None = None,
) -> list[checks.CheckWarning]:
    """The chair signs, confirming who they are (auth.step_up.confirm): their password (and their second
    factor's code when they have one), or the `proof` that the hospital's provider has just signed them in
    again for this decision; how is in the audit event. Consistency warnings do not block, but going on
    needs a reason, which is recorded with the warnings. A first decision marks the case discussed or
    deferred. `draft` (the fields and plan rows as the chair's screen shows them) is saved first, in the
    same transaction: what is signed is what the chair saw."""
    if not decision.allows(DecisionAction.SIGN):
        raise OperationError(_("This decision is already signed."))
    if not decision.can_sign(actor):
        raise OperationError(_("Only the board's chair signs its decisions."))
    check_version(decision, expected_version)
    if decision.number == 1 and not decision.meeting.allows(RECORD):
        raise OperationError(
            _("The meeting is over: its undecided cases were deferred. Discuss the case again.")
        )
    if decision.number == 1 and decision.agenda_item.was_deferred:
        raise OperationError(_(DEFERRED_HERE))
    confirmed_by = reauthentication.confirm(
        actor,
        purpose=signing_purpose(decision),
        password=password,
        code=SigningFields.code.clean(code, "code"),
        proof=proof,
    )
    if draft is not None:
        data, items = draft
        save_draft(actor, decision, expected_version=decision.version, data=data, items=items)
    _require_complete(decision)
    warnings = consistency_warnings(decision)
    reason = SigningFields.override_reason.clean(override_reason, "override_reason")
    if warnings and not reason:
        raise OperationError(
            ngettext(
                "%(num)d consistency warning(s): sign with a reason, or change the plan.",
                "%(num)d consistency warning(s): sign with a reason, or change the plan.",
                len(warnings),
            ),
            field="override_reason",
        )
    if warnings:
        reason_given(reason, "override_reason")
    meeting = decision.meeting
    if decision.supersedes is not None:
        # first, so that the database never sees two signed versions of one agenda item
        decision.supersedes.status = decision.supersedes.after(DecisionAction.SUPERSEDE)
        db.session.flush()
    decision.attendees_json = json.dumps(
        [
            {"name": a.user.name, "specialty": a.specialty, "guest": a.status == AttendanceStatus.GUEST.value}
            for a in sorted(meeting.attendance, key=lambda a: (a.specialty, a.user.name))
            if a.status != AttendanceStatus.ABSENT.value
        ]
    )
    decision.warnings_json = json.dumps([w.__dict__ for w in warnings])
    decision.override_reason = reason if warnings else ""
    decision.status = decision.after(DecisionAction.SIGN)
    decision.signed_by, decision.signed_at = actor, utcnow()
    frozen = DecisionSnapshot(decision_id=decision.id)
    frozen.freeze(snapshot_data(decision), SNAPSHOT_SCHEMA)
    decision.snapshot = frozen
    db.session.flush()
    record(
        "decision.signed",
        actor=actor,
        entity=decision,
        changes={"status": ["draft", "signed"]},
        details={
            "case": decision.case_id,
            "number": decision.number,
            "warnings": [w.code for w in warnings],
            "override_reason": decision.override_reason,
            "snapshot_sha256": frozen.sha256,
            "confirmed_by": confirmed_by,
            **({"auth_time": proof.auth_time} if proof is not None else {}),
        },
    )
    _case_follows(actor, decision)
    _tell_of_signature(actor, decision)
    publication.schedule(decision)  # the Bundle to the hospital's FHIR server, when one is set
    return warnings


def _tell_of_signature(actor, decision: Decision) -> None:
    """The referring clinician learns that the board decided and the letter is ready; after an
    amendment, the board's chairs learn it too. Messages name the case by number, never the patient."""
    case, board = decision.case, decision.meeting.board
    letter = f"/decisions/{decision.id}/letter"
    if decision.number == 1:
        notify(
            [case.submitter_id],
            "decision_signed",
            lambda: _(
                "The %(board)s's decision for case %(case)s is signed: the letter is ready.",
                board=board.name,
                case=case.id,
            ),
            letter,
        )
    else:
        notify(
            ({case.submitter_id} | board.chair_ids()) - {actor.id},
            "decision_amended",
            lambda: _(
                "The decision for case %(case)s was amended (version %(version)s): the new letter is ready.",
                case=case.id,
                version=decision.number,
            ),
            letter,
        )


def flag_changed_result(actor, lab, *, before: tuple[str, str], message_id: int | None) -> list[ResultNotice]:
    """The laboratory corrected or withdrew `lab` (already changed; `before` is its shown value and
    unit as they were): a notice on each signed decision of its case whose frozen record holds it, and
    a message to the board's coordinators and the signing chair. The record itself never changes."""
    change = ResultChange.CORRECTED if lab.withdrawal is None else ResultChange(lab.withdrawal.value)
    notices = []
    for decision in _signed_holding(lab):
        notice = ResultNotice(
            decision_id=decision.id,
            lab_result_id=lab.id,
            hl7_message_id=message_id,
            change=change,
            before=" ".join(p for p in before if p)[:60],
            after="" if lab.withdrawal else f"{lab.shown_value} {lab.unit}".strip()[:60],
        )
        db.session.add(notice)
        db.session.flush()
        record(
            "decision.result_changed",
            actor=actor,
            entity=decision,
            details={
                "notice": notice.id,
                "lab_result": lab.id,
                "change": change.value,
                "hl7_message": message_id,
            },
        )
        signer = {decision.signed_by_id} if decision.signed_by_id else set()
        notify(
            decision.meeting.board.coordinator_ids() | signer,
            "result_changed",
            partial(_result_changed_message, decision.case_id, change),
            f"/cases/{decision.case_id}/decisions#decision-{decision.id}",
        )
        notices.append(notice)
    return notices


def _signed_holding(lab) -> list[Decision]:
    """The case's decision in force (signed, not superseded) when its frozen record holds this result."""
    signed = db.session.scalars(
        select(Decision).where(Decision.case_id == lab.case_id, Decision.status == DecisionStatus.SIGNED)
    )
    return [
        d
        for d in signed
        if d.snapshot is not None
        and any(held.get("id") == lab.id for held in d.snapshot.data["presented"]["labs"])
    ]


def _result_changed_message(case_id: int, change: ResultChange) -> str:
    if change is ResultChange.CORRECTED:
        return _(
            "The laboratory corrected a result that the signed decision for case %(case)s rests on: "
            "check whether the decision needs an amendment.",
            case=case_id,
        )
    return _(
        "The laboratory withdrew a result that the signed decision for case %(case)s rests on: "
        "check whether the decision needs an amendment.",
        case=case_id,
    )


def _case_follows(actor, decision: Decision) -> None:
    item, case = decision.agenda_item, decision.case
    if decision.number == 1 and item.outcome is None:
        outcome = "deferred" if decision.outcome is DecisionOutcome.DEFERRED else "discussed"
        meeting_operations.set_outcome(actor, item, outcome, expected_version=item.meeting.version)
    if decision.present_again and case.status in PRESENTED_AGAIN_FROM:
        case_operations.present_again(actor, case, details={"decision": decision.id})


@atomic
def amend_decision(actor, decision: Decision, *, reason: str) -> Decision:
    """Start an amendment of a signed decision: a draft copy that supersedes it once the chair signs."""
    if not decision.is_amender(actor):
        raise OperationError(_("Only the board's specialists and chair amend its decisions."))
    pending = db.session.scalar(select(Decision).where(Decision.supersedes_id == decision.id))
    if pending is not None and not pending.is_signed:
        raise AmendmentPending(pending)
    if not decision.allows(DecisionAction.AMEND):
        raise OperationError(_("Only the signed decision in force can be amended."))
    reason = SigningFields.amendment_reason.clean(reason, "reason")
    amendment = Decision(
        agenda_item_id=decision.agenda_item_id,
        case_id=decision.case_id,
        meeting_id=decision.meeting_id,
        number=decision.number + 1,
        supersedes_id=decision.id,
        amendment_reason=reason,
        created_by_id=actor.id,
        **{name: getattr(decision, name) for name in DECISION_FIELDS},
    )
    for item in decision.items:
        amendment.items.append(
            PlanItem(
                position=item.position,
                treatment=item.treatment,
                detail=item.detail,
                intent=item.intent,
                responsible_specialty=item.responsible_specialty,
                target_date=item.target_date,
            )
        )
    db.session.add(amendment)
    db.session.flush()
    record(
        "decision.amendment_started",
        actor=actor,
        entity=amendment,
        details={"supersedes": decision.id, "reason": reason},
    )
    notify(
        decision.meeting.board.chair_ids() - {actor.id},
        "amendment_started",
        lambda: _(
            "An amendment of the decision for case %(case)s (version %(version)s) waits for the chair's "
            "signature.",
            case=decision.case_id,
            version=amendment.number,
        ),
        f"/decisions/{amendment.id}/edit",
    )
    return amendment


@atomic
def choose_letter_language(actor, decision: Decision, language: str, *, expected_version: int) -> None:
    """The language the decision's letter is written in (the referrer's, the GP's), chosen for this letter
    whatever the language of the chair's screen; the signed record and its snapshot stay as they are."""
    if not decision.can_choose_letter_language(actor):
        raise OperationError(_("Only the board that decided chooses its letter's language."))
    check_version(decision, expected_version)
    chosen = LetterFields.letter_language.clean(language, "letter_language")
    before = decision.letter_language.value if decision.letter_language else None
    if chosen == before:
        return
    decision.letter_language = Language(str(chosen))
    db.session.flush()
    record(
        "decision.letter_language_chosen",
        actor=actor,
        entity=decision,
        changes={"letter_language": [before, chosen]},
    )


@atomic
def record_follow_up(
    actor,
    decision: Decision,
    *,
    expected_version: int | None,
    status: str,
    reason: str | None,
    reason_text: str,
    started_on: date | None,
    completed_on: date | None,
) -> FollowUp:
    """The submitter says whether the recommendation was carried out; fully carried out closes the case."""
    if not decision.can_record_follow_up(actor):
        raise OperationError(_("Only the case's submitter records the follow-up of its signed decision."))
    try:
        carried_out = FollowUpStatus(status)
    except ValueError:
        raise OperationError(_("Was it carried out fully, partly or not?"), field="status") from None
    deviation: DeviationReason | None = None
    if carried_out != FollowUpStatus.FULLY:
        try:
            deviation = DeviationReason(reason or "")
        except ValueError:
            raise OperationError(_("Choose why it was not (fully) carried out."), field="reason") from None
    today = hospital_today()
    born = decision.case.patient.birth_date
    for value, field in ((started_on, "started_on"), (completed_on, "completed_on")):
        if value is not None and value > today:
            raise OperationError(_("A date of the follow-up cannot be in the future."), field=field)
        if value is not None and value < born:
            raise OperationError(
                _("A date of the follow-up cannot be before the patient's birth."), field=field
            )
    if started_on and completed_on and completed_on < started_on:
        raise OperationError(_("It cannot end before it started."), field="completed_on")
    follow_up = decision.follow_up
    fields = ("status", "reason", "reason_text", "started_on", "completed_on")
    if follow_up is None:
        follow_up = FollowUp(decision=decision, recorded_by_id=actor.id)
        db.session.add(follow_up)
        before = {}
    else:
        check_version(follow_up, expected_version)
        before = snapshot(follow_up, fields)
    follow_up.status, follow_up.reason = carried_out, deviation
    follow_up.reason_text = FollowUpFields.reason_text.clean(reason_text, "reason_text")
    follow_up.started_on, follow_up.completed_on, follow_up.recorded_by_id = (
        started_on,
        completed_on,
        actor.id,
    )
    db.session.flush()
    record(
        "decision.follow_up", actor=actor, entity=decision, changes=diff(before, snapshot(follow_up, fields))
    )
    case = decision.case
    if carried_out == FollowUpStatus.FULLY and case.status == CaseStatus.DISCUSSED:
        case_operations.close_case(actor, case, details={"decision": decision.id})
    return follow_up


@atomic
def present_case_again(actor, decision: Decision) -> None:
    """From the follow-up: the submitter sends the case back to the board's pool (progression, new
    findings, a recommendation that could not be carried out)."""
    case = decision.case
    if case.submitter_id != actor.id:
        raise OperationError(_("Only the case's submitter presents it again."))
    if not case.can_present_again(actor):
        raise OperationError(_("The case is already with the board."))
    case_operations.present_again(actor, case, details={"decision": decision.id, "from": "follow-up"})


FOLLOW_UP_DUE = "follow_up_due"


def _follow_up_link():
    return literal("/decisions/") + cast(Decision.id, String) + literal("/follow-up")


def _follow_up_due(case_id: int) -> str:
    return _(
        "The follow-up of case %(case)s is due: was the board's recommendation carried out?", case=case_id
    )


def _follow_up_overdue(case_id: int, days: int) -> str:
    return _(
        "The follow-up of case %(case)s is overdue: its submitter was reminded %(days)s days ago and has not "
        "recorded it.",
        case=case_id,
        days=days,
    )


@atomic
def remind_due_follow_ups(limit: int = 1000) -> int:
    """Tell each submitter once that a decision's follow-up is due (decisions.queries.follow_up_due):
    what became of the board's recommendation? Run by `flask jobs tick` (and `flask remind follow-ups`);
    a decision already reminded of is not reminded again (its notification, and the reminder's unique
    key, say so). Returns how many were sent."""
    reminded_before = (
        select(Notification.id)
        .where(Notification.kind == FOLLOW_UP_DUE, Notification.link == _follow_up_link())
        .exists()
    )
    due = db.session.scalars(
        select(Decision).where(follow_up_due(), ~reminded_before).order_by(Decision.signed_at).limit(limit)
    ).all()
    reminded = []
    for decision in due:
        submitter_id = decision.case.submitter_id
        if not claim_reminder(ReminderKind.FOLLOW_UP, decision.id, submitter_id):
            continue
        notify(
            [submitter_id],
            FOLLOW_UP_DUE,
            partial(_follow_up_due, decision.case_id),
            f"/decisions/{decision.id}/follow-up",
        )
        reminded.append(decision.id)
    if reminded:
        record("decision.follow_ups_reminded", actor=None, details={"decisions": reminded})
    return len(reminded)


@atomic
def escalate_overdue_follow_ups(limit: int = 1000) -> int:
    """A follow-up still not recorded FOLLOW_UP_ESCALATION_DAYS after its submitter was reminded goes to
    the board's active coordinators, once per decision and coordinator. Returns how many decisions."""
    days = current_app.config["FOLLOW_UP_ESCALATION_DAYS"]
    reminded_long_ago = (
        select(Notification.id)
        .where(
            Notification.kind == FOLLOW_UP_DUE,
            Notification.link == _follow_up_link(),
            Notification.created_at <= utcnow() - timedelta(days=days),
        )
        .exists()
    )
    escalated = (
        select(ReminderSent.id)
        .where(
            ReminderSent.kind == ReminderKind.FOLLOW_UP_OVERDUE.value,
            ReminderSent.subject_id == Decision.id,
        )
        .exists()
    )
    overdue = db.session.scalars(
        select(Decision)
        .where(follow_up_due(), reminded_long_ago, ~escalated)
        .order_by(Decision.signed_at)
        .limit(limit)
    ).all()
    escalations = {}
    for decision in overdue:
        told = remind(
            ReminderKind.FOLLOW_UP_OVERDUE,
            decision.id,
            decision.meeting.board.coordinator_ids(),
            partial(_follow_up_overdue, decision.case_id, days),
            f"/cases/{decision.case_id}",
        )
        if told:
            escalations[str(decision.id)] = told
    if escalations:
        record("decision.follow_ups_escalated", actor=None, details={"decisions": escalations})
    return len(escalations)
