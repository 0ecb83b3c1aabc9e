"""The admin's page of failed jobs: what failed (no patient data), Retry and Discard, each audited;
admins only (others 403, anonymous to the sign-in page)."""

import smtplib

import pytest

from tests.meetings.support import events
from tumorboard import jobs
from tumorboard.auth.roles import Role
from tumorboard.extensions import db, mail
from tumorboard.notifications.operations import notify

MISSING = "0" * 32


@pytest.fixture
def dead_letter(app, queue, mail_server, work, submitter, monkeypatch):
    """A notification's e-mail that failed its only try (no retries configured): a dead letter."""
    monkeypatch.setitem(app.config, "JOB_RETRY_INTERVALS", ())

    def refuse(message):
        raise smtplib.SMTPRecipientsRefused({submitter.email: (550, b"mailbox unavailable")})

    monkeypatch.setattr(mail, "send", refuse)
    (note,) = notify([submitter.id], "case_submitted", "Case 7 was submitted.", "/cases/7")
    db.session.commit()
    jobs.dispatch()
    assert work()["failed"] == 1
    monkeypatch.undo()  # the mail server is back, and the retries are configured again
    (job_id,) = jobs._queue().failed_job_registry.get_job_ids()
    return job_id, note.id


def test_the_admin_sees_what_failed_when_and_why(client_as, dead_letter):
    job_id, note_id = dead_letter
    page = client_as(Role.ADMIN).get("/admin/jobs/")
    assert page.status_code == 200
    text = page.text
    assert f"mail_notification({note_id})" in text and "SMTPRecipientsRefused" in text
    assert f"/admin/jobs/{job_id}/retry" in text and f"/admin/jobs/{job_id}/discard" in text
    assert "1 failed job(s)" in text


def test_retry_sends_it_and_is_audited(client_as, dead_letter, work, mail_server):
    job_id, note_id = dead_letter
    response = client_as(Role.ADMIN).post(f"/admin/jobs/{job_id}/retry")
    assert response.status_code == 302
    (event,) = events("job.retried")
    assert event.entity_id == job_id and event.details["job"] == f"mail_notification({note_id})"
    assert work()["failed"] == 0
    assert len(mail_server) == 1


def test_discard_deletes_it_and_is_audited(client_as, dead_letter, work, mail_server):
    job_id, _ = dead_letter
    client = client_as(Role.ADMIN)
    assert client.post(f"/admin/jobs/{job_id}/discard").status_code == 302
    (event,) = events("job.discarded")
    assert event.entity_id == job_id and event.details["error"] == "SMTPRecipientsRefused"
    assert jobs.queue_stats()["failed"] == 0 and work()["queued"] == 0 and mail_server == []
    again = client.post(f"/admin/jobs/{job_id}/discard", follow_redirects=True)
    assert "no longer among the failed ones" in again.text
    assert len(events("job.discarded")) == 1


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_admins_see_or_handle_failed_jobs(client_as, dead_letter, role):
    job_id, _ = dead_letter
    client = client_as(role)
    assert client.get("/admin/jobs/").status_code == 403
    assert client.post(f"/admin/jobs/{job_id}/retry").status_code == 403
    assert client.post(f"/admin/jobs/{job_id}/discard").status_code == 403
    assert jobs.queue_stats()["failed"] == 1 and events("job.retried") == []


def test_anonymous_people_are_sent_to_sign_in(client, dead_letter):
    job_id, _ = dead_letter
    for response in (
        client.get("/admin/jobs/"),
        client.post(f"/admin/jobs/{job_id}/retry"),
        client.post(f"/admin/jobs/{job_id}/discard"),
    ):
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert jobs.queue_stats()["failed"] == 1


def test_an_unknown_or_malformed_job_id(client_as, queue):
    client = client_as(Role.ADMIN)
    assert client.post("/admin/jobs/not-a-job/retry").status_code == 404
    missing = client.post(f"/admin/jobs/{MISSING}/retry", follow_redirects=True)
    assert missing.status_code == 200 and "no longer among the failed ones" in missing.text
    assert events("job.retried") == []


def test_without_a_queue_the_page_says_jobs_run_inline(client_as):
    page = client_as(Role.ADMIN).get("/admin/jobs/")
    assert page.status_code == 200 and "JOB_QUEUE_URL" in page.text and "inline" in page.text
    assert client_as(Role.ADMIN).post(f"/admin/jobs/{MISSING}/discard").status_code == 302
