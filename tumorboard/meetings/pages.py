"""The meeting page, drawn by the views of both meeting modules: as it is (GET), or again with a form the
user filled in and the app refused (422), so that what was typed comes back with the message."""

from flask import render_template, request
from flask_login import current_user

from tumorboard.audit.access import log_access
from tumorboard.audit.models import AccessPage
from tumorboard.db import utcnow
from tumorboard.meetings import operations, queries
from tumorboard.meetings.forms import (
    AddToAgendaForm,
    AgendaItemForm,
    CancelMeetingForm,
    CloseMeetingForm,
    MeetingVersionForm,
    OutcomeForm,
    ReorderForm,
    StartMeetingForm,
)
from tumorboard.meetings.models import Meeting


def meeting_page(meeting: Meeting, *, status: int = 200, **refused):
    """`refused`: forms by their context name (start_form, cancel_form …) as the user posted them."""
    manage = meeting.can_manage(current_user)
    chair = meeting.board.can_chair(current_user)
    members = queries.board_members(meeting.board)
    item_form = AgendaItemForm(formdata=None)
    item_form.presenter_id.choices = queries.presenter_choices(members)
    rows = queries.agenda_rows(meeting)
    pool, pool_pages = (
        queries.pool_rows(meeting.board, utcnow(), args=request.args)
        if meeting.can_edit_agenda(current_user)
        else ([], None)
    )
    log_access(AccessPage.MEETING, cases=[*(row.case for row in rows), *(row.case for row in pool)])
    version = meeting.version
    context = {
        "meeting": meeting,
        "rows": rows,
        "manage": manage,
        "chair": chair,
        "quorum_missing": operations.quorum_missing(meeting),
        "pool": pool,
        "pool_pages": pool_pages,
        "after_cutoff": utcnow() > meeting.cutoff_at,
        "version_form": MeetingVersionForm(formdata=None, version=version),
        "add_form": AddToAgendaForm(formdata=None, version=version),
        "item_form": item_form,
        "start_form": StartMeetingForm(formdata=None, version=version),
        "close_form": CloseMeetingForm(formdata=None, version=version),
        "deferral": operations.deferral_for(meeting) if meeting.can_close(current_user) else None,
        "early_question": (
            operations.early_start_question(meeting)
            if meeting.can_start(current_user) and operations.starts_before_its_day(meeting)
            else ""
        ),
        "cancel_form": CancelMeetingForm(formdata=None, version=version),
        "outcome_form": OutcomeForm(formdata=None, version=version),
        "reorder_form": ReorderForm(formdata=None, version=version),
    }
    return render_template("meetings/detail.html", **(context | refused)), status
