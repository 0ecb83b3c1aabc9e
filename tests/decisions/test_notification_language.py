"""What is sent is in its reader's language: each recipient's notification and its e-mail, written when
sent, in their profile's language (`User.locale`) or else the hospital's DEFAULT_LOCALE."""

from collections.abc import Iterator

import pytest
from flask_babel import force_locale

from tests.decisions.support import a_signed_decision
from tests.meetings.support import notes
from tumorboard.decisions import operations
from tumorboard.extensions import db, mail
from tumorboard.meetings.operations import _when
from tumorboard.notifications.mail import mail_notification
from tumorboard.timezones import to_local


@pytest.fixture
def german_hospital(app) -> Iterator[list]:
    """The hospital's language is German and it has a mail server; yields the outbox."""
    app.config.update(DEFAULT_LOCALE="de", MAIL_SERVER="mail.hospital.org")
    try:
        with mail.record_messages() as outbox:
            yield outbox
    finally:
        app.config.update(DEFAULT_LOCALE="en", MAIL_SERVER=None)


def test_each_recipient_reads_it_in_their_language(german_hospital, specialist, chair, item):
    chair.locale = "en"  # the profile's choice (E1's column); the others have none: the hospital's German
    signed = a_signed_decision(specialist, chair, item)
    db.session.commit()
    (signed_note,) = notes(item.case.submitter, "decision_signed")
    board = item.meeting.board.name
    assert signed_note.message == (
        f"Der Beschluss der Tumorkonferenz {board} zu Fall {item.case_id} ist unterzeichnet: "
        "Der Arztbrief liegt vor."
    )
    assert mail_notification(signed_note.id)  # the job that e-mails it
    (email,) = [m for m in german_hospital if m.recipients == [item.case.submitter.email]]
    assert email.subject.startswith("TumorBoard: Der Beschluss der Tumorkonferenz")
    assert "Der Arztbrief liegt vor." in email.body and f"/decisions/{signed.id}/letter" in email.body
    assert email.body.endswith("— TumorBoard, Universitätsklinikum")  # no name configured: the reader's

    operations.amend_decision(specialist, signed, reason="Octreotide instead: lanreotide not stocked.")
    db.session.commit()
    (waiting,) = notes(chair, "amendment_started")
    assert waiting.message == (
        f"An amendment of the decision for case {item.case_id} (version 2) waits for the chair's signature."
    )
    assert mail_notification(waiting.id)
    (english,) = [m for m in german_hospital if m.recipients == [chair.email]]
    assert english.subject.startswith("TumorBoard: An amendment of the decision")
    assert english.body.endswith("— TumorBoard, University Hospital")  # the job runs in the hospital's German


def test_a_meeting_time_in_a_german_message(german_hospital, meeting):
    with force_locale("de"):
        german = _when(meeting)
    with force_locale("en"):
        english = _when(meeting)
    local = to_local(meeting.starts_at)
    assert (
        german
        == f"{['Mo.', 'Di.', 'Mi.', 'Do.', 'Fr.', 'Sa.', 'So.'][local.weekday()]}, {local:%d.%m.%Y, %H:%M}"
    )
    assert english == local.strftime("%a %d %b %Y, %H:%M")
