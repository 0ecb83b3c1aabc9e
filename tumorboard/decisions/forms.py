"""Forms of the decisions package."""

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    SubmitField,
)
from wtforms.validators import Optional

from tumorboard.clinical.specialties import Specialty
from tumorboard.clinical.vocabularies import DeviationReason, PlanIntent, Treatment
from tumorboard.decisions.fields import (
    DecisionFields,
    FollowUpFields,
    LetterFields,
    PlanItemFields,
    SigningFields,
)
from tumorboard.decisions.models import FollowUpStatus
from tumorboard.forms import Form, LocalDateField, VersionField, choices
from tumorboard.i18n import lazy_label
from tumorboard.views_helpers import parse_id

BLANK = ("", "—")


class PlanItemForm(Form):
    class Meta:
        csrf = False

    treatment = SelectField(
        _l("Treatment"),
        choices=choices(
            [BLANK, *((t.value, LazyString(lambda t=t: f"{t.value} · {t.label}")) for t in Treatment)]
        ),
        validators=[Optional()],
    )
    detail = PlanItemFields.detail.field()
    intent = SelectField(
        _l("Intent"),
        choices=choices([BLANK, *((i.value, lazy_label(i)) for i in PlanIntent)]),
        validators=[Optional()],
    )
    responsible_specialty = SelectField(
        _l("Responsible"),
        choices=choices([BLANK, *((s.value, lazy_label(s)) for s in Specialty)]),
        validators=[Optional()],
    )
    target_date = LocalDateField(_l("Target date"), validators=[Optional()])


class DecisionForm(Form):
    outcome = DecisionFields.outcome.field()
    recommendation = DecisionFields.recommendation.field()
    items = FieldList(FormField(PlanItemForm), min_entries=3, max_entries=20)
    rationale = DecisionFields.rationale.field()
    guideline_basis = DecisionFields.guideline_basis.field()
    guideline_reference = DecisionFields.guideline_reference.field()
    trial_candidate = BooleanField(_l("Candidate for a clinical trial"))
    trial_identifier = DecisionFields.trial_identifier.field()
    trial_name = DecisionFields.trial_name.field()
    dissent = DecisionFields.dissent.field()
    dissent_by = DecisionFields.dissent_by.field()
    preference_weighing = DecisionFields.preference_weighing.field()
    next_review_date = LocalDateField(_l("Next review"), validators=[Optional()])
    present_again = BooleanField(_l("Present the case again"))
    version = VersionField()
    submit = SubmitField(_l("Save draft"))

    def plan_rows(self) -> list[dict]:
        return [row.form.data for row in self.items]


class SignForm(Form):
    password = SigningFields.password.field()
    code = SigningFields.code.field()
    override_reason = SigningFields.override_reason.field()
    version = VersionField()
    submit = SubmitField(_l("Sign the decision"))


class ProviderSignForm(Form):
    """Signing confirmed at the hospital's provider (auth.step_up): no password here."""

    override_reason = SigningFields.override_reason.field()
    version = VersionField()


class AmendForm(Form):
    reason = SigningFields.amendment_reason.field()
    submit = SubmitField(_l("Start an amendment"))


class LetterLanguageForm(Form):
    """The language the letter is written in, whatever language the screen is in."""

    letter_language = LetterFields.letter_language.field()
    version = VersionField()
    submit = SubmitField(_l("Write the letter in this language"))


class FollowUpForm(Form):
    status = SelectField(
        _l("Was the recommendation carried out?"),
        choices=choices((s.value, lazy_label(s)) for s in FollowUpStatus),
    )
    reason = SelectField(
        _l("Why not (fully)?"),
        choices=choices([BLANK, *((r.value, lazy_label(r)) for r in DeviationReason)]),
        validators=[Optional()],
    )
    reason_text = FollowUpFields.reason_text.field()
    started_on = LocalDateField(_l("Started on"), validators=[Optional()])
    completed_on = LocalDateField(_l("Completed on"), validators=[Optional()])
    version = HiddenField()
    submit = SubmitField(_l("Save follow-up"))

    def expected_version(self) -> int | None:
        return parse_id(self.version.data)
