"""Errors under /api as RFC 9457 problem details (`application/problem+json`): every refusal of the API,
whoever raises it (the API's own checks, an operation, the framework, Werkzeug, the error handlers of
tumorboard.security), has this one shape. Never patient data in a title or detail: the messages are the
operations' own (which name fields, never values) or the fixed ones below."""

from http import HTTPStatus
from typing import Any

from flask import Response, g, json, request

API_PREFIX = "/api/"
PROBLEM_JSON = "application/problem+json"

DETAILS = {
    400: "The request could not be understood.",
    401: "This API needs a valid token: send `Authorization: Bearer <token>`.",
    403: "The token may not do this.",
    404: "There is no such resource, or the token's user may not see it.",
    405: "This method is not allowed here.",
    406: "This resource answers in JSON only.",
    409: "Someone else changed this record at the same time. Nothing was saved.",
    412: "The record changed since the version in If-Match. Nothing was saved.",
    413: "The request body is too large.",
    415: "Send the body as application/json.",
    422: "The request could not be carried out.",
    428: "This change needs If-Match with the record's ETag (the version it was read at).",
    429: "Too many requests with this token. Wait before you try again.",
    500: "Something went wrong on our side. Nothing was saved. The error has been logged.",
}


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    title: str | None = None,
) -> Response:
    """The problem+json answer for `status`; `errors`: the refused fields and their messages; `title`: a
    fixed sentence naming the kind of refusal, where the status's phrase alone would not say it."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or DETAILS.get(status, HTTPStatus(status).description),
    }
    request_id = g.get("request_id")
    if request_id:
        body["instance"] = f"urn:request:{request_id}"
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="tumorboard"'
    return response


def refused(exc) -> Response:
    """An operation's refusal (tumorboard.errors.OperationError): 422 with its message, by field."""
    return problem(422, exc.message, errors={exc.field: [exc.message]} if exc.field else None)
