"""Treatment decisions of the board: record in the meeting, sign, amend, letter, follow-up, quality."""

from tumorboard.decisions import quality_views as _quality_views  # noqa: F401  (registers /quality on bp)
from tumorboard.decisions.views import bp

__all__ = ["bp"]
