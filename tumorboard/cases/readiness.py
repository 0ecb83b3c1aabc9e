"""The readiness check run at submission: what the board will miss when it discusses the case.

Two kinds: what no reason excuses (`required_to_submit`: the question the board is asked), and what a
submitter may send the case without, giving the board a reason (findings not yet there). Pure: it reads
a case and its findings and returns plain sentences; the operation records them.
"""

from datetime import date, timedelta

from tumorboard.clinical.vocabularies import (
    Analyte,
    FunctionalStatus,
    FunctionalSyndrome,
    ImagingModality,
    PrimarySite,
)

MITOSES_GRADED_SITES = frozenset({PrimarySite.LUNG, PrimarySite.THYMUS})
# Imaging that shows the extent of disease: cross-sectional (CT, MRI) or SSTR imaging.
STAGING_MODALITIES = frozenset(
    {ImagingModality.CT, ImagingModality.MRI, ImagingModality.SSTR_PET_CT, ImagingModality.OCTREOSCAN_SPECT}
)


QUESTION_MISSING = "The clinical question for the board."


# The case's own fields a clinician must answer before the board sees it; "unknown" is an answer they
# choose, an empty field is a question nobody answered.
ANSWER_REQUIRED = (
    ("functional_status", "The functional status (choose Unknown if it is not known)."),
    ("differentiation", "The differentiation (choose Not recorded if it is not known)."),
    ("hereditary_syndrome", "The hereditary syndrome (choose None known or Not assessed)."),
)


def required_to_submit(case) -> list[str]:
    """What the case cannot go to the board without, whatever the reason: a board discusses a question,
    and the case's own clinical fields are answered (a reason may excuse missing findings only)."""
    missing = []
    if not (case.clinical_question or "").strip():
        missing.append(QUESTION_MISSING)
    missing += [text for name, text in ANSWER_REQUIRED if getattr(case, name) in (None, "")]
    return missing


def missing_for_board(case, today: date, imaging_max_age_weeks: int) -> list[str]:
    """Everything the board will miss: what is required to submit first, then what a reason excuses."""
    missing = required_to_submit(case)
    explained = bool(case.no_pathology_reason.strip())
    if case.primary_site in MITOSES_GRADED_SITES:
        # WHO lung/thymus: carcinoids are classified by mitoses and necrosis; Ki-67 plays no part.
        if not explained and not any(r.mitoses_per_2mm2 is not None for r in case.pathology):
            missing.append("Pathology with the mitotic count (and necrosis), or the reason there is none.")
    elif not explained and not any(r.ki67_percent is not None for r in case.pathology):
        missing.append("Pathology with Ki-67, or the reason there is none.")
    oldest = today - timedelta(weeks=imaging_max_age_weeks)
    if not any(s.modality in STAGING_MODALITIES and s.study_date >= oldest for s in case.imaging):
        missing.append(
            f"CT, MRI or SSTR imaging from the last {imaging_max_age_weeks} weeks "
            f"(on or after {oldest:%d %b %Y})."
        )
    if case.functional_status == FunctionalStatus.FUNCTIONAL:
        if not case.syndrome:
            missing.append("The hormone syndrome of this functional tumour.")
        else:
            syndrome = FunctionalSyndrome(case.syndrome)
            analytes = {lab.analyte for lab in case.labs}
            if syndrome.paired_with is not None:
                if not _paired(case.labs, syndrome.markers, syndrome.paired_with):
                    missing.append(_paired_message(syndrome, syndrome.paired_with))
            elif syndrome.markers and analytes.isdisjoint(syndrome.markers):
                names = ", ".join(marker.label for marker in syndrome.markers)
                missing.append(f"A marker of the {syndrome.label}: {names}.")
            elif not syndrome.markers and not analytes:
                missing.append("A laboratory marker of the hormone syndrome.")
    return missing


def _paired(labs, markers: tuple[Analyte, ...], paired_with: Analyte) -> bool:
    """Whether one of ``markers`` was sampled on the same day as a ``paired_with`` result."""
    days = {lab.sample_date for lab in labs if lab.analyte == paired_with}
    return any(lab.analyte in markers and lab.sample_date in days for lab in labs)


def _paired_message(syndrome: FunctionalSyndrome, paired_with: Analyte) -> str:
    names = ", ".join(marker.label for marker in syndrome.markers[:-1]) + f" or {syndrome.markers[-1].label}"
    rule = f" {syndrome.documentation_rule}." if syndrome.documentation_rule else ""
    return (
        f"For the {syndrome.label}: {names} sampled on the same day as a {paired_with.label.lower()}.{rule}"
    )
