"""A signed decision's Bundle POSTed to the hospital's FHIR server (FHIR_PUBLISH_URL): off by default, sent
after the signature commits by the background job, a failure written on the decision for the coordinator
and raised for the queue's retry, a retry after success sending nothing again."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from tests.decisions.support import a_signed_decision, client_of
from tumorboard import jobs
from tumorboard.audit.models import AuditEvent
from tumorboard.decisions.models import FhirPublication
from tumorboard.decisions.publication import PublishFailed, publish_decision
from tumorboard.extensions import db


class _FhirServer(BaseHTTPRequestHandler):
    received: list[dict] = []
    status = 201

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(
            {
                "path": self.path,
                "type": self.headers["Content-Type"],
                "if_none_exist": self.headers.get("If-None-Exist"),
                "bundle": json.loads(body),
            }
        )
        self.send_response(self.status)
        if self.status == 201:
            self.send_header("Location", "http://fhir.example/fhir/Bundle/77/_history/1")
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def fhir_server(app, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FhirServer)  # an ephemeral port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _FhirServer.received, _FhirServer.status = [], 201
    monkeypatch.setitem(app.config, "FHIR_PUBLISH_URL", f"http://127.0.0.1:{server.server_port}/fhir")
    yield _FhirServer
    server.shutdown()
    server.server_close()
    thread.join()


def publications():
    return db.session.scalars(select(FhirPublication)).all()


def test_off_by_default_nothing_is_sent(app, specialist, chair, item):
    assert not app.config["FHIR_PUBLISH_URL"]
    a_signed_decision(specialist, chair, item)
    jobs.dispatch()
    assert publications() == []


def test_signing_sends_the_bundle_after_the_commit(app, specialist, chair, item, fhir_server):
    decision = a_signed_decision(specialist, chair, item)
    assert fhir_server.received == []  # held until dispatched after the commit
    (publication,) = publications()
    assert publication.status == "pending" and publication.decision_id == decision.id
    jobs.dispatch()  # inline: no JOB_QUEUE_URL in the tests
    (sent,) = fhir_server.received
    assert sent["path"] == "/fhir/Bundle" and sent["type"] == "application/fhir+json"
    bundle = Bundle.model_validate(sent["bundle"])
    assert bundle.type == "collection" and sent["if_none_exist"].endswith(f"|{decision.id}")
    db.session.expire_all()
    assert (publication.status, publication.attempts, publication.last_error) == ("sent", 1, "")
    assert publication.location == "http://fhir.example/fhir/Bundle/77/_history/1"
    assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1)) == (
        "decision.fhir_published"
    )
    publish_decision(publication.id)  # a retry or duplicate after success
    assert len(fhir_server.received) == 1


def test_a_failure_is_shown_on_the_decision_and_raised_for_the_retry(
    app, specialist, chair, coordinator, item, fhir_server
):
    fhir_server.status = 503
    decision = a_signed_decision(specialist, chair, item)
    (publication,) = publications()
    jobs.dispatch()  # inline after the commit: the failure is logged, the decision stays signed
    db.session.expire_all()
    assert (publication.status, publication.attempts) == ("failed", 1)
    assert publication.last_error == "the FHIR server answered HTTP 503"
    (failed,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "decision.fhir_publish_failed")
    )
    assert failed.details == {"attempt": 1, "error": "the FHIR server answered HTTP 503"}
    page = client_of(app, coordinator).get(f"/cases/{decision.case_id}/decisions")
    assert "not sent" in page.text and "HTTP 503" in page.text

    with pytest.raises(PublishFailed, match="HTTP 503"):
        publish_decision(publication.id)  # as the worker runs it: the queue retries what raises
    db.session.expire_all()
    assert publication.attempts == 2
    fhir_server.status = 201
    publish_decision(publication.id)  # the retry
    db.session.commit()
    db.session.expire_all()
    assert (publication.status, publication.attempts) == ("sent", 3)
    assert "sent on" in client_of(app, coordinator).get(f"/cases/{decision.case_id}/decisions").text


def test_an_unreachable_server_is_a_failure_too(app, specialist, chair, item, monkeypatch):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "FHIR_PUBLISH_URL", f"http://127.0.0.1:{port}/fhir")
    a_signed_decision(specialist, chair, item)
    jobs.dispatch()  # inline, the failure is logged; the decision stays signed
    (publication,) = publications()
    db.session.expire_all()
    assert (publication.status, publication.last_error) == ("failed", "the FHIR server could not be reached")


def test_through_the_queue_a_failure_is_retried_after_its_wait(app, specialist, chair, item, fhir_server):
    from datetime import timedelta

    import time_machine
    from rq import Queue

    from tests.conftest import job_queue
    from tumorboard.db import utcnow

    with job_queue(app, "redis://127.0.0.1:6379/11") as redis:  # this suite's own Redis database
        fhir_server.status = 503
        a_signed_decision(specialist, chair, item)
        jobs.dispatch()
        (publication,) = publications()
        assert fhir_server.received == []  # queued, not run
        jobs.worker(burst=True)
        assert len(fhir_server.received) == 1
        db.session.expire_all()
        assert (publication.status, publication.attempts) == ("failed", 1)
        registry = Queue(jobs.QUEUE_NAME, connection=redis).scheduled_job_registry
        (job_id,) = registry.get_job_ids()  # the retry, after JOB_RETRY_INTERVALS[0]
        due = registry.get_scheduled_time(job_id)
        assert due >= utcnow() + timedelta(seconds=app.config["JOB_RETRY_INTERVALS"][0] - 5)
        fhir_server.status = 201
        with time_machine.travel(due + timedelta(seconds=2)):
            jobs.worker(burst=True)
        assert len(fhir_server.received) == 2
        db.session.expire_all()
        assert (publication.status, publication.attempts) == ("sent", 2)
        assert jobs.queue_stats() == {"queued": 0, "started": 0, "scheduled": 0, "failed": 0}


@pytest.mark.parametrize(
    ("stored", "german"),
    [
        ("the FHIR server answered HTTP 503", "der FHIR-Server antwortete mit HTTP 503"),
        ("the FHIR server could not be reached", "der FHIR-Server war nicht erreichbar"),
        ("FHIR_PUBLISH_URL is not an http(s) address", "FHIR_PUBLISH_URL ist keine http(s)-Adresse"),
        ("an older wording", "an older wording"),
    ],
)
def test_a_stored_failure_reads_in_the_coordinators_language(app, stored, german):
    """The publication and its audit event keep the failure's English; the decision page writes it in
    its reader's language."""
    from tumorboard.decisions.publication import failure_text

    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        assert failure_text(stored) == german
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert failure_text(stored) == stored
