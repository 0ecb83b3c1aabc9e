"""The case pages on a large data set: server time and SQL statements per request, against a bare page.

    .venv/bin/python bench/cases.py [--cases 100000] [--requests 200] [--database-url URL [--own-database]]

Builds a fresh database (a SQLite file in a temporary directory, or with --database-url a new database
`tumorboard_bench_<random>` on that PostgreSQL server, dropped at the end), loads the demo data, times the
case pages on it, bulk-loads --cases synthetic cases, and times them again. Each page is compared with a
bare Flask + SQLAlchemy page that lists 50 rows of one table, timed in the same run. Target: every case
page within 2x of the bare page, and statements per request independent of page size and data size.
The script reports; it does not fail when a target is missed.
"""

import argparse
import secrets
import sys
import time
from dataclasses import dataclass

from _harness import (
    BAR,
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
    statements_of,
)
from flask import Flask
from sqlalchemy import func, select, text

from tumorboard.auth import operations as auth_operations
from tumorboard.auth.models import User, find_user_by_email
from tumorboard.boards.models import Board
from tumorboard.cases import queries
from tumorboard.cases.bulk_data import bulk_cases
from tumorboard.cases.models import Case, Patient
from tumorboard.clinical.specialties import Specialty
from tumorboard.extensions import db
from tumorboard.seed import seed_demo

TARGET = BAR
USER = "submitter@example.org"  # a submitter and a member of both demo boards
BOARD = "GEP-NET board"
FILTERS = {"status": "submitted", "site": "pancreas", "grade": "G2"}
SEARCH = "schmidt"  # a family name: a name search that matches about one patient in twenty
# the patient search, typed as a prefix without its umlaut: Müller, Mueller, muller (cases.search folds)
PATIENT_SEARCH = "muell"
PATIENT_ROW_MARK = b'<tr><td><a href="/patients/'
ROW_MARK = b'text-body-secondary">MRN '  # one per row of the case list


@dataclass
class CasePages:
    """The case pages of one data set, with what each must show."""

    list_first: Page
    filtered: Page
    sorted_by_patient: Page
    deep: Page
    search: Page
    patient_search: Page
    detail: Page
    demo_detail: Page

    @property
    def timed(self) -> list[Page]:
        return [
            self.list_first,
            self.filtered,
            self.sorted_by_patient,
            self.deep,
            self.search,
            self.patient_search,
            self.detail,
        ]


def count_of(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


def expect_rows(name: str, rows: int):
    def check(response) -> None:
        shown = response.data.count(ROW_MARK)
        assert shown == rows, f"{name}: {shown} rows shown, {rows} expected"

    return check


def expect_text(name: str, needle: str):
    def check(response) -> None:
        assert needle.encode() in response.data, f"{name}: {needle!r} not on the page"

    return check


def list_page(
    app: Flask, client, counter: StatementCounter, user: User, name: str, query: str = "", **filters
):
    """A page of the case list, its expected rows counted with the list's own query."""
    per_page = app.config["PER_PAGE"]
    filters.pop("last", None)  # the last page (keyset: the list's last rows, a full page)
    total = count_of(queries.case_list(user, queries.CaseFilters(**filters)))
    rows = min(per_page, total)
    label = f"{name} ({rows} of {total:,})"
    if "text" in filters:
        data = {"search-q": filters["text"]}
        return Page(label, lambda: client.post("/cases", data=data), counter, expect_rows(name, rows))
    url = f"/cases?{query}" if query else "/cases"
    return Page(label, lambda: client.get(url), counter, expect_rows(name, rows))


def patient_search_page(app: Flask, client, counter: StatementCounter, user: User, text: str) -> Page:
    """The patient search (POSTed), its expected rows counted with the page's own query: its first keyset
    page, at most PER_PAGE of the patients found."""
    stmt, _order = queries.patient_list(user, text)
    rows = min(app.config["PER_PAGE"], count_of(stmt))

    def check(response) -> None:
        shown = response.data.count(PATIENT_ROW_MARK)
        assert shown == rows, f"patient search: {shown} rows shown, {rows} expected"

    return Page(
        f"patient search {text!r} ({rows} shown)",
        lambda: client.post("/patients", data={"q": text}),
        counter,
        check,
    )


def detail_page(client, counter: StatementCounter, name: str, case: Case) -> Page:
    return Page(
        f"{name} (case {case.id})",
        lambda: client.get(f"/cases/{case.id}"),
        counter,
        expect_text(name, case.patient.mrn),
    )


def case_pages(app: Flask, client, counter: StatementCounter) -> CasePages:
    with app.app_context():
        user = find_user_by_email(USER)
        board_id = db.session.scalar(select(Board.id).where(Board.name == BOARD))
        visible = queries.visible_cases(user)
        total = count_of(visible)
        # a case of the bulk load from the middle of the list, and the first demo case
        middle = db.session.scalar(visible.order_by(Case.id.desc()).offset(total // 2).limit(1))
        first = db.session.scalar(visible.order_by(Case.id).limit(1))
        filtered = "&".join([f"board={board_id}", *(f"{k}={v}" for k, v in FILTERS.items())])
        return CasePages(
            list_first=list_page(app, client, counter, user, "case list, first page"),
            filtered=list_page(
                app, client, counter, user, "case list, filtered", filtered, board_id=board_id, **FILTERS
            ),
            sorted_by_patient=list_page(
                app, client, counter, user, "case list, sorted by patient", "sort=patient", sort="patient"
            ),
            deep=list_page(
                app,
                client,
                counter,
                user,
                "case list, last page",
                "last=1",
                last=True,
            ),
            search=list_page(app, client, counter, user, f"case search {SEARCH!r}", text=SEARCH),
            patient_search=patient_search_page(app, client, counter, user, PATIENT_SEARCH),
            detail=detail_page(client, counter, "case detail", middle),
            demo_detail=detail_page(client, counter, "case detail, demo case", first),
        )


def add_submitters(count: int) -> None:
    """More submitters on both boards, so that the bulk cases come from many hands, as in a clinic (the
    demo data has one submitter, whose own cases would then be every case)."""
    boards = list(db.session.scalars(select(Board.id)))
    for number in range(1, count + 1):
        auth_operations.create_user(
            None,
            email=f"bench-submitter-{number:03d}@example.org",
            name=f"Dr. Bench Submitter {number:03d}",
            specialty=Specialty.MEDICAL_ONCOLOGY.value,
            roles=["submitter"],
            password=secrets.token_urlsafe(18),  # the policy refuses the demo password for new accounts
            board_ids=boards,
            must_change_password=False,
        )
    db.session.commit()


def build_large(app: Flask, count: int, submitters: int) -> None:
    def progress(n: int) -> None:
        progress.done += n
        print(f"\r  {progress.done:,} / {count:,} cases", end="", file=sys.stderr, flush=True)

    progress.done = 0
    with app.app_context():
        add_submitters(submitters)
        started = time.perf_counter()
        bulk_cases(count, progress=progress)
        elapsed = time.perf_counter() - started
        print(file=sys.stderr)
        print(
            f"\nbuilt {count:,} cases from {submitters + 1} submitters in {elapsed:.1f} s"
            f" ({count / elapsed:,.0f} cases/s)"
        )
        print("  (the load ends with ANALYZE of every table: tumorboard/statistics.py refresh_all)")
        started = time.perf_counter()
        if db.engine.dialect.name == "postgresql":
            # the visibility map autovacuum writes a minute after a bulk load (index-only scans need it)
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM"))
            print(f"VACUUM (as autovacuum would) in {time.perf_counter() - started:.1f} s")
        cases = db.session.scalar(select(func.count(Case.id)))
        patients = db.session.scalar(select(func.count(Patient.id)))
        print(f"data set: {cases:,} cases, {patients:,} patients")


def show_sql(pages: list[Page]) -> None:
    for page in pages:
        print(f"\n-- {page.name}: {len(page.sql)} statements")
        for statement in page.sql:
            print("   ", " ".join(statement.split())[:200])


def run(app: Flask, url: str, args: argparse.Namespace) -> None:
    with app.app_context():
        seed_demo()
        db.session.commit()
        client = sign_in(app.test_client(), find_user_by_email(USER))
        counter = StatementCounter(db.engine)
        demo_cases = db.session.scalar(select(func.count(Case.id)))
    warmup = min(20, max(3, args.requests // 10))
    requests = (
        f"{warmup} untimed, then {args.requests} timed requests per page"
        f" (fewer once a page has spent {args.budget:g} s)"
    )

    small = case_pages(app, client, counter)
    bare, close_bare = bare_page(url)
    small_pages = [small.list_first, small.filtered, small.search, small.patient_search, small.detail]
    measure([*small_pages, bare], args.requests, warmup, args.budget)
    title = f"Demo data only ({demo_cases} cases), for reference; {requests}"
    print_table(title, small_pages, bare, TARGET)
    if args.show_sql:
        show_sql([*small_pages, bare])
    close_bare()
    small_demo_detail = statements_of(small.demo_detail)

    build_large(app, args.cases, args.submitters)

    large = case_pages(app, client, counter)
    bare, close_bare = bare_page(url)
    measure([*large.timed, bare], args.requests, warmup, args.budget)
    title = f"With {args.cases:,} bulk cases (target: within {TARGET:g}x of the bare page); {requests}"
    print_table(title, large.timed, bare, TARGET)
    if args.show_sql:
        show_sql([*large.timed, bare])
    if args.profile:
        profile_slow(large.timed, bare, TARGET)
    close_bare()

    app.config["PER_PAGE"], per_page = 100, app.config["PER_PAGE"]
    try:
        with app.app_context():
            hundred = list_page(app, client, counter, find_user_by_email(USER), "case list, 100 per page")
        at_100 = statements_of(hundred)
    finally:
        app.config["PER_PAGE"] = per_page
    small_size, large_size = f"{demo_cases} cases", f"{demo_cases + args.cases:,} cases"
    checks = [
        (
            f"case list, first page: {small_size} / {large_size}",
            [small.list_first.statement_count, large.list_first.statement_count],
        ),
        (
            f"case detail, the same demo case: {small_size} / {large_size}",
            [small_demo_detail, statements_of(large.demo_detail)],
        ),
        (
            f"case detail, a demo case ({small_size}) / a bulk case ({large_size})",
            [small.detail.statement_count, large.detail.statement_count],
        ),
        (
            f"case list, {large_size}: first page at {per_page} / at 100 per page / last page",
            [large.list_first.statement_count, at_100, large.deep.statement_count],
        ),
    ]
    print("\nStatements per request (target: independent of data size and page size)")
    width = max(len(name) for name, _ in checks)
    for name, counts in checks:
        verdict = "same" if len(set(counts)) == 1 else "DIFFERS"
        print(f"  {name:<{width}}  {' / '.join(map(str, counts)):>12}  {verdict}")

    ratios = {page.name: page.median_ms / bare.median_ms for page in large.timed}
    met = [f"{name} {r:.1f}x" for name, r in ratios.items() if r <= TARGET]
    missed = [f"{name} {r:.1f}x" for name, r in ratios.items() if r > TARGET]
    varying = [name for name, counts in checks if len(set(counts)) > 1]
    print(f"\nWithin {TARGET:g}x of the bare page: {', '.join(met) or 'none'}.")
    print(f"Beyond {TARGET:g}x of the bare page: {', '.join(missed) or 'none'}.")
    print(f"Statements that vary: {'; '.join(varying) or 'none'}.")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="synthetic cases to bulk-load")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres; a new "
        "database is made on it and dropped at the end (default: a SQLite file in a temporary directory)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="seconds of timed requests after which a slow page stops early (at least 20 requests)",
    )
    parser.add_argument(
        "--submitters",
        type=int,
        default=10,
        help="submitter accounts added before the bulk load, beside the demo submitter",
    )
    parser.add_argument("--show-sql", action="store_true", help="print each page's statements once")
    parser.add_argument("--own-database", action="store_true", help=OWN_DATABASE_HELP)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile one request of each page beyond the target on the large data set (SQL, cProfile)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    with fresh_database(args.database_url, own=args.own_database) as database:
        print(f"database: {database.label}")
        app = build_app(database.url)
        try:
            run(app, database.url, args)
        finally:
            dispose(app)


if __name__ == "__main__":
    main()
