"""Load through the production set-up: locust, headless, signed-in users against nginx and two gunicorn
servers on one PostgreSQL and Redis (tests/deploy/stack.py starts it, as the scale-out test does), then
the same number of users on a bare Flask + SQLAlchemy page served the same way.

    .venv/bin/python bench/load.py [--users 50] [--duration 60] [--cases 2000] [--think SECONDS]
        [--instances 2] [--workers 2] [--database-url URL [--own-database]]

The database is a new one, `tb_deploy_scale_<random>` on the PostgreSQL server --database-url names (the
local one by default), dropped at the end (with --own-database: the one it names, emptied first): the
demo data, --cases synthetic cases, and a meeting in progress with a draft decision for every specialist
user. The mix, per signed-in user with a pause of 0.5-2 s between requests (a person reading; --think
sets a fixed pause, 0 for none): submitters (3 in 6) open the case list, a filtered list, a case page, a
marker chart, their dashboard, and add a laboratory finding; specialists (2 in 6) open the meeting page
and meeting mode and autosave their decision; coordinators and the chair (1 in 6) open the quality dashboard,
the meeting page, the meetings and their dashboard. The users sign in one after the other (the throttle
counts a shared account's attempts), and the clock starts when all are in. Prints requests/s,
p50/p95/p99 per endpoint and the errors of both runs; zero errors is the bar (exit status 1 otherwise).

Not part of `make bench` (a run takes two minutes and more): run it by hand, `make bench-load`.
"""

# locust patches the standard library for gevent: first, before anything imports ssl or socket
from locust import HttpUser, between, constant, task  # isort: skip
from locust.env import Environment  # isort: skip

import argparse
import itertools
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

import gevent
from gevent.lock import Semaphore

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/load.py` from the repository root
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bench._harness import OWN_DATABASE_HELP, own_database  # noqa: E402
from tests.deploy.stack import (  # noqa: E402
    AUDIT_HMAC_KEY,
    DEMO_PASSWORD,
    Stack,
    filled_form,
    prepare_database,
    production_stack,
    scratch_database,
)

LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SUBMITTER = "submitter@example.org"
SPECIALISTS = (
    "specialist@example.org",
    "surgery@example.org",
    "radiology@example.org",
    "pathology@example.org",
)
CHARTED = "chromogranin_a"  # the marker every bulk case has a result of (tumorboard/cases/bulk_data.py)


@dataclass
class Fixture:
    """What the users work on: the submitter's editable cases, the meeting in progress, its decisions."""

    cases: list[int]
    charted: list[int]  # of `cases`, those with a chromogranin A result (their marker chart has a curve)
    meeting: int
    items_and_decisions: list[tuple[int, int]]


def prepare_load(url: str, *, cases: int, decisions: int) -> Fixture:
    """The demo data and `cases` synthetic cases, then a meeting of the GEP-NET board a week ahead with
    `decisions` cases from its pool on the agenda, everyone present, started (early, by the chair), and a
    draft decision for each item."""
    from config import TestConfig
    from tumorboard import create_app
    from tumorboard.auth.models import find_user_by_email
    from tumorboard.boards.models import Board
    from tumorboard.cases.models import Case, CaseStatus, LabResult
    from tumorboard.decisions import operations as decision_operations
    from tumorboard.extensions import db
    from tumorboard.meetings import operations as meeting_operations
    from tumorboard.timezones import hospital_today

    prepare_database(url, bulk_cases=cases)
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, AUDIT_HMAC_KEY=AUDIT_HMAC_KEY)
    with app.app_context():
        board = db.session.execute(select(Board).where(Board.name == "GEP-NET board")).scalar_one()
        coordinator = find_user_by_email("coordinator@example.org")
        chair = find_user_by_email("chair@example.org")
        specialist = find_user_by_email("specialist@example.org")
        submitter = find_user_by_email(SUBMITTER)
        plan = meeting_operations.MeetingPlan(
            start_local=datetime.combine(hospital_today() + timedelta(days=7), clock(16, 0)),
            duration_minutes=240,
            room="Load test room",
        )
        meeting = meeting_operations.plan_meeting(coordinator, board, plan)
        pool = db.session.scalars(
            select(Case)
            .where(Case.board_id == board.id, Case.status == CaseStatus.SUBMITTED)
            .order_by(Case.id)
            .limit(decisions)
        ).all()
        assert len(pool) == decisions, f"{len(pool)} cases in the pool, {decisions} needed: raise --cases"
        for case in pool:
            meeting_operations.add_to_agenda(coordinator, meeting, case, expected_version=meeting.version)
        present = {membership.user_id: "present" for membership in board.memberships}
        meeting_operations.record_attendance(coordinator, meeting, present, expected_version=meeting.version)
        meeting_operations.start_meeting(chair, meeting, expected_version=meeting.version, confirm_early=True)
        drafts = [
            (item.id, decision_operations.start_decision(specialist, item).id) for item in meeting.items
        ]
        editable = db.session.scalars(
            select(Case.id)
            .where(
                Case.submitter_id == submitter.id, Case.status.in_([CaseStatus.DRAFT, CaseStatus.SUBMITTED])
            )
            .order_by(Case.id)
            .limit(200)
        ).all()
        charted = db.session.scalars(
            select(LabResult.case_id)
            .where(LabResult.case_id.in_(editable), LabResult.analyte == CHARTED)
            .distinct()
        ).all()
        assert charted, f"none of the submitter's cases has a {CHARTED} result: raise --cases"
        db.session.commit()
        fixture = Fixture(
            cases=list(editable), charted=list(charted), meeting=meeting.id, items_and_decisions=drafts
        )
        db.session.remove()
        db.engine.dispose()
    return fixture


# The users that have signed in (bare-page users: that have started); the timed run waits for all.
READY: list[HttpUser] = []
# Sign-ins one at a time: the per-account throttle counts every attempt until a success clears it, so
# fifty users of one account signing in at once would be refused (as they should).
SIGN_IN = Semaphore(1)


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)
    email = SUBMITTER
    stack: Stack
    fixture: Fixture

    def on_start(self) -> None:
        self.client.trust_env = False
        self.client.verify = str(self.stack.cert)
        with SIGN_IN:
            page = self.get("/login", "sign-in form")
            response = self.post(page, "/login", "sign in", email=self.email, password=DEMO_PASSWORD)
        if response.status_code != 302:
            raise RuntimeError(f"{self.email} could not sign in: HTTP {response.status_code}")
        READY.append(self)

    def get(self, path: str, name: str):
        """A page the user may open: 200, never a redirect (to the login: the session was lost)."""
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            return response

    def post(self, page, action: str, name: str, **fields):
        target, values = filled_form(page, action, **fields)
        with self.client.post(
            target,
            data=values,
            headers={"Referer": page.url},
            allow_redirects=False,
            name=name,
            catch_response=True,
        ) as response:
            if response.status_code not in (200, 302):
                response.failure(f"HTTP {response.status_code}")
            return response


class Submitter(SignedIn):
    weight = 3
    email = SUBMITTER

    @task(3)
    def case_list(self) -> None:
        self.get("/cases", "case list")

    @task(2)
    def filtered_list(self) -> None:
        self.get("/cases?status=submitted&site=pancreas&grade=G2", "case list, filtered")

    @task(3)
    def case_page(self) -> None:
        self.get(f"/cases/{random.choice(self.fixture.cases)}", "case page")

    @task(2)
    def marker_chart(self) -> None:
        self.get(f"/cases/{random.choice(self.fixture.charted)}/markers/{CHARTED}.svg", "marker chart")

    @task(1)
    def dashboard(self) -> None:
        self.get("/", "dashboard")

    @task(1)
    def add_finding(self) -> None:
        case = random.choice(self.fixture.cases)
        page = self.get(f"/cases/{case}/lab/new", "finding form")
        self.post(
            page,
            f"/cases/{case}/lab/new",
            "finding: add",
            sample_date=(datetime.now() - timedelta(days=random.randint(1, 300))).date().isoformat(),
            analyte="chromogranin_a",
            value=f"{random.uniform(20, 900):.1f}",
            unit="ng/mL",
        )


class Specialist(SignedIn):
    weight = 2
    _numbers = itertools.count()

    def on_start(self) -> None:
        number = next(Specialist._numbers)
        self.email = SPECIALISTS[number % len(SPECIALISTS)]
        self.item, self.decision = self.fixture.items_and_decisions[number]
        self.version: str | None = None
        super().on_start()

    @task(2)
    def meeting_page(self) -> None:
        self.get(f"/meetings/{self.fixture.meeting}", "meeting page")

    @task(3)
    def meeting_mode(self) -> None:
        self.get(f"/meetings/{self.fixture.meeting}/mode?item={self.item}", "meeting mode")

    @task(2)
    def autosave(self) -> None:
        page = self.get(f"/meetings/{self.fixture.meeting}/mode?item={self.item}", "meeting mode")
        fields = {
            "recommendation": f"Lanreotide 120 mg every 28 days; restage in {random.randint(2, 6)} months.",
            "rationale": "Well-differentiated NET G2, SSTR-positive.",
        }
        target, values = filled_form(page, f"/decisions/{self.decision}", **fields)
        with self.client.post(
            f"{target}/autosave",
            data=values,
            headers={"Referer": page.url},
            name="decision: autosave",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")


class Coordinator(SignedIn):
    weight = 1
    _numbers = itertools.count()

    def on_start(self) -> None:
        self.email = ("coordinator@example.org", "chair@example.org")[next(Coordinator._numbers) % 2]
        super().on_start()

    @task(2)
    def quality(self) -> None:
        self.get("/quality", "quality dashboard")

    @task(2)
    def meeting_page(self) -> None:
        self.get(f"/meetings/{self.fixture.meeting}", "meeting page")

    @task(1)
    def meetings(self) -> None:
        self.get("/meetings", "meetings")

    @task(1)
    def dashboard(self) -> None:
        self.get("/", "dashboard")


class BarePage(HttpUser):
    wait_time = between(0.5, 2.0)
    stack: Stack

    def on_start(self) -> None:
        self.client.trust_env = False
        self.client.verify = str(self.stack.cert)
        READY.append(self)

    @task
    def patients(self) -> None:
        self.client.get("/patients", name="bare Flask + SQLAlchemy, 50 rows")


def run(stack: Stack, user_classes: list, users: int, spawn_rate: float, duration: float):
    for cls in user_classes:
        cls.stack = stack
    env = Environment(user_classes=user_classes, host=stack.base_url)
    runner = env.create_local_runner()
    READY.clear()
    runner.start(users, spawn_rate=spawn_rate)
    deadline = time.monotonic() + 300
    while len(READY) < users:  # every user signed in (one after the other) before the clock starts
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(READY)} of {users} users signed in within 5 minutes")
        gevent.sleep(0.2)
    env.stats.reset_all()
    gevent.sleep(duration)
    runner.quit()
    runner.greenlet.join()
    return env.stats


def report(title: str, stats) -> int:
    """Per endpoint: requests, requests/s, p50/p95/p99 (ms) and errors; then all of them together."""
    print(f"\n{title}")
    header = (
        f"{'endpoint':<36} | {'requests':>8} | {'req/s':>6} | {'p50 ms':>7} | {'p95 ms':>7} | {'p99 ms':>7}"
        " | errors"
    )
    print(header)
    print("-" * len(header))
    rows = [(f"{method} {name}", e) for (name, method), e in sorted(stats.entries.items()) if e.num_requests]
    for label, entry in [*rows, ("all", stats.total)]:
        p50, p95, p99 = (entry.get_response_time_percentile(q) for q in (0.5, 0.95, 0.99))
        print(
            f"{label:<36} | {entry.num_requests:>8} | {entry.total_rps:>6.1f} | {p50:>7.0f} | {p95:>7.0f}"
            f" | {p99:>7.0f} | {entry.num_failures}"
        )
    for error in stats.errors.values():
        print(f"  error: {error.method} {error.name}: {error.error} (x{error.occurrences})")
    return stats.total.num_failures


@contextmanager
def database(args: argparse.Namespace) -> Iterator[str]:
    """The run's database: a new one on the --database-url server, or with --own-database the one it names."""
    if args.own_database:
        with own_database(args.database_url) as own:
            yield own.url
    else:
        with scratch_database(args.database_url) as url:
            yield url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60, help="seconds of load once all users are in")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started per second")
    parser.add_argument("--cases", type=int, default=2000, help="synthetic cases besides the demo data")
    parser.add_argument("--instances", type=int, default=2, help="gunicorn servers behind nginx")
    parser.add_argument("--workers", type=int, default=2, help="sync workers per server (gunicorn.conf.py)")
    parser.add_argument("--database-url", default=LOCAL_POSTGRES, help="a PostgreSQL server (its URL)")
    parser.add_argument("--no-bare", action="store_true", help="skip the run against the bare page")
    parser.add_argument(
        "--think",
        type=float,
        default=None,
        help="seconds every user pauses between requests (0: none; default: 0.5-2 s at random)",
    )
    parser.add_argument("--own-database", action="store_true", help=OWN_DATABASE_HELP)
    args = parser.parse_args()
    if args.think is not None:
        for cls in (SignedIn, BarePage):
            cls.wait_time = constant(args.think)
    pause = "0.5-2 s" if args.think is None else f"{args.think:g} s"

    errors = 0
    with database(args) as url, tempfile.TemporaryDirectory(prefix="tb_load_") as tmp:
        work = Path(tmp)
        fixture: list[Fixture] = []

        def prepare() -> None:
            fixture.append(prepare_load(url, cases=args.cases, decisions=args.users))

        (work / "app").mkdir()
        started = time.perf_counter()
        with production_stack(
            work / "app", url, instances=args.instances, workers=args.workers, prepare=prepare
        ) as stack:
            print(
                f"set-up: {time.perf_counter() - started:.0f} s; {args.users} users for {args.duration:.0f} s"
            )
            SignedIn.fixture = fixture[0]
            stats = run(
                stack, [Submitter, Specialist, Coordinator], args.users, args.spawn_rate, args.duration
            )
            errors += report(
                f"TumorBoard: nginx, {args.instances} gunicorn servers x {args.workers} sync workers,"
                f" PostgreSQL, Redis; {args.users} signed-in users, {pause} between requests",
                stats,
            )
        if not args.no_bare:
            (work / "bare").mkdir()
            with production_stack(
                work / "bare",
                url,
                instances=args.instances,
                workers=args.workers,
                app=f'_bare_wsgi:create("{url}")',
                args=("--pythonpath", str(ROOT / "bench")),
                ready_path="/patients",
            ) as stack:
                stats = run(stack, [BarePage], args.users, args.spawn_rate, args.duration)
                errors += report(
                    f"bare Flask + SQLAlchemy page, served the same way; {args.users} users, {pause} between"
                    " requests",
                    stats,
                )
    print(f"\n{'no errors' if not errors else f'{errors} errors: the bar is zero'}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
