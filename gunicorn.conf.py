"""gunicorn's settings for TumorBoard: `gunicorn -c gunicorn.conf.py 'tumorboard:create_app()'`.

Sync workers, two by default: the app's requests are short and CPU-bound (templates, charts, PDFs) on a
PostgreSQL a few milliseconds away. On 2 cores, 2 sync workers served 20-40 % more requests per second
than 4 workers with 4 threads each (the measurement issue 11 reports; to be repeated with bench/ on the
hospital's host). Set TUMORBOARD_WORKERS to the number of cores on a larger host. The app is stateless
between requests (sessions are signed cookies, throttling is in Redis), so several such servers can stand
behind one proxy.
"""

import os
from pathlib import Path

bind = os.environ.get("TUMORBOARD_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("TUMORBOARD_WORKERS", "2"))
worker_class = "sync"

# A request that takes a minute is a fault: the worker is restarted rather than left to hang. A graceful
# restart (SIGHUP) lets the requests under way finish for up to 30 s.
timeout = 60
graceful_timeout = 30
keepalive = 5
# Workers are replaced now and then, so that a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200

# Behind nginx on the same host: trust its X-Forwarded-* headers only (the app's PROXY_COUNT matches).
forwarded_allow_ips = os.environ.get("TUMORBOARD_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs to the journal: errors as they are, the access log as one JSON object a line, with the request's
# path but never its query string (a search must not reach a log).
errorlog = "-"
accesslog = "-"
access_log_format = (
    '{"time": "%(t)s", "remote": "%(h)s", "method": "%(m)s", "path": "%(U)s", "status": %(s)s, '
    '"bytes": "%(B)s", "duration_us": %(D)s, "request_id": "%({x-request-id}o)s"}'
)

# Prometheus metrics across workers (tumorboard.metrics): with PROMETHEUS_MULTIPROC_DIR set, each worker
# keeps its values in files there and /metrics adds up every worker's. The directory is this gunicorn's
# own (one per instance, e.g. systemd's RuntimeDirectory), emptied at start: values of an earlier run
# would be counted again.
metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def on_starting(server) -> None:
    if metrics_dir:
        directory = Path(metrics_dir)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()


def child_exit(server, worker) -> None:
    """A worker that ended (recycled by max_requests, killed by the timeout): its live gauges go."""
    if metrics_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid, metrics_dir)
