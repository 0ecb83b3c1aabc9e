"""The attendance's guest is chosen by name from the hospital's directory (every active account that is
not on the board), and sent as an id: whatever else is sent (an address, a disabled account, a member,
a number nobody has) gets one and the same answer, so the page tells nobody who has an account."""

import re

import pytest
from sqlalchemy import select

from tests.conftest import log_in
from tumorboard.audit.models import AuditEvent
from tumorboard.auth.roles import Role
from tumorboard.extensions import db
from tumorboard.meetings.agenda_views import GUEST_NOT_OFFERED
from tumorboard.meetings.models import Attendance, AttendanceStatus


@pytest.fixture
def people(app_ctx, create_user):
    return {
        "visitor": create_user(
            roles=[Role.SPECIALIST], specialty="pathology", name="Dr. Visiting Pathologist"
        ),
        "disabled": create_user(roles=[Role.SPECIALIST], name="Dr. Gone Away", email="gone@hospital.org"),
    }


@pytest.fixture
def coordinator_client(app, coordinator):
    return log_in(app.test_client(), coordinator)


def _disable(user):
    user.active = False
    db.session.commit()


def _post(client, meeting, **data):
    return client.post(f"/meetings/{meeting.id}/attendance", data={"version": meeting.version, **data})


def test_the_page_offers_the_directory_by_name_without_addresses(coordinator_client, meeting, people, users):
    _disable(people["disabled"])
    page = coordinator_client.get(f"/meetings/{meeting.id}/attendance").text
    select_html = re.search(r'<select[^>]*name="guest".*?</select>', page, re.S).group(0)
    assert f'value="{people["visitor"].id}">Dr. Visiting Pathologist (Pathology)' in select_html
    assert "Dr. Gone Away" not in select_html, "a disabled account is not in the directory"
    assert users[Role.SPECIALIST].name not in select_html, "members are present or absent, not guests"
    assert users[Role.PRIVACY].name in select_html  # on no board: anyone of the hospital may be a guest
    assert "@" not in select_html and 'name="guest_email"' not in page


def test_a_guest_chosen_from_the_list_is_recorded(coordinator_client, meeting, people, coordinator):
    visitor = people["visitor"]
    response = _post(coordinator_client, meeting, guest=str(visitor.id))
    assert response.status_code == 302
    row = db.session.scalar(select(Attendance).where(Attendance.meeting_id == meeting.id))
    assert (row.user_id, row.status, row.specialty) == (visitor.id, AttendanceStatus.GUEST, "pathology")
    page = coordinator_client.get(f"/meetings/{meeting.id}/attendance").text
    assert "present as guest" in page
    select_html = re.search(r'<select[^>]*name="guest".*?</select>', page, re.S).group(0)
    assert "Dr. Visiting Pathologist" not in select_html, "recorded already: not offered again"


def _neutral(body: str) -> str:
    """The page without what differs between any two answers: the per-response nonce, and the CSRF
    token's signature, which carries the second it was made."""
    body = re.sub(r'nonce="[^"]+"', "", body)
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+"', r"\1", body)


def _difference(one: str, other: str) -> str:
    import difflib

    return "".join(list(difflib.unified_diff(one.splitlines(True), other.splitlines(True), n=0))[2:8])


def test_every_value_the_list_did_not_offer_gets_the_same_answer(
    coordinator_client, meeting, people, users, create_user
):
    _disable(people["disabled"])
    member = users[Role.SPECIALIST]
    answers = {}
    for name, data in {
        "no such id": {"guest": "2000000000"},
        "a disabled account": {"guest": str(people["disabled"].id)},
        "a member": {"guest": str(member.id)},
        "not a number": {"guest": "abc"},
        "an existing address": {"guest": member.email},
        "a missing address": {"guest": "nobody@hospital.org"},
        "old field, existing address": {"guest_email": people["visitor"].email},
        "old field, disabled address": {"guest_email": "gone@hospital.org"},
        "old field, missing address": {"guest_email": "nobody@hospital.org"},
    }.items():
        response = _post(coordinator_client, meeting, **data)
        assert response.status_code == 422, name
        assert GUEST_NOT_OFFERED in response.text, name
        answers[name] = _neutral(response.text)
    first = next(iter(answers.values()))
    differing = {name: _difference(first, body) for name, body in answers.items() if body != first}
    assert not differing, f"the answers differ: they tell who has an account: {differing}"
    assert db.session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id)).all() == []
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "meeting.attendance")).all()


def test_the_chair_has_the_same_list_and_answer(app, chair, meeting, people):
    client = log_in(app.test_client(), chair)
    page = client.get(f"/meetings/{meeting.id}/attendance").text
    assert "Dr. Visiting Pathologist" in page
    response = _post(client, meeting, guest_email="nobody@hospital.org")
    assert response.status_code == 422 and GUEST_NOT_OFFERED in response.text


def test_others_may_not_record_attendance(app, client_as, meeting, people, create_user):
    assert (
        client_as(Role.SPECIALIST)
        .post(
            f"/meetings/{meeting.id}/attendance",
            data={"version": meeting.version, "guest": str(people["visitor"].id)},
        )
        .status_code
        == 403
    )
    outsider = log_in(app.test_client(), create_user(roles=[Role.COORDINATOR]))
    assert outsider.get(f"/meetings/{meeting.id}/attendance").status_code == 404
    assert app.test_client().get(f"/meetings/{meeting.id}/attendance").status_code == 302
    assert db.session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id)).all() == []
