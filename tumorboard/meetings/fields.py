"""The fields of a meeting's forms beyond its plan (boards.fields.MeetingPlanFields), each declared once
(tumorboard.fields): the form shows the rule, the operation enforces it."""

from tumorboard.fields import Number, Text

MAX_SERIES = 52


class MeetingFields:
    count = Number("Number of meetings", "number of meetings", 1, MAX_SERIES, whole=True)
    skip = Text(
        "Dates to leave out",
        "dates to leave out",
        2000,
        multiline=True,
        description="One date per line (YYYY-MM-DD), e.g. public holidays.",
    )
    cancel_reason = Text(
        "Reason", "reason", 1000, required=True, multiline=True, missing="Say why the meeting is cancelled."
    )
    quorum_override_reason = Text(
        "Reason to meet without quorum (chair only)", "reason", 1000, multiline=True
    )


class AgendaFields:
    minutes = Number("Minutes", "discussion time", 1, 240, unit=" minutes", whole=True, required=True)
    late_reason = Text("Reason (after the cut-off)", "reason for adding after the cut-off", 500)
    order = Text("Order", "order", 5000, required=True, missing="The order is damaged: reload the page.")
    preferred_note = Text("Note for the coordinator", "note", 500)
