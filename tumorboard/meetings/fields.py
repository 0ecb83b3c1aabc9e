"""The fields of a meeting's forms beyond its plan (boards.fields.MeetingPlanFields), each declared once
(tumorboard.fields): the form shows the rule, the operation enforces it."""

from flask_babel import lazy_gettext as _l

from tumorboard.fields import Number, Text

MAX_SERIES = 52


class MeetingFields:
    count = Number(_l("Number of meetings"), "number of meetings", 1, MAX_SERIES, whole=True)
    skip = Text(
        _l("Dates to leave out"),
        "dates to leave out",
        2000,
        multiline=True,
        description=_l("One date per line (YYYY-MM-DD), e.g. public holidays."),
    )
    cancel_reason = Text(
        _l("Reason"),
        "reason",
        1000,
        required=True,
        multiline=True,
        missing="Say why the meeting is cancelled.",
    )
    quorum_override_reason = Text(
        _l("Reason to meet without quorum (chair only)"), "reason", 1000, multiline=True
    )


class AgendaFields:
    minutes = Number(_l("Minutes"), "discussion time", 1, 240, unit=" minutes", whole=True, required=True)
    late_reason = Text(_l("Reason (after the cut-off)"), "reason for adding after the cut-off", 500)
    order = Text(_l("Order"), "order", 5000, required=True, missing="The order is damaged: reload the page.")
    preferred_note = Text(_l("Note for the coordinator"), "note", 500)
