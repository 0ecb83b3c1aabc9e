"""Request-wide security: deny by default, security headers, one commit per request, error pages.

Every endpoint needs a signed-in user unless its view is marked `@public`. The transaction of a request
commits once at its end; any error page rolls it back first, so a failed action writes nothing (except
the audit rows that record a denial, written after the rollback).
"""

import logging
import re
import secrets
import time
import uuid

from flask import (
    Flask,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from tumorboard.audit.access import write_access_log
from tumorboard.audit.models import AuditEvent
from tumorboard.auth import oidc
from tumorboard.auth import operations as auth_operations
from tumorboard.auth.access import API_TOKEN, PUBLIC
from tumorboard.auth.second_factor import missing_second_factor
from tumorboard.auth.sessions import session_expired
from tumorboard.errors import OperationError, StaleEdit
from tumorboard.extensions import db, login_manager
from tumorboard.problems import is_api_request, problem, refused
from tumorboard.public_url import public_url
from tumorboard.render_cache import REVALIDATE

log = logging.getLogger("tumorboard")

STATIC_ENDPOINTS = frozenset({"static", "bootstrap.static"})
PASSWORD_CHANGE_ALLOWED = frozenset({"auth.change_password", "auth.logout"})
SECOND_FACTOR_SETUP_ALLOWED = frozenset({"auth.second_factor_page", "auth.logout"})

MESSAGES = {
    400: _l("The request could not be understood. Go back, reload the page and try again."),
    403: _l("You do not have access to this page. If you think you should, ask an administrator."),
    404: _l("This page does not exist, or you do not have access to it."),
    405: _l("This action is not available here."),
    409: _l("Someone else changed this record at the same time. Nothing was saved."),
    413: _l("The upload is too large."),
    422: _l("The request could not be carried out."),
    429: _l("Too many attempts. Wait a few minutes before you try again."),
    500: _l("Something went wrong on our side. Nothing was saved. The error has been logged."),
}


# Answered over plain http too: the load balancer's probes and the metrics scrape reach an app server
# directly, on its own port, without TLS.
PLAIN_HTTP_ENDPOINTS = frozenset({"main.health", "main.ready", "main.metrics_page"})
HTTPS_REQUIRED = _l(
    "This site must be used over https: over plain http the browser does not send the sign-in cookie, so "
    "nothing you send here can be accepted. Nothing was saved."
)


def require_https(app: Flask) -> None:
    """Where the session cookie is Secure (production), a request that arrived over plain http (after
    ProxyFix: the proxy's X-Forwarded-Proto) is not served: a GET or HEAD is sent to the same page at the
    https PUBLIC_URL, anything else is answered with a page that says so (403), never with the form's
    "expired" message. Call it before any extension registers its hooks, so that it runs before the CSRF
    check."""
    app.before_request(_require_https)


def _require_https():
    if (
        request.is_secure
        or not current_app.config.get("SESSION_COOKIE_SECURE")
        or request.endpoint in PLAIN_HTTP_ENDPOINTS
    ):
        return None
    base = public_url() + request.script_root
    if request.method in ("GET", "HEAD"):
        query = request.query_string.decode("latin-1")
        return redirect(base + request.path + (f"?{query}" if query else ""), code=308)
    rule = request.url_rule
    if rule is not None and rule.methods is not None and "GET" in rule.methods:
        link = base + request.path
    else:
        link = base + "/"
    return render_template("errors/error.html", status=403, message=HTTPS_REQUIRED, https_link=link), 403


def init_app(app: Flask) -> None:
    app.before_request(_assign_request_id)
    app.before_request(_deny_by_default)
    # after_request hooks run last-registered first: commit, then the headers, then the log line.
    app.after_request(_log_request)
    app.after_request(_security_headers)
    app.after_request(_commit)
    app.teardown_request(_rollback_on_exception)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(StaleEdit, _stale_edit)
    app.register_error_handler(StaleDataError, _concurrent_write)
    app.register_error_handler(IntegrityError, _concurrent_write)
    app.register_error_handler(OperationError, _operation_refused)
    app.register_error_handler(Exception, _server_error)


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _assign_request_id() -> None:
    # Always our own: a client-chosen id could collide with another request's in the audit log.
    g.request_id = uuid.uuid4().hex
    g.started = time.perf_counter()


def _log_request(response):
    """One line a request: its status and duration (the context, route and user come from the filter)."""
    if request.endpoint not in STATIC_ENDPOINTS:
        duration = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log.info("request", extra={"status": response.status_code, "duration_ms": round(duration, 1)})
    return response


_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)$")


def integrity_problem(exc: IntegrityError) -> tuple[bool, str]:
    """Whether the refused write is a race for a unique slot (two people at once: a conflict to report
    as such), and the constraint's name (or the database's words) for the log."""
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    if diag is not None:  # PostgreSQL (psycopg)
        return getattr(orig, "sqlstate", None) == "23505", diag.constraint_name or str(orig).splitlines()[0]
    message = str(orig)
    match = _SQLITE_UNIQUE.search(message)
    if match is None:
        return False, message
    columns = [part.strip() for part in match.group(1).split(",")]
    table = db.metadata.tables.get(columns[0].split(".")[0])
    wanted = {c.split(".")[-1] for c in columns}
    for constraint in [
        *(table.constraints if table is not None else ()),
        *(table.indexes if table is not None else ()),
    ]:
        names = {c.name for c in getattr(constraint, "columns", ())}
        if names == wanted and (getattr(constraint, "unique", True)):
            return True, str(constraint.name)
    return True, message


def _deny_by_default():
    endpoint = request.endpoint
    if endpoint is None or endpoint in STATIC_ENDPOINTS:
        return None
    view = current_app.view_functions.get(endpoint)
    if getattr(view, "access_rule", None) in (PUBLIC, API_TOKEN):
        return None  # the API's views: its own hook authenticates the bearer token (tumorboard.api.access)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    g.log_user_id = current_user.id
    if session_expired():
        return redirect(url_for("auth.login"))
    if current_user.must_change_password and endpoint not in PASSWORD_CHANGE_ALLOWED:
        flash(_("Please choose your own password before you go on."), "warning")
        return redirect(url_for("auth.change_password"))
    if (
        not current_user.must_change_password  # the password first, then the second factor
        and endpoint not in SECOND_FACTOR_SETUP_ALLOWED
        and not session.get(oidc.SIGNED_IN_SESSION_KEY)  # the provider asks its own factors
        and missing_second_factor(current_user)
    ):
        flash(_("Your role needs a second factor: set it up before you go on."), "warning")
        return redirect(url_for("auth.second_factor_page"))
    return None


def _commit(response):
    """Commit the request's transaction once, with the access log of what the page showed; a conflict at
    commit is a 409, not a 500."""
    try:
        write_access_log(response.status_code)
        db.session.commit()
    except (IntegrityError, StaleDataError) as exc:
        db.session.rollback()
        _forget_half_done_session()
        return make_response(*_concurrent_write(exc))
    _dispatch_jobs()
    return response


def _dispatch_jobs() -> None:
    """The change is committed; the jobs it asked for (its e-mails) go to the queue now, or run inline
    without one. A failure there never fails the committed change."""
    from tumorboard.jobs import dispatch

    try:
        dispatch()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("a job run inline after the commit failed")


def _forget_half_done_session() -> None:
    """Nothing of a failed request stays: no flash of its success, no sign-in whose audit row is gone."""
    session.pop("_flashes", None)
    if g.get("session_started"):
        session.clear()


def _security_headers(response):
    nonce = csp_nonce()
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        f"style-src 'self' 'nonce-{nonce}'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["X-Request-ID"] = g.get("request_id", "")
    if request.endpoint not in STATIC_ENDPOINTS and response.headers.get("Cache-Control") != REVALIDATE:
        # everything but the static files and the charts kept per user and revalidated (render_cache)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    if current_app.config.get("SESSION_COOKIE_SECURE") and request.is_secure:
        # Browsers take HSTS from an https answer only (RFC 6797); over http the request was redirected.
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def _rollback_on_exception(exc) -> None:
    if exc is not None:
        db.session.rollback()


def _render_error(status: int, message: str | None = None, **context):
    if is_api_request():  # the API's problem details: its own words (the pages' speak of pages and forms)
        return problem(status), status
    return render_template(
        "errors/error.html", status=status, message=message or MESSAGES.get(status, ""), **context
    ), status


def _http_error(exc: HTTPException):
    db.session.rollback()
    status = exc.code or 500
    if is_api_request() and status != 403:
        return _api_http_error(exc, status)
    if status == 401:
        return login_manager.unauthorized()
    if status == 403:
        _audit_after_rollback(
            lambda: auth_operations.record_access_denied(
                current_user._get_current_object() if current_user.is_authenticated else None,
                request.endpoint,
                request.method,
            )
        )
    if status == 429 and g.get("throttled_login"):
        email = g.throttled_login
        _audit_after_rollback(lambda: auth_operations.record_throttled_login(email))
    if is_api_request():
        return _api_http_error(exc, status)
    wait = getattr(exc, "retry_after", None)
    if status == 429 and isinstance(wait, int):
        body, _status = _render_error(
            status, _("Too many attempts. Wait %(wait)s seconds, then try again.", wait=wait)
        )
        return body, status, {"Retry-After": str(wait)}
    return _render_error(status)


def _api_http_error(exc: HTTPException, status: int):
    """An HTTP error under /api: its own description when the view gave one, the field messages of a
    refused body (webargs' "messages", by location then field), or the problem's standard words."""
    own = exc.description if exc.description != type(exc).description else None
    data = getattr(exc, "data", None) or {}
    errors: dict[str, object] = {}
    for fields in (data.get("messages") or {}).values():
        errors.update(fields if isinstance(fields, dict) else {"_": fields})
    return problem(status, own, errors=errors or None)


def _audit_after_rollback(write) -> None:
    """Denials are audited in a transaction of their own; failing to audit must not fail the answer."""
    try:
        write()
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("could not audit a denial")


def _csrf_error(exc: CSRFError):
    db.session.rollback()
    if is_api_request():
        return problem(400)
    return _render_error(
        400, "The form has expired or did not come from this site. Go back, reload the page and try again."
    )


def _stale_edit(exc: StaleEdit):
    db.session.rollback()
    if is_api_request():  # If-Match names a version that is no longer the record's
        return problem(412)
    changes = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity_type == exc.entity_type, AuditEvent.entity_id == str(exc.entity_id))
        .order_by(AuditEvent.seq.desc())
        .limit(5)
    ).all()
    return _render_error(
        409,
        "Someone else saved this record after you opened the form. Nothing of yours was saved. "
        "Their changes are below; reload the page, then make your change again.",
        changes=changes,
        reload_url=request.path,
    )


def _concurrent_write(exc: StaleDataError | IntegrityError):
    """Two people changed the same thing at once: a 409 that says so. Any other refusal by the database
    (a foreign key, a check, a trigger) is a bug: logged with its constraint, answered as an error."""
    db.session.rollback()
    _forget_half_done_session()
    if isinstance(exc, StaleDataError):
        log.info("conflict: the record changed meanwhile", extra={"constraint": "version"})
        return _render_error(409)
    race, constraint = integrity_problem(exc)
    if race:
        log.info("conflict: a unique constraint refused a concurrent write", extra={"constraint": constraint})
        return _render_error(409)
    log.error("the database refused a write", extra={"constraint": constraint})
    return _render_error(500, request_id=g.get("request_id"))


def _operation_refused(exc: OperationError):
    db.session.rollback()
    if is_api_request():
        return refused(exc)
    return _render_error(422, exc.message)


def _server_error(exc: Exception):
    db.session.rollback()
    _forget_half_done_session()
    log.exception("unhandled error")
    return _render_error(500, request_id=g.get("request_id"))
