"""What the packages above cases add to the case page, without the cases package importing them (the
layers import downwards only): the board's decision as a panel, and its signing, amendments and
follow-up in the timeline. A package registers its function when it is imported (every views module is,
at start); the case page calls each once per request.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from tumorboard.cases.models import Case

TimelineItem = dict[str, Any]  # when (a date), kind, text, anchor (an id on the page, or None)


@dataclass(frozen=True)
class CaseSection:
    panel: Markup | None = None  # shown at the top of the case page
    timeline: list[TimelineItem] = field(default_factory=list)


_sections: list[Callable[[Case, Any], CaseSection]] = []


def case_section(make: Callable[[Case, Any], CaseSection]):
    """`make(case, user)`: what a package adds to the case page."""
    _sections.append(make)
    return make


def sections(case: Case, user) -> list[CaseSection]:
    return [make(case, user) for make in _sections]
