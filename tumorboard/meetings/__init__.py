"""Boards' meetings: schedule, agenda, attendance and quorum."""

from tumorboard.meetings.views import bp

__all__ = ["bp"]
