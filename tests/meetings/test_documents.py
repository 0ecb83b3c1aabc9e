"""The meeting's documents: the printed agenda (PDF) and the calendar feed (iCalendar). No app needed."""

import dataclasses
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.support import Translations
from icalendar import Calendar
from pypdf import PdfReader

from tumorboard.documents.agenda import AgendaEntry, MeetingInfo, agenda_pdf
from tumorboard.documents.base import Language
from tumorboard.i18n import TRANSLATIONS_DIR
from tumorboard.meetings.calendar_feed import CalendarEvent, calendar_ics

BERLIN = ZoneInfo("Europe/Berlin")
GENERATED = datetime(2026, 3, 23, 12, 5, tzinfo=BERLIN)
HOSPITAL = "Universitätsklinikum Musterstadt"

MEETING = MeetingInfo(
    board_name="GEP-NET board",
    starts_at=datetime(2026, 3, 25, 16, 0, tzinfo=BERLIN),
    ends_at=datetime(2026, 3, 25, 17, 30, tzinfo=BERLIN),
    room="Demo room 3.14",
    video_link="https://video.example.org/j/84120",
    cutoff_at=datetime(2026, 3, 23, 12, 0, tzinfo=BERLIN),
    status="agenda locked",
    capacity_cases=8,
    capacity_minutes=90,
)


def entry(position: int, **overrides) -> AgendaEntry:
    values = {
        "position": position,
        "patient_label": f"E.M. · MRN A{1000230 + position}",
        "site": "Pancreas",
        "grade": "G2",
        "stage": "T2 N0 M1a · IV",
        "question": f"Case {position}: PRRT with ¹⁷⁷Lu-DOTATATE or everolimus after octreotide?",
        "presenter": "Dr. Anna Schmidt",
        "minutes": 10,
        "mode": "full discussion",
        "missing": (),
        "late": False,
        "late_reason": "",
    }
    return AgendaEntry(**(values | overrides))


ENTRIES = [
    entry(
        1,
        patient_label="Müller, Erika · MRN A1000231",
        question=(
            "Progression of liver metastases under octreotide LAR 30 mg every 4 weeks (Ki-67 8 %). "
            "Is PRRT with ¹⁷⁷Lu-DOTATATE indicated, or should we switch to everolimus first? "
            "Chromogranin A ≥ 3 × ULN and rising."
        ),
        missing=("⁶⁸Ga-DOTATATE PET/CT < 3 months", "Ki-67 on the recent biopsy"),
        minutes=20,
    ),
    entry(
        2,
        patient_label="García, José · MRN A1000417",
        site="Small intestine",
        grade="G1",
        question="Follow-up schedule after right hemicolectomy?",
        mode="for noting (standard of care)",
        presenter="",
        minutes=5,
    ),
    entry(
        3,
        patient_label="Böhm, Heinrich · MRN A1000502",
        grade="—",
        stage="not staged (NEC)",
        question="First-line platinum–etoposide or a trial?",
        late=True,
        late_reason="pathology arrived on 24 March",
    ),
]


def render(meeting=MEETING, entries=ENTRIES) -> bytes:
    return agenda_pdf(meeting, entries, hospital=HOSPITAL, generated_at=GENERATED)


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text with whitespace collapsed, so wrapped lines read as one."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_agenda_pdf_has_the_header_every_case_and_the_footer():
    pdf = render()
    assert pdf.startswith(b"%PDF-")
    text = " ".join(pages_text(pdf))
    for expected in (
        HOSPITAL,
        "GEP-NET board",
        "Wednesday 25 March 2026, 16:00–17:30",
        "Demo room 3.14",
        "https://video.example.org/j/84120",
        "Cut-off: Monday 23 March 2026, 12:00",
        "agenda locked",
        "3 of 8 cases",
        "35 of 90 minutes",
        "Confidential: patient data",
        "Page 1 of 1",
    ):
        assert expected in text
    for item in ENTRIES:
        assert item.patient_label in text
        assert " ".join(item.question.split()) in text
        assert f"{item.minutes} min" in text
        assert item.mode in text
    assert "Missing: ⁶⁸Ga-DOTATATE PET/CT < 3 months; Ki-67 on the recent biopsy" in text
    assert "Added after the cut-off: pathology arrived on 24 March" in text
    assert "Presenter: not assigned" in text
    assert "T2 N0 M1a · IV" in text
    assert "not staged (NEC)" in text


def test_agenda_pdf_is_a4_portrait_with_its_metadata():
    reader = PdfReader(io.BytesIO(render()))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert reader.metadata.title == "Agenda: GEP-NET board, Wednesday 25 March 2026"
    assert reader.metadata.creation_date == GENERATED


def test_unicode_names_render_as_text():
    text = " ".join(pages_text(render()))
    for name in ("Müller", "García", "Böhm", "Universitätsklinikum", "¹⁷⁷Lu", "⁶⁸Ga", "≥", "–", "×"):
        assert name in text


def test_agenda_pdf_is_reproducible():
    assert render() == render()


def test_forty_five_cases_paginate_without_splitting_a_case():
    entries = [entry(n, missing=("Pathology report",) if n % 3 == 0 else ()) for n in range(1, 46)]
    pages = pages_text(render(entries=entries))
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Confidential: patient data" in page
    for item in entries:
        holding = [page for page in pages if item.patient_label in page]
        assert len(holding) == 1, item.patient_label
        assert item.question in holding[0], "a case's block was split across pages"
    assert "GEP-NET board · Wednesday 25 March 2026, 16:00 · Agenda" in pages[1]


def test_a_question_longer_than_a_page_flows_on_in_full():
    sentences = [f"Sentence {n} of the question about somatostatin analogue dosing." for n in range(160)]
    pages = pages_text(render(entries=[entry(1, question=" ".join(sentences)), entry(2)]))
    assert len(pages) > 2
    text = " ".join(pages)
    assert all(text.count(f"Sentence {n} of") == 1 for n in range(len(sentences)))
    assert entry(2).patient_label in pages[-1]


@pytest.mark.parametrize(
    ("capacity_cases", "capacity_minutes", "warning"),
    [
        pytest.param(8, 90, None, id="within capacity"),
        pytest.param(3, 35, None, id="exactly at capacity"),
        pytest.param(None, None, None, id="no capacity set"),
        pytest.param(8, 30, "Over capacity: 5 minutes more than the 30 available.", id="over in minutes"),
        pytest.param(2, None, "Over capacity: 1 case more than the 2 places.", id="over in cases"),
        pytest.param(
            1,
            30,
            "Over capacity: 5 minutes more than the 30 available; 2 cases more than the 1 place.",
            id="over in both",
        ),
    ],
)
def test_over_capacity_warning_only_when_over(capacity_cases, capacity_minutes, warning):
    meeting = dataclasses.replace(MEETING, capacity_cases=capacity_cases, capacity_minutes=capacity_minutes)
    text = " ".join(pages_text(render(meeting=meeting)))
    if warning is None:
        assert "Over capacity" not in text
    else:
        assert warning in text


def test_summary_without_capacity():
    meeting = dataclasses.replace(MEETING, capacity_cases=None, capacity_minutes=None)
    text = " ".join(pages_text(render(meeting=meeting)))
    assert "3 cases · 35 minutes · 1 added after the cut-off · 1 with missing items" in text


def test_empty_agenda_still_renders():
    pages = pages_text(render(entries=[]))
    assert len(pages) == 1
    assert "There are no cases on the agenda yet." in pages[0]
    assert "0 of 8 cases" in pages[0]
    assert "Page 1 of 1" in pages[0]
    assert "Over capacity" not in pages[0]


def test_cancelled_meeting_says_so_and_a_meeting_without_a_place_too():
    meeting = dataclasses.replace(MEETING, status="cancelled", room="", video_link="")
    text = " ".join(pages_text(render(meeting=meeting)))
    assert "This meeting has been cancelled." in text
    assert "Place: not yet set" in text


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="starts_at must be timezone-aware"):
        render(meeting=dataclasses.replace(MEETING, starts_at=datetime(2026, 3, 25, 16, 0)))


# --------------------------------------------------------------------------------------- iCalendar

DESCRIPTION = (
    "12 cases on the agenda. Cut-off for submissions: Monday 23 March 2026, 12:00. "
    "https://tumorboard.example.org/meetings/42"
)


def event(number: int, starts_at: datetime, **overrides) -> CalendarEvent:
    values = {
        "uid": f"meeting-{number}@tumorboard",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(minutes=90),
        "summary": "GEP-NET board",
        "location": "Demo room 3.14 · Video: https://video.example.org/j/84120",
        "description": DESCRIPTION,
        "url": f"https://tumorboard.example.org/meetings/{number}",
        "cancelled": False,
        "sequence": 1,
        "last_modified": datetime(2026, 3, 20, 9, 30, tzinfo=UTC),
    }
    return CalendarEvent(**(values | overrides))


# two weekly meetings either side of the switch to summer time (29 March 2026)
EVENTS = [
    event(41, datetime(2026, 3, 25, 16, 0, tzinfo=BERLIN), sequence=3),
    event(42, datetime(2026, 4, 1, 16, 0, tzinfo=BERLIN), cancelled=True, sequence=5),
]


def ics(events=EVENTS, **kwargs) -> bytes:
    return calendar_ics(events, calendar_name="GEP-NET board", timezone="Europe/Berlin", **kwargs)


def test_calendar_has_its_header_and_a_vtimezone():
    data = ics()
    calendar = Calendar.from_ical(data)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == "-//TumorBoard//Meetings//EN"
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["X-WR-CALNAME"] == "GEP-NET board"
    [timezone] = calendar.timezones
    assert timezone.tz_name == "Europe/Berlin"
    assert timezone.standard
    assert timezone.daylight
    assert data.index(b"BEGIN:VTIMEZONE") < data.index(b"BEGIN:VEVENT")


def test_events_keep_the_local_wall_time_across_the_dst_change():
    data = ics()
    events = Calendar.from_ical(data).events
    assert [item["UID"] for item in events] == ["meeting-41@tumorboard", "meeting-42@tumorboard"]
    for item in events:
        assert item.start.tzinfo == BERLIN
        assert (item.start.hour, item.start.minute) == (16, 0)
        assert item.end - item.start == timedelta(minutes=90)
    assert [item.start.utcoffset() for item in events] == [timedelta(hours=1), timedelta(hours=2)]
    assert b"DTSTART;TZID=Europe/Berlin:20260325T160000" in data
    assert b"DTSTART;TZID=Europe/Berlin:20260401T160000" in data


def test_times_given_in_utc_are_written_in_the_calendar_zone():
    item = event(7, datetime(2026, 7, 1, 14, 0, tzinfo=UTC))
    data = ics([item])
    assert b"DTSTART;TZID=Europe/Berlin:20260701T160000" in data
    assert Calendar.from_ical(data).events[0].start == item.starts_at


def test_event_properties_round_trip():
    first, second = Calendar.from_ical(ics()).events
    assert (first["STATUS"], second["STATUS"]) == ("CONFIRMED", "CANCELLED")
    assert (first["SEQUENCE"], second["SEQUENCE"]) == (3, 5)
    assert first["SUMMARY"] == "GEP-NET board"
    assert first["LOCATION"] == "Demo room 3.14 · Video: https://video.example.org/j/84120"
    assert first["DESCRIPTION"] == DESCRIPTION
    assert first["URL"] == "https://tumorboard.example.org/meetings/41"
    assert first["LAST-MODIFIED"].dt == datetime(2026, 3, 20, 9, 30, tzinfo=UTC)
    assert first["DTSTAMP"].dt == datetime(2026, 3, 20, 9, 30, tzinfo=UTC)


def test_dtstamp_is_the_generation_time_when_given():
    generated = datetime(2026, 3, 24, 8, 0, tzinfo=BERLIN)
    first = Calendar.from_ical(ics(generated_at=generated)).events[0]
    assert first["DTSTAMP"].dt == generated.astimezone(UTC)


def test_long_lines_are_folded_and_the_feed_is_reproducible():
    long = event(9, datetime(2026, 5, 6, 16, 0, tzinfo=BERLIN), description=DESCRIPTION * 4)
    data = ics([long])
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    assert Calendar.from_ical(data).events[0]["DESCRIPTION"] == DESCRIPTION * 4
    assert ics() == ics()


def test_an_empty_calendar_is_still_valid():
    calendar = Calendar.from_ical(ics([]))
    assert calendar["X-WR-CALNAME"] == "GEP-NET board"
    assert calendar.events == []


def test_a_case_submitted_anyway_prints_the_submitters_reason_and_what_was_missing():
    anyway = entry(
        1,
        override_reason="The patient bleeds; the surgeons need the board's view this week.",
        submitted_without=("Pathology with Ki-67, or the reason there is none.",),
    )
    text = " ".join(pages_text(render(entries=[anyway, entry(2)])))
    assert (
        "Submitted anyway, without: Pathology with Ki-67, or the reason there is none. "
        "The submitter's reason: The patient bleeds; the surgeons need the board's view this week."
    ) in text
    assert text.count("Submitted anyway") == 1


def german() -> Language:
    """The German catalogue as the app compiles it (translations/de), without the app."""
    return Language("de", Translations.load(str(TRANSLATIONS_DIR), ["de"]))


def test_agenda_pdf_in_german_with_german_dates():
    pdf = agenda_pdf(
        dataclasses.replace(MEETING, status_label="Tagesordnung gesperrt"),
        ENTRIES,
        hospital=HOSPITAL,
        generated_at=GENERATED,
        language=german(),
    )
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(pages_text(pdf))
    for expected in (
        "Tagesordnung",
        "Mittwoch, 25.03.2026, 16:00–17:30",
        "Raum: Demo room 3.14",
        "Anmeldeschluss: Montag, 23.03.2026, 12:00",
        "Status: Tagesordnung gesperrt",
        "3 von 8 Fällen",
        "35 von 90 Minuten",
        "Nach Anmeldeschluss hinzugefügt: pathology arrived on 24 March",  # as typed
        "Vorstellung durch: nicht zugewiesen",
        "Vorstellung durch: Dr. Anna Schmidt",
        "Fragestellung:",
        "Vertraulich: Patientendaten",
        "Gedruckt am 23.03.2026, 12:05",
        "Seite 1 von 1",
    ):
        assert expected in text, expected
    for english in ("Wednesday", "March 2026", "Cut-off", "Question:", "Page 1 of", "Confidential"):
        assert english not in text, english
    assert reader.metadata.title == "Tagesordnung: GEP-NET board, Mittwoch, 25.03.2026"
    assert reader.trailer["/Root"]["/Lang"] == "de"


def test_agenda_pdf_in_german_counts_with_its_plurals():
    meeting = dataclasses.replace(MEETING, capacity_cases=1, capacity_minutes=None, status="cancelled")
    text = " ".join(
        pages_text(agenda_pdf(meeting, ENTRIES, hospital=HOSPITAL, generated_at=GENERATED, language=german()))
    )
    assert "Diese Sitzung wurde abgesagt." in text
    assert "Kapazität überschritten: 2 Fälle mehr als der 1 verfügbare Platz." in text
    alone = dataclasses.replace(MEETING, capacity_cases=None)
    text = " ".join(
        pages_text(
            agenda_pdf(alone, ENTRIES[:1], hospital=HOSPITAL, generated_at=GENERATED, language=german())
        )
    )
    assert "1 Fall" in text and "1 Fälle" not in text
