"""Keyset (seek) pages: the one home of paging for the REST API and the UI's lists.

A page is the rows after (or, going back, before) a boundary in the list's order, found by a condition on
the order's own columns, so that the database walks an index from the boundary and stops after a page:
the last page costs what the first costs, however long the list. No OFFSET, no page numbers.

- `keyset`: the API's pages in id order (`id > after`, `id < before`: the ids are the API's own).
- `seek`: a page of a list in any order of columns (mixed directions, nullable columns, the row id last
  as the tie-break), first / next / previous / last, or a jump into the order ("from this date", "from
  this initial"). Its boundaries travel as `Cursor`s: the sort key of the boundary row (a patient's name
  key among them, for the sort by patient), encrypted and authenticated with Fernet under a key derived
  from SECRET_KEY, so a URL carries no patient data in clear and a cursor cannot be forged or edited. A
  cursor that does not decrypt, belongs to another order, or does not fit its columns is refused
  (`BadCursor`): the view shows the first page with a message.
"""

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from functools import partial
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, DateTime, Select, and_, false, or_, tuple_
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import desc_op

from tumorboard.extensions import db
from tumorboard.timezones import local_day_end_utc, local_day_start_utc

# --- The API's pages in id order ----------------------------------------------------------------------


@dataclass
class Page:
    rows: Sequence[Any]
    next_after: int | None  # the `after` of the next page, if there is one
    prev_before: int | None  # the `before` of the previous page, if there is one


def keyset(stmt: Select, key: InstrumentedAttribute, *, limit: int, after=None, before=None) -> Page:
    """One page of `stmt` in `key` order: after `after`, or (going back) before `before`."""
    order = (key.asc(),)
    if before is not None:
        found = seek(stmt, order, limit=limit, direction=BEFORE, boundary=(before,))
        return Page(
            found.rows,
            next_after=getattr(found.rows[-1], key.key) if found.rows else None,
            prev_before=getattr(found.rows[0], key.key) if found.rows and found.has_prev else None,
        )
    start = after or 0
    found = seek(stmt, order, limit=limit, direction=AFTER, boundary=(start,))
    return Page(
        found.rows,
        next_after=getattr(found.rows[-1], key.key) if found.rows and found.has_next else None,
        prev_before=getattr(found.rows[0], key.key) if found.rows and start else None,
    )


# --- Seeking in any order -------------------------------------------------------------------------------

FIRST, AFTER, BEFORE, LAST, JUMP = "first", "after", "before", "last", "jump"


@dataclass(frozen=True)
class SeekPage:
    rows: list[Any]
    keys: list[tuple[Any, ...]]  # each row's sort key, in the order's columns
    has_prev: bool
    has_next: bool


def _column(term: UnaryExpression[Any]) -> ColumnElement[Any]:
    return term.element


def _descending(term: UnaryExpression[Any]) -> bool:
    return term.modifier is desc_op


def _nulls_largest() -> bool:
    """Where NULL sorts: last in ascending order on PostgreSQL, first on SQLite."""
    return db.session.get_bind().dialect.name != "sqlite"


def _beyond(term: UnaryExpression[Any], value: Any, *, reverse: bool) -> ColumnElement[bool]:
    """The rows strictly beyond `value` in this term's direction (reversed when walking back)."""
    column = _column(term)
    down = _descending(term) != reverse
    nullable = getattr(column, "nullable", False)
    nulls_after = _nulls_largest() != down  # NULLs come after every value in the walked direction
    if value is None:
        return column.is_not(None) if not nulls_after else false()
    beyond = column < value if down else column > value
    return or_(beyond, column.is_(None)) if nullable and nulls_after else beyond


def _equal(term: UnaryExpression[Any], value: Any) -> ColumnElement[bool]:
    column = _column(term)
    return column.is_(None) if value is None else column == value


def _seek_condition(
    order: Sequence[UnaryExpression[Any]], values: Sequence[Any], *, reverse: bool
) -> ColumnElement[bool]:
    """The rows after `values` in `order` (before them when `reverse`): a row-value comparison when every
    column goes the same way and none is NULL (one index range on both databases), otherwise the expanded
    form (a > x) OR (a = x AND b > y) … led by an inclusive bound on the first column, so that the index
    scan still starts at the boundary."""
    directions = {_descending(term) for term in order}
    nullable = any(getattr(_column(term), "nullable", False) for term in order)
    if len(directions) == 1 and not nullable:
        columns = tuple_(*(_column(term) for term in order))
        down = directions.pop() != reverse
        return columns < tuple_(*values) if down else columns > tuple_(*values)
    alternatives = []
    for i, term in enumerate(order):
        ties = [_equal(order[j], values[j]) for j in range(i)]
        alternatives.append(and_(*ties, _beyond(term, values[i], reverse=reverse)))
    condition = or_(*alternatives)
    first, value = order[0], values[0]
    if value is not None and not getattr(_column(first), "nullable", False):
        column = _column(first)
        down = _descending(first) != reverse
        condition = and_(column <= value if down else column >= value, condition)
    return condition


def _reversed(term: UnaryExpression[Any]) -> UnaryExpression[Any]:
    column = _column(term)
    return column.asc() if _descending(term) else column.desc()


def seek(
    stmt: Select,
    order: Sequence[UnaryExpression[Any]],
    *,
    limit: int,
    direction: str = FIRST,
    boundary: Sequence[Any] | None = None,
    jump: Any = None,
) -> SeekPage:
    """One page of `stmt` (a select of one entity) in `order`, whose last term is unique (the id).

    `direction`: FIRST; AFTER or BEFORE `boundary` (a row's sort key); LAST; JUMP to the first rows whose
    first column reaches `jump` (at or after it ascending; before it descending: pass the next day's start
    for "on or before this day")."""
    keys = [_column(term) for term in order]
    reverse = direction in (BEFORE, LAST)
    walked = [_reversed(term) for term in order] if reverse else list(order)
    query = stmt.order_by(None).add_columns(*keys)
    if direction in (AFTER, BEFORE) and boundary is not None:
        query = query.where(_seek_condition(order, boundary, reverse=reverse))
    elif direction == JUMP and jump is not None:
        column = _column(order[0])
        query = query.where(column < jump if _descending(order[0]) else column >= jump)
    result = list(db.session.execute(query.order_by(*walked).limit(limit + 1)).all())
    more = len(result) > limit
    result = result[:limit]
    if reverse:
        result.reverse()
    rows = [row[0] for row in result]
    row_keys = [tuple(row[1:]) for row in result]
    if reverse:
        has_prev, has_next = more, direction == BEFORE
    else:
        has_prev, has_next = direction in (AFTER, JUMP), more
    if direction == JUMP:
        # whether anything precedes the jump's first row: one more indexed probe would say; the page offers
        # "Previous" (an empty previous page leads to the first), and "First" when the jump found nothing
        has_prev = True
    return SeekPage(rows, row_keys, has_prev=has_prev, has_next=has_next)


# --- Opaque cursors ---------------------------------------------------------------------------------------


class BadCursor(ValueError):
    """A cursor that is not one of ours, for another order, or out of date with its columns."""


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"tumorboard list cursor").derive(
        current_app.config["SECRET_KEY"].encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.astimezone(UTC).isoformat()}
    if isinstance(value, Enum):
        return value.value
    return value


def encode_cursor(sort: str, key: Sequence[Any]) -> str:
    """The boundary row's sort key for `sort`, encrypted: nothing of it readable in the URL."""
    return _fernet().encrypt(json.dumps([sort, [_plain(value) for value in key]]).encode()).decode()


def decode_cursor(token: str, sort: str, order: Sequence[UnaryExpression[Any]]) -> tuple[Any, ...]:
    """The sort key a cursor carries, typed for `order`'s columns, or BadCursor."""
    try:
        named, values = json.loads(_fernet().decrypt(token.encode()))
    except (InvalidToken, ValueError, TypeError) as error:
        raise BadCursor("not a cursor") from error
    if named != sort or not isinstance(values, list) or len(values) != len(order):
        raise BadCursor("another list's cursor")
    typed: list[Any] = []
    for term, value in zip(order, values, strict=True):
        column = _column(term)
        if isinstance(value, dict):
            if not isinstance(getattr(column, "type", None), DateTime) and not isinstance(
                getattr(getattr(column, "type", None), "impl", None), DateTime
            ):
                raise BadCursor("a date for a column that is not one")
            try:
                typed.append(datetime.fromisoformat(value["t"]))
            except (KeyError, TypeError, ValueError) as error:
                raise BadCursor("not a date") from error
        elif value is None or isinstance(value, int | str):
            typed.append(value)
        else:
            raise BadCursor("not a key")
    return tuple(typed)


# --- A list page's pager, as the UI's lists use it ----------------------------------------------------------

BAD_CURSOR = _l("That page link is no longer valid: here is the first page.")
JUMP_REFUSED = _l("Jump to a date as YYYY-MM-DD, or to a letter for a list by name: here is the first page.")
PAGING_ARGS = ("after", "before", "last", "first", "jump", "initial", "page")


def day_value(text: str) -> date | None:
    """A day typed as YYYY-MM-DD within the app's years, else None."""
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None
    return value if date(2000, 1, 1) <= value <= date(2199, 12, 31) else None


def jump_bound(
    order: Sequence[UnaryExpression[Any]], kind: str | None, day: date | None, initial: str | None
) -> Any:
    """The first column's bound of a jump: "on or before this day" newest first, "from this day" oldest
    first, "from this initial" in a name order (name keys are casefolded); None when nothing fits."""
    if kind == "date" and day is not None:
        return local_day_end_utc(day) if _descending(order[0]) else local_day_start_utc(day)
    if kind == "initial" and initial:
        return initial.casefold()
    return None


@dataclass(frozen=True)
class Listing:
    """One page of a UI list with what its pager needs: the cursors of its previous and next links, the
    jump it offers ("date", "initial" or None) and a notice when the link asked for could not be followed."""

    page: SeekPage
    before: str | None
    after: str | None
    jump_kind: str | None
    notice: str | None

    @property
    def rows(self) -> list[Any]:
        return self.page.rows

    @property
    def paged(self) -> bool:
        return self.page.has_prev or self.page.has_next


def listing(
    stmt: Select | None,
    order: Sequence[UnaryExpression[Any]],
    *,
    sort: str,
    args: Mapping[str, str] | None = None,
    limit: int | None = None,
    jump_kind: str | None = None,
    seeker: Callable[..., SeekPage] | None = None,
) -> Listing:
    """The page of `stmt` in `order` that `args` ask for (a URL's or a POSTed form's `after`, `before`,
    `last`, `jump` or `initial`; by default the request's URL): a cursor that does not decrypt or fit, or a
    jump that is not a day or a letter, gives the first page with a notice; a previous page found empty
    (rows gone) gives the first. `limit` rows a page, by default the app's PER_PAGE. `seeker`: a list that
    is not one statement's (`seeker(limit=, direction=, boundary=, jump=)` in place of `seek` on `stmt`)."""
    if seeker is None:
        if stmt is None:
            raise TypeError("listing needs a statement or a seeker")
        seeker = partial(seek, stmt, order)
    if args is None:
        args = request.args
    if limit is None:
        limit = current_app.config["PER_PAGE"]

    def arg(name: str) -> str:
        return str(args.get(name, ""))[:1000]

    direction, boundary, jump, notice = FIRST, None, None, None
    after, before = arg("after"), arg("before")
    if arg("last"):
        direction = LAST
    elif after or before:
        try:
            boundary = decode_cursor(after or before, sort, order)
            direction = AFTER if after else BEFORE
        except BadCursor:
            notice = BAD_CURSOR
    elif arg("jump") or arg("initial"):
        letter = arg("initial")
        initial = letter if len(letter) == 1 and letter.isalpha() else None
        jump = jump_bound(order, jump_kind, day_value(arg("jump")), initial)
        if jump is not None:
            direction = JUMP
        else:
            notice = JUMP_REFUSED
    try:
        page = seeker(limit=limit, direction=direction, boundary=boundary, jump=jump)
    except BadCursor:
        page, notice = seeker(limit=limit), BAD_CURSOR
    if direction == BEFORE and not page.rows:
        page = seeker(limit=limit)
    return Listing(
        page,
        before=encode_cursor(sort, page.keys[0]) if page.rows and page.has_prev else None,
        after=encode_cursor(sort, page.keys[-1]) if page.rows and page.has_next else None,
        jump_kind=jump_kind,
        notice=notice,
    )


__all__ = [
    "AFTER",
    "BAD_CURSOR",
    "BEFORE",
    "FIRST",
    "JUMP",
    "JUMP_REFUSED",
    "LAST",
    "PAGING_ARGS",
    "BadCursor",
    "Listing",
    "Page",
    "SeekPage",
    "day_value",
    "jump_bound",
    "listing",
    "decode_cursor",
    "encode_cursor",
    "keyset",
    "seek",
]
