"""Prometheus metrics (prometheus_client): requests counted and timed per endpoint, and the job queue.

A request is labelled with its Flask endpoint (`cases.case_page`), its method and its status class
(`2xx`), never its URL: no id, search or other patient data reaches a label, and the number of series
stays bounded by the app's routes. Under gunicorn each worker is a process of its own; with
PROMETHEUS_MULTIPROC_DIR set, prometheus_client keeps each worker's values in a file there and a scrape
answered by any worker adds them all up (gunicorn.conf.py empties the directory at start and marks a
dead worker's files).

The page is for the admin network only: `client_allowed` answers for METRICS_ALLOWED_NETWORKS (the
client address after ProxyFix), and everyone else gets a 404.
"""

import ipaddress
import logging
import time
from collections.abc import Iterable, Iterator

from flask import Flask, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client import generate_latest as _generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from tumorboard import jobs

log = logging.getLogger("tumorboard.metrics")

__all__ = ["CONTENT_TYPE_LATEST", "client_allowed", "exposition", "init_app"]

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # no route (a 404 or 405 before any view): one label for all of them

REQUESTS = Counter(
    "tumorboard_http_requests",
    "HTTP requests answered, by Flask endpoint, method and status class.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "tumorboard_http_request_duration_seconds",
    "Time from the request's start to its answer (commit included), by Flask endpoint and method.",
    ["endpoint", "method"],
)

# What tumorboard.jobs.queue_stats() returns, and the gauge each value becomes.
JOB_GAUGES = (
    ("queued", "tumorboard_job_queue_depth", "Jobs waiting in the queue."),
    ("failed", "tumorboard_jobs_failed", "Jobs that failed for good (the dead-letter list)."),
)
_NETWORKS = "tumorboard.metrics.networks"


def init_app(app: Flask) -> None:
    """Parse the allowed networks (a wrong one stops the start, naming it) and time every request. Call
    it before any other hook is registered: its after_request then runs last, after the commit."""
    app.extensions[_NETWORKS] = parse_networks(app.config["METRICS_ALLOWED_NETWORKS"])
    app.before_request(_start_timer)
    app.after_request(_observe)


def parse_networks(value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    try:
        return tuple(ipaddress.ip_network(part.strip()) for part in value.split(",") if part.strip())
    except ValueError as exc:
        raise RuntimeError(
            f"METRICS_ALLOWED_NETWORKS must be a comma-separated list of CIDRs: {exc}"
        ) from exc


def client_allowed(address: str | None) -> bool:
    """Whether this client address is in METRICS_ALLOWED_NETWORKS (an IPv4 address seen as IPv6,
    ::ffff:a.b.c.d, counts as its IPv4 self)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in current_app.extensions[_NETWORKS])


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response):
    endpoint = request.endpoint or UNMATCHED
    method = request.method if request.method in METHODS else "other"
    elapsed = time.perf_counter() - g.get("metrics_started", time.perf_counter())
    REQUESTS.labels(endpoint, method, f"{response.status_code // 100}xx").inc()
    LATENCY.labels(endpoint, method).observe(elapsed)
    return response


class _Forward(Collector):
    """This process's own metrics, into the scrape's registry (one process: no files to add up)."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


class JobQueueCollector(Collector):
    """The job queue's depth and failed jobs (the dead letters), asked at each scrape from
    `tumorboard.jobs.queue_stats()` (zeros without a queue); left out when the queue does not answer."""

    def collect(self) -> Iterator[Metric]:
        try:
            stats = jobs.queue_stats()
        except Exception:  # noqa: BLE001 - a queue that does not answer leaves its gauges out, the rest is served
            log.warning("the job queue did not answer for the metrics", exc_info=True)
            return
        for key, name, documentation in JOB_GAUGES:
            yield GaugeMetricFamily(name, documentation, value=stats[key])


def exposition() -> bytes:
    """The metrics in Prometheus' text format: every worker's (multiprocess mode) or this process's."""
    registry = CollectorRegistry()
    directory = current_app.config.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        MultiProcessCollector(registry, path=directory)
    else:
        registry.register(_Forward())
    registry.register(JobQueueCollector())
    return _generate_latest(registry)
