"""Meeting pages: the schedule, planning, the meeting page with its agenda, and the printed agenda."""

from datetime import timedelta

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from tumorboard import keyset
from tumorboard.audit.access import log_access
from tumorboard.audit.models import AccessPage
from tumorboard.auth.access import public, require_login, require_role
from tumorboard.auth.roles import Role
from tumorboard.boards import operations as board_operations
from tumorboard.boards.forms import BoardSettingsForm
from tumorboard.boards.models import Board
from tumorboard.cases.charts import chart_inputs, lab_results_svg
from tumorboard.cases.operations import readiness_texts
from tumorboard.clinical.vocabularies import Analyte, PrimarySite
from tumorboard.db import utcnow
from tumorboard.documents import agenda as pdf_document
from tumorboard.errors import OperationError
from tumorboard.extensions import db
from tumorboard.hospital import hospital_name
from tumorboard.languages import document_language, recipient_locale
from tumorboard.meetings import calendar_feed, operations, queries
from tumorboard.meetings.blueprint import bp
from tumorboard.meetings.forms import (
    CancelMeetingForm,
    EditMeetingForm,
    MeetingVersionForm,
    NewMeetingForm,
)
from tumorboard.meetings.lookups import back_to_meeting, get_visible_meeting
from tumorboard.meetings.models import Meeting, MeetingStatus
from tumorboard.meetings.pages import meeting_page
from tumorboard.once import AlreadySaved, once
from tumorboard.public_url import public_url
from tumorboard.render_cache import chart_key, svg_response
from tumorboard.timezones import format_datetime, hospital_today, to_local
from tumorboard.views_helpers import form_error, form_page


def get_managed_board(board_id: int) -> Board:
    board = db.session.get(Board, board_id)
    if board is None or board.id not in current_user.board_ids:
        abort(404)
    if not board.can_manage_meetings(current_user):
        abort(403)
    return board


@bp.get("/meetings")
@require_login
def index():
    upcoming = request.args.get("when", "upcoming") != "past"
    listing = keyset.listing(
        queries.meeting_list(current_user, upcoming=upcoming, now=utcnow()),
        queries.meeting_order(upcoming),
        sort="meetings-upcoming" if upcoming else "meetings-past",
        jump_kind="date",
    )
    return render_template(
        "meetings/index.html",
        listing=listing,
        upcoming=upcoming,
        managed=queries.managed_boards(current_user),
    )


def _plan(form) -> operations.MeetingPlan:
    return operations.MeetingPlan(
        start_local=form.start.data,
        duration_minutes=form.duration_minutes.data,
        room=form.room.data or "",
        video_link=form.video_link.data or "",
        cutoff_hours=form.cutoff_hours.data,
        capacity_cases=form.capacity_cases.data,
        capacity_minutes=form.capacity_minutes.data,
    )


@bp.route("/boards/<id:board_id>/meetings/new", methods=["GET", "POST"])
@require_role(Role.COORDINATOR)
def plan(board_id: int):
    board = get_managed_board(board_id)
    form = NewMeetingForm()
    if request.method == "GET":
        form.start.data = operations.meeting_start_choices(board, hospital_today())
        form.duration_minutes.data = board.default_duration_minutes
        form.room.data, form.video_link.data = board.default_room, board.default_video_link
        form.cutoff_hours.data = board.default_cutoff_hours
        form.capacity_cases.data, form.capacity_minutes.data = (
            board.default_capacity_cases,
            board.default_capacity_minutes,
        )
    if form.validate_on_submit():
        try:
            if form.repeat.data == "once":
                meetings = once(
                    current_user,
                    form.once.data,
                    lambda: [operations.plan_meeting(current_user, board, _plan(form))],
                )
            else:
                meetings = once(
                    current_user,
                    form.once.data,
                    lambda: operations.plan_series(
                        current_user,
                        board,
                        _plan(form),
                        frequency=form.repeat.data,
                        count=form.count.data or 1,
                        skip=form.skip_dates(),
                    ),
                )
        except AlreadySaved as done:
            flash(done.message, "info")
            return redirect(url_for("meetings.detail", meeting_id=done.entity_id))
        except OperationError as exc:
            form_error(form, exc, default="start")
        else:
            flash(
                _("%(count)s meeting(s) planned for the %(board)s.", count=len(meetings), board=board.name),
                "success",
            )
            return redirect(url_for("meetings.detail", meeting_id=meetings[0].id))
    return form_page("meetings/form.html", form=form, board=board, meeting=None)


@bp.get("/meetings/<id:meeting_id>")
@require_login
def detail(meeting_id: int):
    return meeting_page(get_visible_meeting(meeting_id))


@bp.route("/meetings/<id:meeting_id>/edit", methods=["GET", "POST"])
@require_role(Role.COORDINATOR)
def edit(meeting_id: int):
    meeting = get_visible_meeting(meeting_id)
    if not meeting.can_manage(current_user):
        abort(403)
    form = EditMeetingForm()
    if request.method == "GET":
        form.start.data = to_local(meeting.starts_at).replace(tzinfo=None)
        form.duration_minutes.data, form.room.data, form.video_link.data = (
            meeting.duration_minutes,
            meeting.room,
            meeting.video_link,
        )
        form.cutoff_hours.data = int((meeting.starts_at - meeting.cutoff_at).total_seconds() // 3600)
        form.capacity_cases.data, form.capacity_minutes.data = (
            meeting.capacity_cases,
            meeting.capacity_minutes,
        )
        form.version.data = meeting.version
    if form.validate_on_submit():
        try:
            operations.update_meeting(current_user, meeting, _plan(form), expected_version=form.version.data)
        except OperationError as exc:
            form_error(form, exc, default="start")
        else:
            flash(_("Meeting saved."), "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return form_page("meetings/form.html", form=form, board=meeting.board, meeting=meeting)


@bp.post("/meetings/<id:meeting_id>/cancel")
@require_role(Role.COORDINATOR)
def cancel(meeting_id: int):
    meeting = get_visible_meeting(meeting_id)
    if not meeting.can_manage(current_user):
        abort(403)
    form = CancelMeetingForm()
    if not form.validate_on_submit():
        return meeting_page(meeting, cancel_form=form, status=422)
    try:
        operations.cancel_meeting(
            current_user, meeting, reason=form.reason.data, expected_version=form.version.data
        )
    except OperationError as exc:
        form_error(form, exc, default="reason")
        return meeting_page(meeting, cancel_form=form, status=422)
    flash(
        _("The meeting is cancelled; its cases are back in the pool and their submitters are told."),
        "success",
    )
    return back_to_meeting(meeting)


@bp.post("/meetings/<id:meeting_id>/lock")
@require_role(Role.COORDINATOR)
def lock(meeting_id: int):
    meeting = get_visible_meeting(meeting_id)
    if not meeting.can_manage(current_user):
        abort(403)
    form = MeetingVersionForm()
    if not form.validate_on_submit():
        abort(400)
    locked = request.form.get("locked") == "1"
    try:
        operations.set_agenda_locked(current_user, meeting, locked=locked, expected_version=form.version.data)
    except OperationError as exc:
        flash(exc.message, "danger")
    else:
        flash(_("Agenda locked.") if locked else _("Agenda unlocked: it can be changed again."), "success")
    return back_to_meeting(meeting)


def _document_entries(meeting: Meeting, page: AccessPage) -> list[pdf_document.AgendaEntry]:
    entries = []
    rows = queries.agenda_rows(meeting)
    log_access(page, cases=[row.case for row in rows])
    for row in rows:
        item, case, summary = row.item, row.case, row.summary
        grade = str(summary.grade.result.category) if summary.grade else "—"
        if summary.staging is None or summary.not_staged_reason:
            stage = _("not staged")
        else:
            s = summary.staging
            stage = f"{s.t.category} {s.n.category} {s.m.category} · {s.stage.category}"
        entries.append(
            pdf_document.AgendaEntry(
                position=item.position,
                patient_label=queries.patient_label(case),
                site=PrimarySite(case.primary_site).label,
                grade=grade,
                stage=stage,
                question=case.clinical_question,
                presenter=item.presenter.name if item.presenter else "",
                minutes=item.minutes,
                mode=item.mode.label,
                missing=tuple(row.missing),
                late=item.late,
                late_reason=item.late_reason,
                override_reason=case.readiness_override_reason,
                submitted_without=tuple(readiness_texts(case.missing_at_submission)),
            )
        )
    return entries


def _meeting_info(meeting: Meeting) -> pdf_document.MeetingInfo:
    return pdf_document.MeetingInfo(
        board_name=meeting.board.name,
        starts_at=to_local(meeting.starts_at),
        ends_at=to_local(meeting.ends_at),
        room=meeting.room,
        video_link=meeting.video_link,
        cutoff_at=to_local(meeting.cutoff_at),
        status=meeting.status.value.replace("_", " "),
        capacity_cases=meeting.capacity_cases,
        capacity_minutes=meeting.capacity_minutes,
        status_label=meeting.status.label,
    )


@bp.get("/meetings/<id:meeting_id>/print")
@require_login
def printable(meeting_id: int):
    meeting = get_visible_meeting(meeting_id)
    return render_template(
        "meetings/print.html", meeting=meeting, entries=_document_entries(meeting, AccessPage.AGENDA_PRINT)
    )


@bp.get("/meetings/<id:meeting_id>/agenda.pdf")
@require_login
def agenda_pdf(meeting_id: int):
    meeting = get_visible_meeting(meeting_id)
    pdf = pdf_document.agenda_pdf(
        _meeting_info(meeting),
        _document_entries(meeting, AccessPage.AGENDA_PDF),
        hospital=hospital_name(),
        generated_at=to_local(utcnow()),
        language=document_language(str(get_locale())),
    )
    name = f"agenda-{to_local(meeting.starts_at):%Y-%m-%d}-meeting-{meeting.id}.pdf"
    return Response(
        pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.get("/meetings/<id:meeting_id>/agenda/<id:item_id>/markers/<analyte>.svg")
@require_login
def frozen_marker_chart(meeting_id: int, item_id: int, analyte: str):
    """A marker's chart as the board saw it for this agenda item: from the item's snapshot, dated then."""
    meeting = get_visible_meeting(meeting_id)
    item = next((i for i in meeting.items if i.id == item_id), None)
    if item is None or item.snapshot is None:
        abort(404)
    try:
        marker = Analyte(analyte)
    except ValueError:
        abort(404)
    row = queries.agenda_row(item)
    log_access(AccessPage.MARKER_CHART, cases=[row.case])
    results = sorted((r for r in row.case.labs if r.analyte == marker.value), key=lambda r: r.sample_date)
    if not results:
        abort(404)
    taken = to_local(item.snapshot.taken_at).date()
    key = chart_key("frozen-marker", item.id, marker.value, taken, chart_inputs(results))
    return svg_response(key, lambda: lab_results_svg(results, title=marker.label, today=taken))


def calendar_event(meeting: Meeting) -> calendar_feed.CalendarEvent:
    """The meeting as a calendar entry, in the current language (the requester's, or the feed owner's
    under force_locale)."""
    base = public_url()
    video = _("Video: %(link)s", link=meeting.video_link) if meeting.video_link else ""
    location = " · ".join(p for p in (meeting.room, video) if p)
    cases = len(meeting.items)
    cutoff = format_datetime(meeting.cutoff_at, "weekday_datetime")
    description = _(
        "%(cases)s case(s) on the agenda. Cut-off for submissions: %(cutoff)s.", cases=cases, cutoff=cutoff
    )
    return calendar_feed.CalendarEvent(
        uid=f"meeting-{meeting.id}@tumorboard",
        starts_at=to_local(meeting.starts_at),
        ends_at=to_local(meeting.ends_at),
        summary=meeting.board.name,
        location=location,
        description=f"{description} {base}/meetings/{meeting.id}",
        url=f"{base}/meetings/{meeting.id}",
        cancelled=meeting.status == MeetingStatus.CANCELLED.value,
        sequence=meeting.version,
        last_modified=meeting.updated_at,
    )


@bp.get("/meetings/<id:meeting_id>/meeting.ics")
@require_login
def meeting_ics(meeting_id: int):
    meeting = get_visible_meeting(meeting_id)
    ics = calendar_feed.calendar_ics(
        [calendar_event(meeting)], calendar_name=meeting.board.name, timezone=current_app.config["TIMEZONE"]
    )
    return Response(
        ics,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="meeting-{meeting.id}.ics"'},
    )


@bp.get("/calendar/<token>.ics")
@public
def personal_feed(token: str):
    """A person's meetings (their boards', from four weeks back) for their calendar app. Calendar apps send
    no cookie, so the feed is found by a long random token instead; it carries no patient data."""
    user = queries.user_by_calendar_token(token)
    if user is None or not user.active:
        abort(404)
    meetings = queries.feed_meetings(user, since=utcnow() - timedelta(weeks=4))
    with force_locale(recipient_locale(user)):  # the feed's owner reads it, not the (cookieless) request
        ics = calendar_feed.calendar_ics(
            [calendar_event(m) for m in meetings],
            calendar_name=_("TumorBoard meetings"),
            timezone=current_app.config["TIMEZONE"],
        )
    return Response(ics, mimetype="text/calendar")


@bp.route("/boards/<id:board_id>/settings", methods=["GET", "POST"])
@require_role(Role.ADMIN, Role.COORDINATOR)
def board_settings(board_id: int):
    """Quorum and meeting defaults of a board: its coordinators and the administrators keep them."""
    board = db.session.get(Board, board_id)
    if board is None or not (current_user.is_admin or board.id in current_user.board_ids):
        abort(404)
    if not (current_user.is_admin or board.can_manage_meetings(current_user)):
        abort(403)
    form = BoardSettingsForm()
    if request.method == "GET":
        groups = board.required_groups
        form.required.data = sorted({s.value for group in groups for s in group})
        form.either_gi_or_endocrinology.data = any(len(group) > 1 for group in groups)
        form.weekday.data, form.start_time.data = board.default_weekday, board.default_start_time
        form.duration_minutes.data, form.cutoff_hours.data = (
            board.default_duration_minutes,
            board.default_cutoff_hours,
        )
        form.capacity_cases.data, form.capacity_minutes.data = (
            board.default_capacity_cases,
            board.default_capacity_minutes,
        )
        form.room.data, form.video_link.data, form.version.data = (
            board.default_room,
            board.default_video_link,
            board.version,
        )
    if form.validate_on_submit():
        try:
            board_operations.update_board_settings(
                current_user,
                board,
                expected_version=form.version.data,
                required=form.required.data,
                either_gi_or_endocrinology=form.either_gi_or_endocrinology.data,
                weekday=form.weekday.data,
                start_time=form.start_time.data,
                duration_minutes=form.duration_minutes.data,
                capacity_cases=form.capacity_cases.data,
                capacity_minutes=form.capacity_minutes.data,
                cutoff_hours=form.cutoff_hours.data,
                room=form.room.data,
                video_link=form.video_link.data,
            )
        except OperationError as exc:
            form_error(form, exc, default="required")
        else:
            flash(_("Settings of the %(board)s saved.", board=board.name), "success")
            return redirect(url_for("meetings.board_settings", board_id=board.id))
    return form_page("meetings/board_settings.html", board=board, form=form)
