"""The bare Flask + SQLAlchemy page of _harness.bare_app, for gunicorn (bench/load.py serves it exactly as
the app is served: nginx, two gunicorn servers):

    gunicorn -c gunicorn.conf.py --pythonpath bench '_bare_wsgi:create("postgresql+psycopg://…")'
"""

from flask import Flask


def create(database_url: str) -> Flask:
    from _harness import bare_app

    app, _db = bare_app(database_url)
    app.config["TESTING"] = False
    return app
