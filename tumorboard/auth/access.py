"""Deny by default: every view states who may use it.

`create_app` refuses anonymous requests to any endpoint that is not marked `@public`; a test walks
`app.url_map` and fails for any view that carries none of these marks.
"""

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from tumorboard.auth.roles import Role

ANY_SIGNED_IN = "any signed-in user"
PUBLIC = "public"
# The REST API's views (tumorboard.api): a bearer token, checked by the API's own hook; never a session.
API_TOKEN = "api token"  # noqa: S105 (the name of an access rule, not a secret)


def _mark(view: Callable, rule: str | tuple[Role, ...]) -> Callable:
    view.access_rule = rule  # type: ignore[attr-defined]
    return view


def public(view: Callable) -> Callable:
    """Reachable without login: the login page, the calendar feed (by its token), the probes and the
    metrics (by network)."""
    return _mark(view, PUBLIC)


def require_login(view: Callable) -> Callable:
    """Any signed-in user; the view or the model checks the object."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            abort(401)
        return view(*args, **kwargs)

    return _mark(wrapped, ANY_SIGNED_IN)


def require_role(*roles: Role) -> Callable[[Callable], Callable]:
    """Signed in and holding at least one of `roles`; 403 otherwise."""
    if not roles:
        raise ValueError("require_role needs at least one role; use require_login for any user")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                abort(401)
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return _mark(wrapped, tuple(roles))

    return decorator
