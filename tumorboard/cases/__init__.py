"""Patients, NET cases with their findings, and the case lifecycle."""

from tumorboard.cases.views import bp

__all__ = ["bp"]
