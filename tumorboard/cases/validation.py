"""Checks the case operations share: each raises OperationError with a message the user sees as is."""

import math
import re
from datetime import date
from enum import StrEnum

from tumorboard.errors import OperationError


def choice(value, enum: type[StrEnum], what: str, field: str, *, required: bool = True) -> str | None:
    if value in (None, ""):
        if required:
            raise OperationError(f"Choose the {what}.", field=field)
        return None
    try:
        return enum(value).value
    except ValueError:
        raise OperationError(f"Unknown {what}.", field=field) from None


def choices(values, enum: type[StrEnum], what: str, field: str) -> list[str]:
    return sorted({choice(v, enum, what, field) for v in values or ()})


def number(value, what: str, field: str, *, low: float, high: float, unit: str = "") -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise OperationError(f"The {what} must be a number.", field=field) from None
    if math.isnan(number) or not low <= number <= high:
        raise OperationError(f"The {what} must be between {low:g} and {high:g}{unit}.", field=field)
    return number


def integer(value, what: str, field: str, *, low: int, high: int) -> int | None:
    result = number(value, what, field, low=low, high=high)
    if result is None:
        return None
    if result != int(result):
        raise OperationError(f"The {what} must be a whole number.", field=field)
    return int(result)


def nodes(positive: int | None, examined: int | None) -> None:
    if positive is not None and examined is not None and positive > examined:
        raise OperationError("More nodes are positive than were examined.", field="nodes_positive")


def text(value, what: str, field: str, *, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise OperationError(f"Enter the {what}.", field=field)
    if len(value) > max_length:
        raise OperationError(f"The {what} is too long (at most {max_length} characters).", field=field)
    return value


def clinical_date(value, what: str, field: str, *, today: date, birth_date: date | None) -> date:
    """A date of a finding or treatment: not in the future, not before the patient was born."""
    if not isinstance(value, date):
        raise OperationError(f"Enter the {what} as a date.", field=field)
    if value > today:
        raise OperationError(f"The {what} cannot be in the future.", field=field)
    if birth_date is not None and value < birth_date:
        raise OperationError(f"The {what} cannot be before the patient's birth date.", field=field)
    return value


def mrn(value: str, pattern: str, hint: str) -> str:
    value = (value or "").strip().upper()
    if not re.fullmatch(pattern, value):
        raise OperationError(f"The MRN must be {hint}.", field="mrn")
    return value
