"""The dashboard and the health check."""

from tumorboard.main.views import bp

__all__ = ["bp"]
