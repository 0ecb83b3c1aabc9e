"""The result every clinical rule returns, and the small table helpers the rules share.

A rule never answers with a bare string: it says what it decided (``category``), which rule and source
decided it (``rule``), on which inputs, and whether the input sits on a boundary on which the sources
disagree (``disputed``, marked ⚠ in the reference). The UI shows all of it beside the reported values.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Generic, TypeVar

from tumorboard.clinical.labels import N_, SENTENCES, Text, joined

C = TypeVar("C", bound=StrEnum)
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True, kw_only=True)
class Result(Generic[C]):
    """What a rule decided, the rule (with its source) that decided it, and the inputs it used.

    ``disputed`` is derived: it is True exactly when ``disputed_reason`` explains how the sources
    disagree. ``note`` carries any other caveat the reader should see (a missing index, an assumption).
    """

    category: C
    rule: str
    inputs: Mapping[str, object] = field(default_factory=dict, hash=False)
    disputed_reason: str | None = None
    note: str | None = None
    disputed: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", MappingProxyType(dict(self.inputs)))
        object.__setattr__(self, "disputed", self.disputed_reason is not None)


@dataclass(frozen=True)
class Band(Generic[C]):
    """One row of a threshold table: a value falls in the first band whose upper bound admits it.

    ``below`` is an exclusive bound (value < below), ``up_to`` an inclusive one (value <= up_to); a band
    with neither is open-ended and closes the table.
    """

    category: C
    label: str
    below: float | None = None
    up_to: float | None = None

    def admits(self, value: float) -> bool:
        if self.below is not None:
            return value < self.below
        if self.up_to is not None:
            return value <= self.up_to
        return True


@dataclass(frozen=True)
class Dispute(Generic[C]):
    """A boundary on which the sources disagree: where ``applies`` holds, the other reading gives
    ``alternative`` instead of the table's category."""

    applies: Callable[[float], bool]
    alternative: C
    reason: str


def band_for(value: float, bands: Sequence[Band[C]]) -> Band[C]:
    """The first band of a threshold table that admits ``value``."""
    return next(band for band in bands if band.admits(value))


def require(condition: bool, message: str) -> None:
    """Reject impossible input with a short message the UI shows as is (a Text reads in the reader's
    language where the summary flags it)."""
    if not condition:
        raise ValueError(message)


def parse(enum: type[E], value: object, what: str) -> E:
    """The member of ``enum`` whose value is ``value``, or a user-facing ValueError naming ``what``."""
    if isinstance(value, str):  # a str enum has no member of any other type
        try:
            return enum(value)
        except ValueError:
            pass
    raise ValueError(Text(N_("Unknown %(what)s %(value)s."), what=Text(what), value=repr(value))) from None


def parse_optional(enum: type[E], value: object, what: str) -> E | None:
    """Like ``parse``, but None or an empty string (a field left blank) mean "not given"."""
    return None if value is None or value == "" else parse(enum, value, what)


def parse_each(enum: type[E], values: Iterable[object], what: str) -> tuple[E, ...]:
    """Several values of ``enum``, without repeats, in the vocabulary's own order."""
    found = {parse(enum, value, what) for value in values}
    return tuple(member for member in enum if member in found)


def join_notes(*notes: str | None) -> str | None:
    """Several optional caveats as one note (None when there are none), each in the reader's language."""
    present = [note for note in notes if note]
    if not present:
        return None
    joined_notes = joined(present, SENTENCES)
    return joined_notes if isinstance(joined_notes, str) else None
