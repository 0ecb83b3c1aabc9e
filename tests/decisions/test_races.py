"""One decision per agenda item, whatever the race: eight people pressing "Record the decision" at once,
two chairs signing at once, two people saving or amending at once. Every answer is a page (a redirect to
the winner's decision, or a 409 that says so), never a 500; the database holds exactly one current
decision. Threads of one process, and two processes, on SQLite and on PostgreSQL."""

import multiprocessing

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from tests.decisions.race_worker import press
from tests.decisions.races import at_once, client_for, meeting_in_progress
from tests.decisions.support import FIELDS, PLAN, save
from tests.factories import PASSWORD
from tumorboard.auth.models import User
from tumorboard.decisions import operations
from tumorboard.decisions.models import Decision, DecisionSnapshot
from tumorboard.extensions import db
from tumorboard.meetings.models import AgendaItem


def _decisions(app, item_id: int) -> list[tuple[int, int, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(Decision.id, Decision.number, Decision.status)
            .where(Decision.agenda_item_id == item_id)
            .order_by(Decision.number)
        ).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def _status(answer) -> object:
    return answer.status_code if hasattr(answer, "status_code") else answer


def _draft(app, world) -> int:
    with app.app_context():
        user = db.session.get(User, world["specialists"][0])
        decision = operations.start_decision(user, db.session.get(AgendaItem, world["item"]))
        save(user, decision)
        db.session.commit()
        decision_id = decision.id
        db.session.remove()
    return decision_id


def _sign_form(app, decision_id: int) -> dict:
    with app.app_context():
        version = db.session.get(Decision, decision_id).version
        db.session.remove()
    return {"password": PASSWORD, "version": str(version)}


def test_eight_people_start_the_decision_at_once(isolated_app):
    app = isolated_app()
    world = meeting_in_progress(app)
    clients = [client_for(app, user_id) for user_id in world["specialists"]]
    path = f"/agenda/{world['item']}/decision"
    answers = at_once([lambda c=c: c.post(path) for c in clients])
    assert [_status(a) for a in answers] == [302] * 8
    (decision,) = _decisions(app, world["item"])
    assert decision[1:] == (1, "draft")
    # every loser lands on the winner's draft
    assert all(f"item={world['item']}" in a.headers["Location"] for a in answers)


def test_two_chairs_sign_at_once(isolated_app):
    app = isolated_app()
    world = meeting_in_progress(app)
    decision_id = _draft(app, world)
    form = _sign_form(app, decision_id)
    clients = [client_for(app, user_id) for user_id in world["chairs"]]
    answers = at_once([lambda c=c: c.post(f"/decisions/{decision_id}/sign", data=form) for c in clients])
    assert sorted(_status(a) for a in answers) in ([302, 302], [302, 409]), answers
    assert _decisions(app, world["item"]) == [(decision_id, 1, "signed")]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DecisionSnapshot)) == 1
        signer = db.session.get(Decision, decision_id).signed_by_id
        assert signer in world["chairs"]
        db.session.remove()
    # the loser is told, on the page of the signed decision
    loser = next(c for c, a in zip(clients, answers, strict=True) if _status(a) == 302 and a is not None)
    page = loser.get(f"/meetings/{world['meeting']}/mode?item={world['item']}").text
    assert "Signed decision" in page


def test_two_people_save_the_same_version_at_once(isolated_app):
    app = isolated_app()
    world = meeting_in_progress(app)
    decision_id = _draft(app, world)
    with app.app_context():
        version = db.session.get(Decision, decision_id).version
        db.session.remove()
    clients = [client_for(app, user_id) for user_id in world["specialists"][:2]]

    def autosave(client, words):
        form = {**FIELDS, "recommendation": words, "version": str(version)}
        for n, row in enumerate(PLAN):
            form |= {f"items-{n}-{key}": value or "" for key, value in row.items()}
        return client.post(f"/decisions/{decision_id}/autosave", data=form)

    answers = at_once([lambda c=c, n=n: autosave(c, f"Typed by person {n}.") for n, c in enumerate(clients)])
    assert sorted(_status(a) for a in answers) == [200, 409], answers
    loser = next(a for a in answers if a.status_code == 409)
    winner = next(a for a in answers if a.status_code == 200)
    assert loser.json["version"] == winner.json["version"]
    with app.app_context():
        saved = db.session.get(Decision, decision_id).recommendation
        db.session.remove()
    (recommendation,) = [f for f in loser.json["fields"] if f["name"] == "recommendation"]
    assert saved == recommendation["theirs"] != recommendation["yours"]


def test_two_people_amend_at_once(isolated_app):
    app = isolated_app()
    world = meeting_in_progress(app)
    decision_id = _draft(app, world)
    chair = client_for(app, world["chairs"][0])
    assert chair.post(f"/decisions/{decision_id}/sign", data=_sign_form(app, decision_id)).status_code == 302
    clients = [client_for(app, user_id) for user_id in world["chairs"]]
    answers = at_once(
        [
            lambda c=c: c.post(f"/decisions/{decision_id}/amend", data={"reason": "New imaging."})
            for c in clients
        ]
    )
    assert [_status(a) for a in answers] == [302, 302]
    decisions = _decisions(app, world["item"])
    assert [(n, s) for _, n, s in decisions] == [(1, "signed"), (2, "draft")]
    amendment = decisions[1][0]
    assert {a.headers["Location"] for a in answers} == {f"/decisions/{amendment}/edit"}


def test_two_processes_start_and_sign_at_once(isolated_app):
    app = isolated_app()
    world = meeting_in_progress(app)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    spawn = multiprocessing.get_context("spawn")

    def in_two_processes(groups: list[list[int]], path: str, form: dict) -> list[object]:
        barrier, results = spawn.Barrier(len(groups)), spawn.Queue()
        workers = [
            spawn.Process(target=press, args=(url, group, path, form, barrier, results)) for group in groups
        ]
        for worker in workers:
            worker.start()
        answers = [status for _ in workers for status in results.get(timeout=120)]
        for worker in workers:
            worker.join(timeout=60)
            assert worker.exitcode == 0
        return answers

    specialists = world["specialists"]
    answers = in_two_processes([specialists[:4], specialists[4:]], f"/agenda/{world['item']}/decision", {})
    assert answers == [302] * 8
    ((decision_id, number, status),) = _decisions(app, world["item"])
    assert (number, status) == (1, "draft")

    with app.app_context():
        user = db.session.get(User, specialists[0])
        save(user, db.session.get(Decision, decision_id))
        db.session.commit()
        db.session.remove()
    form = _sign_form(app, decision_id)
    answers = in_two_processes(
        [[world["chairs"][0]], [world["chairs"][1]]], f"/decisions/{decision_id}/sign", form
    )
    assert sorted(answers) in ([302, 302], [302, 409]), answers
    assert _decisions(app, world["item"]) == [(decision_id, 1, "signed")]


def _insert_copy(decision: Decision, **changes) -> None:
    """A raw INSERT of a copy of `decision` with `changes`: what no operation would write."""
    row = db.session.execute(select(Decision.__table__).where(Decision.id == decision.id)).mappings().one()
    row = {key: value for key, value in row.items() if key != "id"} | {"supersedes_id": None} | changes
    columns, values = ", ".join(row), ", ".join(f":{key}" for key in row)
    db.session.execute(text(f"INSERT INTO decision ({columns}) VALUES ({values})"), row)  # noqa: S608


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"number": 2, "status": "signed"}, id="a-second-signed-version"),
        pytest.param({"number": 1, "status": "superseded"}, id="a-version-number-twice"),
    ],
)
def test_the_database_refuses_a_second_decision_in_force(signed, changes):
    """Past the operations too: the unique indexes hold whatever writes the rows."""
    with pytest.raises(IntegrityError), db.session.begin_nested():
        _insert_copy(signed, **changes)


def test_the_database_refuses_a_second_draft(signed, chair):
    amendment = operations.amend_decision(chair, signed, reason="New imaging.")
    assert (amendment.number, amendment.status) == (2, "draft")
    with pytest.raises(IntegrityError), db.session.begin_nested():
        _insert_copy(amendment, number=3)
    _insert_copy(amendment, number=3, status="superseded")  # a superseded version beside them is allowed
