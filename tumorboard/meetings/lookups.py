"""The meetings a request may show (a 404 for another board's), and the way back to one."""

from flask import abort, redirect, url_for
from flask_login import current_user

from tumorboard.meetings import queries
from tumorboard.meetings.models import Meeting


def get_visible_meeting(meeting_id: int) -> Meeting:
    meeting = queries.load_meeting(meeting_id)
    if meeting is None or not meeting.can_view(current_user):
        abort(404)
    return meeting


def back_to_meeting(meeting: Meeting, anchor: str | None = None):
    return redirect(url_for("meetings.detail", meeting_id=meeting.id, _anchor=anchor))
