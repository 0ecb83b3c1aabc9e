"""A signed decision as its documents show it: the letter (HTML and PDF), the FHIR bundle and the signed
decision on screen, each rendered only from the snapshot frozen at signing.

At signing, `snapshot_data` freezes everything those documents show (the patient as then recorded, the
board, the meeting, who was present, the findings and the grade and stage computed from them with their
rules, the question, the plan, the signatory) as versioned JSON; `document_from_snapshot` turns such a
snapshot back into the `DecisionDocument` the builders lay out. What happens to the case afterwards never
reaches a signed document; only a later signed version marks it "superseded by version N".
"""

import json
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from tumorboard.audit.recording import json_value
from tumorboard.cases.charts import marker_trends
from tumorboard.cases.models import Case
from tumorboard.cases.records import case_record, frozen_case, frozen_summary
from tumorboard.cases.summary import CaseSummary, summarise
from tumorboard.clinical.coding import topography
from tumorboard.clinical.specialties import Specialty
from tumorboard.clinical.vocabularies import Analyte, PlanIntent, PrimarySite, Treatment
from tumorboard.decisions.models import (
    DECISION_FIELDS,
    Decision,
    DecisionOutcome,
    DecisionStatus,
    GuidelineBasis,
)
from tumorboard.documents import fhir
from tumorboard.documents.decision import Attendee, DecisionDocument, PlanLine
from tumorboard.documents.letter import decision_letter_pdf
from tumorboard.extensions import db
from tumorboard.hospital import configured_letterhead, configured_name, hospital_name, letterhead
from tumorboard.i18n import in_sentence
from tumorboard.languages import document_language, supported
from tumorboard.public_url import public_url
from tumorboard.timezones import format_date, format_number, to_local, utc_to_local_now

# 1: the first release; 2 adds the site's public address and time zone, and the meeting's quorum reason
SNAPSHOT_SCHEMA = 2


@dataclass(frozen=True)
class Supersession:
    """The later version that replaced a signed one."""

    number: int
    signed_at: datetime


def snapshot_data(decision: Decision) -> dict:
    """What the decision's documents show, as JSON, taken when the chair signs."""
    case, meeting = decision.case, decision.meeting
    cfg = current_app.config
    previous = decision.supersedes
    return {
        "schema": SNAPSHOT_SCHEMA,
        "hospital": {
            # as configured (empty: the letter's language names it when the letter is written)
            "name": configured_name(),
            "letterhead": configured_letterhead(),
            # identifiers and times as issued: a later change of the address or the zone changes no document
            "public_url": public_url(),
            "timezone": cfg["TIMEZONE"],
        },
        "meeting": {
            "id": meeting.id,
            "starts_at": json_value(meeting.starts_at),
            "board": {"id": meeting.board.id, "name": meeting.board.name},
            "quorum_override_reason": meeting.quorum_override_reason,
        },
        "presented": case_record(case, summarise(case), case.missing_at_submission),
        "decision": {
            "id": decision.id,
            "number": decision.number,
            "supersedes": None if previous is None else {"id": previous.id, "number": previous.number},
            "amendment_reason": decision.amendment_reason,
            **{name: json_value(getattr(decision, name)) for name in DECISION_FIELDS},
            "plan": [
                {
                    "treatment": item.treatment,
                    "detail": item.detail,
                    "intent": item.intent,
                    "responsible_specialty": item.responsible_specialty,
                    "target_date": json_value(item.target_date),
                }
                for item in decision.items
            ],
            "warnings": decision.warnings,
            "override_reason": decision.override_reason,
        },
        "attendees": decision.attendees,
        "signed": {
            "at": json_value(decision.signed_at),
            "by": {"id": decision.signed_by.id, "name": decision.signed_by.name}
            if decision.signed_by
            else None,
        },
    }


def _key_findings(case: Case) -> tuple[str, ...]:
    lines = []
    for study in sorted(case.imaging, key=lambda s: (s.study_date, s.id))[-3:]:
        extra = f", Krenning {study.krenning_score}" if study.krenning_score is not None else ""
        lines.append(f"{_dated(study.study_date)} {study.modality_label} {study.region}{extra}".strip())
    for report in sorted(case.pathology, key=lambda r: (r.report_date, r.id))[-1:]:
        pathology = _("pathology: %(summary)s", summary=report.summary_line)
        lines.append(f"{_dated(report.report_date)} {pathology}")
    # each marker's latest result, in the order the markers were first measured; where the unit changed,
    # the letter says so, since earlier results of another assay cannot be set against this one
    for trend in sorted(marker_trends(case.labs), key=lambda t: (t.first.sample_date, t.first.id or 0)):
        lab = trend.latest
        flag = f" ({lab.flag_label})" if lab.flag else ""
        sign = lab.comparator.sign if lab.comparator else ""
        line = f"{_dated(lab.sample_date)} {trend.label}: {sign}{_number(lab.value)} {lab.unit}{flag}"
        if trend.unit_changes:
            others = ", ".join(s.unit for s in trend.series if s is not trend.latest_series)
            change = trend.unit_changes[-1].text
            line += "; " + _(
                "%(change)s: the results in %(others)s are of another assay, not comparable",
                change=change,
                others=others,
            )
        lines.append(line)
    return tuple(lines)


def _dated(value: date) -> str:
    """A finding's date in the language the document is built in ("02 Dec 2026", "02.12.2026")."""
    return format_date(value)


def _number(value: float) -> str:
    """A reported value with the language's decimal sign (2.8, 2,8), without grouping or exponent: as the
    case page writes it (tumorboard.timezones, the one home of the hospital's number formats)."""
    return format_number(value, grouped=False)


def _diagnosis(case: Case, summary: CaseSummary) -> str:
    grade = str(summary.grade.result.category) if summary.grade else None
    site = in_sentence(PrimarySite(case.primary_site).label)  # "of the pancreas"; "Primärtumor: Pankreas"
    if case.differentiation == "poor" or grade == "NEC":
        return _("Neuroendocrine carcinoma of the %(site)s", site=site)
    if grade:
        return _(
            "Well-differentiated neuroendocrine tumour %(grade)s of the %(site)s", grade=grade, site=site
        )
    return _("Well-differentiated neuroendocrine tumour of the %(site)s", site=site)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _instant(value: str, zone: ZoneInfo | None) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment.astimezone(zone) if zone is not None else to_local(moment)


def document_from_snapshot(
    data: dict, *, superseded_by: Supersession | None = None, fingerprint: str = "", frozen: bool = True
) -> DecisionDocument:
    """The document a snapshot describes; `superseded_by` marks a version that is no longer in force."""
    presented = data["presented"]
    case = frozen_case(presented)
    summary = frozen_summary(presented, case)
    decided = data["decision"]
    staged = summary.staging if not summary.not_staged_reason else None  # None: not staged
    basis = GuidelineBasis(decided["guideline_basis"])
    guideline = (
        " – ".join(p for p in (basis.label, decided["guideline_reference"]) if p)
        if basis is not GuidelineBasis.NONE
        else ""
    )
    trial = (
        " – ".join(p for p in (decided["trial_identifier"], decided["trial_name"]) if p)
        if decided["trial_candidate"]
        else ""
    )
    previous = decided["supersedes"] or {}
    labs = sorted(case.labs, key=lambda r: (r.sample_date, r.id))
    hospital = data["hospital"]
    zone = ZoneInfo(hospital["timezone"]) if hospital.get("timezone") else None
    signed_at = _instant(data["signed"]["at"], zone) if data["signed"]["at"] else utc_to_local_now()
    return DecisionDocument(
        hospital=hospital_name(data["hospital"]["name"]),
        letterhead_lines=tuple(letterhead(data["hospital"]["letterhead"])),
        decision_id=decided["id"],
        version_no=decided["number"],
        supersedes_version=previous.get("number"),
        supersedes_decision_id=previous.get("id"),
        amendment_reason=decided["amendment_reason"],
        board_name=data["meeting"]["board"]["name"],
        meeting_at=_instant(data["meeting"]["starts_at"], zone),
        signed_at=signed_at,
        signed_by=(data["signed"]["by"] or {}).get("name", ""),
        patient_name=case.patient.display_name,
        patient_mrn=case.patient.mrn,
        patient_birth_date=case.patient.birth_date,
        patient_sex=case.patient.sex,
        referrer_name=case.submitter.name,
        referrer_email=case.submitter.email,
        case_id=case.id,
        primary_site=PrimarySite(case.primary_site).label,
        primary_site_code=case.primary_site,
        topography_code=topography(case.primary_site),
        diagnosis=_diagnosis(case, summary),
        morphology_code=str(summary.codes.morphology.category) if summary.codes else None,
        icd10_code=str(summary.codes.icd10[0].category) if summary.codes and summary.codes.icd10 else None,
        grade=str(summary.grade.result.category) if summary.grade else None,
        grade_rule=summary.grade.result.rule if summary.grade else "",
        stage=str(staged.stage.category) if staged else None,
        tnm=f"{staged.t.category} {staged.n.category} {staged.m.category}" if staged else None,
        stage_rule=summary.staging.stage.rule if summary.staging else "",
        key_findings=_key_findings(case),
        question=case.clinical_question,
        outcome=DecisionOutcome(decided["outcome"]).label,
        outcome_code=decided["outcome"],
        recommendation=decided["recommendation"],
        rationale=decided["rationale"],
        guideline=guideline,
        trial=trial,
        dissent=f"{decided['dissent']} ({decided['dissent_by']})" if decided["dissent"] else "",
        preference_weighing=decided["preference_weighing"],
        next_review=_day(decided["next_review_date"]),
        present_again=decided["present_again"],
        plan=tuple(
            PlanLine(
                item["treatment"],
                Treatment(item["treatment"]).label,
                item["detail"],
                PlanIntent(item["intent"]).label,
                Specialty(item["responsible_specialty"]).label,
                _day(item["target_date"]),
            )
            for item in decided["plan"]
        ),
        attendees=tuple(Attendee(a["name"], Specialty(a["specialty"]).label) for a in data["attendees"]),
        observations=tuple(
            (
                Analyte(lab.analyte).loinc or "",
                Analyte(lab.analyte).label,
                lab.value,
                lab.unit,
                lab.sample_date,
                lab.comparator.value if lab.comparator else None,
            )
            for lab in labs
        ),
        superseded_by_version=superseded_by.number if superseded_by else None,
        superseded_at=(
            superseded_by.signed_at.astimezone(zone) if zone else to_local(superseded_by.signed_at)
        )
        if superseded_by
        else None,
        warnings=tuple(w["message"] for w in decided["warnings"]),
        override_reason=decided["override_reason"],
        fingerprint=fingerprint,
        frozen=frozen,
        base_url=hospital.get("public_url", ""),
        quorum_reason=data["meeting"].get("quorum_override_reason", ""),
        # an amendment is signed after the meeting: its findings are those recorded at its signing
        findings_as_of=signed_at if decided["number"] > 1 else None,
    )


def supersession(decision: Decision) -> Supersession | None:
    """The signed version that replaced this one, if any."""
    if decision.status != DecisionStatus.SUPERSEDED.value:
        return None
    row = db.session.execute(
        select(Decision.number, Decision.signed_at).where(
            Decision.supersedes_id == decision.id, Decision.status != DecisionStatus.DRAFT.value
        )
    ).first()
    return Supersession(row.number, row.signed_at) if row else None


def decision_document(decision: Decision) -> DecisionDocument:
    """The signed decision's document, from its snapshot. A decision signed before snapshots were kept
    has none: its document is made from the live records and says so (`frozen` is False)."""
    snapshot = decision.snapshot
    if snapshot is None:
        return document_from_snapshot(
            snapshot_data(decision), superseded_by=supersession(decision), frozen=False
        )
    return document_from_snapshot(
        snapshot.data, superseded_by=supersession(decision), fingerprint=snapshot.sha256
    )


def letter_language(decision: Decision) -> str:
    """The language the decision's letter is written in: its own choice, else the hospital's."""
    return supported(decision.letter_language)


def letter_document(decision: Decision) -> DecisionDocument:
    """The letter's document in the letter's language: the labels and phrases the snapshot's values
    become (the site, the plan's treatments, the diagnosis) are the letter's, not the reader's screen's."""
    with force_locale(letter_language(decision)):
        return decision_document(decision)


def letter_pdf(decision: Decision, *, generated_at: datetime | None = None) -> bytes:
    language = document_language(letter_language(decision))
    with force_locale(language.code):
        document = decision_document(decision)
    return decision_letter_pdf(document, generated_at=generated_at or utc_to_local_now(), language=language)


def decision_bundle(decision: Decision) -> dict:
    """The signed decision as an mCODE-shaped FHIR R4 Bundle (a JSON-ready dict), from its snapshot only:
    the download, the publication to the hospital's FHIR server and the API serve this one function."""
    document = decision_document(decision)
    return fhir.decision_bundle(document, base_url=document.base_url or public_url())


def fhir_json(decision: Decision) -> str:
    return json.dumps(decision_bundle(decision), indent=2, ensure_ascii=False)
