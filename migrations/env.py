"""Alembic environment for Flask-Migrate: the app's engine and metadata, nothing configured twice."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from tumorboard import migration_guard
from tumorboard.cases import search

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def _db():
    return current_app.extensions["migrate"].db


config.set_main_option(
    "sqlalchemy.url", _db().engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=_db().metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def process_revision_directives(_context, _revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("include_name", search.include_object_name)  # SQLite's FTS5 tables: no model
    with _db().engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a table by copying it and dropping the old one; with foreign keys on, the drop
            # would cascade to every row that refers to it. Off for the migration (outside a transaction,
            # on the driver's own connection), checked and back on after it.
            driver = connection.connection.driver_connection
            driver.execute("PRAGMA foreign_keys = OFF")
        try:
            # One transaction for all the steps, on SQLite too (whose DDL is transactional under the app's
            # BEGIN IMMEDIATE; Alembic would commit each step): a downgrade that drops data refuses at its
            # end, and the rollback undoes every step (tumorboard.migration_guard).
            with (
                migration_guard.watching(context.get_x_argument(as_dictionary=True)) as guard,
                connection.begin(),
            ):
                context.configure(
                    connection=connection,
                    target_metadata=_db().metadata,
                    on_version_apply=guard.step_applied,
                    **conf_args,
                )
                with context.begin_transaction():
                    context.run_migrations()
                guard.check()
        finally:
            if sqlite:
                broken = driver.execute("PRAGMA foreign_key_check").fetchall()
                driver.execute("PRAGMA foreign_keys = ON")
        if sqlite and broken:
            raise RuntimeError(f"the migration left rows whose foreign keys point nowhere: {broken[:10]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
