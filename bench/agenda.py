"""The meeting page with a full agenda: statements and server time for 10 and 40 cases with findings.

    .venv/bin/python bench/agenda.py [--cases 100000] [--requests 200] [--database-url URL [--own-database]]

Builds a fresh database with the demo data (and, with --cases, that many synthetic cases bulk-loaded
first, so that the agenda and the pool are read beside a large case table), plans two meetings of the
GEP-NET board and puts 10 and 40 cases on them, each case with imaging, laboratory and pathology
findings. Then times the meeting page (as its coordinator, with the pool), meeting mode, the printable
agenda and the agenda PDF for both, the coordinator's dashboard (with the board's pool), the marker chart
from the render cache and as a 304, and the bare Flask + SQLAlchemy page of the same run (the ratio).
Target: the number of statements does not grow with the number of cases. The script reports; it does not
fail when a target is missed.
"""

import argparse
import sys
from datetime import datetime, time, timedelta
from time import perf_counter

from _harness import (
    OWN_DATABASE_HELP,
    Page,
    StatementCounter,
    bare_page,
    build_app,
    dispose,
    fresh_database,
    measure,
    print_table,
    profile_slow,
    sign_in,
)
from sqlalchemy import select

from tumorboard.auth.models import User
from tumorboard.boards.models import Board
from tumorboard.cases import finding_operations, patient_operations
from tumorboard.cases import operations as case_operations
from tumorboard.cases.bulk_data import bulk_cases
from tumorboard.extensions import db
from tumorboard.meetings import operations
from tumorboard.meetings.models import AgendaItem
from tumorboard.seed import seed_demo
from tumorboard.timezones import hospital_today


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _case_with_findings(submitter: User, board: Board, n: int):
    patient = patient_operations.register_patient(
        submitter,
        mrn=f"BENCH{n:05d}",
        family_name=f"Bench{n}",
        given_name="Case",
        birth_date=datetime(1960, 1, 1).date(),
        sex="female",
    )
    case = case_operations.create_case(
        submitter,
        patient,
        board_id=board.id,
        conference_type="pre_therapeutic",
        primary_site="pancreas",
        tumour_size_cm=2.5,
        extent="limited_to_pancreas",
        nodes_positive=0,
        metastatic_sites=["liver"],
        differentiation="well",
        functional_status="non_functional",
        hereditary_syndrome="none",
        clinical_question=f"Benchmark question {n}?",
    )
    day = hospital_today() - timedelta(days=5)
    finding_operations.add_finding(
        submitter,
        case,
        "imaging",
        {"study_date": day, "modality": "sstr_pet_ct", "krenning_score": "3", "uptake_positive": "yes"},
    )
    for value in (120, 180):
        finding_operations.add_finding(
            submitter,
            case,
            "lab",
            {
                "sample_date": day,
                "analyte": "chromogranin_a",
                "value": value,
                "unit": "ng/mL",
                "ref_high": 93,
            },
        )
    finding_operations.add_finding(
        submitter,
        case,
        "pathology",
        {
            "report_date": day,
            "specimen_type": "eus_fna",
            "differentiation": "well",
            "ki67_percent": 8,
            "mitoses_per_2mm2": 3,
            "reported_grade": "G2",
        },
    )
    case_operations.submit_case(submitter, case, expected_version=case.version)
    return case


def build(app, bulk: int) -> dict[int, int]:
    """Meetings with 10 and 40 cases; returns {cases: meeting id}."""
    with app.app_context():
        seed_demo()
        db.session.commit()
        if bulk:
            started = perf_counter()
            bulk_cases(bulk)
            elapsed = perf_counter() - started
            rate = bulk / elapsed
            print(f"built {bulk:,} bulk cases in {elapsed:.1f} s ({rate:,.0f} cases/s), ANALYZE included")
        submitter, coordinator = _user("submitter@example.org"), _user("coordinator@example.org")
        board = db.session.scalar(select(Board).where(Board.name == "GEP-NET board"))
        meetings = {}
        for size, weeks in ((10, 20), (40, 21)):
            start = datetime.combine(hospital_today() + timedelta(weeks=weeks), time(16, 0))
            meeting = operations.plan_meeting(
                coordinator,
                board,
                operations.MeetingPlan(
                    start_local=start, duration_minutes=600, room="Bench room", capacity_cases=50
                ),
            )
            for n in range(size):
                case = _case_with_findings(submitter, board, size * 100 + n)
                operations.add_to_agenda(
                    coordinator, meeting, case, expected_version=meeting.version, minutes=10
                )
            meetings[size] = meeting.id
            db.session.commit()
        # a few cases left waiting, so the meeting page also shows its pool
        for n in range(5):
            _case_with_findings(submitter, board, 9000 + n)
        db.session.commit()
        return meetings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--budget", type=float, default=60, help="seconds of timed requests per page")
    parser.add_argument("--cases", type=int, default=0, help="synthetic cases to bulk-load first")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--own-database", action="store_true", help=OWN_DATABASE_HELP)
    parser.add_argument(
        "--profile", action="store_true", help="profile one request of each page beyond 2x the bare page"
    )
    args = parser.parse_args()
    with fresh_database(
        args.database_url, prefix="tumorboard_bench_agenda", own=args.own_database
    ) as database:
        print(f"database: {database.label}")
        app = build_app(database.url)
        meetings = build(app, args.cases)
        with app.app_context():
            counter = StatementCounter(db.engine)
            coordinator = _user("coordinator@example.org")
            client = sign_in(app.test_client(), coordinator)  # a session record: in the app context
            db.session.expunge_all()

        def get(url, headers=None):
            def call():
                with app.app_context():
                    return client.get(url, headers=headers or {})

            return call

        with app.app_context():
            charted = db.session.scalar(
                select(AgendaItem.case_id).where(AgendaItem.meeting_id == meetings[10]).limit(1)
            )
        chart_url = f"/cases/{charted}/markers/chromogranin_a.svg"
        started = perf_counter()
        first = get(chart_url)()
        drawn_ms = (perf_counter() - started) * 1000
        etag = first.headers["ETag"]

        pages = []
        for size, meeting_id in meetings.items():
            pages += [
                Page(f"meeting page, {size} cases", get(f"/meetings/{meeting_id}"), counter),
                Page(f"meeting mode, {size} cases", get(f"/meetings/{meeting_id}/mode"), counter),
                Page(f"printable agenda, {size} cases", get(f"/meetings/{meeting_id}/print"), counter),
                Page(f"agenda PDF, {size} cases", get(f"/meetings/{meeting_id}/agenda.pdf"), counter),
            ]
        pages += [
            Page("dashboard, coordinator (with the pool)", get("/"), counter),
            Page("marker chart, from the render cache", get(chart_url), counter),
            Page(
                "marker chart, 304 (If-None-Match)",
                get(chart_url, {"If-None-Match": etag}),
                counter,
                status=304,
            ),
        ]
        bare, close_bare = bare_page(database.url)
        measure([*pages, bare], args.requests, warmup=5, budget_s=args.budget)
        print(f"\nmarker chart, first view (drawn by matplotlib and kept): {drawn_ms:.1f} ms")
        title = f"Agenda pages beside {args.cases:,} bulk cases, {args.requests} requests per page"
        print_table(title, pages, bare, target=3.0)
        if args.profile:
            profile_slow(pages, bare)
        grows = [
            name
            for name in ("meeting page", "meeting mode", "printable agenda", "agenda PDF")
            if len({p.statement_count for p in pages if p.name.startswith(name)}) > 1
        ]
        print("\nstatements independent of the number of cases:", "yes" if not grows else f"NO for {grows}")
        close_bare()
        counter.close()
        dispose(app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
