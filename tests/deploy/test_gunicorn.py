"""The app as production serves it: gunicorn with gunicorn.conf.py and the production configuration,
a real process on a real port, answering its probes, logging each request as one JSON line without the
query string, sending plain http to https, and adding up the metrics of its two workers."""

import http.client
import importlib.util
import json
import os
import subprocess
import sys
import time
import types
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "https://tumorboard.example-hospital.org"


def _get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    """One request on a connection of its own (so either worker may take it)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


class Served:
    """A gunicorn serving the production app; `out` and `err` are its output once it has stopped."""

    def __init__(self, port: int, process: subprocess.Popen):
        self.port, self.process = port, process
        self.out = self.err = ""


@contextmanager
def gunicorn(tmp_path, **extra_env):
    port = free_port()
    env = {
        **os.environ,
        "TUMORBOARD_CONFIG": "production",
        "SECRET_KEY": "s" * 40,
        "AUDIT_HMAC_KEY": "a" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "PUBLIC_URL": PUBLIC,
        "HOSPITAL_NAME": "Klinikum Musterstadt",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/14",
        "TUMORBOARD_BIND": f"127.0.0.1:{port}",
        "TUMORBOARD_WORKERS": "2",
        **extra_env,
    }
    if "PROMETHEUS_MULTIPROC_DIR" not in extra_env:
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # one process's metrics unless the test asks for files
    executable = Path(sys.executable).with_name("gunicorn")
    # its output into files, not pipes: a pipe nobody reads fills up (64 KiB, a few hundred access lines)
    # and then every worker blocks on its next log line
    out_path, err_path = tmp_path / "gunicorn.out", tmp_path / "gunicorn.err"
    with out_path.open("w") as out, err_path.open("w") as err:
        process = subprocess.Popen(  # noqa: S603 - our own executable and arguments
            [str(executable), "-c", str(ROOT / "gunicorn.conf.py"), "tumorboard:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )
    served = Served(port, process)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, err_path.read_text()
            assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
            time.sleep(0.3)
        yield served
    finally:
        process.terminate()
        process.wait(timeout=30)
        served.out, served.err = out_path.read_text(), err_path.read_text()


def test_gunicorn_serves_the_production_app_with_json_access_logs(tmp_path):
    with gunicorn(tmp_path) as served:
        status, headers, body = _get(served.port, "/healthz?probe=secret")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        request_id = headers["X-Request-ID"]
        # plain http straight to the app server (no proxy says https): sent to the https address
        status, headers, _body = _get(served.port, "/login?next=%2F")
        assert (status, headers["Location"]) == (308, f"{PUBLIC}/login?next=%2F")
    access = [
        json.loads(line) for line in served.out.splitlines() if line.startswith("{") and '"method"' in line
    ]
    (line,) = [a for a in access if a["request_id"] == request_id]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert "secret" not in served.out and line["duration_us"] > 0
    assert served.err.count("Booting worker") >= 2  # two workers, as configured


def _health_count(port: int) -> float:
    status, _headers, body = _get(port, "/metrics")
    assert status == 200
    labels = {"endpoint": "main.health", "method": "GET", "status": "2xx"}
    return sum(
        sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
        if sample.name == "tumorboard_http_requests_total" and sample.labels == labels
    )


def test_metrics_add_up_the_requests_of_both_workers(tmp_path):
    """Requests land on both workers (each writes its own files); every scrape, whichever worker answers
    it, counts all of them. A previous run's files are gone at start."""
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_999999.db").write_bytes(b"left over from an earlier run")
    with gunicorn(tmp_path, PROMETHEUS_MULTIPROC_DIR=str(directory)) as served:
        assert not (directory / "counter_999999.db").exists()
        # what the start-up probes left (a probe the client gave up on may still have been answered)
        sent = _health_count(served.port)

        def workers() -> set[str]:
            return {path.stem.rsplit("_", 1)[1] for path in directory.glob("histogram_*.db")}

        deadline = time.monotonic() + 30  # the second worker may still be booting while the first serves
        with ThreadPoolExecutor(max_workers=8) as pool:
            while len(workers()) < 2 and time.monotonic() < deadline:
                statuses = list(pool.map(lambda _: _get(served.port, "/healthz")[0], range(40)))
                assert set(statuses) == {200}
                sent += len(statuses)
        assert len(workers()) == 2, "both workers served"
        scrapes = [_health_count(served.port) for _ in range(6)]
    assert scrapes == [sent] * 6


def _load_gunicorn_conf(monkeypatch, directory: Path) -> types.ModuleType:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", ROOT / "gunicorn.conf.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_dead_workers_live_gauges_go_and_its_counts_stay(tmp_path, monkeypatch):
    conf = _load_gunicorn_conf(monkeypatch, tmp_path)
    for name in ("gauge_livesum_4242.db", "gauge_liveall_4242.db", "counter_4242.db", "gauge_livesum_7.db"):
        (tmp_path / name).write_bytes(b"")
    conf.child_exit(None, types.SimpleNamespace(pid=4242))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter_4242.db", "gauge_livesum_7.db"]
    conf.on_starting(None)
    assert list(tmp_path.iterdir()) == []
