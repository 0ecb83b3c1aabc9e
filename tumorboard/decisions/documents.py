"""A signed decision as the documents see it: the letter (HTML and PDF) and the FHIR bundle."""

import json

from flask import current_app

from tumorboard.auth.models import User
from tumorboard.cases.summary import summarise
from tumorboard.clinical.specialties import Specialty
from tumorboard.clinical.vocabularies import Analyte, PlanIntent, PrimarySite, Treatment
from tumorboard.decisions.documents_data import Attendee, DecisionDocument, PlanLine
from tumorboard.decisions.models import Decision, GuidelineBasis
from tumorboard.extensions import db
from tumorboard.timezones import to_local, utc_to_local_now


def _key_findings(decision: Decision) -> tuple[str, ...]:
    case = decision.case
    lines = []
    for study in sorted(case.imaging, key=lambda s: (s.study_date, s.id))[-3:]:
        extra = f", Krenning {study.krenning_score}" if study.krenning_score is not None else ""
        lines.append(f"{study.study_date:%d %b %Y} {study.modality_label} {study.region}{extra}".strip())
    for report in sorted(case.pathology, key=lambda r: (r.report_date, r.id))[-1:]:
        lines.append(f"{report.report_date:%d %b %Y} pathology: {report.summary_line}")
    latest = {}
    for lab in sorted(case.labs, key=lambda r: (r.sample_date, r.id)):
        latest[lab.analyte] = lab
    for lab in latest.values():
        flag = f" ({lab.flag})" if lab.flag else ""
        lines.append(
            f"{lab.sample_date:%d %b %Y} {Analyte(lab.analyte).label}: {lab.value:g} {lab.unit}{flag}"
        )
    return tuple(lines)


def _diagnosis(decision: Decision, summary) -> str:
    case = decision.case
    grade = str(summary.grade.result.category) if summary.grade else None
    site = PrimarySite(case.primary_site).label.lower()
    if case.differentiation == "poor" or grade == "NEC":
        return f"Neuroendocrine carcinoma of the {site}"
    return f"Well-differentiated neuroendocrine tumour{f' {grade}' if grade else ''} of the {site}"


def decision_document(decision: Decision) -> DecisionDocument:
    case, meeting = decision.case, decision.meeting
    summary = summarise(case)
    staged = summary.staging is not None and not summary.not_staged_reason
    signer = db.session.get(User, decision.signed_by_id) if decision.signed_by_id else None
    guideline = ""
    if decision.guideline_basis != GuidelineBasis.NONE.value:
        guideline = " – ".join(
            p for p in (GuidelineBasis(decision.guideline_basis).label, decision.guideline_reference) if p
        )
    trial = (
        " – ".join(p for p in (decision.trial_identifier, decision.trial_name) if p)
        if decision.trial_candidate
        else ""
    )
    labs = sorted(case.labs, key=lambda r: (r.sample_date, r.id))
    cfg = current_app.config
    return DecisionDocument(
        hospital=cfg["HOSPITAL_NAME"],
        letterhead_lines=tuple(line for line in cfg.get("LETTERHEAD", "").split("|") if line),
        decision_id=decision.id,
        version_no=decision.number,
        supersedes_version=decision.supersedes.number if decision.supersedes else None,
        amendment_reason=decision.amendment_reason,
        board_name=meeting.board.name,
        meeting_at=to_local(meeting.starts_at),
        signed_at=to_local(decision.signed_at) if decision.signed_at else utc_to_local_now(),
        signed_by=signer.name if signer else "",
        patient_name=case.patient.display_name,
        patient_mrn=case.patient.mrn,
        patient_birth_date=case.patient.birth_date,
        patient_sex=case.patient.sex,
        referrer_name=case.submitter.name,
        referrer_email=case.submitter.email,
        case_id=case.id,
        primary_site=PrimarySite(case.primary_site).label,
        primary_site_code=case.primary_site,
        diagnosis=_diagnosis(decision, summary),
        morphology_code=str(summary.codes.morphology.category) if summary.codes else None,
        icd10_code=str(summary.codes.icd10[0].category) if summary.codes and summary.codes.icd10 else None,
        grade=str(summary.grade.result.category) if summary.grade else None,
        grade_rule=summary.grade.result.rule if summary.grade else "",
        stage=str(summary.staging.stage.category) if staged else None,
        tnm=f"{summary.staging.t.category} {summary.staging.n.category} {summary.staging.m.category}"
        if staged
        else None,
        stage_rule=summary.staging.stage.rule if summary.staging else "",
        key_findings=_key_findings(decision),
        question=case.clinical_question,
        outcome=decision.outcome_enum.label,
        recommendation=decision.recommendation,
        rationale=decision.rationale,
        guideline=guideline,
        trial=trial,
        dissent=f"{decision.dissent} ({decision.dissent_by})" if decision.dissent else "",
        preference_weighing=decision.preference_weighing,
        next_review=decision.next_review_date,
        present_again=decision.present_again,
        plan=tuple(
            PlanLine(
                item.treatment,
                Treatment(item.treatment).label,
                item.detail,
                PlanIntent(item.intent).label,
                Specialty(item.responsible_specialty).label,
                item.target_date,
            )
            for item in decision.items
        ),
        attendees=tuple(Attendee(a["name"], Specialty(a["specialty"]).label) for a in decision.attendees),
        observations=tuple(
            (
                Analyte(lab.analyte).loinc or "",
                Analyte(lab.analyte).label,
                lab.value,
                lab.unit,
                lab.sample_date,
            )
            for lab in labs
        ),
    )


def letter_pdf(decision: Decision) -> bytes:
    from tumorboard.decisions.letter_pdf import decision_letter_pdf

    return decision_letter_pdf(decision_document(decision), generated_at=utc_to_local_now())


def fhir_json(decision: Decision) -> str:
    from tumorboard.decisions.fhir import decision_bundle

    bundle = decision_bundle(
        decision_document(decision), base_url=current_app.config["PUBLIC_URL"].rstrip("/")
    )
    return json.dumps(bundle, indent=2, ensure_ascii=False)
