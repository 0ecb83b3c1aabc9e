"""Boards' meetings: schedule, agenda, attendance and quorum."""
