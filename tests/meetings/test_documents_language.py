"""The meeting's documents in their reader's language: the agenda PDF and the calendar entry in the
requester's, the personal calendar feed in its owner's (calendar apps send no language and no cookie)."""

import io

from icalendar import Calendar
from pypdf import PdfReader

from tumorboard.auth.roles import Role
from tumorboard.extensions import db
from tumorboard.timezones import to_local

GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


def _description(data: bytes) -> str:
    (event,) = Calendar.from_ical(data).walk("VEVENT")
    return str(event["DESCRIPTION"])


def test_the_agenda_pdf_in_the_readers_language(client_as, meeting):
    member = client_as(Role.SPECIALIST)
    starts = to_local(meeting.starts_at)
    german = member.get(f"/meetings/{meeting.id}/agenda.pdf", headers=GERMAN)
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(german.data)).pages)
    assert "Tagesordnung" in text and "Seite 1 von 1" in text and f"{starts:%d.%m.%Y}, 16:00" in text
    assert "Es stehen noch keine Fälle auf der Tagesordnung." in text
    english = member.get(f"/meetings/{meeting.id}/agenda.pdf", headers=ENGLISH)
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(english.data)).pages)
    assert "Agenda" in text and "Page 1 of 1" in text and "Tagesordnung" not in text


def test_a_calendar_entry_in_german(client_as, meeting):
    member = client_as(Role.SPECIALIST)
    cutoff = to_local(meeting.cutoff_at)
    german = _description(member.get(f"/meetings/{meeting.id}/meeting.ics", headers=GERMAN).data)
    assert german.startswith("0 Fall/Fälle auf der Tagesordnung. Anmeldeschluss: ")
    assert f"{cutoff:%d.%m.%Y, %H:%M}" in german
    english = _description(member.get(f"/meetings/{meeting.id}/meeting.ics", headers=ENGLISH).data)
    assert english.startswith("0 case(s) on the agenda. Cut-off for submissions: ")
    assert f"{cutoff:%a %d %b %Y, %H:%M}" in english  # the weekday_datetime style, as in reminders


def test_the_personal_feed_is_in_its_owners_language(app, client, client_as, users, meeting):
    member = client_as(Role.SPECIALIST)
    member.post("/account/calendar")
    owner = db.session.get(type(users[Role.SPECIALIST]), users[Role.SPECIALIST].id)
    app.config["DEFAULT_LOCALE"] = "de"  # the owner has no language of their own: the hospital's
    try:
        feed = client.get(f"/calendar/{owner.calendar_token}.ics", headers=ENGLISH)
    finally:
        app.config["DEFAULT_LOCALE"] = "en"
    assert feed.status_code == 200
    calendar = Calendar.from_ical(feed.data)
    assert str(calendar["X-WR-CALNAME"]) == "TumorBoard-Sitzungen"
    assert "Anmeldeschluss" in _description(feed.data)
    english = Calendar.from_ical(client.get(f"/calendar/{owner.calendar_token}.ics", headers=GERMAN).data)
    assert str(english["X-WR-CALNAME"]) == "TumorBoard meetings"
