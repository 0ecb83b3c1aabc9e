"""Who is calling the API: a bearer token, never the session cookie.

Every request under /api/v1 (but the OpenAPI document and its page) is authenticated here, before its
view: the token's SHA-256 finds it; a missing, unknown, expired or revoked token, or one whose user is
disabled, is a 401. The token's user becomes `current_user` for the request only (Flask-Login's per-request
slot, never the session), so the access log, the audit events and every permission (`can_view`, the
boards) work as in the UI. The session cookie is never read: a browser signed in to the web UI has no
access to the API, so the API needs no CSRF token (it is exempt) and has no CSRF hole.

A read token may only GET; each token has its own rate limit (`API_RATE_LIMIT`, on Flask-Limiter's
storage: Redis in production, shared by every server). Each use is in the request log with the token's
id, in the access log for patient data, and in the token's `last_used_at` (at most once a minute).
"""

import math
import time

from flask import current_app, g, request
from flask_login import AnonymousUserMixin
from limits import parse

from tumorboard.auth.tokens import ApiToken, find_token, note_use
from tumorboard.extensions import limiter
from tumorboard.problems import problem

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def current_token() -> ApiToken | None:
    return g.get("api_token")


def _rate_limited(token: ApiToken):
    item = parse(current_app.config["API_RATE_LIMIT"])
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "") or "tumorboard"
    if limiter.limiter.hit(item, prefix, "api-token", str(token.id)):
        return None
    reset_time, _remaining = limiter.limiter.get_window_stats(item, prefix, "api-token", str(token.id))
    wait = max(1, math.ceil(reset_time - time.time()))
    return problem(429, headers={"Retry-After": str(wait)})


def authenticate():
    """The API blueprint's first hook: the token, its scope, its rate, the body's type."""
    g._login_user = AnonymousUserMixin()  # never the session's user, whatever happens below
    secret = _bearer()
    token = find_token(secret) if secret else None
    if token is None or not token.works():
        return problem(401)
    g._login_user = token.user
    g.api_token = token
    g.log_user_id = token.user_id
    g.log_token_id = token.id
    refused = _rate_limited(token)
    if refused is not None:
        return refused
    note_use(token)
    if request.method not in SAFE_METHODS and not token.allows_writes:
        return problem(403, "This token is read only: a change needs a token with the write scope.")
    if request.method in BODY_METHODS and request.mimetype != "application/json":
        return problem(415)
    return None
