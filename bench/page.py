"""The fixed cost of a signed-in page: the bare-most page (the dashboard of a signed-in user with no
board, no case and no role beyond signing in) against the bare Flask + SQLAlchemy page of the same run.

    .venv/bin/python bench/page.py [--requests 200] [--database-url URL] [--profile]

Prints each page's median, p95, ratio to the bare page and statements per request, and with --profile the
functions where the dashboard's time goes (cProfile, cumulative). Target: within 1.5x of the bare page.
The script reports; it does not fail when the target is missed.
"""

import argparse
import cProfile
import pstats
import secrets
import sys

from _harness import (
    Page,
    StatementCounter,
    bare_page,
    build_app,
    dispose,
    fresh_database,
    measure,
    print_table,
    sign_in,
)

from tumorboard.auth import operations as auth_operations
from tumorboard.auth.models import User
from tumorboard.auth.roles import Role
from tumorboard.clinical.specialties import Specialty
from tumorboard.extensions import db
from tumorboard.seed import seed_demo

TARGET = 1.5


def _plain_user() -> User:
    """A specialist in no board: the dashboard shows nothing but its frame (no cases, pool or meetings)."""
    user = auth_operations.create_user(
        None,
        email="bench.plain@example.org",
        name="Bench Plain",
        specialty=Specialty.MEDICAL_ONCOLOGY.value,
        roles=[Role.SPECIALIST.value],
        password=secrets.token_urlsafe(18),  # the policy refuses the demo password for new accounts
        must_change_password=False,
    )
    db.session.commit()
    return user


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--profile", action="store_true", help="profile 200 dashboard requests")
    parser.add_argument("--sort", default="tottime", help="the profile's order: tottime or cumulative")
    args = parser.parse_args()
    with fresh_database(args.database_url, prefix="tumorboard_bench_page") as database:
        print(f"database: {database.label}")
        app = build_app(database.url)
        with app.app_context():
            seed_demo()
            db.session.commit()
            user = _plain_user()
            counter = StatementCounter(db.engine)
            client = sign_in(app.test_client(), user)

        def get(url):
            def call():
                with app.app_context():
                    return client.get(url)

            return call

        dashboard = Page("empty dashboard, signed in", get("/"), counter)
        bare, close_bare = bare_page(database.url)
        measure([dashboard, bare], args.requests, warmup=10, budget_s=60)
        print_table(
            f"The fixed cost of a signed-in page, {args.requests} requests each", [dashboard], bare, TARGET
        )
        print("\nstatements of one dashboard request:")
        for sql in dashboard.sql:
            print("  ", " ".join(sql.split())[:150])
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(200):
                dashboard.call()
            profiler.disable()
            shown = r"tumorboard|templates|flask_(login|wtf|babel)|werkzeug/(wrappers|routing)|orm/session"
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(shown, 45)
        close_bare()
        counter.close()
        dispose(app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
