"""The fields of a meeting's forms beyond its plan (boards.fields.MeetingPlanFields), each declared once
(tumorboard.fields): the form shows the rule, the operation enforces it."""

from flask_babel import lazy_gettext as _l

from tumorboard.fields import Number, Text

MAX_SERIES = 52


class MeetingFields:
    count = Number(_l("Number of meetings"), _l("number of meetings"), 1, MAX_SERIES, whole=True)
    skip = Text(
        _l("Dates to leave out"),
        _l("dates to leave out"),
        2000,
        multiline=True,
        description=_l("One date per line (YYYY-MM-DD), e.g. public holidays."),
    )
    cancel_reason = Text(
        _l("Reason"),
        _l("reason"),
        1000,
        required=True,
        multiline=True,
        missing=_l("Say why the meeting is cancelled."),
    )
    quorum_override_reason = Text(
        _l("Reason to meet without quorum (chair only)"), _l("reason"), 1000, multiline=True
    )


class AgendaFields:
    minutes = Number(
        _l("Minutes"), _l("discussion time"), 1, 240, unit=_l("minutes"), whole=True, required=True
    )
    late_reason = Text(_l("Reason (after the cut-off)"), _l("reason for adding after the cut-off"), 500)
    order = Text(
        _l("Order"), _l("order"), 5000, required=True, missing=_l("The order is damaged: reload the page.")
    )
    preferred_note = Text(_l("Note for the coordinator"), _l("note"), 500)
