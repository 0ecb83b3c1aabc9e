"""The address people reach the app at, for links that leave the page: calendar entries, e-mails, the
calendar feed's address and the identifiers of exported documents."""

from flask import current_app, has_request_context, request

# When nothing says otherwise (development run from the CLI, outside any request).
DEVELOPMENT_FALLBACK = "http://127.0.0.1:5000"


def public_url() -> str:
    """PUBLIC_URL when it is configured (production requires it); in development without it, the host and
    port this request was served on, so that links follow `flask run --port …` or a container's mapping."""
    configured = (current_app.config.get("PUBLIC_URL") or "").strip()
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return DEVELOPMENT_FALLBACK
