"""Small helpers the views of every package share."""

import re

from flask import flash, render_template, request, url_for
from wtforms import Form as _WTForm

from tumorboard.db import MAX_ID
from tumorboard.errors import OperationError

# A local path only: no scheme, no host, no backslash or control characters (never an open redirect).
_LOCAL_PATH = re.compile(r"^/(?![/\\])[A-Za-z0-9/_.~%=&?+#-]*$")


def is_local_path(target: object) -> bool:
    return isinstance(target, str) and len(target) <= 2000 and bool(_LOCAL_PATH.match(target))


def safe_next(target: str | None) -> str:
    """Where to go after signing in: the `next` path when it is a local one, else the dashboard."""
    if is_local_path(target):
        return str(target)
    return url_for("main.dashboard")


def query_text(name: str, max_length: int = 100) -> str:
    """A free-text query argument without control characters (NUL breaks PostgreSQL), trimmed."""
    value = request.args.get(name, "")[:max_length]
    return "".join(ch for ch in value if ch.isprintable()).strip()


def parse_id(text: str | None) -> int | None:
    """A record id written in ASCII digits and within the database's integer range, else None."""
    if not text or not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def query_id(name: str) -> int | None:
    """An id query argument; anything that is not a valid id is ignored."""
    return parse_id(request.args.get(name))


def form_error(form: _WTForm, exc: OperationError, default: str) -> None:
    """Show an operation's refusal beside the field it concerns."""
    field = getattr(form, exc.field or default, None) or getattr(form, default)
    field.errors = [*field.errors, exc.message]


def form_page(template: str, **context):
    """A page with a form: 422 when a POST comes back to it (the input was refused), else 200."""
    return render_template(template, **context), 422 if request.method == "POST" else 200


def flash_form_errors(form: _WTForm) -> None:
    """A form posted from another page (a button, a small inline form): its errors go to the flash."""
    for errors in form.errors.values():
        for error in errors if isinstance(errors, list) else [errors]:
            flash(str(error), "danger")
