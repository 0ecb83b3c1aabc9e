"""The app's commands run as an admin or a timer runs them: a real `flask --app tumorboard ...` process,
whose exit status and output are what a test reads; and the row counts of a database, read from outside."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, table

from config import TestConfig

ROOT = Path(__file__).resolve().parents[1]
FLASK = Path(sys.executable).with_name("flask")


def flask(url: str, *args: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "TUMORBOARD_CONFIG": "development",
        "DATABASE_URL": url,
        "SECRET_KEY": TestConfig.SECRET_KEY,
        "AUDIT_HMAC_KEY": TestConfig.AUDIT_HMAC_KEY,
    }
    return subprocess.run(  # noqa: S603 - our own executable and arguments
        [str(FLASK), "--app", "tumorboard", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            names = inspect(connection).get_table_names()
            return {name: connection.scalar(select(func.count()).select_from(table(name))) for name in names}
    finally:
        engine.dispose()
