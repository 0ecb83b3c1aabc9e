"""Logging: one JSON object a line in production (for the hospital's log collector), plain lines in
development. Every record carries the request's id, the signed-in user's id, the route (its rule, with
its `<id:…>` variables unfilled, never the ids or a search) and the method; never patient data.

`python-json-logger` writes the JSON: a well-kept formatter, nothing to maintain here but the fields.
"""

import logging
import sys
from typing import TextIO

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

CONTEXT_FIELDS = ("request_id", "user_id", "token_id", "route", "method")
TEXT_FORMAT = (
    "%(asctime)s %(levelname)s %(name)s [%(request_id)s user=%(user_id)s token=%(token_id)s %(method)s "
    "%(route)s] %(message)s"
)


class RequestContext(logging.Filter):
    """Adds the request's context to each record (None outside a request: the CLI, the tests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        values = dict.fromkeys(CONTEXT_FIELDS)
        if has_request_context():
            values |= {
                "request_id": g.get("request_id"),
                "user_id": g.get("log_user_id"),  # noted when the user was loaded: logging never queries
                "token_id": g.get("log_token_id"),  # the API token the request came with (tumorboard.api)
                "route": request.url_rule.rule if request.url_rule else None,
                "method": request.method,
            }
        for key, value in values.items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        return JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s " + " ".join(f"%({f})s" for f in CONTEXT_FIELDS),
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    return logging.Formatter(TEXT_FORMAT)


def configure_logging(app: Flask, stream: TextIO | None = None) -> logging.Handler | None:
    """The `tumorboard` logger's one handler (set again for each app: the tests build many). Under
    test, without a stream, records only propagate (pytest's caplog collects them, with their context)."""
    logger = logging.getLogger("tumorboard")
    for old in [h for h in logger.handlers if getattr(h, "tumorboard", False)]:
        logger.removeHandler(old)
    if not any(isinstance(f, RequestContext) for f in logger.filters):
        logger.addFilter(RequestContext())
    logger.setLevel(app.config["LOG_LEVEL"])
    if app.testing and stream is None:
        return None
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(app.config["LOG_FORMAT"]))
    handler.addFilter(RequestContext())  # for the records of child loggers (tumorboard.mail …) too
    handler.tumorboard = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    return handler
