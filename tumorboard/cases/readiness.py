"""The readiness check run at submission: what the board will miss when it discusses the case.

Two kinds: what no reason excuses (`required_to_submit`: the question the board is asked), and what a
submitter may send the case without, giving the board a reason (findings not yet there). Pure: it reads
a case and its findings and returns plain sentences, in the request's language (English without one);
the operation records them.
"""

from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tumorboard.clinical.vocabularies import (
    Analyte,
    FunctionalStatus,
    FunctionalSyndrome,
    ImagingModality,
    PrimarySite,
)
from tumorboard.timezones import format_date

MITOSES_GRADED_SITES = frozenset({PrimarySite.LUNG, PrimarySite.THYMUS})
# Imaging that shows the extent of disease: cross-sectional (CT, MRI) or SSTR imaging.
STAGING_MODALITIES = frozenset(
    {ImagingModality.CT, ImagingModality.MRI, ImagingModality.SSTR_PET_CT, ImagingModality.OCTREOSCAN_SPECT}
)


QUESTION_MISSING = _l("The clinical question for the board.")


# The case's own fields a clinician must answer before the board sees it; "unknown" is an answer they
# choose, an empty field is a question nobody answered.
ANSWER_REQUIRED = (
    ("functional_status", _l("The functional status (choose Unknown if it is not known).")),
    ("differentiation", _l("The differentiation (choose Not recorded if it is not known).")),
    ("hereditary_syndrome", _l("The hereditary syndrome (choose None known or Not assessed).")),
)


def required_to_submit(case) -> list[str]:
    """What the case cannot go to the board without, whatever the reason: a board discusses a question,
    and the case's own clinical fields are answered (a reason may excuse missing findings only)."""
    missing = []
    if not (case.clinical_question or "").strip():
        missing.append(str(QUESTION_MISSING))
    missing += [str(text) for name, text in ANSWER_REQUIRED if getattr(case, name) in (None, "")]
    return missing


def missing_for_board(case, today: date, imaging_max_age_weeks: int) -> list[str]:
    """Everything the board will miss: what is required to submit first, then what a reason excuses."""
    missing = required_to_submit(case)
    explained = bool(case.no_pathology_reason.strip())
    if case.primary_site in MITOSES_GRADED_SITES:
        # WHO lung/thymus: carcinoids are classified by mitoses and necrosis; Ki-67 plays no part.
        if not explained and not any(r.mitoses_per_2mm2 is not None for r in case.pathology):
            missing.append(_("Pathology with the mitotic count (and necrosis), or the reason there is none."))
    elif not explained and not any(r.ki67_percent is not None for r in case.pathology):
        missing.append(_("Pathology with Ki-67, or the reason there is none."))
    oldest = today - timedelta(weeks=imaging_max_age_weeks)
    if not any(s.modality in STAGING_MODALITIES and s.study_date >= oldest for s in case.imaging):
        missing.append(
            _(
                "CT, MRI or SSTR imaging from the last %(weeks)s weeks (on or after %(date)s).",
                weeks=imaging_max_age_weeks,
                date=format_date(oldest),
            )
        )
    if case.functional_status == FunctionalStatus.FUNCTIONAL:
        if not case.syndrome:
            missing.append(_("The hormone syndrome of this functional tumour."))
        else:
            syndrome = FunctionalSyndrome(case.syndrome)
            analytes = {lab.analyte for lab in case.labs}
            if syndrome.paired_with is not None:
                if not _paired(case.labs, syndrome.markers, syndrome.paired_with):
                    missing.append(_paired_message(syndrome, syndrome.paired_with))
            elif syndrome.markers and analytes.isdisjoint(syndrome.markers):
                names = ", ".join(marker.label for marker in syndrome.markers)
                missing.append(
                    _("A marker of the %(syndrome)s: %(markers)s.", syndrome=syndrome.label, markers=names)
                )
            elif not syndrome.markers and not analytes:
                missing.append(_("A laboratory marker of the hormone syndrome."))
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
