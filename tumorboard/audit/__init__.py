"""The append-only, hash-chained audit log."""

from tumorboard.audit.views import bp

__all__ = ["bp"]
