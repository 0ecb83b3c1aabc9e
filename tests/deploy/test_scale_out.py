"""Scale-out as production runs it (issue 11): nginx with deploy/nginx/tumorboard.conf terminating TLS in
front of two gunicorn servers (gunicorn.conf.py, the production configuration, PROXY_COUNT=1) on one
PostgreSQL database and one Redis, driven through https as a browser would (forms, tokens, Referer).

Each response is traced to the server that answered it by the app's request id in that server's access
log. Runs on PostgreSQL in both CI legs: the servers get a database of their own (tb_deploy_scale_*) on
TEST_DATABASE_URL's server, or on the local one on a SQLite run. Skipped with the reason where nginx,
PostgreSQL or Redis is missing, except in CI, where that fails."""

import os
import re
import socket
import ssl
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from tests.conftest import IN_CI
from tests.deploy.stack import (
    NGINX,
    THROTTLE_STORE,
    Instance,
    Stack,
    prepare_database,
    production_stack,
    scratch_database,
    sign_in,
    submit,
    wait_until,
)

LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SERVERS = {"A", "B"}


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI installs and starts it: .ci/run)")
    pytest.skip(reason)


def _postgres_server() -> str:
    url = os.environ.get("TEST_DATABASE_URL", LOCAL_POSTGRES)
    engine = create_engine(url)
    try:
        with engine.connect():
            pass
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server here"
        _unavailable(f"no PostgreSQL at {make_url(url).render_as_string()}: {type(exc).__name__}")
    finally:
        engine.dispose()
    return url


def _redis_up() -> None:
    import redis

    client = redis.Redis.from_url(THROTTLE_STORE, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        _unavailable(f"no Redis at {THROTTLE_STORE}: {exc}")
    finally:
        client.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    if not NGINX.exists():
        _unavailable(f"no nginx at {NGINX}: install Debian's nginx package to run the scale-out test")
    server = _postgres_server()
    _redis_up()
    with (
        scratch_database(server) as url,
        production_stack(
            tmp_path_factory.mktemp("stack"),
            url,
            instances=2,
            workers=2,
            prepare=lambda: prepare_database(url),
        ) as running,
    ):
        yield running


@pytest.fixture(scope="module")
def database(stack) -> Iterator[Engine]:
    engine = create_engine(stack.database_url)
    yield engine
    engine.dispose()


def _signed_in(stack: Stack, email: str) -> requests.Session:
    session = stack.session()
    response = sign_in(session, stack.base_url, email)
    assert response.status_code == 302, response.text
    return session


def _audit_chain_is_whole(stack: Stack) -> None:
    verify = stack.flask("audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


# The front end ---------------------------------------------------------------------------------------


def test_nginx_terminates_tls_redirects_http_and_serves_the_static_files(stack):
    plain = requests.get(f"{stack.http_url}/login?next=/cases", allow_redirects=False, timeout=10)
    assert plain.status_code == 301
    assert plain.headers["Location"] == "https://localhost/login?next=/cases"

    session = stack.session()
    page = session.get(f"{stack.base_url}/login", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and page.headers["X-Request-ID"]
    assert page.raw.headers.getlist("Strict-Transport-Security") == ["max-age=31536000; includeSubDomains"]
    assert "Content-Encoding" not in page.headers  # a page with a CSRF token is never compressed
    assert page.headers["Server"] == "nginx"  # no version

    css = session.get(f"{stack.base_url}/static/app.css", headers={"Accept-Encoding": "gzip"})
    assert css.status_code == 200 and "X-Request-ID" not in css.headers  # nginx's own, not the app's
    assert css.headers["Cache-Control"] == "public, max-age=600, must-revalidate"
    assert css.headers["Content-Encoding"] == "gzip" and css.headers["ETag"]
    again = session.get(f"{stack.base_url}/static/app.css", headers={"If-None-Match": css.headers["ETag"]})
    assert again.status_code == 304
    bootstrap = session.get(f"{stack.base_url}/bootstrap/static/css/bootstrap.min.css")
    assert bootstrap.status_code == 200 and "X-Request-ID" not in bootstrap.headers

    assert session.get(f"{stack.base_url}/metrics").status_code == 403
    too_big = session.post(f"{stack.base_url}/login", data=b"x" * (2 * 1024 * 1024 + 1))
    assert too_big.status_code == 413

    # TLS 1.2 is served; TLS 1.1, which Debian's nginx.conf still allows, is refused by the site
    assert _tls_version(stack, ssl.TLSVersion.TLSv1_2) == "TLSv1.2"
    with warnings.catch_warnings(), pytest.raises(ssl.SSLError):
        warnings.simplefilter("ignore", DeprecationWarning)  # "TLSv1_1 is deprecated": that is the point
        _tls_version(stack, ssl.TLSVersion.TLSv1_1)

    lines = stack.nginx_log.read_text().splitlines()
    assert any('"path": "/login"' in line and "next" not in line for line in lines), "no query strings"


def _tls_version(stack: Stack, highest: ssl.TLSVersion) -> str | None:
    context = ssl.create_default_context(cafile=str(stack.cert))
    context.set_ciphers("DEFAULT:@SECLEVEL=0")  # this client would speak TLS 1.1: the server must refuse
    context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    context.maximum_version = highest
    port = int(stack.base_url.rsplit(":", 1)[1])
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        return tls.version()


# A board cycle across both servers ----------------------------------------------------------------------


class Tracked:
    """A signed-in user's session that keeps every response the app answered."""

    def __init__(self, stack: Stack, email: str) -> None:
        self.stack, self.session = stack, _signed_in(stack, email)
        self.responses: list[requests.Response] = []

    def get(self, path: str) -> requests.Response:
        response = self.session.get(f"{self.stack.base_url}{path}", allow_redirects=False)
        assert response.status_code == 200, (path, response.status_code)
        self.responses.append(response)
        return response

    def post(self, page: requests.Response, action: str, having=None, button=None, **fields):
        response = submit(self.session, page, action, having, button, **fields)
        assert response.status_code == 302, (action, response.status_code, _messages(response))
        self.responses.append(response)
        return response

    def servers(self) -> set[str]:
        return {self.stack.served_by(r) for r in self.responses}


def _messages(response: requests.Response) -> list[str]:
    return re.findall(r'class="invalid-feedback[^"]*"[^>]*>\s*([^<]+)', response.text)


PLAN = {
    "outcome": "recommendation",
    "recommendation": "Start lanreotide; restage in three months.",
    "rationale": "Well-differentiated pancreatic NET; SSTR imaging pending.",
    "guideline_basis": "enets",
    "guideline_reference": "ENETS 2023, pancreatic NET",
    "items-0-treatment": "SSA-LAN",
    "items-0-detail": "Lanreotide autogel 120 mg every 28 days",
    "items-0-intent": "palliative",
    "items-0-responsible_specialty": "medical_oncology",
}


def test_a_whole_board_cycle_lands_on_both_servers_with_shared_sessions(stack, database):
    with database.connect() as conn:
        meeting = conn.execute(
            text(
                "SELECT m.id FROM meeting m JOIN board b ON b.id = m.board_id WHERE b.name = 'GEP-NET board'"
                " AND m.status = 'planned' AND NOT EXISTS (SELECT 1 FROM agenda_item a"
                " WHERE a.meeting_id = m.id) ORDER BY m.starts_at LIMIT 1"
            )
        ).scalar_one()
    submitter = Tracked(stack, "submitter@example.org")
    coordinator = Tracked(stack, "coordinator@example.org")
    specialist = Tracked(stack, "specialist@example.org")
    chair = Tracked(stack, "chair@example.org")

    # the submitter registers a patient, makes the case and submits it
    page = submitter.get("/patients/new")
    registered = submitter.post(
        page,
        "/patients/new",
        mrn="SCALE-0001",
        family_name="Lindgren",
        given_name="Maja",
        birth_date="1961-04-18",
        sex="female",
    )
    new_case = registered.headers["Location"]
    page = submitter.get(new_case)
    made = submitter.post(
        page,
        new_case,
        conference_type="pre_therapeutic",
        primary_site="pancreas",
        differentiation="well",
        functional_status="non_functional",
        hereditary_syndrome="none",
        clinical_question="Somatostatin analogue or surgery first?",
    )
    case_url = made.headers["Location"]
    case_id = case_url.rsplit("/", 1)[1]
    page = submitter.get(f"{case_url}/submit")
    submitter.post(page, f"{case_url}/submit", override_reason="The pathology report follows next week.")
    submitter.get(case_url)

    # the coordinator puts it on the meeting's agenda and records who is there
    page = coordinator.get(f"/meetings/{meeting}")
    coordinator.post(page, f"/meetings/{meeting}/agenda", having={"case_id": case_id})
    page = coordinator.get(f"/meetings/{meeting}/attendance")
    form_marks = re.findall(r'name="(status-\d+)"', page.text)
    coordinator.post(page, f"/meetings/{meeting}/attendance", **dict.fromkeys(form_marks, "present"))

    # the chair starts the meeting (before its day, confirmed); a specialist records the decision
    page = chair.get(f"/meetings/{meeting}")
    chair.post(page, f"/meetings/{meeting}/start", confirm_early="y")
    with database.connect() as conn:
        item = conn.execute(
            text("SELECT id FROM agenda_item WHERE meeting_id = :m AND case_id = :c"),
            {"m": meeting, "c": int(case_id)},
        ).scalar_one()
    mode = f"/meetings/{meeting}/mode?item={item}"
    page = specialist.get(mode)
    specialist.post(page, f"/agenda/{item}/decision")
    page = specialist.get(mode)
    decision = re.search(r'action="/decisions/(\d+)"', page.text)
    assert decision, "the decision form"
    decision_id = decision.group(1)
    specialist.post(page, f"/decisions/{decision_id}", **PLAN)

    # the chair signs it with the password
    page = chair.get(mode)
    chair.post(
        page, f"/decisions/{decision_id}", button=f"/decisions/{decision_id}/sign", password="tumorboard-demo"
    )
    letter = chair.get(f"/decisions/{decision_id}/letter")
    assert "Lanreotide autogel 120 mg every 28 days" in letter.text

    with database.connect() as conn:
        status = conn.execute(text("SELECT status FROM decision WHERE id = :d"), {"d": int(decision_id)})
        assert status.scalar_one() == "signed"
    for user in (submitter, coordinator, specialist, chair):
        assert user.servers() == SERVERS, "each user's one signed cookie served by both servers"
    _audit_chain_is_whole(stack)

    # the timer's tick queues the scheduled reminders on the shared Redis; the worker runs them all
    tick = stack.flask("jobs", "tick")
    assert tick.returncode == 0 and "queued" in tick.stdout, tick.stdout + tick.stderr
    worker = stack.flask("jobs", "worker", "--burst")
    assert worker.returncode == 0, worker.stdout + worker.stderr
    stats = stack.flask("jobs", "stats")
    assert stats.returncode == 0, stats.stderr
    counts = dict(pair.split("=") for pair in stats.stdout.split())
    assert counts["queued"] == "0" and counts["failed"] == "0", stats.stdout
    _audit_chain_is_whole(stack)


def test_the_login_throttle_is_shared_by_both_servers(stack):
    session = stack.session()
    failures = []
    for attempt in range(5):
        if attempt % 2:  # a sign-in is two requests (form, post): shift nginx's round robin by one
            session.get(f"{stack.base_url}/healthz")
        failures.append(sign_in(session, stack.base_url, "radiology@example.org", "not the password"))
    assert [r.status_code for r in failures] == [422] * 5
    assert {stack.served_by(r) for r in failures} == SERVERS
    # the sixth attempt, with the right password, is over the account's limit (5 per 15 minutes)
    # on whichever server it lands: the count is in Redis, not in either server
    refused = sign_in(session, stack.base_url, "radiology@example.org")
    assert refused.status_code == 429
    assert session.get(f"{stack.base_url}/", allow_redirects=False).status_code == 302  # not signed in


# Concurrent writes, and a server killed under load ----------------------------------------------------


@dataclass
class Outcome:
    kind: str  # "GET" or "POST"
    status: int
    mrn: str
    at: float
    server: str | None = None


def _registrations(stack: Stack, threads: int, per_thread: int, *, until=None) -> list[Outcome]:
    """`threads` sessions of the submitter, each opening the registration form and registering patients
    with their own MRNs, all at once: `per_thread` each, or as many as fit until `until()` is true."""
    sessions = [_signed_in(stack, "submitter@example.org") for _ in range(threads)]  # one by one
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    tag = f"{time.monotonic_ns() % 100_000:05d}"

    def work(number: int, session: requests.Session) -> None:
        n = 0
        while (until is None and n < per_thread) or (until is not None and not until()):
            n += 1
            mrn = f"L{tag}-{number}-{n:03d}"
            page = session.get(f"{stack.base_url}/patients/new", allow_redirects=False)
            got = [Outcome("GET", page.status_code, "", time.monotonic())]
            if page.status_code == 200:
                posted = submit(
                    session,
                    page,
                    "/patients/new",
                    mrn=mrn,
                    family_name=f"Load{number}",
                    given_name=f"Patient{n}",
                    birth_date="1970-01-01",
                    sex="unknown",
                )
                got.append(Outcome("POST", posted.status_code, mrn, time.monotonic()))
                if "X-Request-ID" in posted.headers and posted.status_code < 500:
                    got[-1].server = posted.headers["X-Request-ID"]
            if page.status_code == 200:
                got[0].server = page.headers["X-Request-ID"]
            with lock:
                outcomes.extend(got)

    workers = [threading.Thread(target=work, args=(i, s)) for i, s in enumerate(sessions)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(w.is_alive() for w in workers)
    return outcomes


def _registered(database: Engine, mrns: list[str]) -> set[str]:
    with database.connect() as conn:
        rows = conn.execute(text("SELECT mrn FROM patient WHERE mrn = ANY(:m)"), {"m": mrns})
        return {row[0] for row in rows}


def _servers_of(stack: Stack, outcomes: list[Outcome]) -> set[str]:
    time.sleep(0.2)  # the last access lines are written just after their responses
    ids = {instance.name: instance.request_ids() for instance in stack.instances}
    return {name for o in outcomes for name, seen in ids.items() if o.server in seen}


def test_concurrent_writes_through_both_servers_keep_the_audit_chain_whole(stack, database):
    outcomes = _registrations(stack, threads=6, per_thread=6)
    posts = [o for o in outcomes if o.kind == "POST"]
    assert len(posts) == 36 and {o.status for o in outcomes} == {200, 302}
    assert _servers_of(stack, posts) == SERVERS
    assert _registered(database, [o.mrn for o in posts]) == {o.mrn for o in posts}
    _audit_chain_is_whole(stack)


def _answered_by(stack: Stack, instance: Instance) -> bool:
    """nginx leaves a failed server out for fail_timeout (10 s): true once it sends one a request."""
    response = stack.session().get(f"{stack.base_url}/healthz", timeout=5)
    return response.status_code == 200 and response.headers["X-Request-ID"] in instance.request_ids()


def test_killing_one_server_mid_load_loses_no_committed_write_and_the_other_serves_on(stack, database):
    victim, survivor = stack.instances
    started = time.monotonic()
    killed_at: list[float] = []

    def killer() -> None:
        time.sleep(2.0)
        killed_at.append(time.monotonic())
        victim.kill()

    kill = threading.Thread(target=killer)
    kill.start()
    try:
        outcomes = _registrations(
            stack, threads=4, per_thread=0, until=lambda: time.monotonic() > started + 5
        )
    finally:
        kill.join()
        victim.start()  # for whichever test runs next: it boots while the checks run
    try:
        posts = [o for o in outcomes if o.kind == "POST"]
        committed = [o.mrn for o in posts if 200 <= o.status < 400]
        assert len(committed) >= 20, f"only {len(committed)} writes under load"
        # every write the user was told about is in the database
        assert _registered(database, committed) == set(committed)
        # a form page is a GET: nginx tries it on the other server, so none fails
        assert {o.status for o in outcomes if o.kind == "GET"} == {200}
        # a POST the dead server was working on ends as nginx's 502, nothing else
        assert {o.status for o in posts} <= {302, 502}
        after = [o for o in outcomes if o.at > killed_at[0] + 0.5 and o.server]
        assert len(after) >= 10 and _servers_of(stack, after) == {"B"}, "the survivor served on alone"
        before = [o for o in outcomes if o.at < killed_at[0] and o.server]
        assert _servers_of(stack, before) == SERVERS
        _audit_chain_is_whole(stack)
    finally:
        victim.wait_ready()
        wait_until(lambda: _answered_by(stack, victim), "nginx to take the restarted server back", timeout=20)
    assert survivor.process is not None and survivor.process.poll() is None
