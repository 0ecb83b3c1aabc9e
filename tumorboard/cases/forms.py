"""Forms of the cases package: shape and range of the input. The operations check it again, with the
clinical rules (an extent that fits the site, dates against the birth date)."""

from wtforms import (
    DateField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tumorboard.cases.finding_operations import IHC_RESULTS, REPORTED_GRADES
from tumorboard.cases.models import Sex
from tumorboard.clinical import staging
from tumorboard.clinical.vocabularies import (
    Analyte,
    ConferenceType,
    Differentiation,
    EcogPerformanceStatus,
    FdgVsSstr,
    FunctionalStatus,
    FunctionalSyndrome,
    HereditarySyndrome,
    Histology,
    IhcMarker,
    ImagingModality,
    MetastaticSite,
    PrimarySite,
    ResectionMargin,
    SpecimenType,
    SstrTracer,
    Treatment,
)
from tumorboard.forms import Form, MultiCheckboxField, SelectChoice, VersionField, choices

NOT_RECORDED = ("", "Not recorded")
YES_NO_UNKNOWN = choices([("", "Unknown"), ("yes", "Yes"), ("no", "No")])


def _vocab(enum, *, blank: tuple[str, str] | None = None) -> list[SelectChoice]:
    pairs = [(m.value, m.label) for m in enum]
    return choices([blank, *pairs] if blank else pairs)


def extent_choices() -> list[SelectChoice]:
    """Every site's depth-of-invasion choices, grouped by site; the page shows the chosen site's group."""
    options = [SelectChoice("", "Not recorded")]
    for site in PrimarySite:
        for value, label in staging.extent_choices(site):
            options.append(SelectChoice(value, label, optgroup=site.label))
    return options


class PatientForm(Form):
    mrn = StringField("MRN", validators=[DataRequired(), Length(max=32)])
    family_name = StringField("Family name", validators=[DataRequired(), Length(max=100)])
    given_name = StringField("Given name", validators=[DataRequired(), Length(max=100)])
    birth_date = DateField("Birth date", validators=[InputRequired("Enter the birth date.")])
    sex = SelectField("Sex", choices=choices((s.value, s.label) for s in Sex), validators=[InputRequired()])
    submit = SubmitField("Register patient")


class EditPatientForm(PatientForm):
    version = VersionField()
    submit = SubmitField("Save")


class PatientSearchForm(Form):
    """Sent by POST, so a name or MRN never appears in a URL, a log or the browser history."""

    q = StringField(
        "MRN or name", validators=[DataRequired("Enter an MRN or a name."), Length(min=2, max=100)]
    )
    submit = SubmitField("Search")


class CaseForm(Form):
    board_id = SelectField("Board", coerce=int, validators=[InputRequired("Choose a board.")])
    conference_type = SelectField("Conference", choices=_vocab(ConferenceType))
    primary_site = SelectField("Primary site", choices=_vocab(PrimarySite))
    tumour_size_cm = FloatField("Tumour size (cm)", validators=[Optional(), NumberRange(0, 50)])
    extent = SelectField("Extent / depth of invasion", choices=extent_choices(), validators=[Optional()])
    nodes_examined = IntegerField("Regional nodes examined", validators=[Optional(), NumberRange(0, 200)])
    nodes_positive = IntegerField("Regional nodes positive", validators=[Optional(), NumberRange(0, 200)])
    mesenteric_mass_cm = FloatField(
        "Mesenteric mass (cm)",
        validators=[Optional(), NumberRange(0, 50)],
        description="Jejunum and ileum only: a mass over 2 cm is N2.",
    )
    metastatic_sites = MultiCheckboxField("Distant metastases", choices=_vocab(MetastaticSite))
    differentiation = SelectField("Differentiation", choices=_vocab(Differentiation))
    functional_status = SelectField("Functional status", choices=_vocab(FunctionalStatus))
    syndrome = SelectField(
        "Hormone syndrome", choices=_vocab(FunctionalSyndrome, blank=("", "None")), validators=[Optional()]
    )
    symptoms = TextAreaField("Symptoms", validators=[Length(max=2000)])
    hereditary_syndrome = SelectField("Hereditary syndrome", choices=_vocab(HereditarySyndrome))
    ecog = SelectField(
        "ECOG performance status",
        choices=choices(
            [NOT_RECORDED, *((m.value, f"{m.label} – {m.description}") for m in EcogPerformanceStatus)]
        ),
        validators=[Optional()],
    )
    comorbidities = TextAreaField("Comorbidities", validators=[Length(max=4000)])
    patient_preferences = TextAreaField("The patient's preferences", validators=[Length(max=4000)])
    clinical_question = TextAreaField(
        "Question for the board",
        validators=[Length(max=4000)],
        description="Required to submit: what should the board decide?",
    )
    no_pathology_reason = TextAreaField(
        "If there is no pathology with Ki-67: why",
        validators=[Length(max=1000)],
        description="For example: biopsy not feasible, diagnosis by imaging only.",
    )
    submit = SubmitField("Save case")


class EditCaseForm(CaseForm):
    version = VersionField()


class SubmitCaseForm(Form):
    override_reason = TextAreaField(
        "Reason to submit without what is missing",
        validators=[Length(max=1000)],
        description="Shown to the board beside the missing items.",
    )
    version = VersionField()
    submit = SubmitField("Submit to the board")


class WithdrawCaseForm(Form):
    reason = TextAreaField(
        "Reason", validators=[DataRequired("Say why the case is withdrawn."), Length(max=1000)]
    )
    version = VersionField()
    submit = SubmitField("Withdraw case")


class ReferCaseForm(Form):
    board_id = SelectField("Refer to", coerce=int, validators=[InputRequired("Choose the board.")])
    clinical_question = TextAreaField(
        "Question for that board",
        validators=[DataRequired("Ask that board its question."), Length(max=4000)],
        description="The new case starts as a draft with this case's details and findings: check it, then "
        "submit it there.",
    )
    version = VersionField()
    submit = SubmitField("Refer: make the new case")


class VersionOnlyForm(Form):
    version = VersionField()


class PriorTreatmentForm(Form):
    treatment = SelectField("Treatment", choices=_vocab(Treatment))
    start_date = DateField("Started", validators=[InputRequired("Enter the start date.")])
    end_date = DateField("Ended", validators=[Optional()])
    note = StringField("Note", validators=[Length(max=500)])
    submit = SubmitField("Add treatment")


class ImagingForm(Form):
    study_date = DateField("Study date", validators=[InputRequired("Enter the study date.")])
    modality = SelectField("Modality", choices=_vocab(ImagingModality))
    tracer = SelectField(
        "SSTR tracer", choices=_vocab(SstrTracer, blank=NOT_RECORDED), validators=[Optional()]
    )
    region = StringField("Region", validators=[Length(max=200)])
    krenning_score = SelectField(
        "Krenning score (SSTR imaging)",
        choices=choices(
            [
                NOT_RECORDED,
                ("0", "0 – no uptake"),
                ("1", "1 – much lower than liver"),
                ("2", "2 – slightly lower or equal to liver"),
                ("3", "3 – greater than liver"),
                ("4", "4 – greater than spleen"),
            ]
        ),
        validators=[Optional()],
    )
    uptake_positive = SelectField("Tumour uptake (PET)", choices=YES_NO_UNKNOWN, validators=[Optional()])
    fdg_vs_sstr = SelectField(
        "FDG uptake compared with SSTR (FDG PET, both positive)",
        choices=_vocab(FdgVsSstr, blank=NOT_RECORDED),
        validators=[Optional()],
    )
    target_lesion_sum_mm = FloatField(
        "Sum of target lesions (mm, RECIST 1.1)", validators=[Optional(), NumberRange(0, 2000)]
    )
    new_lesions = SelectField("New lesions", choices=YES_NO_UNKNOWN, validators=[Optional()])
    report_text = TextAreaField("Report", validators=[Length(max=20000)])
    reported_by = StringField("Reported by (radiologist or institution)", validators=[Length(max=200)])
    version = VersionField()
    submit = SubmitField("Save imaging study")


class LabForm(Form):
    sample_date = DateField("Sample date", validators=[InputRequired("Enter the sample date.")])
    analyte = SelectField("Marker", choices=_vocab(Analyte))
    value = FloatField("Value", validators=[InputRequired("Enter the value."), NumberRange(0, 1e9)])
    unit = StringField(
        "Unit", validators=[DataRequired(), Length(max=20)], description="As the laboratory reports it."
    )
    ref_low = FloatField("Reference range from", validators=[Optional(), NumberRange(0, 1e9)])
    ref_high = FloatField(
        "Reference range to",
        validators=[Optional(), NumberRange(0, 1e9)],
        description="The laboratory's own range; values outside it are flagged.",
    )
    note = StringField(
        "Note",
        validators=[Length(max=500)],
        description="For example: on proton-pump inhibitor (raises chromogranin A).",
    )
    reported_by = StringField("Laboratory", validators=[Length(max=200)])
    version = VersionField()
    submit = SubmitField("Save result")


class PathologyFormBase(Form):
    report_date = DateField("Report date", validators=[InputRequired("Enter the report date.")])
    specimen_type = SelectField("Specimen", choices=_vocab(SpecimenType))
    specimen_site = StringField("Specimen site", validators=[Length(max=200)])
    histology = SelectField(
        "Histology", choices=_vocab(Histology, blank=NOT_RECORDED), validators=[Optional()]
    )
    differentiation = SelectField("Differentiation", choices=_vocab(Differentiation))
    ki67_percent = FloatField("Ki-67 (%)", validators=[Optional(), NumberRange(0, 100)])
    mitoses_per_2mm2 = FloatField("Mitoses per 2 mm²", validators=[Optional(), NumberRange(0, 1000)])
    mitoses_count = IntegerField(
        "…or the mitotic count",
        validators=[Optional(), NumberRange(0, 10000)],
        description="With the area counted, converted to per 2 mm².",
    )
    mitoses_area_mm2 = FloatField("…in an area of (mm²)", validators=[Optional(), NumberRange(0.1, 100)])
    necrosis = SelectField("Necrosis", choices=YES_NO_UNKNOWN, validators=[Optional()])
    margins = SelectField(
        "Margins", choices=_vocab(ResectionMargin, blank=NOT_RECORDED), validators=[Optional()]
    )
    lymphovascular_invasion = SelectField(
        "Lymphovascular invasion", choices=YES_NO_UNKNOWN, validators=[Optional()]
    )
    perineural_invasion = SelectField("Perineural invasion", choices=YES_NO_UNKNOWN, validators=[Optional()])
    nodes_examined = IntegerField("Nodes examined", validators=[Optional(), NumberRange(0, 200)])
    nodes_positive = IntegerField("Nodes positive", validators=[Optional(), NumberRange(0, 200)])
    reported_grade = SelectField(
        "Grade as reported",
        choices=choices([NOT_RECORDED, *((g, g) for g in REPORTED_GRADES)]),
        validators=[Optional()],
    )
    reported_tnm = StringField(
        "pTNM as reported", validators=[Length(max=60)], description="As written in the report, e.g. pT2 pN1."
    )
    report_text = TextAreaField("Report", validators=[Length(max=20000)])
    reported_by = StringField("Reported by (pathologist or institution)", validators=[Length(max=200)])
    version = VersionField()
    submit = SubmitField("Save pathology report")

    def ihc_fields(self):
        return [getattr(self, f"ihc_{marker.value}") for marker in IhcMarker]

    def ihc_data(self) -> dict[str, str]:
        return {marker.value: getattr(self, f"ihc_{marker.value}").data for marker in IhcMarker}


IHC_CHOICES = choices([("", "Not done"), *((r, r.capitalize()) for r in IHC_RESULTS)])

PathologyForm = type(
    "PathologyForm",
    (PathologyFormBase,),
    {
        f"ihc_{marker.value}": SelectField(
            marker.label, choices=IHC_CHOICES, validators=[Optional()], description=marker.purpose
        )
        for marker in IhcMarker
    },
)

FINDING_FORMS = {"imaging": ImagingForm, "lab": LabForm, "pathology": PathologyForm}
