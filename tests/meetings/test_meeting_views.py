"""Meeting pages through the test client: who may see and change what, the agenda builder, the printed
agenda as PDF and HTML, the calendar files, and bounded query counts."""

import io
import re
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar
from pypdf import PdfReader
from sqlalchemy import select

from tests.conftest import give_function, log_in
from tumorboard.auth.roles import Role
from tumorboard.boards.models import BoardMembership
from tumorboard.cases.models import Case
from tumorboard.db import utcnow
from tumorboard.extensions import db
from tumorboard.meetings import operations
from tumorboard.meetings.agenda_views import GUEST_NOT_OFFERED
from tumorboard.meetings.models import AgendaItem, Meeting
from tumorboard.notifications.models import Notification
from tumorboard.timezones import hospital_today, to_local


@pytest.fixture
def functions(users, board):
    """The coordinator coordinates and the chair chairs `board`."""
    for role, flag in ((Role.COORDINATOR, "is_coordinator"), (Role.CHAIR, "is_chair")):
        membership = db.session.scalar(
            select(BoardMembership).where(BoardMembership.user_id == users[role].id)
        )
        setattr(membership, flag, True)
    db.session.commit()


def _plan(app, users, board, days=7, cutoff_hours=48) -> Meeting:
    with app.app_context():
        start = datetime.combine(hospital_today() + timedelta(days=days), datetime.min.time()).replace(
            hour=16
        )
        meeting = operations.plan_meeting(
            users[Role.COORDINATOR],
            board,
            operations.MeetingPlan(
                start_local=start,
                duration_minutes=90,
                room="Room 1",
                cutoff_hours=cutoff_hours,
                capacity_cases=2,
            ),
        )
        db.session.commit()
        return meeting


@pytest.fixture
def meeting(app, users, board, functions):
    return _plan(app, users, board)


@pytest.fixture
def waiting(create_case, users, board):
    return [
        create_case(
            submitter=users[Role.SUBMITTER],
            board=board,
            status="submitted",
            clinical_question=f"Question number {n}?",
            submitted_at=datetime.now().astimezone(),
        )
        for n in range(3)
    ]


def _add(client, meeting, case, **extra):
    return client.post(
        f"/meetings/{meeting.id}/agenda",
        data={"case_id": case.id, "minutes": 15, "mode": "full", "version": meeting.version, **extra},
    )


def test_members_read_coordinators_manage_others_get_404(app, client_as, meeting, create_user):
    assert client_as(Role.SPECIALIST).get(f"/meetings/{meeting.id}").status_code == 200
    assert "Waiting in the pool" not in client_as(Role.SPECIALIST).get(f"/meetings/{meeting.id}").text
    outsider = log_in(app.test_client(), create_user(roles=[Role.COORDINATOR, Role.SPECIALIST]))
    for url in (
        f"/meetings/{meeting.id}",
        f"/meetings/{meeting.id}/agenda.pdf",
        f"/meetings/{meeting.id}/meeting.ics",
        f"/meetings/{meeting.id}/print",
        f"/meetings/{meeting.id}/attendance",
        f"/meetings/{meeting.id}/edit",
    ):
        assert outsider.get(url).status_code == 404, url
    assert (
        outsider.post(
            f"/meetings/{meeting.id}/lock", data={"locked": "1", "version": meeting.version}
        ).status_code
        == 404
    )
    # a coordinator of the board without the board's coordinator function reads but does not manage
    assert client_as(Role.SPECIALIST).get(f"/meetings/{meeting.id}/edit").status_code == 403


def test_member_without_coordinator_flag_cannot_change_the_agenda(app, meeting, waiting, board, create_user):
    plain = log_in(app.test_client(), create_user(roles=[Role.COORDINATOR], boards=[board]))
    assert _add(plain, meeting, waiting[0]).status_code == 403
    assert db.session.scalar(select(AgendaItem)) is None


def test_build_reorder_and_remove(client_as, meeting, waiting):
    coordinator = client_as(Role.COORDINATOR)
    page = coordinator.get(f"/meetings/{meeting.id}").text
    assert "Waiting in the pool" in page and "Question number 0?" in page
    for case in waiting:
        db.session.refresh(meeting)
        assert _add(coordinator, meeting, case).status_code == 302
    db.session.refresh(meeting)
    page = coordinator.get(f"/meetings/{meeting.id}").text
    assert "Over capacity" in page  # 3 cases on a meeting for 2
    items = meeting.items
    response = coordinator.post(
        f"/meetings/{meeting.id}/agenda/{items[2].id}/move",
        data={"direction": "up", "version": meeting.version},
    )
    assert response.status_code == 302
    db.session.refresh(meeting)
    assert [i.case_id for i in meeting.items] == [waiting[0].id, waiting[2].id, waiting[1].id]
    order = ",".join(str(i.id) for i in reversed(meeting.items))
    response = coordinator.post(
        f"/meetings/{meeting.id}/agenda/order", data={"order": order, "version": meeting.version}
    )
    assert response.status_code == 200 and response.json["order"] == [int(i) for i in order.split(",")]
    db.session.refresh(meeting)
    assert [i.position for i in meeting.items] == [1, 2, 3]
    stale = coordinator.post(
        f"/meetings/{meeting.id}/agenda/order", data={"order": order, "version": meeting.version - 1}
    )
    assert stale.status_code == 409 and "reload the page" in stale.json["error"]
    first = meeting.items[0]
    assert (
        coordinator.post(
            f"/meetings/{meeting.id}/agenda/{first.id}/remove", data={"version": meeting.version}
        ).status_code
        == 302
    )
    db.session.refresh(meeting)
    assert [i.position for i in meeting.items] == [1, 2]
    assert db.session.get(Case, first.case_id).status == "submitted"
    kinds = set(db.session.scalars(select(Notification.kind)))
    assert {"case_scheduled", "case_moved", "case_unscheduled"} <= kinds


@pytest.mark.parametrize("order", ["", "1,a", "99999999999", "1,1"])
def test_damaged_order_is_refused(client_as, meeting, order):
    response = client_as(Role.COORDINATOR).post(
        f"/meetings/{meeting.id}/agenda/order", data={"order": order, "version": meeting.version}
    )
    assert response.status_code in (400, 422)


def test_late_addition_needs_a_reason(app, client_as, users, board, functions, waiting):
    meeting = _plan(app, users, board, days=1, cutoff_hours=48)  # cut-off already passed
    coordinator = client_as(Role.COORDINATOR)
    _add(coordinator, meeting, waiting[0])
    assert db.session.scalar(select(AgendaItem)) is None
    db.session.refresh(meeting)
    assert _add(coordinator, meeting, waiting[0], late_reason="Urgent: bleeding").status_code == 302
    item = db.session.scalar(select(AgendaItem))
    assert item.late and item.late_reason == "Urgent: bleeding"
    assert "added late" in coordinator.get(f"/meetings/{meeting.id}").text


def test_agenda_pdf_and_print_contain_the_agenda(app, client_as, meeting, waiting, users):
    with app.app_context():
        operations.add_to_agenda(
            users[Role.COORDINATOR], meeting, waiting[0], expected_version=meeting.version
        )
        db.session.commit()
    client = client_as(Role.SPECIALIST)
    response = client.get(f"/meetings/{meeting.id}/agenda.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    patient = waiting[0].patient
    assert board_name(meeting) in text and "Question number 0?" in text
    assert f"MRN {patient.mrn}" in text and patient.family_name not in text  # initials + MRN by default
    printed = client.get(f"/meetings/{meeting.id}/print").text
    assert "Question number 0?" in printed and f"MRN {patient.mrn}" in printed


def test_the_printable_agenda_in_the_readers_language(app, client_as, meeting, waiting, users):
    with app.app_context():
        operations.add_to_agenda(
            users[Role.COORDINATOR], meeting, waiting[0], expected_version=meeting.version
        )
        db.session.commit()
    client = client_as(Role.SPECIALIST)
    german = client.get(f"/meetings/{meeting.id}/print", headers={"Accept-Language": "de-DE,de;q=0.9"}).text
    assert '<html lang="de">' in german and "<title>Tagesordnung " in german
    assert "Zurück zur Sitzung" in german and "Vertraulich: Patientendaten" in german
    assert "1 Fall, " in german and "<strong>Fragestellung:</strong> Question number 0?" in german
    assert "Question:" not in german and "case(s)" not in german
    english = client.get(f"/meetings/{meeting.id}/print", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert '<html lang="en">' in english and "<title>Agenda " in english and "1 case(s), " in english
    assert "<strong>Question:</strong> Question number 0?" in english and "Tagesordnung" not in english


def board_name(meeting):
    return db.session.get(Meeting, meeting.id).board.name


def test_meeting_ics_parses_back(client_as, meeting):
    response = client_as(Role.SPECIALIST).get(f"/meetings/{meeting.id}/meeting.ics")
    calendar = Calendar.from_ical(response.data)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 1 and str(events[0]["UID"]) == f"meeting-{meeting.id}@tumorboard"
    start = events[0].decoded("DTSTART")
    assert start.hour == 16 and str(start.tzinfo) == "Europe/Berlin"


def test_personal_feed_needs_the_token(client, client_as, users, meeting):
    member = client_as(Role.SPECIALIST)
    member.post("/account/calendar")
    token = db.session.get(type(users[Role.SPECIALIST]), users[Role.SPECIALIST].id).calendar_token
    feed = client.get(f"/calendar/{token}.ics")  # no session: calendar apps send no cookie
    assert feed.status_code == 200 and f"meeting-{meeting.id}@tumorboard" in feed.text
    assert client.get("/calendar/" + "x" * 43 + ".ics").status_code == 404
    assert client.get("/calendar/short.ics").status_code == 404
    member.post("/account/calendar")
    assert client.get(f"/calendar/{token}.ics").status_code == 404, "a renewed link voids the old one"


def test_attendance_quorum_start_and_close(client_as, meeting, users, waiting, app):
    coordinator, chair = client_as(Role.COORDINATOR), client_as(Role.CHAIR)
    with app.app_context():
        operations.add_to_agenda(
            users[Role.COORDINATOR], meeting, waiting[0], expected_version=meeting.version
        )
        db.session.commit()
    db.session.refresh(meeting)
    members = [u for role, u in users.items() if role is not Role.PRIVACY]  # the officer is on no board
    data = {"version": meeting.version, **{f"status-{u.id}": "present" for u in members}}
    assert coordinator.post(f"/meetings/{meeting.id}/attendance", data=data).status_code == 302
    page = coordinator.get(f"/meetings/{meeting.id}").text
    assert "Missing for quorum" in page
    db.session.refresh(meeting)
    coordinator.post(f"/meetings/{meeting.id}/start", data={"version": meeting.version})
    db.session.refresh(meeting)
    assert meeting.status == "planned", "no quorum: the coordinator cannot start"
    with app.app_context():
        day = to_local(meeting.starts_at)
    question = f"This meeting is planned for {day:%a} {day.day} {day:%b}; start it today anyway?"
    assert question in chair.get(f"/meetings/{meeting.id}").text, "the meeting is next week"
    data = {"version": meeting.version, "override_reason": "Pathology by phone"}
    refused = chair.post(f"/meetings/{meeting.id}/start", data=data, follow_redirects=True)
    assert "confirm that you start it today" in refused.text
    db.session.refresh(meeting)
    assert meeting.status == "planned", "before its day, not without the chair's confirmation"
    chair.post(f"/meetings/{meeting.id}/start", data=data | {"confirm_early": "y"})
    db.session.refresh(meeting)
    assert meeting.status == "in_progress" and meeting.quorum_override_reason == "Pathology by phone"
    chair.post(f"/meetings/{meeting.id}/close", data={"version": meeting.version})
    db.session.refresh(meeting)
    assert meeting.status == "in_progress", "a case without outcome blocks closing"
    chair.post(f"/meetings/{meeting.id}/close", data={"version": meeting.version, "defer_remaining": "y"})
    db.session.refresh(meeting)
    assert meeting.status == "closed" and db.session.get(Case, waiting[0].id).status == "deferred"


def test_plan_a_series_through_the_form(client_as, board, functions):
    response = client_as(Role.COORDINATOR).post(
        f"/boards/{board.id}/meetings/new",
        data={
            "start": "2031-03-19T16:00",
            "duration_minutes": 90,
            "room": "Room 3",
            "cutoff_hours": 48,
            "repeat": "weekly",
            "count": 4,
            "skip": "2031-04-02",
        },
    )
    assert response.status_code == 302
    meetings = db.session.scalars(select(Meeting).order_by(Meeting.starts_at)).all()
    assert [m.starts_at.strftime("%m-%d %H:%M") for m in meetings] == [
        "03-19 15:00",
        "03-26 15:00",
        "04-09 14:00",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start": "yesterday"}, "Not a valid datetime value."),
        ({"start": "2020-01-01T16:00"}, "The meeting would start in the past."),
        ({"start": "2031-03-30T02:30"}, "This time does not exist on that day"),
        ({"duration_minutes": "5"}, "The duration must be between 10 and 600\u00a0minutes."),
        ({"room": ""}, "Give a room, a video link, or both."),
        ({"video_link": "javascript:alert(1)"}, "The video link must start with https://."),
        ({"repeat": "daily"}, "Not a valid choice."),
        ({"repeat": "weekly", "count": "60"}, "The number of meetings must be between 1 and 52."),
        ({"skip": "next tuesday"}, "is not a date"),
    ],
)
def test_bad_meeting_input(client_as, board, functions, change, message):
    data = {
        "start": "2031-03-19T16:00",
        "duration_minutes": 90,
        "room": "Room 3",
        "cutoff_hours": 48,
        "repeat": "once",
        "count": 1,
        **change,
    }
    response = client_as(Role.COORDINATOR).post(f"/boards/{board.id}/meetings/new", data=data)
    assert response.status_code == 422 and message in response.text
    assert db.session.scalar(select(Meeting)) is None


SETTINGS = {
    "required": ["surgery", "pathology", "gastroenterology", "endocrinology"],
    "weekday": "1",
    "start_time": "15:30",
    "duration_minutes": "60",
    "cutoff_hours": "24",
    "room": "B",
    "video_link": "",
}


def test_board_settings(client_as, board, functions):
    coordinator = client_as(Role.COORDINATOR)
    assert coordinator.get(f"/boards/{board.id}/settings").status_code == 200
    response = coordinator.post(
        f"/boards/{board.id}/settings",
        data={**SETTINGS, "either_gi_or_endocrinology": "y", "version": board.version},
    )
    assert response.status_code == 302
    db.session.refresh(board)
    assert board.required_specialties == "surgery;pathology;gastroenterology|endocrinology"
    assert client_as(Role.SPECIALIST).get(f"/boards/{board.id}/settings").status_code == 403
    bad = coordinator.post(
        f"/boards/{board.id}/settings",
        data={**SETTINGS, "required": [], "start_time": "25:00", "version": board.version},
    )
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"room": "R" * 201}, "The room is too long (at most 200 characters).", id="room-201"),
        pytest.param({"room": "Room\u202e3"}, "direction-changing characters", id="room-bidi"),
        pytest.param({"video_link": "http://video.example.org/j/1"}, "must start with https://", id="http"),
        pytest.param(
            {"video_link": "https://v.example.org/" + "j" * 500}, "video link is too long", id="link-501"
        ),
        pytest.param(
            {"required": ["surgery", "gastroenterology"], "either_gi_or_endocrinology": "y"},
            "choose both",
            id="either-without-both",
        ),
    ],
)
def test_board_settings_refusals_change_nothing(client_as, board, functions, change, message):
    before = (board.required_specialties, board.default_room, board.default_video_link, board.version)
    response = client_as(Role.COORDINATOR).post(
        f"/boards/{board.id}/settings", data={**SETTINGS, "version": board.version, **change}
    )
    assert response.status_code == 422 and message in response.text
    db.session.refresh(board)
    assert (board.required_specialties, board.default_room, board.default_video_link, board.version) == before


def test_preferred_meeting(client_as, meeting, waiting):
    client = client_as(Role.SUBMITTER)
    assert (
        client.post(
            f"/cases/{waiting[0].id}/preferred-meeting",
            data={"meeting_id": meeting.id, "note": "Patient is here that week"},
        ).status_code
        == 302
    )
    assert "Patient is here that week" in client_as(Role.COORDINATOR).get(f"/meetings/{meeting.id}").text
    assert client_as(Role.SPECIALIST).get(f"/cases/{waiting[0].id}/preferred-meeting").status_code == 403


def test_meeting_page_statements_do_not_grow_with_the_agenda(
    app, client_as, users, board, functions, create_case, count_queries
):
    coordinator = client_as(Role.COORDINATOR)
    small, large = _plan(app, users, board, days=7), _plan(app, users, board, days=14)
    with app.app_context():
        for meeting, n in ((small, 1), (large, 8)):
            for _ in range(n):
                case = create_case(submitter=users[Role.SUBMITTER], board=board, status="submitted")
                operations.add_to_agenda(
                    users[Role.COORDINATOR],
                    meeting,
                    case,
                    expected_version=db.session.get(Meeting, meeting.id).version,
                )
        db.session.commit()
    urls = [f"/meetings/{small.id}", f"/meetings/{large.id}"]
    counts = []
    for url in urls:
        with count_queries() as statements:
            assert coordinator.get(url).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert re.search(r"\d", str(counts))


def test_scheduling_e_mails_the_submitter_when_the_site_has_mail(app, client_as, meeting, waiting, users):
    from tumorboard.extensions import mail

    app.config["MAIL_SERVER"] = "mail.hospital.org"
    try:
        with mail.record_messages() as outbox:
            assert _add(client_as(Role.COORDINATOR), meeting, waiting[0]).status_code == 302
    finally:
        app.config["MAIL_SERVER"] = None
    assert len(outbox) == 1
    message = outbox[0]
    assert message.recipients == [users[Role.SUBMITTER].email]
    assert f"Case {waiting[0].id}" in message.body and f"/cases/{waiting[0].id}" in message.body
    assert waiting[0].patient.family_name not in message.body + message.subject
    note = db.session.scalar(select(Notification).where(Notification.kind == "case_scheduled"))
    assert note.emailed_at is not None


def test_without_a_mail_server_notifications_stay_in_the_app(client_as, meeting, waiting):
    from tumorboard.extensions import mail

    with mail.record_messages() as outbox:
        _add(client_as(Role.COORDINATOR), meeting, waiting[0])
    assert outbox == []
    page = client_as(Role.SUBMITTER).get("/notifications/").text
    assert f"Case {waiting[0].id} is on the agenda" in page


@pytest.mark.parametrize(
    "key", ["status-²", "status-99999999999999999999999", "status-0", "status--1", "status-"]
)
def test_odd_attendance_keys_are_ignored(client_as, meeting, key):
    response = client_as(Role.COORDINATOR).post(
        f"/meetings/{meeting.id}/attendance", data={"version": meeting.version, key: "present"}
    )
    assert response.status_code == 302


def test_a_plan_sent_twice_makes_one_series(client_as, board, functions):
    client = client_as(Role.COORDINATOR)
    data = {
        "start": "2031-03-19T16:00",
        "duration_minutes": 90,
        "room": "Room 3",
        "cutoff_hours": 48,
        "repeat": "weekly",
        "count": 3,
        "once": "the-token-of-this-form-0001",
    }
    assert client.post(f"/boards/{board.id}/meetings/new", data=data).status_code == 302
    again = client.post(f"/boards/{board.id}/meetings/new", data=data, follow_redirects=True)
    assert "already saved" in again.text
    assert len(db.session.scalars(select(Meeting)).all()) == 3


def test_calendar_links_follow_the_served_host_without_public_url(
    app, client_as, meeting, users, monkeypatch
):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "")
    served = {"base_url": "http://10.0.0.7:8080"}  # as `flask run --host 10.0.0.7 --port 8080` serves it
    member = app.test_client()
    member.session_environ = served
    log_in(member, users[Role.SPECIALIST])
    ics = member.get(f"/meetings/{meeting.id}/meeting.ics", **served)
    (event,) = Calendar.from_ical(ics.data).walk("VEVENT")
    assert str(event["URL"]) == f"http://10.0.0.7:8080/meetings/{meeting.id}"
    assert f"http://10.0.0.7:8080/meetings/{meeting.id}" in str(event["DESCRIPTION"])
    member.post("/account/calendar", **served)
    account = member.get("/account", **served).text
    assert 'value="http://10.0.0.7:8080/calendar/' in account
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://tumorboard.example-hospital.org/")
    ics = member.get(f"/meetings/{meeting.id}/meeting.ics", **served)
    (event,) = Calendar.from_ical(ics.data).walk("VEVENT")
    assert str(event["URL"]) == f"https://tumorboard.example-hospital.org/meetings/{meeting.id}"


def test_refused_start_and_cancel_come_back_with_the_reason(client_as, meeting, waiting, users, board):
    """Start without quorum with a reason too short, cancel with one too long: the meeting page comes back
    (422) with the reason typed and the message, not a bare 400 or an empty form."""
    give_function(users[Role.CHAIR], board, chair=True)
    chair = client_as(Role.CHAIR)
    response = chair.post(
        f"/meetings/{meeting.id}/start", data={"override_reason": "short", "version": meeting.version}
    )
    assert response.status_code == 422 and "at least 10 characters" in response.text
    assert "short</textarea>" in response.text
    too_long = "Surgeon in theatre; " * 60
    response = chair.post(
        f"/meetings/{meeting.id}/start", data={"override_reason": too_long, "version": meeting.version}
    )
    assert response.status_code == 422 and too_long.strip() in response.text
    reason = "The room is closed for works. " * 40
    response = client_as(Role.COORDINATOR).post(
        f"/meetings/{meeting.id}/cancel", data={"reason": reason, "version": meeting.version}
    )
    assert response.status_code == 422 and "at most 1000 characters" in response.text
    assert reason.strip() in response.text and '<details class="mb-4" open>' in response.text
    db.session.refresh(meeting)
    assert meeting.status == "planned"


def test_a_refused_late_reason_comes_back_in_its_row(client_as, meeting, waiting):
    """After the cut-off a case needs a reason to go on the agenda; one too long is refused in the pool's
    row it was typed in, with the text, instead of a flash above an empty pool."""
    meeting.cutoff_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    reason = "The surgeon asked for it this morning; " * 20  # over 500 characters
    response = client_as(Role.COORDINATOR).post(
        f"/meetings/{meeting.id}/agenda",
        data={
            "case_id": waiting[0].id,
            "minutes": "15",
            "mode": "full",
            "late_reason": reason,
            "version": meeting.version,
        },
    )
    assert response.status_code == 422 and "at most 500 characters" in response.text
    assert reason.strip() in response.text and f'id="add-errors-{waiting[0].id}"' in response.text
    assert 'value="15"' in response.text
    db.session.refresh(meeting)
    assert meeting.items == []


def test_a_refused_guest_keeps_every_mark_of_the_attendance(client_as, meeting, users):
    """A guest the list did not offer used to reload the list empty: the coordinator's marks are kept,
    with the neutral message beside the guest list (422)."""
    specialist, chair = users[Role.SPECIALIST], users[Role.CHAIR]
    response = client_as(Role.COORDINATOR).post(
        f"/meetings/{meeting.id}/attendance",
        data={
            "version": meeting.version,
            f"status-{specialist.id}": "present",
            f"status-{chair.id}": "absent",
            "guest": "2000000000",
        },
    )
    assert response.status_code == 422 and GUEST_NOT_OFFERED in response.text
    assert f'value="present" id="p-{specialist.id}" checked' in response.text
    assert f'value="absent" id="a-{chair.id}" checked' in response.text
    db.session.refresh(meeting)
    assert meeting.attendance == []


def _next_link(html: str, rel: str) -> str:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', html)
    assert found, f"no {rel} link"
    return found.group(1).replace("&amp;", "&")


def test_the_pool_on_the_meeting_page_is_paged_first_next_previous_last(
    app, client, users, functions, meeting, pool_case, monkeypatch
):
    from tumorboard.meetings import queries as meeting_queries

    monkeypatch.setattr(meeting_queries, "POOL_PAGE", 2)
    waiting = [pool_case(waiting_days=days) for days in (9, 7, 5, 3, 1)]  # the longest waiting first
    deferred = pool_case(status="deferred", waiting_days=2)
    order = [deferred.id, *(case.id for case in waiting)]
    log_in(client, users[Role.COORDINATOR])

    def shown(url: str) -> tuple[list[int], str]:
        page = client.get(url)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        pool = html[html.index('id="pool"') :]
        ids = [int(i) for i in re.findall(r'name="case_id" value="(\d+)"', pool)]
        return ids, html

    first, html = shown(f"/meetings/{meeting.id}")
    assert first == order[:2] and "Pages of the pool" in html
    second, html = shown(_next_link(html, "next"))
    assert second == order[2:4]
    third, html = shown(_next_link(html, "next"))
    assert third == order[4:] and 'rel="next"' not in html
    back, html = shown(_next_link(html, "prev"))
    assert back == order[2:4]
    last, _html = shown(f"/meetings/{meeting.id}?last=1")
    assert last == order[4:]
    # a link that is not one of ours: the first page and a notice, never an error
    forged, html = shown(f"/meetings/{meeting.id}?after=not-a-cursor")
    assert forged == order[:2] and "That page link is no longer valid" in html
    # patient data stays out of the URL: the links carry only the encrypted cursor
    assert all(str(case.patient.family_name) not in _next_link(html, "next") for case in waiting)
