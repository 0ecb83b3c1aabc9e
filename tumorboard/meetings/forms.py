"""Forms of the meetings package."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SubmitField,
)
from wtforms.validators import InputRequired, Optional, ValidationError

from tumorboard.boards.fields import MeetingPlanFields
from tumorboard.forms import Form, VersionField, choices
from tumorboard.i18n import lazy_label
from tumorboard.meetings.fields import AgendaFields, MeetingFields
from tumorboard.meetings.models import AgendaMode
from tumorboard.once import OnceField

MODE_CHOICES = choices((m.value, lazy_label(m)) for m in AgendaMode)


class MeetingForm(Form):
    start = DateTimeLocalField(
        _l("Starts (hospital time)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired("Enter the date and time.")],
    )
    duration_minutes = MeetingPlanFields.duration_minutes.field()
    room = MeetingPlanFields.room.field()
    video_link = MeetingPlanFields.video_link.field()
    cutoff_hours = MeetingPlanFields.cutoff_hours.field()
    capacity_cases = MeetingPlanFields.capacity_cases.field()
    capacity_minutes = MeetingPlanFields.capacity_minutes.field()
    submit = SubmitField(_l("Save meeting"))


class NewMeetingForm(MeetingForm):
    once = OnceField()
    repeat = SelectField(
        _l("Repeat"),
        choices=choices([("once", "Once"), ("weekly", "Weekly"), ("fortnightly", "Fortnightly")]),
    )
    count = MeetingFields.count.field(default=1)
    skip = MeetingFields.skip.field()
    submit = SubmitField(_l("Plan meeting"))

    def skip_dates(self):
        from datetime import date

        dates = []
        for line in (self.skip.data or "").split():
            try:
                dates.append(date.fromisoformat(line.strip()))
            except ValueError:
                raise ValidationError(_("“%(text)s” is not a date (YYYY-MM-DD).", text=line[:20])) from None
        return dates

    def validate_skip(self, field):
        self.skip_dates()


class EditMeetingForm(MeetingForm):
    version = VersionField()


class CancelMeetingForm(Form):
    reason = MeetingFields.cancel_reason.field()
    version = VersionField()
    submit = SubmitField(_l("Cancel the meeting"))


class AddToAgendaForm(Form):
    case_id = IntegerField(validators=[InputRequired()])
    minutes = AgendaFields.minutes.field(default=10)
    mode = SelectField(_l("Discussion"), choices=MODE_CHOICES)
    late_reason = AgendaFields.late_reason.field()
    version = VersionField()


class AgendaItemForm(Form):
    minutes = AgendaFields.minutes.field()
    presenter_id = SelectField(_l("Presenter"), coerce=int, validators=[Optional()])
    mode = SelectField(_l("Discussion"), choices=MODE_CHOICES)
    version = VersionField()


class ReorderForm(Form):
    order = AgendaFields.order.field()
    version = VersionField()

    def item_ids(self) -> list[int]:
        try:
            return [int(part) for part in self.order.data.split(",") if part]
        except ValueError:
            raise ValidationError(_("The order is damaged: reload the page.")) from None

    def validate_order(self, field):
        self.item_ids()


class MeetingVersionForm(Form):
    version = VersionField()


class StartMeetingForm(Form):
    override_reason = MeetingFields.quorum_override_reason.field()
    confirm_early = BooleanField(_l("Yes, start it today (the chair's confirmation is recorded)"))
    version = VersionField()
    submit = SubmitField(_l("Start the meeting"))


class CloseMeetingForm(Form):
    defer_remaining = BooleanField(_l("Defer the cases without an outcome to the next meeting"))
    version = VersionField()
    submit = SubmitField(_l("Close the meeting"))


class OutcomeForm(Form):
    outcome = SelectField(choices=choices([("discussed", "Discussed"), ("deferred", "Deferred")]))
    version = VersionField()


class RequestMeetingForm(Form):
    meeting_id = SelectField(_l("Preferred meeting"), coerce=int, validators=[InputRequired()])
    note = AgendaFields.preferred_note.field()
    submit = SubmitField(_l("Ask for this meeting"))
