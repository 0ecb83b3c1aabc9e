"""TumorBoard: the multidisciplinary tumor board for neuroendocrine tumours."""

import importlib
import os
from pathlib import Path

from flask import Flask
from flask_babel import gettext
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS, INSTANCE_DIR, Config
from tumorboard.clinical.labels import N_

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_class: type[Config] | str | None = None, **overrides) -> Flask:
    """Build the app: configuration, extensions, blueprints, security hooks, error pages and CLI."""
    if config_class is None or isinstance(config_class, str):
        # Production unless told otherwise: a forgotten setting must fail closed, not run with demo keys.
        config_class = CONFIGS[config_class or os.environ.get("TUMORBOARD_CONFIG", "production")]
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(INSTANCE_DIR),
        instance_relative_config=False,
    )
    app.config.from_object(config_class)
    app.config.update(overrides)
    check = getattr(config_class, "check", None)
    if check is not None:
        check(app.config)
    from tumorboard.db import engine_options

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        INSTANCE_DIR.mkdir(exist_ok=True)
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        # The port too: behind a proxy on another port than 443 (a test, a hospital's :8443), the CSRF
        # check compares the Referer's port with the request's and would refuse every form.
        # Flask's documented way to wrap its WSGI app, which mypy sees as replacing a method
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count
        )

    from tumorboard.logs import configure_logging

    configure_logging(app)
    from tumorboard import cli, i18n, metrics, security, templating

    # First of all hooks: requests are timed from the start to the end (the metrics' after_request runs
    # last), and a request over plain http in production is answered before the CSRF check refuses it.
    metrics.init_app(app)
    security.require_https(app)
    _init_extensions(app)
    i18n.init_app(app)
    _register_blueprints(app)
    from tumorboard import api

    api.init_app(app)
    from tumorboard.auth import oidc

    oidc.init_app(app)

    security.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from tumorboard.db import IdConverter, configure_sqlite
    from tumorboard.extensions import bootstrap, csrf, db, limiter, login_manager, mail, migrate

    app.url_map.converters["id"] = IdConverter
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True, render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Please sign in to continue.")
    login_manager.localize_callback = gettext  # the message is flashed in the request's language
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    configure_sqlite(app)


# Every module that adds routes to a blueprint. A package's blueprint is in its `blueprint` module; its
# views modules import it and add their routes; no views module imports another (tests/test_architecture).
VIEW_MODULES = (
    "main.views",
    "auth.views",
    "auth.admin_views",
    "auth.sso_views",
    "auth.second_factor_views",
    "auth.session_views",
    "auth.token_views",
    "boards.views",
    "cases.views",
    "cases.patient_views",
    "cases.finding_views",
    "cases.fhir_views",
    "meetings.views",
    "meetings.agenda_views",
    "decisions.views",
    "decisions.quality_views",
    "notifications.views",
    "audit.views",
    "privacy.views",
    "jobs.views",
    "hl7.views",
)


def _register_blueprints(app: Flask) -> None:
    # Importing the views imports every model too, so the metadata is complete for the migrations.
    blueprints = {}
    for name in VIEW_MODULES:
        module = importlib.import_module(f"tumorboard.{name}")
        blueprints[module.bp.name] = module.bp
    for blueprint in blueprints.values():
        app.register_blueprint(blueprint)
