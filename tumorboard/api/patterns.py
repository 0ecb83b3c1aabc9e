"""Regular expressions for the OpenAPI document's ranges that JSON Schema has no keyword for: a day
between two days (a birth date from 1900 to today, a finding's date up to today, a meeting from tomorrow
on). JSON Schema's `format: date` says only that a string is a date; `pattern` holds the range, so that a
client (and Schemathesis) sends days the operations accept."""

from datetime import date

_MONTH = "(?:0[1-9]|1[0-2])"
_DAY = "(?:0[1-9]|[12][0-9]|3[01])"


def number_range(low: int, high: int, width: int) -> str:
    """A regex for the zero-padded numbers of `width` digits from `low` to `high`, both included."""
    if low > high:
        raise ValueError(f"empty range {low}..{high}")
    if width == 1:
        return str(low) if low == high else f"[{low}-{high}]"
    unit = 10 ** (width - 1)
    first_low, rest_low = divmod(low, unit)
    first_high, rest_high = divmod(high, unit)
    if first_low == first_high:
        return f"{first_low}{number_range(rest_low, rest_high, width - 1)}"
    parts = []
    whole_from, whole_to = first_low, first_high
    if rest_low:
        parts.append(f"{first_low}{number_range(rest_low, unit - 1, width - 1)}")
        whole_from += 1
    if rest_high != unit - 1:
        whole_to -= 1
    if whole_from <= whole_to:
        digit = str(whole_from) if whole_from == whole_to else f"[{whole_from}-{whole_to}]"
        parts.append(f"{digit}[0-9]{{{width - 1}}}")
    if rest_high != unit - 1:
        parts.append(f"{first_high}{number_range(0, rest_high, width - 1)}")
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


def _days_of_year(year: str, low: tuple[int, int], high: tuple[int, int]) -> list[str]:
    """The days from (month, day) `low` to `high` of one year (the date format rules out 31 April)."""
    (low_month, low_day), (high_month, high_day) = low, high
    if low_month == high_month:
        return [f"{year}-{low_month:02d}-{number_range(low_day, high_day, 2)}"]
    parts = [f"{year}-{low_month:02d}-{number_range(low_day, 31, 2)}"]
    if low_month + 1 <= high_month - 1:
        parts.append(f"{year}-{number_range(low_month + 1, high_month - 1, 2)}-{_DAY}")
    parts.append(f"{year}-{high_month:02d}-{number_range(1, high_day, 2)}")
    return parts


def day_range(low: date, high: date) -> str:
    """An anchored regex for the ISO days from `low` to `high`, both included."""
    if low > high:
        raise ValueError(f"empty range {low}..{high}")
    if low.year == high.year:
        parts = _days_of_year(str(low.year), (low.month, low.day), (high.month, high.day))
    else:
        parts = _days_of_year(str(low.year), (low.month, low.day), (12, 31))
        if low.year + 1 <= high.year - 1:
            parts.append(f"{number_range(low.year + 1, high.year - 1, 4)}-{_MONTH}-{_DAY}")
        parts += _days_of_year(str(high.year), (1, 1), (high.month, high.day))
    return "^(?:" + "|".join(parts) + ")$"
