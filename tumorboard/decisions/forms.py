"""Forms of the decisions package."""

from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from tumorboard.clinical.specialties import Specialty
from tumorboard.clinical.vocabularies import DeviationReason, PlanIntent, Treatment
from tumorboard.decisions.models import DecisionOutcome, FollowUpStatus, GuidelineBasis
from tumorboard.forms import Form, VersionField, choices
from tumorboard.views_helpers import parse_id

BLANK = ("", "—")


class PlanItemForm(Form):
    class Meta:
        csrf = False

    treatment = SelectField(
        "Treatment",
        choices=choices([BLANK, *((t.value, f"{t.value} · {t.label}") for t in Treatment)]),
        validators=[Optional()],
    )
    detail = StringField("Detail", validators=[Length(max=500)])
    intent = SelectField(
        "Intent", choices=choices([BLANK, *((i.value, i.label) for i in PlanIntent)]), validators=[Optional()]
    )
    responsible_specialty = SelectField(
        "Responsible",
        choices=choices([BLANK, *((s.value, s.label) for s in Specialty)]),
        validators=[Optional()],
    )
    target_date = DateField("Target date", validators=[Optional()])


class DecisionForm(Form):
    outcome = SelectField("Outcome", choices=choices((o.value, o.label) for o in DecisionOutcome))
    recommendation = TextAreaField("Recommendation", validators=[Length(max=8000)])
    items = FieldList(FormField(PlanItemForm), min_entries=3, max_entries=20)
    rationale = TextAreaField("Rationale", validators=[Length(max=8000)])
    guideline_basis = SelectField(
        "Guideline basis", choices=choices((g.value, g.label) for g in GuidelineBasis)
    )
    guideline_reference = StringField(
        "Reference",
        validators=[Length(max=300)],
        description="e.g. ENETS 2023 guidance for pancreatic NET, section 4",
    )
    trial_candidate = BooleanField("Candidate for a clinical trial")
    trial_identifier = StringField(
        "Trial identifier", validators=[Length(max=40)], description="e.g. NCT01234567"
    )
    trial_name = StringField("Trial name", validators=[Length(max=200)])
    dissent = TextAreaField("Dissent or minority opinion", validators=[Length(max=4000)])
    dissent_by = StringField("Whose", validators=[Length(max=200)])
    preference_weighing = TextAreaField(
        "How the patient's preference and comorbidity were weighed", validators=[Length(max=4000)]
    )
    next_review_date = DateField("Next review", validators=[Optional()])
    present_again = BooleanField("Present the case again")
    version = VersionField()
    submit = SubmitField("Save draft")

    def plan_rows(self) -> list[dict]:
        return [row.form.data for row in self.items]


class SignForm(Form):
    password = PasswordField(
        "Your password", validators=[InputRequired("Enter your password to sign."), Length(max=256)]
    )
    override_reason = TextAreaField("Reason to sign despite the warnings", validators=[Length(max=2000)])
    version = VersionField()
    submit = SubmitField("Sign the decision")


class AmendForm(Form):
    reason = TextAreaField(
        "Reason for the amendment",
        validators=[InputRequired("Say why the decision changes."), Length(max=2000)],
    )
    submit = SubmitField("Start an amendment")


class FollowUpForm(Form):
    status = SelectField(
        "Was the recommendation carried out?", choices=choices((s.value, s.label) for s in FollowUpStatus)
    )
    reason = SelectField(
        "Why not (fully)?",
        choices=choices([BLANK, *((r.value, r.label) for r in DeviationReason)]),
        validators=[Optional()],
    )
    reason_text = TextAreaField("Explanation", validators=[Length(max=2000)])
    started_on = DateField("Started on", validators=[Optional()])
    completed_on = DateField("Completed on", validators=[Optional()])
    version = HiddenField()
    submit = SubmitField("Save follow-up")

    def expected_version(self) -> int | None:
        return parse_id(self.version.data)
