"""The background worker on the real Redis: a notification's e-mail is a job queued after the commit and
run by the worker; a job run twice mails once; a failing send is retried with back-off and ends as a dead
letter; without a queue (or with Redis unreachable) jobs run inline."""

import smtplib
from datetime import timedelta

import pytest
import time_machine
from rq import Queue
from rq.job import Job
from sqlalchemy import select

from tumorboard import jobs
from tumorboard.db import utcnow
from tumorboard.extensions import db, mail
from tumorboard.notifications.mail import mail_notification
from tumorboard.notifications.models import Notification
from tumorboard.notifications.operations import notify

MESSAGE = "Case 12 was submitted to the GEP-NET board."


def _note(user) -> Notification:
    (note,) = notify([user.id], "case_submitted", MESSAGE, "/cases/12")
    return note


def _fresh(note_id: int) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, note_id)


def test_a_notification_is_mailed_by_the_worker_after_its_commit(queue, mail_server, work, submitter):
    note_id = _note(submitter).id
    assert jobs.queue_stats()["queued"] == 0, "nothing is queued before the commit"
    db.session.commit()
    assert jobs.dispatch() == 1
    assert jobs.queue_stats() == {"queued": 1, "started": 0, "scheduled": 0, "failed": 0}
    assert mail_server == [], "the request does not send it"
    assert work()["queued"] == 0
    (message,) = mail_server
    assert message.recipients == [submitter.email] and MESSAGE in message.body
    assert "/cases/12" in message.body
    note = _fresh(note_id)
    assert note.emailed_at is not None and note.mail_claimed_at is not None


def test_a_rolled_back_change_queues_no_mail(queue, mail_server, work, submitter):
    _note(submitter)
    db.session.rollback()
    db.session.commit()
    assert jobs.dispatch() == 0
    assert work() == {"queued": 0, "started": 0, "scheduled": 0, "failed": 0}
    assert mail_server == []


def test_the_same_job_twice_mails_once(queue, mail_server, work, submitter):
    note_id = _note(submitter).id
    jobs.enqueue(mail_notification, note_id)  # a duplicate enqueue
    db.session.commit()
    assert jobs.dispatch() == 2
    work()
    assert len(mail_server) == 1
    Queue(jobs.QUEUE_NAME, connection=queue).enqueue(
        jobs.run, f"{mail_notification.__module__}.mail_notification", note_id
    )
    work()  # the job run again after it succeeded (a worker that crashed before acknowledging it)
    assert len(mail_server) == 1


def test_a_claim_left_by_a_crashed_worker_is_never_mailed_again(app_ctx, mail_server, submitter):
    """At most once: a worker killed between sending and marking leaves the claim; the next run sends
    nothing (the e-mail may be lost; the notification is in the app)."""
    note = _note(submitter)
    note.mail_claimed_at = utcnow()
    db.session.commit()
    assert mail_notification(note.id) is False
    assert mail_server == [] and _fresh(note.id).emailed_at is None


def test_a_failing_send_is_retried_with_back_off_then_kept_as_a_dead_letter(
    app, queue, mail_server, work, submitter, monkeypatch
):
    def refuse(message):
        raise smtplib.SMTPServerDisconnected("mail.hospital.org closed the connection")

    monkeypatch.setattr(mail, "send", refuse)
    note_id = _note(submitter).id
    db.session.commit()
    jobs.dispatch()
    registry = Queue(jobs.QUEUE_NAME, connection=queue).scheduled_job_registry
    before = utcnow()
    stats = work()
    after = utcnow()
    for wait in app.config["JOB_RETRY_INTERVALS"]:
        assert stats["scheduled"] == 1 and stats["failed"] == 0, stats
        assert _fresh(note_id).mail_claimed_at is None, "a failed send gives its claim back"
        (job_id,) = registry.get_job_ids()
        due = registry.get_scheduled_time(job_id)  # whole seconds
        assert before + timedelta(seconds=wait - 1) <= due <= after + timedelta(seconds=wait + 1)
        with time_machine.travel(due - timedelta(seconds=30)):
            assert work()["scheduled"] == 1, "not before its wait is over"
        with time_machine.travel(due + timedelta(seconds=2)):
            before = utcnow()
            stats = work()
            after = utcnow()
    assert stats == {"queued": 0, "started": 0, "scheduled": 0, "failed": 1}
    (job_id,) = Queue(jobs.QUEUE_NAME, connection=queue).failed_job_registry.get_job_ids()
    job = Job.fetch(job_id, connection=queue)
    assert job.meta["error_class"] == "SMTPServerDisconnected"
    assert job.meta["attempts"] == len(app.config["JOB_RETRY_INTERVALS"]) + 1
    assert job.description == f"mail_notification({note_id})"
    assert mail_server == [] and _fresh(note_id).emailed_at is None


def test_without_a_queue_jobs_run_inline_after_the_commit(app_ctx, mail_server, submitter):
    note_id = _note(submitter).id
    assert mail_server == []
    db.session.commit()
    assert jobs.dispatch() == 1
    assert len(mail_server) == 1 and _fresh(note_id).emailed_at is not None
    assert jobs.queue_stats() == {"queued": 0, "started": 0, "scheduled": 0, "failed": 0}


def test_an_unreachable_queue_runs_the_job_inline_and_says_so(app, app_ctx, mail_server, submitter, caplog):
    app.config["JOB_QUEUE_URL"] = "redis://127.0.0.1:1/4"  # nothing listens there
    try:
        note_id = _note(submitter).id
        db.session.commit()
        assert jobs.dispatch() == 1
    finally:
        app.config["JOB_QUEUE_URL"] = ""
        app.extensions.pop("tumorboard.jobs", None)
    assert len(mail_server) == 1 and _fresh(note_id).emailed_at is not None
    assert "job queue unreachable" in caplog.text


def test_inline_a_failing_send_is_logged_and_the_change_stands(
    app_ctx, mail_server, submitter, monkeypatch, caplog
):
    monkeypatch.setattr(mail, "send", lambda message: (_ for _ in ()).throw(smtplib.SMTPException("down")))
    note_id = _note(submitter).id
    db.session.commit()
    jobs.dispatch()
    assert "job mail_notification" in caplog.text and "failed" in caplog.text
    note = _fresh(note_id)
    assert note is not None and note.emailed_at is None and note.mail_claimed_at is None


def test_a_disabled_account_gets_no_mail(app_ctx, mail_server, submitter):
    note_id = _note(submitter).id
    submitter.active = False
    db.session.commit()
    jobs.dispatch()
    assert mail_server == []
    assert db.session.scalar(select(Notification.emailed_at).where(Notification.id == note_id)) is None


def test_enqueue_refuses_what_a_worker_could_not_import(app_ctx):
    def local_job():
        return None

    with pytest.raises(ValueError, match="module-level"):
        jobs.enqueue(local_job)
