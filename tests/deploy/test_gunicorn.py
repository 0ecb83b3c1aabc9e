"""The app as production serves it: gunicorn with gunicorn.conf.py and the production configuration,
a real process on a real port, answering its health check and logging each request as one JSON line
without the query string."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.deploy.stack import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_gunicorn_serves_the_production_app_with_json_access_logs(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "TUMORBOARD_CONFIG": "production",
        "SECRET_KEY": "s" * 40,
        "AUDIT_HMAC_KEY": "a" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/14",
        "TUMORBOARD_BIND": f"127.0.0.1:{port}",
        "TUMORBOARD_WORKERS": "2",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(  # noqa: S603 - our own executable and arguments
        [str(gunicorn), "-c", str(ROOT / "gunicorn.conf.py"), "tumorboard:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz?probe=secret", timeout=2) as r:  # noqa: S310
                    body = json.loads(r.read())
                    request_id = r.headers["X-Request-ID"]
                break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
                time.sleep(0.3)
        assert body == {"status": "ok", "database": "ok", "throttle_store": "ok"}
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    access = [json.loads(line) for line in out.splitlines() if line.startswith("{") and '"method"' in line]
    (line,) = [a for a in access if a["request_id"] == request_id]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert "secret" not in out and line["duration_us"] > 0
    assert "Booting worker" in err and err.count("Booting worker") >= 2  # two workers, as configured
