"""The API's meeting and agenda writes, through the meeting operations the coordinator's pages call:
plan (one meeting per Idempotency-Key), change details, lock and unlock the agenda, add a case (one item
per Idempotency-Key), reorder, remove, cancel; each with If-Match (412 stale, 428 missing) and its audit
event; bad input a 422 that changes nothing; only the board's coordinators (403), another board's nothing
(404)."""

from datetime import timedelta

from sqlalchemy import func, select

from tests.api.conftest import bearer, personal
from tests.decisions.conftest import waiting_case  # noqa: F401
from tumorboard.audit.models import AuditEvent
from tumorboard.extensions import db
from tumorboard.meetings.models import AgendaItem, Meeting, MeetingStatus
from tumorboard.timezones import hospital_today


def _start(days: int = 10, hour: int = 16) -> str:
    return f"{(hospital_today() + timedelta(days=days)).isoformat()}T{hour:02d}:00:00"


def _plan(**overrides):
    return {"start": _start(), "duration_minutes": 90, "room": "Room 3.14", **overrides}


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json(force=True)


def _events(prefix: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like(f"{prefix}%"))
    )


def test_a_coordinator_plans_changes_locks_and_cancels_a_meeting(client, world, coordinator):
    token = personal(coordinator)
    url = f"/api/v1/boards/{world.board.id}/meetings"
    keyed = bearer(token, **{"Idempotency-Key": "meeting-plan-key-0001"})
    made = client.post(url, headers=keyed, json=_plan())
    assert made.status_code == 201, made.get_json()
    again = client.post(url, headers=keyed, json=_plan())
    assert again.status_code == 200 and again.get_json()["id"] == made.get_json()["id"]
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 1
    meeting_url = made.headers["Location"]

    _problem(client.put(meeting_url, headers=bearer(token), json=_plan(room="Room 1")), 428)
    _problem(client.put(meeting_url, headers=bearer(token, **{"If-Match": '"v0"'}), json=_plan()), 412)
    changed = client.put(
        meeting_url, headers=bearer(token, **{"If-Match": made.headers["ETag"]}), json=_plan(room="Room 1")
    )
    assert changed.status_code == 200 and changed.get_json()["room"] == "Room 1"

    locked = client.put(
        f"{meeting_url}/agenda-lock",
        headers=bearer(token, **{"If-Match": changed.headers["ETag"]}),
        json={"locked": True},
    )
    assert locked.status_code == 200, locked.get_json()
    assert locked.get_json()["status"] == MeetingStatus.LOCKED.value
    unlocked = client.put(
        f"{meeting_url}/agenda-lock",
        headers=bearer(token, **{"If-Match": locked.headers["ETag"]}),
        json={"locked": False},
    )
    assert unlocked.get_json()["status"] == MeetingStatus.PLANNED.value

    cancel = f"{meeting_url}/cancellation"
    problem = _problem(
        client.put(
            cancel, headers=bearer(token, **{"If-Match": unlocked.headers["ETag"]}), json={"reason": ""}
        ),
        422,
    )
    assert "reason" in problem["errors"]
    cancelled = client.put(
        cancel, headers=bearer(token, **{"If-Match": unlocked.headers["ETag"]}), json={"reason": "Holiday"}
    )
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == MeetingStatus.CANCELLED.value
    assert _events("meeting.") >= 5


def test_bad_plans_are_refused_and_make_nothing(client, world, coordinator):
    token = bearer(personal(coordinator))
    url = f"/api/v1/boards/{world.board.id}/meetings"
    for body, field in (
        (_plan(start=_start(days=-3)), "start"),  # in the past
        (_plan(room="", video_link=""), "room"),  # neither a room nor a video link
        (_plan(video_link="http://meet.example.org/x"), "video_link"),  # https only
        (_plan(duration_minutes=5), "duration_minutes"),
        (_plan(room="x" * 201), "room"),
        (_plan(start="tomorrow"), "start"),
    ):
        problem = _problem(client.post(url, headers=token, json=body), 422)
        assert field in str(problem.get("errors", {})), (field, problem)
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_the_agenda_is_built_reordered_and_emptied_with_the_meetings_etag(
    client,
    world,
    coordinator,
    waiting_case,  # noqa: F811
):
    token = personal(coordinator)
    made = client.post(f"/api/v1/boards/{world.board.id}/meetings", headers=bearer(token), json=_plan())
    meeting_url, etag = made.headers["Location"], made.headers["ETag"]
    agenda = f"{meeting_url}/agenda"
    first, second = waiting_case(), waiting_case()
    _problem(client.post(agenda, headers=bearer(token), json={"case_id": first.id}), 428)
    once = bearer(token, **{"If-Match": etag, "Idempotency-Key": "agenda-retry-000001"})
    added = client.post(agenda, headers=once, json={"case_id": first.id})
    assert added.status_code == 201, added.get_json()
    # its retry, with the If-Match that is stale now: the item it made, and the meeting's ETag as it is
    again = client.post(agenda, headers=once, json={"case_id": first.id})
    assert again.status_code == 200 and again.get_json() == added.get_json()
    assert again.headers["ETag"] == added.headers["ETag"] and _events("agenda.case_added") == 1
    _problem(
        client.post(agenda, headers=bearer(token, **{"If-Match": etag}), json={"case_id": second.id}), 412
    )
    etag = added.headers["ETag"]
    added2 = client.post(
        agenda, headers=bearer(token, **{"If-Match": etag}), json={"case_id": second.id, "minutes": 15}
    )
    assert added2.status_code == 201, added2.get_json()
    etag = added2.headers["ETag"]
    ids = [added.get_json()["id"], added2.get_json()["id"]]
    problem = _problem(
        client.put(
            f"{agenda}/order", headers=bearer(token, **{"If-Match": etag}), json={"item_ids": ids[:1]}
        ),
        422,
    )
    assert problem["detail"]
    ordered = client.put(
        f"{agenda}/order", headers=bearer(token, **{"If-Match": etag}), json={"item_ids": ids[::-1]}
    )
    assert ordered.status_code == 200, ordered.get_json()
    listed = client.get(agenda, headers=bearer(token)).get_json()
    assert [row["id"] for row in sorted(listed, key=lambda r: r["position"])] == ids[::-1]
    etag = ordered.headers["ETag"]
    gone = client.delete(f"/api/v1/agenda-items/{ids[0]}", headers=bearer(token, **{"If-Match": etag}))
    assert gone.status_code == 204
    assert db.session.scalar(select(func.count()).select_from(AgendaItem)) == 1


def test_only_the_boards_coordinators_write_meetings(client, world, coordinator):
    made = client.post(
        f"/api/v1/boards/{world.board.id}/meetings", headers=bearer(personal(coordinator)), json=_plan()
    )
    meeting_url = made.headers["Location"]
    submitter = bearer(world.tokens["write"], **{"If-Match": made.headers["ETag"]})
    _problem(client.post(f"/api/v1/boards/{world.board.id}/meetings", headers=submitter, json=_plan()), 403)
    _problem(client.put(f"{meeting_url}/cancellation", headers=submitter, json={"reason": "No"}), 403)
    outsider = bearer(world.tokens["other_board"], **{"If-Match": made.headers["ETag"]})
    _problem(client.put(f"{meeting_url}/cancellation", headers=outsider, json={"reason": "No"}), 404)
    _problem(client.post(f"/api/v1/boards/{world.board.id}/meetings", headers=outsider, json=_plan()), 404)
    db.session.expire_all()
    assert db.session.scalar(select(Meeting.status)) == MeetingStatus.PLANNED
