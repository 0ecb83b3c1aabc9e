"""A second process pressing buttons: its own app, engine and connections on the same database."""

from config import TestConfig
from tests.conftest import RequestScopedClient
from tests.decisions.races import at_once, client_for
from tumorboard import create_app
from tumorboard.extensions import db


def press(url: str, user_ids: list[int], path: str, form: dict, barrier, results) -> None:
    """Each user POSTs `form` to `path` at the same moment as the other process's users."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    app.test_client_class = RequestScopedClient
    clients = [client_for(app, user_id) for user_id in user_ids]
    barrier.wait(timeout=60)
    answers = at_once([lambda c=c: c.post(path, data=form) for c in clients])
    results.put([a.status_code if hasattr(a, "status_code") else repr(a) for a in answers])
    with app.app_context():
        db.engine.dispose()
