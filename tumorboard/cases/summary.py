"""The clinical summary of a case: computed grade, TNM, stage, codes and imaging scores, each beside what
was reported, with its rule, and every disagreement or disputed boundary raised as a flag.

Nothing here is stored over a reported value: the page shows both, and the flags say where they differ.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

from flask_babel import lazy_gettext as _l

from tumorboard.clinical import coding, grading, imaging, staging
from tumorboard.clinical.labels import N_, Text
from tumorboard.clinical.results import Result
from tumorboard.clinical.vocabularies import Differentiation, FunctionalStatus, ImagingModality, PrimarySite

if TYPE_CHECKING:
    from tumorboard.cases.models import PathologyReport

T = TypeVar("T")

LUNG_RULES_SITES = frozenset({PrimarySite.LUNG, PrimarySite.THYMUS})
_REPORTED_T = re.compile(r"\bp?T\s*([0-4](?:mi|[a-c])?|X|is)\b", re.IGNORECASE)
_REPORTED_N = re.compile(r"\bp?N\s*([0-3]|X)\b", re.IGNORECASE)  # N3: lung


class FlagKind(StrEnum):
    DISAGREEMENT = "disagreement"  # the app computes otherwise than was reported
    DISPUTED = "disputed"  # the input sits on a boundary on which the sources disagree
    INVALID = "invalid"  # the clinical rules cannot use the input

    @property
    def label(self) -> str:
        return str(
            {
                "disagreement": _l("Disagreement"),
                "disputed": _l("Disputed boundary"),
                "invalid": _l("Cannot compute"),
            }[self.value]
        )


@dataclass
class Flag:
    """Something nobody may miss: a disagreement with a reported value, a disputed boundary, or input the
    clinical rules cannot use."""

    kind: FlagKind
    message: str

    def __post_init__(self) -> None:
        self.kind = FlagKind(self.kind)

    @property
    def is_serious(self) -> bool:
        """A disagreement or unusable input is shown as an error, a disputed boundary as a warning."""
        return self.kind is not FlagKind.DISPUTED


@dataclass
class GradeFinding:
    result: Result
    report: "PathologyReport | None"  # the report it was computed from (live, or frozen: cases.records)
    scheme: str  # "WHO 2019 digestive system" or "WHO lung/thymus"
    reported: str | None


@dataclass
class CaseSummary:
    grade: GradeFinding | None = None
    staging: "staging.Staging | None" = None  # quoted: the field shadows the module in the class body
    reported_tnm: str | None = None
    codes: coding.CodeSuggestions | None = None
    recist: Result | None = None
    krenning: imaging.KrenningResult | None = None
    netpet: Result | None = None
    flags: list[Flag] = field(default_factory=list)

    @property
    def not_staged_reason(self) -> str | None:
        if self.staging is not None and self.staging.stage.category == "not staged":
            return self.staging.stage.rule
        return None


_DATE_ATTRIBUTES = ("study_date", "sample_date", "report_date")


def _in_date_order(items) -> list:
    """Findings oldest first. The relationships are ordered by date only as loaded: a finding added or
    redated since then sits where it was appended."""
    return sorted(
        items, key=lambda item: next(getattr(item, name) for name in _DATE_ATTRIBUTES if hasattr(item, name))
    )


def _latest(items: Iterable[T], has: Callable[[T], bool]) -> T | None:
    chosen = None
    for item in _in_date_order(items):
        if has(item):
            chosen = item
    return chosen


def grading_report(case):
    """The latest pathology report that carries something to grade from."""
    return _latest(
        case.pathology,
        lambda r: r.ki67_percent is not None or r.mitoses_per_2mm2 is not None or r.differentiation == "poor",
    )


def compute_grade(case) -> GradeFinding | None:
    report = grading_report(case)
    if report is None:
        return None
    differentiation = report.differentiation if report.differentiation != "unknown" else case.differentiation
    result: Result
    if case.primary_site in LUNG_RULES_SITES:
        result = grading.lung_category(report.mitoses_per_2mm2, report.necrosis)
        scheme = grading.WHO_LUNG
    else:
        result = grading.who_grade(report.ki67_percent, report.mitoses_per_2mm2, differentiation)
        scheme = grading.WHO_2019
    return GradeFinding(result=result, report=report, scheme=scheme, reported=report.reported_grade)


def computed_grade_value(case) -> str | None:
    """The cached grade for the case list's filter (None when nothing can be graded)."""
    try:
        finding = compute_grade(case)
    except ValueError:
        return None
    if finding is None or finding.result.category in ("not gradable", "not classifiable"):
        return None
    return str(finding.result.category)


def _recist(case) -> Result | None:
    measured = [s for s in _in_date_order(case.imaging) if s.target_lesion_sum_mm is not None]
    if len(measured) < 2:
        return None
    baseline, current = measured[0], measured[-1]
    nadir = min(s.target_lesion_sum_mm for s in measured[:-1])
    return imaging.recist_response(
        baseline.target_lesion_sum_mm, nadir, current.target_lesion_sum_mm, current.new_lesions
    )


def _netpet(case) -> Result | None:
    sstr = _latest(
        case.imaging, lambda s: s.modality == ImagingModality.SSTR_PET_CT and s.uptake_positive is not None
    )
    fdg = _latest(
        case.imaging, lambda s: s.modality == ImagingModality.FDG_PET_CT and s.uptake_positive is not None
    )
    if sstr is None or fdg is None:
        return None
    return imaging.netpet(sstr.uptake_positive, fdg.uptake_positive, fdg.fdg_vs_sstr)


def _reported_tnm_flags(summary: CaseSummary, reported: str) -> None:
    if summary.staging is None or summary.not_staged_reason:
        return
    for pattern, part, computed in (
        (_REPORTED_T, "T", summary.staging.t.category),
        (_REPORTED_N, "N", summary.staging.n.category),
    ):
        match = pattern.search(reported)
        if not match or str(computed).upper().endswith("X"):
            continue  # nothing reported, or the app lacks the inputs: not a disagreement
        if not str(computed).upper().startswith(f"{part}{match.group(1)}".upper()):
            summary.flags.append(
                Flag(
                    FlagKind.DISAGREEMENT,
                    Text(
                        N_(
                            "The pathologist reported %(category)s (%(reported)s); the app computes "
                            "%(computed)s. The report stands; check the size, extent and node inputs."
                        ),
                        category=f"{part}{match.group(1)}",
                        reported=reported,
                        computed=computed,
                    ),
                )
            )


def _guard(summary: CaseSummary, what: str, compute):
    """The computed value, or None and a flag saying why the rules cannot use the input (the core's
    refusal, a catalogue message where it is one)."""
    try:
        return compute()
    except ValueError as exc:
        reason = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
        summary.flags.append(
            Flag(FlagKind.INVALID, Text(N_("%(what)s: %(reason)s"), what=Text(what), reason=reason))
        )
        return None


def summarise(case) -> CaseSummary:
    """Everything the case page, the agenda and the meeting screen show of a case's clinical picture."""
    summary = CaseSummary()
    summary.grade = _guard(summary, N_("Grade"), lambda: compute_grade(case))
    grade = summary.grade
    if grade is not None:
        if grade.result.disputed:
            summary.flags.append(
                Flag(
                    FlagKind.DISPUTED,
                    Text(N_("Grade on a disputed boundary: %(reason)s"), reason=grade.result.disputed_reason),
                )
            )
        computed = str(grade.result.category)
        if (
            grade.reported
            and computed not in ("not gradable", "not classifiable")
            and grade.reported != computed
        ):
            summary.flags.append(
                Flag(
                    FlagKind.DISAGREEMENT,
                    Text(
                        N_(
                            "The pathologist reported %(reported)s; the indices give %(computed)s "
                            "(%(rule)s). The reported grade stands until the pathologist revises it."
                        ),
                        reported=grade.reported,
                        computed=grade.result.category,
                        rule=grade.result.rule,
                    ),
                )
            )
    report = grade.report if grade else None
    histology = report.histology if report is not None else None
    differentiation = (
        report.differentiation
        if report is not None and report.differentiation != "unknown"
        else case.differentiation
    )
    summary.staging = _guard(
        summary,
        N_("Stage"),
        lambda: staging.stage(
            case.primary_site,
            case.tumour_size_cm,
            case.extent,
            case.nodes_positive,
            case.mesenteric_mass_cm,
            case.metastatic_site_list,
            differentiation or Differentiation.UNKNOWN,
            histology,
        ),
    )
    if summary.staging is not None and summary.staging.disputed:
        for part in (summary.staging.t, summary.staging.n, summary.staging.m, summary.staging.stage):
            if part.disputed:
                summary.flags.append(
                    Flag(
                        FlagKind.DISPUTED,
                        Text(
                            N_("%(category)s sits on a disputed boundary: %(reason)s"),
                            category=part.category,
                            reason=part.disputed_reason,
                        ),
                    )
                )
    tnm_report = _latest(case.pathology, lambda r: bool(r.reported_tnm))
    if tnm_report is not None:
        summary.reported_tnm = tnm_report.reported_tnm
        _reported_tnm_flags(summary, tnm_report.reported_tnm)
    grade_value = None
    if grade is not None and grade.result.category not in ("not gradable", "not classifiable"):
        grade_value = grade.result.category
    syndrome = case.syndrome if case.functional_status == FunctionalStatus.FUNCTIONAL else None
    summary.codes = _guard(
        summary,
        N_("Codes"),
        lambda: coding.suggest_codes(
            case.primary_site, differentiation, grade_value, histology, case.metastatic_site_list, syndrome
        ),
    )
    summary.recist = _guard(summary, "RECIST", lambda: _recist(case))
    krenning_study = _latest(case.imaging, lambda s: s.krenning_score is not None)
    if krenning_study is not None:
        summary.krenning = _guard(
            summary, "Krenning", lambda: imaging.krenning(krenning_study.krenning_score)
        )
        # disputed is exactly "disputed_reason is not None"
        if summary.krenning is not None and summary.krenning.disputed_reason is not None:
            summary.flags.append(Flag(FlagKind.DISPUTED, summary.krenning.disputed_reason))
    _krenning_uptake_flags(summary, case)
    summary.netpet = _guard(summary, "NETPET", lambda: _netpet(case))
    return summary


def _krenning_uptake_flags(summary: CaseSummary, case) -> None:
    """A study whose Krenning score and uptake statement contradict each other, flagged with both."""
    for study in _in_date_order(case.imaging):
        if study.krenning_score is None or study.uptake_positive is None:
            continue
        message = _guard(
            summary,
            "Krenning",
            lambda study=study: imaging.krenning_uptake_disagreement(
                study.krenning_score, study.uptake_positive
            ),
        )
        if message:
            modality = ImagingModality(study.modality)
            if study.study_date:
                text = Text(
                    N_("%(modality)s of %(day)s: %(message)s"),
                    modality=modality,
                    day=study.study_date,
                    message=message,
                )
            else:
                text = Text(N_("%(modality)s, undated: %(message)s"), modality=modality, message=message)
            summary.flags.append(Flag(FlagKind.DISAGREEMENT, text))
