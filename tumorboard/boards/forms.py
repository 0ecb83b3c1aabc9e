from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, SubmitField

from tumorboard.boards.fields import BoardFields, MeetingPlanFields
from tumorboard.clinical.specialties import Specialty
from tumorboard.forms import Form, MultiCheckboxField, VersionField, choices
from tumorboard.i18n import lazy_label
from tumorboard.once import OnceField


class BoardForm(Form):
    once = OnceField()
    name = BoardFields.name.field()
    description = BoardFields.description.field()
    active = BooleanField(_l("Active (accepts cases and meetings)"), default=True)
    submit = SubmitField(_l("Save"))


class EditBoardForm(BoardForm):
    version = VersionField()


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class BoardSettingsForm(Form):
    required = MultiCheckboxField(
        _l("Specialties required for quorum"),
        choices=choices((s.value, lazy_label(s)) for s in Specialty if s is not Specialty.OTHER),
    )
    either_gi_or_endocrinology = BooleanField(_l("Gastroenterology or endocrinology: either one is enough"))
    weekday = SelectField(_l("Usual weekday"), coerce=int, choices=choices(enumerate(WEEKDAYS)))
    start_time = BoardFields.start_time.field()
    duration_minutes = MeetingPlanFields.duration_minutes.field()
    capacity_cases = MeetingPlanFields.capacity_cases.field()
    capacity_minutes = MeetingPlanFields.capacity_minutes.field(_l("Capacity (minutes)"))
    cutoff_hours = MeetingPlanFields.cutoff_hours.field()
    room = MeetingPlanFields.room.field(_l("Usual room"))
    video_link = MeetingPlanFields.video_link.field(_l("Usual video link"))
    version = VersionField()
    submit = SubmitField(_l("Save settings"))


class MemberFunctionsForm(Form):
    is_coordinator = BooleanField(_l("Coordinator"))
    is_chair = BooleanField(_l("Chair"))
