"""Demo history: two past GEP-NET meetings with signed decisions and follow-ups, so that the decision
pages, the letters and the quality dashboard have something to show.

Everything goes through the operations a clinic uses (plan, register, submit, schedule, attend, start,
sign, close, follow up), each step recorded as of the day it happened (`tumorboard.db.recorded_as_of`),
so that the dates agree with each other and the quality dashboard has real medians.
"""

from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from tumorboard.auth.models import User
from tumorboard.boards.models import Board
from tumorboard.cases import finding_operations, patient_operations
from tumorboard.cases import operations as case_operations
from tumorboard.db import recorded_as_of
from tumorboard.decisions import operations
from tumorboard.extensions import db
from tumorboard.meetings import operations as meeting_operations
from tumorboard.meetings.models import Meeting
from tumorboard.timezones import hospital_today, to_local

# patient, site, size, extent, metastases, Ki-67, question, plan (treatment, intent, specialty, detail),
# and the follow-up (status, reason)
HistoryEntry = tuple[
    tuple[str, str, str, date, str],
    str,
    float,
    str,
    list[str],
    float,
    str,
    list[tuple[str, str, str, str]],
    tuple[str, str | None],
]
HISTORY: tuple[HistoryEntry, ...] = (
    (
        ("H0100001", "Albrecht", "Jutta", date(1955, 2, 3), "female"),
        "pancreas",
        3.2,
        "limited_to_pancreas",
        ["liver"],
        6.0,
        "Newly diagnosed pancreatic NET G2 with liver metastases: first-line treatment?",
        [("SSA-LAN", "palliative", "medical_oncology", "120 mg every 28 days")],
        ("fully", None),
    ),
    (
        ("H0100002", "Baumann", "Rolf", date(1949, 7, 21), "male"),
        "ileum",
        1.6,
        "subserosa",
        ["liver"],
        2.0,
        "Ileal NET with carcinoid syndrome: primary resection?",
        [
            ("SURG-SEGMENT", "palliative", "surgery", "with mesenteric lymphadenectomy"),
            ("SSA-OCT-LAR", "symptom_control", "medical_oncology", "30 mg every 28 days"),
        ],
        ("partly", "comorbidity"),
    ),
    (
        ("H0100003", "Celik", "Aylin", date(1972, 11, 9), "female"),
        "rectum",
        0.7,
        "submucosa",
        [],
        1.0,
        "Rectal NET 7 mm after polypectomy, R0: follow-up schedule?",
        [("SURV", "curative", "gastroenterology", "endoscopy at 12 months")],
        ("fully", None),
    ),
    (
        ("H0100004", "Dietrich", "Frank", date(1960, 5, 30), "male"),
        "pancreas",
        4.5,
        "duodenum_or_bile_duct",
        ["liver", "bone"],
        25.0,
        "Progressive pancreatic NET G3 under everolimus: next line?",
        [("CHEMO-CAPTEM", "palliative", "medical_oncology", "capecitabine + temozolomide, 28-day cycles")],
        ("not", "patient_preference"),
    ),
)


# Per past meeting (weeks ago): how many days before it each of its cases was submitted.
WAITED_DAYS = {8: (10, 17), 4: (12, 24)}


def _user(email: str) -> User:
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def _plan_meeting(board: Board, coordinator: User, start_local: datetime) -> Meeting:
    """Planned three weeks ahead, as the coordinator would have."""
    return meeting_operations.plan_meeting(
        coordinator,
        board,
        meeting_operations.MeetingPlan(
            start_local=start_local,
            duration_minutes=90,
            room="Seminar room 2.14",
            cutoff_hours=48,
            capacity_cases=12,
        ),
    )


def _case(submitter: User, board: Board, entry: HistoryEntry, study_day: date):
    (mrn, family, given, born, sex), site, size, extent, metastases, ki67, question, _plan, _follow = entry
    patient = patient_operations.register_patient(
        submitter, mrn=mrn, family_name=family, given_name=given, birth_date=born, sex=sex
    )
    case = case_operations.create_case(
        submitter,
        patient,
        board_id=board.id,
        conference_type="pre_therapeutic",
        primary_site=site,
        tumour_size_cm=size,
        extent=extent,
        nodes_positive=0,
        metastatic_sites=metastases,
        differentiation="well",
        functional_status="non_functional",
        hereditary_syndrome="none",
        clinical_question=question,
    )
    finding_operations.add_finding(
        submitter,
        case,
        "imaging",
        {"study_date": study_day, "modality": "sstr_pet_ct", "krenning_score": "3", "uptake_positive": "yes"},
    )
    finding_operations.add_finding(
        submitter,
        case,
        "pathology",
        {
            "report_date": study_day,
            "specimen_type": "core_biopsy",
            "differentiation": "well",
            "ki67_percent": ki67,
        },
    )
    case_operations.submit_case(submitter, case, expected_version=case.version)
    return case


def seed_demo_history() -> None:
    """Each past meeting as it happened, every step recorded on its own day (`recorded_as_of`): planned
    three weeks ahead, the cases registered and submitted 10 to 24 days before (`WAITED_DAYS`) with
    findings from four days before that, put on the agenda five days before (before the cut-off), started
    on the hour, each decision signed in the meeting, the meeting closed, and the follow-up recorded two
    weeks later."""
    submitter, coordinator, chair = (_user(f"{r}@example.org") for r in ("submitter", "coordinator", "chair"))
    board = db.session.scalar(select(Board).where(Board.name == "GEP-NET board"))
    if board is None:
        raise RuntimeError("The demo history needs the demo boards (seed_demo makes them first).")
    members = [m.user_id for m in board.memberships]
    password = current_app.config["DEMO_PASSWORD"]
    today = hospital_today()
    for weeks_ago, entries in ((8, HISTORY[:2]), (4, HISTORY[2:])):
        day = today - timedelta(weeks=weeks_ago)
        start_local = datetime.combine(day, time(16, 0))
        start = meeting_operations.local_to_utc(start_local)
        with recorded_as_of(start - timedelta(weeks=3)):
            meeting = _plan_meeting(board, coordinator, start_local)
        cases = []
        for entry, waited in zip(entries, WAITED_DAYS[weeks_ago], strict=True):
            submitted = start - timedelta(days=waited)
            with recorded_as_of(submitted):  # the findings are from the days before
                cases.append(_case(submitter, board, entry, to_local(submitted).date() - timedelta(days=4)))
        with recorded_as_of(start - timedelta(days=5)):
            for case in cases:
                meeting_operations.add_to_agenda(
                    coordinator, meeting, case, expected_version=meeting.version, minutes=15
                )
        with recorded_as_of(start - timedelta(minutes=5)):
            meeting_operations.record_attendance(
                coordinator, meeting, dict.fromkeys(members, "present"), expected_version=meeting.version
            )
        with recorded_as_of(start):
            meeting_operations.start_meeting(coordinator, meeting, expected_version=meeting.version)
        decisions = []
        for n, (case, entry) in enumerate(zip(cases, entries, strict=True), start=1):
            with recorded_as_of(start + timedelta(minutes=15 * n)):
                decisions.append(_decide(chair, meeting, case, entry, password))
        with recorded_as_of(start + timedelta(minutes=80)):
            meeting_operations.close_meeting(coordinator, meeting, expected_version=meeting.version)
        with recorded_as_of(start + timedelta(weeks=2)):
            for decision, entry in zip(decisions, entries, strict=True):
                status, reason = entry[8]
                operations.record_follow_up(
                    submitter,
                    decision,
                    expected_version=None,
                    status=status,
                    reason=reason,
                    reason_text="",
                    started_on=day + timedelta(weeks=1),
                    completed_on=None,
                )


def _decide(chair: User, meeting: Meeting, case, entry: HistoryEntry, password: str):
    """The chair records the case's decision in the meeting and signs it."""
    item = next(i for i in meeting.items if i.case_id == case.id)
    decision = operations.start_decision(chair, item)
    plan = [{"treatment": t, "intent": i, "responsible_specialty": s, "detail": d} for t, i, s, d in entry[7]]
    operations.save_draft(
        chair,
        decision,
        expected_version=decision.version,
        items=plan,
        data={
            "outcome": "recommendation",
            "recommendation": "; ".join(d for *_, d in entry[7]).capitalize() + ".",
            "rationale": "Guideline-concordant for stage and grade; preferences discussed.",
            "guideline_basis": "enets",
        },
    )
    operations.sign_decision(
        chair,
        decision,
        expected_version=decision.version,
        password=password,
        override_reason="Discussed in the board.",
    )
    return decision
