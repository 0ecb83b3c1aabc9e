"""The readiness check run at submission: what the board will miss when it discusses the case.

Pure: it reads a case and its findings and returns plain sentences; the operation records them.
"""

from datetime import date, timedelta

from tumorboard.clinical.vocabularies import FunctionalStatus, FunctionalSyndrome, ImagingModality

# Imaging that shows the extent of disease: cross-sectional (CT, MRI) or SSTR imaging.
STAGING_MODALITIES = frozenset(
    {ImagingModality.CT, ImagingModality.MRI, ImagingModality.SSTR_PET_CT, ImagingModality.OCTREOSCAN_SPECT}
)


def missing_for_board(case, today: date, imaging_max_age_weeks: int) -> list[str]:
    missing = []
    if not (case.clinical_question or "").strip():
        missing.append("The clinical question for the board.")
    if (
        not any(report.ki67_percent is not None for report in case.pathology)
        and not case.no_pathology_reason.strip()
    ):
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
            if syndrome.markers and analytes.isdisjoint(syndrome.markers):
                names = ", ".join(marker.label for marker in syndrome.markers)
                missing.append(f"A marker of the {syndrome.label}: {names}.")
            elif not syndrome.markers and not analytes:
                missing.append("A laboratory marker of the hormone syndrome.")
    return missing
