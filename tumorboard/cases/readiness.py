"""The readiness check run at submission: what the board will miss when it discusses the case.

Two kinds: what no reason excuses (`required_to_submit`: the question the board is asked), and what a
submitter may send the case without, giving the board a reason (findings not yet there). Pure: it reads
a case and its findings and returns `Missing` entries, each a catalogue message (English, marked N_) and
the values it names (a day, a syndrome, markers as their stored values). The operation records them as
such (JSON), and `written` puts an entry in the reader's language when it is shown, with the translator
and the day format the app passes: what was missing at submission reads German to a German reader.
Records from before entries were kept this way hold English sentences; they are shown as they are.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tumorboard.clinical.labels import N_
from tumorboard.clinical.vocabularies import (
    Analyte,
    FunctionalStatus,
    FunctionalSyndrome,
    ImagingModality,
    PrimarySite,
)


@dataclass(frozen=True)
class Missing:
    """One thing the board will miss: a catalogue message with %(name)s placeholders, and their values
    (`weeks` a number, `since` a day as YYYY-MM-DD, `syndrome` a FunctionalSyndrome value; `markers` (all of
    them), `any_of` (one of them) and `paired_with` Analyte values; `rule` a published rule's text)."""

    message: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def stored(self) -> dict[str, Any]:
        return {"message": self.message, "values": dict(self.values)}

    def __str__(self) -> str:  # English, for logs and the API
        return written(self.stored())


def _names(values: list[str], translate: Callable[[str], str]) -> str:
    labels = [translate(Analyte(value).label_text) for value in values]
    if len(labels) < 2:
        return "".join(labels)
    return translate(OR) % {"first": ", ".join(labels[:-1]), "last": labels[-1]}


def written(
    entry: Any,
    translate: Callable[[str], str] = lambda text: text,
    day: Callable[[date], str] = lambda d: f"{d:%d %b %Y}",
) -> str:
    """An entry as stored (a `Missing`'s `stored()`, or an English sentence of an older record) in the
    language of `translate`, its day as `day` writes it."""
    if isinstance(entry, Missing):
        entry = entry.stored()
    if not isinstance(entry, dict):
        return str(entry)
    values = dict(entry.get("values") or {})
    shown: dict[str, Any] = {}
    for name, value in values.items():
        if name == "since":
            shown[name] = day(date.fromisoformat(value))
        elif name == "syndrome":
            shown[name] = translate(FunctionalSyndrome(value).label_text)
        elif name == "markers":  # every one of them a marker of the syndrome
            shown[name] = ", ".join(translate(Analyte(v).label_text) for v in value)
        elif name == "any_of":  # one of them, beside the paired marker
            shown[name] = _names(list(value), translate)
        elif name == "paired_with":
            shown[name] = translate(Analyte(value).label_text)
        elif name == "rule":  # the published rule, a catalogue message (vocabularies, N_)
            shown[name] = translate(value)
        else:
            shown[name] = value
    return translate(entry["message"]) % shown


OR = N_("%(first)s or %(last)s")

MITOSES_GRADED_SITES = frozenset({PrimarySite.LUNG, PrimarySite.THYMUS})
# Imaging that shows the extent of disease: cross-sectional (CT, MRI) or SSTR imaging.
STAGING_MODALITIES = frozenset(
    {ImagingModality.CT, ImagingModality.MRI, ImagingModality.SSTR_PET_CT, ImagingModality.OCTREOSCAN_SPECT}
)


QUESTION_MISSING = Missing(N_("The clinical question for the board."))


# The case's own fields a clinician must answer before the board sees it; "unknown" is an answer they
# choose, an empty field is a question nobody answered.
ANSWER_REQUIRED = (
    ("functional_status", Missing(N_("The functional status (choose Unknown if it is not known)."))),
    ("differentiation", Missing(N_("The differentiation (choose Not recorded if it is not known)."))),
    ("hereditary_syndrome", Missing(N_("The hereditary syndrome (choose None known or Not assessed)."))),
)


def required_to_submit(case) -> list[Missing]:
    """What the case cannot go to the board without, whatever the reason: a board discusses a question,
    and the case's own clinical fields are answered (a reason may excuse missing findings only)."""
    missing = []
    if not (case.clinical_question or "").strip():
        missing.append(QUESTION_MISSING)
    missing += [entry for name, entry in ANSWER_REQUIRED if getattr(case, name) in (None, "")]
    return missing


def missing_for_board(case, today: date, imaging_max_age_weeks: int) -> list[Missing]:
    """Everything the board will miss: what is required to submit first, then what a reason excuses."""
    missing = required_to_submit(case)
    explained = bool(case.no_pathology_reason.strip())
    if case.primary_site in MITOSES_GRADED_SITES:
        # WHO lung/thymus: carcinoids are classified by mitoses and necrosis; Ki-67 plays no part.
        if not explained and not any(r.mitoses_per_2mm2 is not None for r in case.pathology):
            missing.append(
                Missing(N_("Pathology with the mitotic count (and necrosis), or the reason there is none."))
            )
    elif not explained and not any(r.ki67_percent is not None for r in case.pathology):
        missing.append(Missing(N_("Pathology with Ki-67, or the reason there is none.")))
    oldest = today - timedelta(weeks=imaging_max_age_weeks)
    if not any(s.modality in STAGING_MODALITIES and s.study_date >= oldest for s in case.imaging):
        missing.append(
            Missing(
                N_("CT, MRI or SSTR imaging from the last %(weeks)s weeks (on or after %(since)s)."),
                {"weeks": imaging_max_age_weeks, "since": oldest.isoformat()},
            )
        )
    if case.functional_status == FunctionalStatus.FUNCTIONAL:
        if not case.syndrome:
            missing.append(Missing(N_("The hormone syndrome of this functional tumour.")))
        else:
            syndrome = FunctionalSyndrome(case.syndrome)
            analytes = {lab.analyte for lab in case.labs}
            markers = [marker.value for marker in syndrome.markers]
            if syndrome.paired_with is not None:
                if not _paired(case.labs, syndrome.markers, syndrome.paired_with):
                    missing.append(_paired_message(syndrome, syndrome.paired_with))
            elif syndrome.markers and analytes.isdisjoint(syndrome.markers):
                missing.append(
                    Missing(
                        N_("A marker of the %(syndrome)s: %(markers)s."),
                        {"syndrome": syndrome.value, "markers": markers},
                    )
                )
            elif not syndrome.markers and not analytes:
                missing.append(Missing(N_("A laboratory marker of the hormone syndrome.")))
    return missing


def _paired(labs, markers: tuple[Analyte, ...], paired_with: Analyte) -> bool:
    """Whether one of ``markers`` was sampled on the same day as a ``paired_with`` result."""
    days = {lab.sample_date for lab in labs if lab.analyte == paired_with}
    return any(lab.analyte in markers and lab.sample_date in days for lab in labs)


def _paired_message(syndrome: FunctionalSyndrome, paired_with: Analyte) -> Missing:
    values = {
        "syndrome": syndrome.value,
        "any_of": [marker.value for marker in syndrome.markers],
        "paired_with": paired_with.value,
    }
    if syndrome.documentation_rule:
        return Missing(
            N_("For the %(syndrome)s: %(any_of)s sampled on the same day as %(paired_with)s. %(rule)s."),
            values | {"rule": syndrome.documentation_rule},
        )
    return Missing(N_("For the %(syndrome)s: %(any_of)s sampled on the same day as %(paired_with)s."), values)
