"""Forms of the cases package: shape and range of the input. The operations check it again, with the
clinical rules (an extent that fits the site, dates against the birth date)."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    SelectField,
    SubmitField,
)
from wtforms.validators import InputRequired, Optional, ValidationError

from tumorboard.cases import search
from tumorboard.cases.fields import (
    NOT_RECORDED,
    CaseActionFields,
    CaseFields,
    FhirImportFields,
    ImagingFields,
    LabFields,
    PathologyFields,
    PatientFields,
    PatientSearchFields,
    PriorTreatmentFields,
)
from tumorboard.cases.finding_operations import IHC_RESULT_LABELS, REPORTED_GRADES
from tumorboard.clinical import staging
from tumorboard.clinical.tnm import Extent
from tumorboard.clinical.vocabularies import (
    EcogPerformanceStatus,
    IhcMarker,
    PrimarySite,
)
from tumorboard.forms import Form, LocalDateField, SelectChoice, VersionField, choices
from tumorboard.i18n import lazy_label
from tumorboard.once import OnceField

YES_NO_UNKNOWN = choices([("", _l("Unknown")), ("yes", _l("Yes")), ("no", _l("No"))])


def extent_choices() -> list[SelectChoice]:
    """Every site's depth-of-invasion choices, grouped by site; the page shows the chosen site's group."""
    options = [SelectChoice("", NOT_RECORDED)]
    for site in PrimarySite:
        for value, _label in staging.extent_choices(site):
            options.append(SelectChoice(value, lazy_label(Extent(value)), optgroup=lazy_label(site)))
    return options


class PatientForm(Form):
    mrn = PatientFields.mrn.field()
    family_name = PatientFields.family_name.field()
    given_name = PatientFields.given_name.field()
    birth_date = LocalDateField(_l("Birth date"), validators=[InputRequired(_l("Enter the birth date."))])
    sex = PatientFields.sex.field()
    submit = SubmitField(_l("Register patient"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mrn.description = PatientFields.mrn_format()


class EditPatientForm(PatientForm):
    version = VersionField()
    submit = SubmitField(_l("Save"))


class PatientSearchForm(Form):
    """Sent by POST, so a name or MRN never appears in a URL, a log or the browser history."""

    q = PatientSearchFields.q.field()
    submit = SubmitField(_l("Search"))

    def validate_q(self, field) -> None:
        """Text with nothing to search for (only `"*:&|!`, say) is refused with what to type instead."""
        try:
            search.parse(field.data or "")
        except search.SearchRefused as refused:
            raise ValidationError(str(refused)) from None


class CaseForm(Form):
    once = OnceField()
    board_id = SelectField(_l("Board"), coerce=int, validators=[InputRequired(_l("Choose a board."))])
    conference_type = CaseFields.conference_type.field()
    primary_site = CaseFields.primary_site.field()
    tumour_size_cm = CaseFields.tumour_size_cm.field()
    extent = SelectField(_l("Extent / depth of invasion"), choices=extent_choices(), validators=[Optional()])
    nodes_examined = CaseFields.nodes_examined.field()
    nodes_positive = CaseFields.nodes_positive.field()
    mesenteric_mass_cm = CaseFields.mesenteric_mass_cm.field()
    metastatic_sites = CaseFields.metastatic_sites.field()
    differentiation = CaseFields.differentiation.field()
    functional_status = CaseFields.functional_status.field()
    syndrome = CaseFields.syndrome.field()
    symptoms = CaseFields.symptoms.field()
    hereditary_syndrome = CaseFields.hereditary_syndrome.field()
    ecog = SelectField(
        _l("ECOG performance status"),
        choices=choices(
            [("", NOT_RECORDED), *((m.value, lazy_label(m, "choice_label")) for m in EcogPerformanceStatus)]
        ),
        validators=[Optional()],
    )
    comorbidities = CaseFields.comorbidities.field()
    patient_preferences = CaseFields.patient_preferences.field()
    clinical_question = CaseFields.clinical_question.field()
    no_pathology_reason = CaseFields.no_pathology_reason.field()
    submit = SubmitField(_l("Save case"))


class EditCaseForm(CaseForm):
    version = VersionField()


class SubmitCaseForm(Form):
    override_reason = CaseActionFields.override_reason.field()
    version = VersionField()
    submit = SubmitField(_l("Submit to the board"))


class WithdrawCaseForm(Form):
    reason = CaseActionFields.withdraw_reason.field()
    version = VersionField()
    submit = SubmitField(_l("Withdraw case"))


class ReferCaseForm(Form):
    board_id = SelectField(_l("Refer to"), coerce=int, validators=[InputRequired("Choose the board.")])
    clinical_question = CaseActionFields.referral_question.field()
    version = VersionField()
    submit = SubmitField(_l("Refer: make the new case"))


class VersionOnlyForm(Form):
    version = VersionField()


class PriorTreatmentForm(Form):
    once = OnceField()
    treatment = PriorTreatmentFields.treatment.field()
    start_date = LocalDateField(_l("Started"), validators=[InputRequired(_l("Enter the start date."))])
    end_date = LocalDateField(_l("Ended"), validators=[Optional()])
    note = PriorTreatmentFields.note.field()
    submit = SubmitField(_l("Add treatment"))


class ImagingForm(Form):
    once = OnceField()
    study_date = LocalDateField(_l("Study date"), validators=[InputRequired(_l("Enter the study date."))])
    modality = ImagingFields.modality.field()
    tracer = ImagingFields.tracer.field()
    region = ImagingFields.region.field()
    krenning_score = SelectField(
        _l("Krenning score (SSTR imaging)"),
        choices=choices(
            [
                ("", NOT_RECORDED),
                ("0", _l("0 – no uptake")),
                ("1", _l("1 – much lower than liver")),
                ("2", _l("2 – slightly lower or equal to liver")),
                ("3", _l("3 – greater than liver")),
                ("4", _l("4 – greater than spleen")),
            ]
        ),
        validators=[Optional()],
    )
    uptake_positive = SelectField(_l("Tumour uptake (PET)"), choices=YES_NO_UNKNOWN, validators=[Optional()])
    fdg_vs_sstr = ImagingFields.fdg_vs_sstr.field()
    target_lesion_sum_mm = ImagingFields.target_lesion_sum_mm.field()
    new_lesions = SelectField(_l("New lesions"), choices=YES_NO_UNKNOWN, validators=[Optional()])
    report_text = ImagingFields.report_text.field()
    reported_by = ImagingFields.reported_by.field()
    version = VersionField()
    submit = SubmitField(_l("Save imaging study"))


class LabForm(Form):
    once = OnceField()
    sample_date = LocalDateField(_l("Sample date"), validators=[InputRequired(_l("Enter the sample date."))])
    analyte = LabFields.analyte.field()
    value = LabFields.value.field()
    unit = LabFields.unit.field()
    ref_low = LabFields.ref_low.field()
    ref_high = LabFields.ref_high.field()
    note = LabFields.note.field()
    reported_by = LabFields.reported_by.field()
    version = VersionField()
    submit = SubmitField(_l("Save result"))


class PathologyFormBase(Form):
    once = OnceField()
    report_date = LocalDateField(_l("Report date"), validators=[InputRequired(_l("Enter the report date."))])
    specimen_type = PathologyFields.specimen_type.field()
    specimen_site = PathologyFields.specimen_site.field()
    histology = PathologyFields.histology.field()
    differentiation = PathologyFields.differentiation.field()
    ki67_percent = PathologyFields.ki67_percent.field()
    mitoses_per_2mm2 = PathologyFields.mitoses_per_2mm2.field()
    mitoses_count = PathologyFields.mitoses_count.field()
    mitoses_area_mm2 = PathologyFields.mitoses_area_mm2.field()
    necrosis = SelectField(_l("Necrosis"), choices=YES_NO_UNKNOWN, validators=[Optional()])
    margins = PathologyFields.margins.field()
    lymphovascular_invasion = SelectField(
        _l("Lymphovascular invasion"), choices=YES_NO_UNKNOWN, validators=[Optional()]
    )
    perineural_invasion = SelectField(
        _l("Perineural invasion"), choices=YES_NO_UNKNOWN, validators=[Optional()]
    )
    nodes_examined = PathologyFields.nodes_examined.field()
    nodes_positive = PathologyFields.nodes_positive.field()
    reported_grade = SelectField(
        _l("Grade as reported"),
        choices=choices([("", NOT_RECORDED), *((g, g) for g in REPORTED_GRADES)]),
        validators=[Optional()],
    )
    reported_tnm = PathologyFields.reported_tnm.field()
    report_text = PathologyFields.report_text.field()
    reported_by = PathologyFields.reported_by.field()
    version = VersionField()
    submit = SubmitField(_l("Save pathology report"))

    def ihc_fields(self):
        return [getattr(self, f"ihc_{marker.value}") for marker in IhcMarker]

    def ihc_data(self) -> dict[str, str]:
        return {marker.value: getattr(self, f"ihc_{marker.value}").data for marker in IhcMarker}


IHC_CHOICES = choices([("", _l("Not done")), *IHC_RESULT_LABELS.items()])

PathologyForm = type(
    "PathologyForm",
    (PathologyFormBase,),
    {
        f"ihc_{marker.value}": SelectField(
            lazy_label(marker),
            choices=IHC_CHOICES,
            validators=[Optional()],
            description=lazy_label(marker, "purpose"),
        )
        for marker in IhcMarker
    },
)

FINDING_FORMS = {"imaging": ImagingForm, "lab": LabForm, "pathology": PathologyForm}


class FhirUploadForm(Form):
    """A FHIR Bundle from the hospital's systems, as a file (read into `FhirImportFields.bundle`)."""

    file = FileField(
        _l("FHIR Bundle (a JSON file)"),
        description=_l(
            "Exported from the hospital's record as FHIR R4 JSON: the patient with their results."
        ),
    )


class FhirFetchForm(Form):
    """Fetch the case patient's record from the hospital's FHIR server, by their MRN (no input)."""


class FhirConfirmForm(Form):
    """The previewed bundle, carried whole, and the case's version the preview was made from."""

    bundle = FhirImportFields.bundle.field()
    version = VersionField()
    patient_version = VersionField()  # the patient's, as the preview compared it with the Bundle's
    update_patient = BooleanField(_l("Update the patient's details from the bundle"))
