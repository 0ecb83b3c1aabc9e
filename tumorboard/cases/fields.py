"""The fields of patients, cases and findings, each declared once (tumorboard.fields): the forms build
their fields from these, and the operations clean their input with them. Rules that join several fields
(an extent that fits the site, positive nodes no more than examined) stay in the operations."""

from dataclasses import replace

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tumorboard.cases.models import Sex
from tumorboard.clinical.vocabularies import (
    Analyte,
    Comparator,
    ConferenceType,
    Differentiation,
    FdgVsSstr,
    FunctionalStatus,
    FunctionalSyndrome,
    HereditarySyndrome,
    Histology,
    ImagingModality,
    MetastaticSite,
    PrimarySite,
    ResectionMargin,
    SpecimenType,
    SstrTracer,
    Treatment,
)
from tumorboard.fields import CHOOSE, Choice, Choices, Measured, Number, Text

NOT_RECORDED = _l("Not recorded")
TO_SUBMIT = _l("Required to submit; a draft may leave it open.")
DEFAULT_MRN_HINT = _l("4 to 20 capital letters, digits or hyphens")  # config's default MRN_PATTERN


class PatientFields:
    mrn = Text(_l("MRN"), _l("MRN"), 32, required=True)  # and the hospital's format: config MRN_PATTERN

    @staticmethod
    def mrn_hint() -> str:
        """The hospital's words for its MRN format (config MRN_HINT), else the catalogue's for the default."""
        return current_app.config["MRN_HINT"] or str(DEFAULT_MRN_HINT)

    @staticmethod
    def mrn_format() -> str:
        """The MRN's help text: the hospital's format, shown before the first error."""
        return _("As the hospital writes it: %(hint)s.", hint=PatientFields.mrn_hint())

    family_name = Text(_l("Family name"), _l("family name"), 100, required=True)
    given_name = Text(_l("Given name"), _l("given name"), 100, required=True)
    sex = Choice(_l("Sex"), _l("sex"), Sex, blank=CHOOSE, required=True)


class CaseFields:
    conference_type = Choice(
        _l("Conference"), _l("conference type"), ConferenceType, blank=CHOOSE, required=True
    )
    primary_site = Choice(_l("Primary site"), _l("primary site"), PrimarySite, blank=CHOOSE, required=True)
    tumour_size_cm = Number(_l("Tumour size (cm)"), _l("tumour size"), 0, 50, unit="cm")
    nodes_examined = Number(_l("Regional nodes examined"), _l("number of nodes examined"), 0, 200, whole=True)
    nodes_positive = Number(_l("Regional nodes positive"), _l("number of positive nodes"), 0, 200, whole=True)
    mesenteric_mass_cm = Number(
        _l("Mesenteric mass (cm)"),
        _l("mesenteric mass"),
        0,
        50,
        unit="cm",
        description=_l("Jejunum and ileum only: a mass over 2 cm is N2."),
    )
    metastatic_sites = Choices(_l("Distant metastases"), _l("metastatic site"), MetastaticSite)
    # A draft may leave these empty; the case goes to the board only with each answered (readiness),
    # "Not recorded" / "Unknown" / "Not assessed" being answers the clinician chooses.
    differentiation = Choice(
        _l("Differentiation"),
        _l("differentiation"),
        Differentiation,
        blank=CHOOSE,
        description=TO_SUBMIT,
    )
    functional_status = Choice(
        _l("Functional status"),
        _l("functional status"),
        FunctionalStatus,
        blank=CHOOSE,
        description=TO_SUBMIT,
    )
    syndrome = Choice(_l("Hormone syndrome"), _l("syndrome"), FunctionalSyndrome, blank=CHOOSE)
    symptoms = Text(_l("Symptoms"), _l("symptoms"), 2000, multiline=True)
    hereditary_syndrome = Choice(
        _l("Hereditary syndrome"),
        _l("hereditary syndrome"),
        HereditarySyndrome,
        blank=CHOOSE,
        description=TO_SUBMIT,
    )
    comorbidities = Text(_l("Comorbidities"), _l("comorbidities"), 4000, multiline=True)
    patient_preferences = Text(
        _l("The patient's preferences"), _l("patient's preferences"), 4000, multiline=True
    )
    clinical_question = Text(
        _l("Question for the board"),
        _l("clinical question"),
        4000,
        multiline=True,
        description=_l("Required to submit: what should the board decide?"),
    )
    no_pathology_reason = Text(
        _l("If there is no pathology with Ki-67: why"),
        _l("reason for missing pathology"),
        1000,
        multiline=True,
        description=_l("For example: biopsy not feasible, diagnosis by imaging only."),
    )


class PatientSearchFields:
    q = Text(
        _l("MRN or name"),
        _l("search"),
        100,
        required=True,
        min_length=2,
        missing=_l("Enter an MRN or a name."),
    )


class CaseActionFields:
    """What submitting, withdrawing and referring a case ask for."""

    override_reason = Text(
        _l("Reason to submit without what is missing"),
        _l("reason"),
        1000,
        multiline=True,
        description=_l("Shown to the board beside the missing items."),
    )
    withdraw_reason = Text(
        _l("Reason"),
        _l("reason for withdrawing"),
        1000,
        required=True,
        multiline=True,
        missing=_l("Say why the case is withdrawn."),
    )
    referral_question = replace(
        CaseFields.clinical_question,
        label=_l("Question for that board"),
        required=True,
        missing="Ask that board its question.",
        description=_l(
            "The new case starts as a draft with this case's details and findings: check it, then "
            "submit it there."
        ),
    )


class PriorTreatmentFields:
    treatment = Choice(_l("Treatment"), _l("treatment"), Treatment, blank=CHOOSE, required=True)
    note = Text(_l("Note"), _l("note"), 500)


class ImagingFields:
    modality = Choice(_l("Modality"), _l("modality"), ImagingModality, blank=CHOOSE, required=True)
    tracer = Choice(_l("SSTR tracer"), _l("tracer"), SstrTracer, blank=NOT_RECORDED)
    region = Text(_l("Region"), _l("region"), 200)
    fdg_vs_sstr = Choice(
        _l("FDG uptake compared with SSTR (FDG PET, both positive)"),
        _l("FDG versus SSTR uptake"),
        FdgVsSstr,
        blank=NOT_RECORDED,
    )
    target_lesion_sum_mm = Number(
        _l("Sum of target lesions (mm, RECIST 1.1)"), _l("sum of target lesions"), 0, 2000, unit="mm"
    )
    report_text = Text(_l("Report"), _l("report"), 20000, multiline=True)
    reported_by = Text(
        _l("Reported by (radiologist or institution)"), _l("reporting radiologist or institution"), 200
    )


class LabFields:
    analyte = Choice(_l("Marker"), _l("marker"), Analyte, blank=CHOOSE, required=True)
    value = Measured(
        _l("Value"),
        _l("value"),
        0,
        1e9,
        required=True,
        description=_l(
            "A value below or above what the assay measures as the laboratory writes it: <2, >1000."
        ),
    )
    comparator = Choice(
        _l("Comparator"),
        _l("comparator"),
        Comparator,
        blank="=",
        description=_l("<, <=, >= or >: a censored value."),
    )
    unit = Text(_l("Unit"), _l("unit"), 20, required=True, description=_l("As the laboratory reports it."))
    ref_low = Number(_l("Reference range from"), _l("lower reference limit"), 0, 1e9)
    ref_high = Number(
        _l("Reference range to"),
        _l("upper reference limit"),
        0,
        1e9,
        description=_l("The laboratory's own range; values outside it are flagged."),
    )
    note = Text(
        _l("Note"),
        _l("note"),
        500,
        description=_l("For example: on proton-pump inhibitor (raises chromogranin A)."),
    )
    reported_by = Text(_l("Laboratory"), _l("laboratory"), 200)


class PathologyFields:
    specimen_type = Choice(_l("Specimen"), _l("specimen type"), SpecimenType, blank=CHOOSE, required=True)
    specimen_site = Text(_l("Specimen site"), _l("specimen site"), 200)
    histology = Choice(_l("Histology"), _l("histology"), Histology, blank=NOT_RECORDED)
    differentiation = Choice(
        _l("Differentiation"), _l("differentiation"), Differentiation, blank=CHOOSE, required=True
    )
    ki67_percent = Number(_l("Ki-67 (%)"), _l("Ki-67"), 0, 100, unit="%")
    mitoses_per_2mm2 = Number(_l("Mitoses per 2 mm²"), _l("mitoses per 2 mm²"), 0, 1000)
    mitoses_count = Number(
        _l("…or the mitotic count"),
        _l("mitotic count"),
        0,
        10000,
        whole=True,
        description=_l("With the area counted, converted to per 2 mm²."),
    )
    mitoses_area_mm2 = Number(_l("…in an area of (mm²)"), _l("area counted"), 0.1, 100, unit="mm²")
    margins = Choice(_l("Margins"), _l("margin status"), ResectionMargin, blank=NOT_RECORDED)
    nodes_examined = Number(_l("Nodes examined"), _l("nodes examined"), 0, 200, whole=True)
    nodes_positive = Number(_l("Nodes positive"), _l("positive nodes"), 0, 200, whole=True)
    reported_tnm = Text(
        _l("pTNM as reported"),
        _l("reported TNM"),
        60,
        description=_l("As written in the report, e.g. pT2 pN1."),
    )
    report_text = Text(_l("Report"), _l("report"), 20000, multiline=True)
    reported_by = Text(
        _l("Reported by (pathologist or institution)"), _l("reporting pathologist or institution"), 200
    )


class FhirImportFields:
    """A FHIR R4 Bundle from the hospital's systems, uploaded or fetched, carried by its preview."""

    bundle = Text(
        _l("FHIR Bundle (JSON)"),
        _l("FHIR Bundle"),
        1_000_000,
        required=True,
        multiline=True,
        missing=_l("Choose a FHIR Bundle (a JSON file) to import."),
    )
