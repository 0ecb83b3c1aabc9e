"""Small helpers the views of every package share."""

from flask import request
from wtforms import Form as _WTForm

from tumorboard.errors import OperationError

MAX_PAGE = 100_000


def page_number() -> int:
    """The ?page= argument, clamped to a sane range (a wild value is page 1, never an error)."""
    page = request.args.get("page", 1, type=int)
    return page if 1 <= page <= MAX_PAGE else 1


def form_error(form: _WTForm, exc: OperationError, default: str) -> None:
    """Show an operation's refusal beside the field it concerns."""
    field = getattr(form, exc.field or default, None) or getattr(form, default)
    field.errors = [*field.errors, exc.message]
