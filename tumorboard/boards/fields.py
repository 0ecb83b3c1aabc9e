"""The fields of a board and of a meeting's plan, each declared once (tumorboard.fields): a board's usual
settings and every meeting planned from them are held to the same ranges, with the same words."""

from flask_babel import lazy_gettext as _l

from tumorboard.fields import Link, Number, Text


class BoardFields:
    name = Text(_l("Name"), _l("board's name"), 120, required=True)
    description = Text(_l("Description"), _l("description"), 2000, multiline=True)
    start_time = Text(_l("Usual start (HH:MM, hospital time)"), _l("start time"), 5, required=True)


class MeetingPlanFields:
    """A meeting's plan; the board's settings hold the usual one."""

    duration_minutes = Number(
        _l("Duration (minutes)"), _l("duration"), 10, 600, unit=_l("minutes"), whole=True, required=True
    )
    cutoff_hours = Number(
        _l("Submission cut-off (hours before)"),
        _l("submission cut-off"),
        0,
        336,
        unit=_l("hours before the meeting"),
        whole=True,
        required=True,
    )
    capacity_cases = Number(_l("Capacity (cases)"), _l("capacity in cases"), 1, 1000, whole=True)
    capacity_minutes = Number(
        _l("Capacity (minutes of discussion)"),
        _l("capacity in minutes"),
        1,
        1000,
        unit=_l("minutes"),
        whole=True,
    )
    room = Text(_l("Room"), _l("room"), 200)
    video_link = Link(_l("Video link"), _l("video link"), 500, description=_l("https://…"))
