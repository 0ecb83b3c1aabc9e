"""Standing tumor boards and their members."""

from tumorboard.boards.views import bp

__all__ = ["bp"]
