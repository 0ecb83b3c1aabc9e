"""The audit chain: written with every change, verified, and never forked by concurrent writers."""

import threading

import pytest
from sqlalchemy import select, text, update

from tests import factories
from tumorboard.audit.models import AuditChainHead, AuditEvent
from tumorboard.audit.recording import diff, record, snapshot, verify_chain
from tumorboard.auth import operations as auth_operations
from tumorboard.extensions import db


def _write_events(n: int) -> list[AuditEvent]:
    return [
        record("test.event", entity_type="thing", entity_id=i, changes={"n": [i, i + 1]}) for i in range(n)
    ]


def test_events_link_into_a_chain(app_ctx):
    events = _write_events(3)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    head = db.session.get(AuditChainHead, 1)
    assert (head.seq, head.hash) == (events[-1].seq, events[-1].hash)
    assert list(verify_chain()) == []


def test_verify_detects_an_edited_row(app_ctx):
    events = _write_events(4)
    db.session.execute(
        update(AuditEvent).where(AuditEvent.id == events[1].id).values(changes_json='{"n":[0,99]}')
    )
    db.session.expire_all()
    problems = list(verify_chain())
    assert [p.seq for p in problems] == [events[1].seq]
    assert "edited" in problems[0].message


def test_verify_detects_a_deleted_row(app_ctx):
    events = _write_events(4)
    db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[2].id})
    db.session.expire_all()
    problems = list(verify_chain())
    assert {p.seq for p in problems} == {events[3].seq}
    assert any("missing" in p.message for p in problems)


def test_verify_detects_rows_cut_off_the_end(app_ctx):
    events = _write_events(3)
    db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[-1].id})
    db.session.expire_all()
    problems = list(verify_chain())
    assert len(problems) == 1 and "head" in problems[0].message


def test_verify_detects_reordered_rows(app_ctx):
    events = _write_events(4)
    (a_id, a_seq), (b_id, b_seq) = (events[1].id, events[1].seq), (events[2].id, events[2].seq)
    # Swap the positions of two rows (through a free seq value, since seq is unique).
    for row_id, seq in ((a_id, -1), (b_id, a_seq), (a_id, b_seq)):
        db.session.execute(
            text("UPDATE audit_event SET seq = :seq WHERE id = :id"), {"seq": seq, "id": row_id}
        )
    db.session.expire_all()
    problems = list(verify_chain())
    assert problems and {a_seq, b_seq} <= {p.seq for p in problems}


def test_verify_fails_with_another_key(app, app_ctx):
    _write_events(2)
    app.config["AUDIT_HMAC_KEY"], original = "another key", app.config["AUDIT_HMAC_KEY"]
    try:
        assert len(list(verify_chain())) == 2
    finally:
        app.config["AUDIT_HMAC_KEY"] = original


def test_snapshot_and_diff_are_json_safe(app_ctx):
    user = factories.create_user()
    before = snapshot(user, ("name", "created_at", "roles"))
    assert isinstance(before["created_at"], str) and before["roles"] == ["submitter"]
    assert diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": None}) == {"b": [2, 3]}


def test_denied_access_is_audited(client_as):
    from tumorboard.auth.roles import Role

    client = client_as(Role.SUBMITTER)
    assert client.get("/admin/users").status_code == 403
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).one()
    assert event.details == {"endpoint": "auth.users", "method": "GET"}
    assert event.actor_id is not None


def test_audit_log_page_filters(client_as, users):
    from tumorboard.auth.roles import Role

    admin = client_as(Role.ADMIN)
    target = users[Role.CHAIR]
    admin.post(f"/admin/users/{target.id}/active", data={"active": "0", "version": target.version})
    page = admin.get(f"/admin/audit/?entity_type=users&entity_id={target.id}")
    assert page.status_code == 200 and "user.disabled" in page.text
    by_actor = admin.get(f"/admin/audit/?actor={users[Role.ADMIN].email}").text
    assert "user.disabled" in by_actor
    nobody = admin.get("/admin/audit/?actor=nobody@hospital.org").text
    assert "No event matches these filters." in nobody and "user.disabled" not in nobody
    dated = admin.get("/admin/audit/?date_from=2000-01-01&date_to=2000-01-02").text
    assert "No event matches these filters." in dated


@pytest.mark.parametrize(
    "query",
    [
        "date_from=yesterday",
        "date_from=2026-02-30",
        "entity_id=abc",
        "entity_id=99999999999",
        "date_from=2026-05-02&date_to=2026-05-01",
        "entity_type=patients",
        "page=-1",
    ],
)
def test_audit_log_bad_filters_get_a_message(client_as, query):
    from tumorboard.auth.roles import Role

    response = client_as(Role.ADMIN).get(f"/admin/audit/?{query}")
    assert response.status_code in (200, 422)
    assert "Traceback" not in response.text


def test_verify_button(client_as):
    from tumorboard.auth.roles import Role

    admin = client_as(Role.ADMIN)
    response = admin.post("/admin/audit/verify", follow_redirects=True)
    assert "The audit chain is intact, and every frozen document matches its recorded hash." in response.text


def test_concurrent_writers_never_fork_the_chain(isolated_app):
    """Threads, each with its own connection and transaction, append at once; the chain stays one line."""
    app = isolated_app()
    with app.app_context():
        user = factories.create_user()
        user_id = user.id
    writers, per_writer = 6, 8
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                for i in range(per_writer):
                    actor = db.session.get(type(user), user_id)
                    record("test.concurrent", actor=actor, entity_type="thing", entity_id=f"{n}-{i}")
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        concurrent = [e for e in events if e.action == "test.concurrent"]
        assert len(concurrent) == writers * per_writer
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert list(verify_chain()) == []


def test_failed_login_is_audited_without_the_password(client, users):
    from tumorboard.auth.roles import Role

    client.post("/login", data={"email": users[Role.CHAIR].email, "password": "my secret guess"})
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login_failed")).one()
    assert "my secret guess" not in event.canonical()
    assert auth_operations  # the operations module writes these rows


@pytest.mark.parametrize("query", ["date_from=0001-01-01", "date_to=9999-12-31", "date_from=1999-12-31"])
def test_audit_log_refuses_implausible_dates(client_as, query):
    from tumorboard.auth.roles import Role

    response = client_as(Role.ADMIN).get(f"/admin/audit/?{query}")
    assert response.status_code == 422 and "Choose a date between 2000 and 2199." in response.text


def test_the_problems_are_written_in_the_readers_language(app, app_ctx):
    """What the check finds is told to the admin in their language, with its numbers; the message it
    keeps is the catalogue's English (what the CLI and the tests read in English)."""
    from flask_babel import force_locale

    from tumorboard.audit.verification import audit_problems

    events = _write_events(4)
    db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[2].id})
    db.session.expire_all()
    with app.test_request_context(), force_locale("de"):
        german = audit_problems()
    with app.test_request_context(), force_locale("en"):
        english = audit_problems()
    seq = events[3].seq
    assert f"event {seq}: expected event {seq - 1} here, found {seq}: rows missing" in english
    assert (
        f"Ereignis {seq}: hier wurde Ereignis {seq - 1} erwartet, gefunden wurde {seq}: Einträge fehlen"
        in german
    )
    assert len(german) == len(english)
