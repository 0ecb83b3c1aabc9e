"""Two copies of one POST at the same moment (a client's retry racing its first try), over real TCP to a
threaded server on a database whose writes commit: one patient is made, whichever request wins; the
other answers with it (200) or as a conflict (409), never a 500 and never a second record. On PostgreSQL
(CI) the two transactions really run at once; SQLite queues them."""

import json
import threading
import urllib.error
import urllib.request

from sqlalchemy import func, select
from werkzeug.serving import make_server

from tests import factories
from tumorboard.auth import token_operations
from tumorboard.auth.roles import Role
from tumorboard.cases.models import Patient
from tumorboard.extensions import db
from tumorboard.once import FormSubmission

BODY = {
    "mrn": "RACE-0001",
    "family_name": "Gleich",
    "given_name": "Zeitig",
    "birth_date": "1970-05-05",
    "sex": "male",
}


def _post(url: str, headers: dict, results: list, barrier: threading.Barrier) -> None:
    request = urllib.request.Request(  # noqa: S310 (the test's own server)
        url,
        data=json.dumps(BODY).encode(),
        headers={**headers, "Content-Type": "application/json"},
        method="POST",
    )
    barrier.wait()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            results.append((response.status, json.loads(response.read())))
    except urllib.error.HTTPError as refused:
        results.append((refused.code, json.loads(refused.read())))


def test_a_post_and_its_retry_at_once_make_one_patient(isolated_app):
    app = isolated_app()
    with app.app_context():
        board = factories.create_board(name="Race board")
        user = factories.create_user(roles=[Role.SUBMITTER], boards=[board])
        _token, secret = token_operations.create_personal_token(
            user, name="race", scope="write", lifetime="7"
        )
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/api/v1/patients"
        headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "race-0123456789abcdef"}
        for _round in range(3):
            results: list = []
            barrier = threading.Barrier(2)
            posts = [threading.Thread(target=_post, args=(url, headers, results, barrier)) for _ in range(2)]
            for post in posts:
                post.start()
            for post in posts:
                post.join(timeout=60)
            statuses = sorted(status for status, _body in results)
            assert len(results) == 2 and 500 not in statuses, results
            assert all(status in (200, 201, 409) for status in statuses), results
            made = {body["id"] for status, body in results if status in (200, 201)}
            assert len(made) == 1, results
    finally:
        server.shutdown()
        thread.join(timeout=10)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Patient)) == 1
        assert db.session.scalar(select(func.count()).select_from(FormSubmission)) == 1
