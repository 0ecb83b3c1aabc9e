"""Rendered charts kept in the database, so matplotlib draws a chart once per data version, not per view.

A chart's key is a SHA-256 of what it is drawn from (its kind, its record, every value it shows, the day it
is dated, the language its words and dates are written in, and RENDER_VERSION), so a changed finding, a
new day, another reader's language or a new renderer is a new key, and an old entry is never served for
new data, nor a German reader's chart to an English one: nothing has to be invalidated. The key is also
the chart's strong ETag (`svg_response`): a browser that has the chart sends it back in If-None-Match and
gets a 304, after the same permission check and access log as the chart itself (a 304 of patient data is
still a read: the user sees the data again, from the browser's cache).

Why the database and not Redis: it is shared by every process and server already (gunicorn workers, the
scale-out set-up), it needs no new service or setting on the embedded SQLite default, and the charts
(patient values) stay in the one store whose backups, access and retention the hospital already governs.
A hit costs one primary-key read; a miss a render, an insert and a prune.

Bounded: each miss deletes what is older than MAX_AGE (entries dated another day are dead anyway: the key
holds the day) and keeps at most MAX_ENTRIES, newest first. Rendering takes the charts' matplotlib lock
(tumorboard/cases/charts.py); a hit never does, so hits are not serialized behind renders.
"""

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Response, has_app_context, request
from flask_babel import get_locale
from sqlalchemy import String, Text, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from tumorboard.db import UTCDateTime, utcnow
from tumorboard.extensions import Model, db

RENDER_VERSION = "2"  # raise it when a chart's drawing changes: every key changes with it
MAX_ENTRIES = 20_000  # about 20 kB each: 400 MB at most
MAX_AGE = timedelta(days=2)
REVALIDATE = "private, no-cache"  # the browser may keep it, only for this user, and asks each time


class ChartRender(Model):
    """One rendered chart (an SVG document) under the key of what it was drawn from."""

    __tablename__ = "chart_render"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    svg: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def chart_key(kind: str, *inputs: object) -> str:
    """The key (and ETag) of a chart of `kind` drawn from `inputs` (plain values with a stable repr), in the
    language of this request: its title, legend, accessible text and date ticks are written in it."""
    language = str(get_locale() or "") if has_app_context() else ""
    return hashlib.sha256(repr((RENDER_VERSION, kind, language, inputs)).encode()).hexdigest()


def cached_svg(key: str, render: Callable[[], str]) -> str:
    """The chart under `key`, rendered (and kept) if no process has rendered it yet."""
    svg = db.session.scalar(select(ChartRender.svg).where(ChartRender.key == key))
    if svg is not None:
        return svg
    svg = render()
    now = utcnow()
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # another process may have rendered the same chart meanwhile: the same bytes, keep theirs
    db.session.execute(
        insert(ChartRender)
        .values(key=key, svg=svg, created_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    _prune(now)
    return svg


def _prune(now: datetime) -> None:
    db.session.execute(
        delete(ChartRender).where(ChartRender.created_at < now - MAX_AGE),
        execution_options={"synchronize_session": False},
    )
    first_beyond = (  # the created_at of the newest entry past MAX_ENTRIES (none: nothing to delete)
        select(ChartRender.created_at)
        .order_by(ChartRender.created_at.desc())
        .offset(MAX_ENTRIES)
        .limit(1)
        .scalar_subquery()
    )
    db.session.execute(
        delete(ChartRender).where(ChartRender.created_at <= first_beyond),
        execution_options={"synchronize_session": False},
    )


def svg_response(key: str, render: Callable[[], str]) -> Response:
    """The chart as a revalidated response: 304 when the browser's copy (If-None-Match) is this one,
    without reading or rendering it; else the SVG, from the cache or rendered once. Call it after the
    permission check and the access log."""
    headers = {"ETag": f'"{key}"', "Cache-Control": REVALIDATE}
    if request.if_none_match.contains(key):
        return Response(status=304, headers=headers)
    return Response(cached_svg(key, render), mimetype="image/svg+xml", headers=headers)
