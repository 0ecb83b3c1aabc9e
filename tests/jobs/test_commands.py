"""`flask jobs tick` on the queue: the reminder jobs are queued, the worker runs them, and the e-mails they
notify are jobs of their own, run by the same worker; `flask jobs worker` and `stats`."""

from datetime import timedelta

import time_machine
from click.testing import CliRunner

from tests.meetings.support import a_plan, notes
from tumorboard import jobs
from tumorboard.cli import jobs_stats_command, jobs_tick_command, jobs_worker_command
from tumorboard.extensions import db
from tumorboard.meetings import operations


def _invoke(command, *args):
    result = CliRunner().invoke(command, list(args), obj=None, standalone_mode=False)
    return result


def test_a_tick_queues_the_reminders_and_the_worker_mails_them_once(
    queue, mail_server, work, coordinator, board, submitter, create_case
):
    meeting = operations.plan_meeting(coordinator, board, a_plan())
    draft = create_case(submitter=submitter, board=board)
    db.session.commit()
    with time_machine.travel(meeting.cutoff_at - timedelta(hours=2)):
        for _ in range(2):
            result = _invoke(jobs_tick_command)
            assert result.exception is None and "5 scheduled job(s) queued." in result.output
        assert jobs.queue_stats()["queued"] == 10
        assert work() == {"queued": 0, "started": 0, "scheduled": 0, "failed": 0}
    (note,) = notes(submitter, "reminder_cutoff")
    (message,) = mail_server
    assert message.recipients == [submitter.email] and f"case {draft.id}." in message.body
    assert draft.patient.family_name not in message.body + message.subject
    stats = _invoke(jobs_stats_command)
    assert stats.output.strip() == "queued=0 started=0 scheduled=0 failed=0"


def test_the_worker_needs_a_queue(app_ctx):
    result = _invoke(jobs_worker_command, "--burst")
    assert result.exception is not None and "JOB_QUEUE_URL is not set" in str(result.exception)
    assert _invoke(jobs_stats_command).output.strip() == "queued=0 started=0 scheduled=0 failed=0"


def test_the_worker_command_works_the_queue_in_burst_mode(queue, work):
    from tumorboard.meetings.reminders import remind_meetings

    jobs.enqueue(remind_meetings)
    db.session.commit()
    jobs.dispatch()
    assert jobs.queue_stats()["queued"] == 1
    result = _invoke(jobs_worker_command, "--burst")
    assert result.exception is None
    assert jobs.queue_stats()["queued"] == 0
