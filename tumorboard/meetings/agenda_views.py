"""Agenda building, attendance, starting and closing a meeting, and a submitter's preferred meeting."""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tumorboard.audit.access import log_access
from tumorboard.audit.models import AccessPage
from tumorboard.auth.access import require_login
from tumorboard.cases.lookups import get_visible_case
from tumorboard.cases.models import Case
from tumorboard.clinical.labels import N_
from tumorboard.clinical.specialties import Specialty
from tumorboard.db import MAX_ID
from tumorboard.errors import OperationError, StaleEdit
from tumorboard.extensions import db
from tumorboard.forms import choices
from tumorboard.meetings import operations, queries
from tumorboard.meetings.blueprint import bp
from tumorboard.meetings.forms import (
    AddToAgendaForm,
    AgendaItemForm,
    CloseMeetingForm,
    MeetingVersionForm,
    OutcomeForm,
    ReorderForm,
    RequestMeetingForm,
    StartMeetingForm,
)
from tumorboard.meetings.lookups import back_to_meeting, get_visible_meeting
from tumorboard.meetings.models import AgendaItem, AttendanceStatus, Meeting, MeetingAction
from tumorboard.meetings.pages import meeting_page
from tumorboard.timezones import to_local
from tumorboard.views_helpers import flash_form_errors, form_error, form_page, parse_id


def _managed_meeting(meeting_id: int) -> Meeting:
    meeting = get_visible_meeting(meeting_id)
    if not meeting.can_manage(current_user):
        abort(403)
    return meeting


def _item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = next((i for i in meeting.items if i.id == item_id), None)
    if item is None:
        abort(404)
    return item


def _run(meeting: Meeting, action, success: str, anchor: str = "agenda"):
    """Call an operation; a refusal is flashed, a stale version is the 409 page (raised on)."""
    try:
        action()
    except OperationError as exc:
        flash(exc.message, "danger")
    else:
        flash(success, "success")
    return back_to_meeting(meeting, anchor)


@bp.post("/meetings/<id:meeting_id>/agenda")
@require_login
def add_case(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
    form = AddToAgendaForm()
    if not form.validate_on_submit():
        if form.case_id.data is None:  # not a row of the pool: nothing typed to give back
            flash_form_errors(form)
            return back_to_meeting(meeting, "pool")
        return meeting_page(meeting, add_form=form, status=422)
    case = db.session.get(Case, form.case_id.data) if 0 < form.case_id.data <= MAX_ID else None
    if case is None or case.board_id != meeting.board_id:
        abort(404)
    try:
        operations.add_to_agenda(
            current_user,
            meeting,
            case,
            expected_version=form.version.data,
            minutes=form.minutes.data,
            mode=form.mode.data,
            late_reason=form.late_reason.data,
        )
    except OperationError as exc:
        form_error(form, exc, default="late_reason")
        return meeting_page(meeting, add_form=form, status=422)
    flash(_("Case %(id)s added to the agenda.", id=case.id), "success")
    return back_to_meeting(meeting, "agenda")


@bp.post("/meetings/<id:meeting_id>/agenda/<id:item_id>/move")
@require_login
def move(meeting_id: int, item_id: int):
    meeting = _managed_meeting(meeting_id)
    item = _item(meeting, item_id)
    form = MeetingVersionForm()
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if not form.validate_on_submit() or step is None:
        abort(400)
    return _run(
        meeting,
        lambda: operations.move_item(current_user, item, step, expected_version=form.version.data),
        f"Case {item.case_id} moved {request.form['direction']}.",
    )


@bp.post("/meetings/<id:meeting_id>/agenda/order")
@require_login
def reorder(meeting_id: int):
    """Drag and drop: the page sends the new order; answers JSON with the meeting's new version."""
    meeting = _managed_meeting(meeting_id)
    form = ReorderForm()
    if not form.validate_on_submit():
        return jsonify(error=_("The order could not be read: reload the page.")), 400
    try:
        operations.reorder_agenda(current_user, meeting, form.item_ids(), expected_version=form.version.data)
    except StaleEdit:
        db.session.rollback()
        return jsonify(error=_("Someone else changed the agenda: reload the page to see their changes.")), 409
    except OperationError as exc:
        db.session.rollback()
        return jsonify(error=exc.message), 422
    db.session.flush()
    return jsonify(
        version=meeting.version, order=[i.id for i in sorted(meeting.items, key=lambda i: i.position)]
    )


@bp.post("/meetings/<id:meeting_id>/agenda/<id:item_id>")
@require_login
def update_item(meeting_id: int, item_id: int):
    meeting = _managed_meeting(meeting_id)
    item = _item(meeting, item_id)
    form = AgendaItemForm()
    form.presenter_id.choices = queries.presenter_choices(queries.board_members(meeting.board))
    if not form.validate_on_submit():
        flash_form_errors(form)
        return back_to_meeting(meeting)
    return _run(
        meeting,
        lambda: operations.update_item(
            current_user,
            item,
            expected_version=form.version.data,
            minutes=form.minutes.data,
            presenter_id=form.presenter_id.data,
            mode=form.mode.data,
        ),
        f"Case {item.case_id} updated.",
    )


@bp.post("/meetings/<id:meeting_id>/agenda/<id:item_id>/remove")
@require_login
def remove_item(meeting_id: int, item_id: int):
    meeting = _managed_meeting(meeting_id)
    item = _item(meeting, item_id)
    form = MeetingVersionForm()
    if not form.validate_on_submit():
        abort(400)
    return _run(
        meeting,
        lambda: operations.remove_from_agenda(current_user, item, expected_version=form.version.data),
        f"Case {item.case_id} is back in the pool.",
    )


@bp.route("/meetings/<id:meeting_id>/attendance", methods=["GET", "POST"])
@require_login
def attendance(meeting_id: int):
    meeting = get_visible_meeting(meeting_id)
    if not (meeting.can_manage(current_user) or meeting.board.can_chair(current_user)):
        abort(403)
    form = MeetingVersionForm()
    if request.method == "GET":
        return _attendance_page(meeting)
    if not form.validate_on_submit():
        abort(400)
    statuses = {}
    for key, value in request.form.items():
        user_id = parse_id(key.removeprefix("status-")) if key.startswith("status-") else None
        if user_id is not None:
            statuses[user_id] = value
    guest = request.form.get("guest", "").strip()
    if guest or request.form.get("guest_email"):  # an address (the old field) is never looked up
        guest_id = parse_id(guest)
        if guest_id is None or guest_id not in {u.id for u in queries.guest_directory(meeting)}:
            # The same answer for every value the list did not offer: no account, a disabled one, a
            # member, an address, a made-up number. Nothing tells who has an account.
            return _attendance_page(meeting, statuses, "", _(GUEST_NOT_OFFERED), at_guest=True)
        statuses[guest_id] = AttendanceStatus.GUEST.value
    try:
        operations.record_attendance(current_user, meeting, statuses, expected_version=form.version.data)
    except OperationError as exc:
        return _attendance_page(meeting, statuses, guest, exc.message)
    flash(_("Attendance saved."), "success")
    return back_to_meeting(meeting, "attendance")


GUEST_NOT_OFFERED = N_("Choose the guest by name from the list of people at the hospital.")


def _attendance_page(
    meeting, chosen: dict | None = None, guest: str = "", error: str = "", *, at_guest: bool = False
):
    """The attendance list as recorded, or, refused (422), with every mark and the guest as chosen."""
    members = queries.board_members(meeting.board)
    recorded = {a.user_id: a.status for a in meeting.attendance}
    guests = [a for a in meeting.attendance if a.status == AttendanceStatus.GUEST.value]
    page = render_template(
        "meetings/attendance.html",
        meeting=meeting,
        members=members,
        chosen=recorded if chosen is None else chosen,
        guests=guests,
        directory=queries.guest_directory(meeting),
        chosen_guest=guest,
        error=error,
        at_guest=at_guest,
        form=MeetingVersionForm(formdata=None, version=meeting.version),
        quorum_missing=operations.quorum_missing(meeting),
        labels={s.value: s.label for s in Specialty},
        groups=[[s.value for s in group] for group in meeting.board.required_groups],
    )
    return page, 422 if error else 200


@bp.post("/meetings/<id:meeting_id>/start")
@require_login
def start(meeting_id: int):
    meeting = get_visible_meeting(meeting_id)
    if not meeting.is_for(MeetingAction.START.who, current_user):
        abort(403)  # not one who starts meetings (the operation says why a state refuses a start)
    form = StartMeetingForm()
    if not form.validate_on_submit():
        return meeting_page(meeting, start_form=form, status=422)
    try:
        operations.start_meeting(
            current_user,
            meeting,
            expected_version=form.version.data,
            override_reason=form.override_reason.data,
            confirm_early=form.confirm_early.data,
        )
    except OperationError as exc:
        form_error(form, exc, default="override_reason")
        return meeting_page(meeting, start_form=form, status=422)
    flash(_("The meeting has started."), "success")
    return back_to_meeting(meeting, "")


@bp.post("/meetings/<id:meeting_id>/agenda/<id:item_id>/outcome")
@require_login
def outcome(meeting_id: int, item_id: int):
    meeting = get_visible_meeting(meeting_id)
    item = _item(meeting, item_id)
    form = OutcomeForm()
    if not form.validate_on_submit():
        abort(400)
    return _run(
        meeting,
        lambda: operations.set_outcome(
            current_user, item, form.outcome.data, expected_version=form.version.data
        ),
        f"Case {item.case_id}: {form.outcome.data}.",
    )


@bp.post("/meetings/<id:meeting_id>/close")
@require_login
def close(meeting_id: int):
    meeting = get_visible_meeting(meeting_id)
    form = CloseMeetingForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        deferral = operations.close_meeting(
            current_user,
            meeting,
            expected_version=form.version.data,
            defer_remaining=form.defer_remaining.data,
        )
    except OperationError as exc:
        flash(exc.message, "danger")
    else:
        closed = _("The meeting is closed.")
        flash(f"{closed} {deferral.message}" if deferral.cases else closed, "success")
    return back_to_meeting(meeting, "")


@bp.route("/cases/<id:case_id>/preferred-meeting", methods=["GET", "POST"])
@require_login
def request_meeting(case_id: int):
    case = get_visible_case(case_id)
    if case.submitter_id != current_user.id:
        abort(403)
    log_access(AccessPage.CASE_FORM, cases=[case])
    form = RequestMeetingForm()
    upcoming = operations.next_meetings(case.board_id)
    form.meeting_id.choices = choices((m.id, f"{to_local(m.starts_at):%a %d %b %Y, %H:%M}") for m in upcoming)
    if form.validate_on_submit():
        meeting = db.session.get(Meeting, form.meeting_id.data)
        if meeting is None:  # the form offered only upcoming meetings
            abort(404)
        try:
            operations.request_meeting(current_user, case, meeting, note=form.note.data)
        except OperationError as exc:
            flash(exc.message, "danger")
        else:
            flash(_("Your preferred meeting is noted; the coordinator decides."), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    return form_page("meetings/request.html", case=case, form=form, upcoming=upcoming)
