from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tumorboard.clinical.specialties import Specialty
from tumorboard.forms import Form, MultiCheckboxField, VersionField, choices


class BoardForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("Description", validators=[Length(max=2000)])
    active = BooleanField("Active (accepts cases and meetings)", default=True)
    submit = SubmitField("Save")


class EditBoardForm(BoardForm):
    version = VersionField()


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class BoardSettingsForm(Form):
    required = MultiCheckboxField(
        "Specialties required for quorum",
        choices=choices((s.value, s.label) for s in Specialty if s is not Specialty.OTHER),
    )
    either_gi_or_endocrinology = BooleanField("Gastroenterology or endocrinology: either one is enough")
    weekday = SelectField("Usual weekday", coerce=int, choices=choices(enumerate(WEEKDAYS)))
    start_time = StringField(
        "Usual start (HH:MM, hospital time)", validators=[InputRequired(), Length(max=5)]
    )
    duration_minutes = IntegerField("Duration (minutes)", validators=[InputRequired(), NumberRange(10, 600)])
    capacity_cases = IntegerField("Capacity (cases)", validators=[Optional(), NumberRange(1, 1000)])
    capacity_minutes = IntegerField("Capacity (minutes)", validators=[Optional(), NumberRange(1, 1000)])
    cutoff_hours = IntegerField(
        "Submission cut-off (hours before)", validators=[InputRequired(), NumberRange(0, 336)]
    )
    room = StringField("Usual room", validators=[Length(max=200)])
    video_link = StringField("Usual video link", validators=[Length(max=500)])
    version = VersionField()
    submit = SubmitField("Save settings")


class MemberFunctionsForm(Form):
    is_coordinator = BooleanField("Coordinator")
    is_chair = BooleanField("Chair")
