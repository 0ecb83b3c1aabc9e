"""Operations: liveness (/healthz), readiness (/readyz: database, migrations, Redis), the Prometheus
metrics (/metrics, for the admin network only), and production's https: a request over plain http is
redirected or told so, never refused as an "expired" form."""

import re
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import stamp
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from config import ProductionConfig, TestConfig
from tests.conftest import log_in
from tumorboard import create_app
from tumorboard.auth.roles import Role
from tumorboard.extensions import db, migrate

ROOT = Path(__file__).resolve().parents[1]
REDIS = "redis://127.0.0.1:6379/6"  # this file's Redis database
NO_REDIS = "redis://127.0.0.1:1/0"  # nobody listens there: Redis stopped
NO_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:1/tb_ops_nowhere"  # PostgreSQL unreachable
PUBLIC = "https://tumorboard.example-hospital.org"


def _no_address_in(body: str) -> None:
    assert not re.search(r"127\.0\.0\.1|redis://|postgres|sqlite|tb_ops", body), body


# Liveness


def test_liveness_answers_without_asking_the_database_or_redis(count_queries, app):
    with count_queries() as statements:
        response = app.test_client().get("/healthz")
    assert (response.status_code, response.json) == (200, {"status": "ok"})
    assert statements == []


# Readiness


def test_readiness_answers_ok_for_each_part(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "migrations": "ok", "throttle_store": "ok"}


def test_readiness_asks_the_real_redis_and_the_job_queue(isolated_app):
    try:
        ready = isolated_app(RATELIMIT_STORAGE_URI=REDIS, JOB_QUEUE_URL=REDIS)
        response = ready.test_client().get("/readyz")
        assert response.status_code == 200
        assert response.json == {
            "status": "ok",
            "database": "ok",
            "migrations": "ok",
            "throttle_store": "ok",
            "job_queue": "ok",
        }
    finally:
        isolated_app()  # Flask-Limiter keeps one storage per process: later tests get memory:// again


def test_readiness_with_redis_stopped_names_the_parts_and_no_address(isolated_app):
    """The throttling store and the job queue both unreachable: 503, the load balancer takes this app
    server out; liveness still answers (restarting the app would not bring Redis back)."""
    try:
        down = isolated_app(RATELIMIT_STORAGE_URI=NO_REDIS, JOB_QUEUE_URL=NO_REDIS)
        client = down.test_client()
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json == {
            "status": "error",
            "database": "ok",
            "migrations": "ok",
            "throttle_store": "unreachable",
            "job_queue": "unreachable",
        }
        _no_address_in(response.text)
        assert client.get("/healthz").status_code == 200
    finally:
        isolated_app()


def test_readiness_with_the_database_unreachable(isolated_app):
    """PostgreSQL on a port nobody listens on: 503 naming the database, the migrations unknown, and
    neither the URL nor the driver's error in the answer. (isolated_app: the app's own session, not the
    test's transaction on the test database.)"""
    down = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=NO_DATABASE)
    try:
        client = down.test_client()
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json == {
            "status": "error",
            "database": "unreachable",
            "migrations": "unknown",
            "throttle_store": "ok",
        }
        _no_address_in(response.text)
        assert client.get("/healthz").status_code == 200
    finally:
        with down.app_context():
            db.engine.dispose()


def test_readiness_with_the_migrations_behind_or_ahead(isolated_app):
    behind = isolated_app()
    with behind.app_context():
        script = ScriptDirectory.from_config(migrate.get_config())
        (head,) = script.get_heads()
        stamp(revision=script.get_revision(head).down_revision)
    response = behind.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["migrations"] == "behind" and response.json["database"] == "ok"

    with behind.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
        db.session.commit()
    response = behind.test_client().get("/readyz")
    assert (response.status_code, response.json["migrations"]) == (503, "ahead")


# Metrics


def _samples(client, **kwargs) -> dict[tuple, float]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _requests(samples, endpoint, method="GET", status="2xx") -> float:
    key = ("tumorboard_http_requests_total", (("endpoint", endpoint), ("method", method), ("status", status)))
    return samples.get(key, 0.0)


def _latency(samples, endpoint, what, method="GET") -> float:
    return samples.get(
        (f"tumorboard_http_request_duration_seconds_{what}", (("endpoint", endpoint), ("method", method))),
        0.0,
    )


def test_requests_are_counted_and_timed_per_endpoint(app, client_as):
    client = client_as(Role.SPECIALIST)
    before = _samples(client)
    client.get("/healthz")
    client.get("/healthz")
    client.get("/cases/2000000000")  # someone else's or nobody's case: a 404 from the case page
    client.get("/no/such/page")
    after = _samples(client)

    assert _requests(after, "main.health") - _requests(before, "main.health") == 2
    assert _latency(after, "main.health", "count") - _latency(before, "main.health", "count") == 2
    assert _latency(after, "main.health", "sum") > _latency(before, "main.health", "sum")
    case_page = app.url_map.bind("localhost").match("/cases/1")[0]
    assert _requests(after, case_page, status="4xx") - _requests(before, case_page, status="4xx") == 1
    assert _requests(after, "unmatched", status="4xx") - _requests(before, "unmatched", status="4xx") == 1
    labels = {value for (_name, pairs) in after for (_key, value) in pairs}
    assert not any("2000000000" in label or "/" in label for label in labels), "no URL reaches a label"


def test_metrics_are_served_to_the_admin_network_only(app):
    client = app.test_client()
    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::ffff:127.0.0.1"}).status_code == 200
    outside = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"})
    assert outside.status_code == 404 and "tumorboard_http" not in outside.text


def test_metrics_networks_are_configurable_and_taken_after_the_proxy(app):
    db_url = app.config["SQLALCHEMY_DATABASE_URI"]
    admin_net = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=db_url, METRICS_ALLOWED_NETWORKS="10.20.0.0/16"
    )
    client = admin_net.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"}).status_code == 200
    assert client.get("/metrics").status_code == 404, "the default (loopback) no longer applies"

    proxied = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=db_url, PROXY_COUNT=1)
    client = proxied.test_client()
    # nginx on this host forwards an outside client: the client's address counts, not nginx's
    forwarded = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert forwarded.status_code == 404
    local = client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
    assert local.status_code == 200


@pytest.mark.parametrize("networks", ["127.0.0.0/33", "localhost", "10.0.0.1/8"])
def test_a_wrong_metrics_network_stops_the_start(networks):
    with pytest.raises(RuntimeError, match="METRICS_ALLOWED_NETWORKS"):
        create_app(TestConfig, METRICS_ALLOWED_NETWORKS=networks)


def test_job_queue_gauges_come_from_the_jobs_module(client, monkeypatch):
    from tumorboard import jobs

    real_stats = jobs.queue_stats
    monkeypatch.setattr(jobs, "queue_stats", lambda: {"queued": 3, "started": 0, "scheduled": 2, "failed": 1})
    samples = _samples(client)
    assert samples[("tumorboard_job_queue_depth", ())] == 3
    assert samples[("tumorboard_jobs_failed", ())] == 1

    def unreachable():
        raise ConnectionError("the queue's Redis is down")

    monkeypatch.setattr(jobs, "queue_stats", unreachable)
    samples = _samples(client)
    assert ("tumorboard_job_queue_depth", ()) not in samples, "a queue that does not answer is left out"
    assert _requests(samples, "main.metrics_page") >= 1, "the rest is served"

    monkeypatch.setattr(jobs, "queue_stats", real_stats)  # no queue configured (tests): the gauges say zero
    samples = _samples(client)
    assert samples[("tumorboard_job_queue_depth", ())] == 0 and samples[("tumorboard_jobs_failed", ())] == 0


# https in production


@pytest.fixture
def production(app, monkeypatch):
    """The production configuration on the test database, CSRF on, as a hospital runs it."""
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("AUDIT_HMAC_KEY", "a" * 32)
    monkeypatch.setenv("PUBLIC_URL", PUBLIC + "/")
    monkeypatch.setenv("HOSPITAL_NAME", "Klinikum Musterstadt")

    def make(**overrides):
        return create_app(
            ProductionConfig,
            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
            RATELIMIT_STORAGE_URI="memory://",
            **overrides,
        )

    return make


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_page_asked_over_http_is_redirected_to_https(production, method):
    client = production().test_client()
    response = client.open("/login?next=%2Fcases", method=method)
    assert response.status_code == 308
    assert response.headers["Location"] == f"{PUBLIC}/login?next=%2Fcases"
    assert "Strict-Transport-Security" not in response.headers, "HSTS only over https"
    assert client.open("/cases/7", method=method).headers["Location"] == f"{PUBLIC}/cases/7"


def test_a_sign_in_posted_over_http_is_told_to_use_https_not_that_the_form_expired(production, users):
    from tests.factories import PASSWORD

    client = production().test_client()
    response = client.post("/login", data={"email": users[Role.CHAIR].email, "password": PASSWORD})
    assert response.status_code == 403
    assert "must be used over https" in response.text and "expired" not in response.text
    assert f'href="{PUBLIC}/login"' in response.text
    assert "Set-Cookie" not in response.headers


def test_a_post_only_action_over_http_links_to_the_home_page(production, app, users):
    client = log_in(production().test_client(), users[Role.ADMIN])
    response = client.post("/logout")
    assert response.status_code == 403
    assert f'href="{PUBLIC}/"' in response.text and "expired" not in response.text


def test_behind_the_proxy_its_forwarded_scheme_decides(production, users):
    client = production(PROXY_COUNT=1).test_client()
    plain = client.get("/login", headers={"X-Forwarded-Proto": "http", "X-Forwarded-For": "198.51.100.7"})
    assert (plain.status_code, plain.headers["Location"]) == (308, f"{PUBLIC}/login")
    posted = client.post("/login", headers={"X-Forwarded-Proto": "http"}, data={"email": "x@example.org"})
    assert posted.status_code == 403 and "must be used over https" in posted.text
    tls = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert tls.status_code == 200 and tls.headers["Strict-Transport-Security"].startswith("max-age=")


def test_over_https_the_app_serves_with_hsts(production):
    response = production().test_client().get("/login", base_url="https://tumorboard.example-hospital.org")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_probes_and_metrics_answer_over_plain_http_in_production(production):
    """The load balancer and the scrape reach an app server directly, on its own port, without TLS."""
    client = production().test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").json["status"] == "ok"
    assert client.get("/metrics").status_code == 200


def test_development_serves_plain_http(client):
    assert client.get("/login").status_code == 200


# Absolute links


def test_every_absolute_link_is_built_from_public_url():
    """tumorboard/public_url.py is the one home of the address people reach the app at: nothing else
    takes it from the request (which behind a proxy is the app server's own address)."""
    pattern = re.compile(r"_external\s*=\s*True|host_url|url_root|request\.host\b|request\.url\b")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in [*(ROOT / "tumorboard").rglob("*.py"), *(ROOT / "templates").rglob("*.html")]
        if path != ROOT / "tumorboard" / "public_url.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []
