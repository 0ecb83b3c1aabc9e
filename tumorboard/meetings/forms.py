"""Forms of the meetings package."""

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from tumorboard.forms import Form, VersionField, choices
from tumorboard.meetings.models import AgendaMode

MODE_CHOICES = choices((m.value, m.label) for m in AgendaMode)


class MeetingForm(Form):
    start = DateTimeLocalField(
        "Starts (hospital time)",
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired("Enter the date and time.")],
    )
    duration_minutes = IntegerField("Duration (minutes)", validators=[InputRequired(), NumberRange(10, 600)])
    room = StringField("Room", validators=[Length(max=200)])
    video_link = StringField("Video link", validators=[Length(max=500)], description="https://…")
    cutoff_hours = IntegerField(
        "Submission cut-off (hours before)", validators=[InputRequired(), NumberRange(0, 336)]
    )
    capacity_cases = IntegerField("Capacity (cases)", validators=[Optional(), NumberRange(1, 1000)])
    capacity_minutes = IntegerField(
        "Capacity (minutes of discussion)", validators=[Optional(), NumberRange(1, 1000)]
    )
    submit = SubmitField("Save meeting")


class NewMeetingForm(MeetingForm):
    repeat = SelectField(
        "Repeat", choices=choices([("once", "Once"), ("weekly", "Weekly"), ("fortnightly", "Fortnightly")])
    )
    count = IntegerField("Number of meetings", default=1, validators=[Optional(), NumberRange(1, 52)])
    skip = TextAreaField(
        "Dates to leave out",
        validators=[Length(max=2000)],
        description="One date per line (YYYY-MM-DD), e.g. public holidays.",
    )
    submit = SubmitField("Plan meeting")

    def skip_dates(self):
        from datetime import date

        dates = []
        for line in (self.skip.data or "").split():
            try:
                dates.append(date.fromisoformat(line.strip()))
            except ValueError:
                raise ValidationError(f"“{line[:20]}” is not a date (YYYY-MM-DD).") from None
        return dates

    def validate_skip(self, field):
        self.skip_dates()


class EditMeetingForm(MeetingForm):
    version = VersionField()


class CancelMeetingForm(Form):
    reason = TextAreaField(
        "Reason", validators=[InputRequired("Say why the meeting is cancelled."), Length(max=1000)]
    )
    version = VersionField()
    submit = SubmitField("Cancel the meeting")


class AddToAgendaForm(Form):
    case_id = IntegerField(validators=[InputRequired()])
    minutes = IntegerField("Minutes", default=10, validators=[InputRequired(), NumberRange(1, 240)])
    mode = SelectField("Discussion", choices=MODE_CHOICES)
    late_reason = StringField("Reason (after the cut-off)", validators=[Length(max=500)])
    version = VersionField()


class AgendaItemForm(Form):
    minutes = IntegerField("Minutes", validators=[InputRequired(), NumberRange(1, 240)])
    presenter_id = SelectField("Presenter", coerce=int, validators=[Optional()])
    mode = SelectField("Discussion", choices=MODE_CHOICES)
    version = VersionField()


class ReorderForm(Form):
    order = StringField(validators=[InputRequired(), Length(max=5000)])
    version = VersionField()

    def item_ids(self) -> list[int]:
        try:
            return [int(part) for part in self.order.data.split(",") if part]
        except ValueError:
            raise ValidationError("The order is damaged: reload the page.") from None

    def validate_order(self, field):
        self.item_ids()


class MeetingVersionForm(Form):
    version = VersionField()


class StartMeetingForm(Form):
    override_reason = TextAreaField(
        "Reason to meet without quorum (chair only)", validators=[Length(max=1000)]
    )
    version = VersionField()
    submit = SubmitField("Start the meeting")


class CloseMeetingForm(Form):
    defer_remaining = BooleanField("Defer the cases without an outcome to the next meeting")
    version = VersionField()
    submit = SubmitField("Close the meeting")


class OutcomeForm(Form):
    outcome = SelectField(choices=choices([("discussed", "Discussed"), ("deferred", "Deferred")]))
    version = VersionField()


class RequestMeetingForm(Form):
    meeting_id = SelectField("Preferred meeting", coerce=int, validators=[InputRequired()])
    note = StringField("Note for the coordinator", validators=[Length(max=500)])
    submit = SubmitField("Ask for this meeting")
