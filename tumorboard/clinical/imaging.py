"""Imaging scores of NET follow-up (clinical reference, section 4): RECIST 1.1, Krenning and NETPET."""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from tumorboard.clinical.labels import N_, Signed, Text
from tumorboard.clinical.results import Result, parse_optional, require
from tumorboard.clinical.vocabularies import FdgVsSstr

RECIST = "RECIST 1.1 (Eisenhauer 2009)"
KRENNING = Text(N_("Krenning score (Krenning et al. 1993/1994, as used by ENETS and SNMMI)"))
NETPET = "NETPET (Chan, Theranostics 2017)"


class Response(StrEnum):
    CR = "CR"
    PR = "PR"
    SD = "SD"
    PD = "PD"


class KrenningUptake(StrEnum):
    """The uptake each Krenning score describes; a member's position is its score."""

    NONE = N_("no uptake")
    MUCH_LOWER_THAN_LIVER = N_("uptake much lower than liver")
    UP_TO_LIVER = N_("uptake slightly less than or equal to liver")
    ABOVE_LIVER = N_("uptake greater than liver")
    ABOVE_SPLEEN = N_("uptake greater than spleen (or kidney)")


class NetpetGrade(StrEnum):
    P0 = "P0"
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"
    P5 = "P5"


_PR_FALL = Fraction(30, 100)
_PD_RISE = Fraction(20, 100)
_PD_RISE_MM = 5


def _exact(value: float | Decimal) -> Fraction:
    """A measurement as the decimal number it was written as, so that 30% is exactly 30%."""
    return Fraction(str(value))


def recist_response(
    baseline_sum_mm: float,
    nadir_sum_mm: float,
    current_sum_mm: float,
    new_lesions: bool = False,
) -> Result[Response]:
    """RECIST 1.1 response of the target lesions (Eisenhauer 2009).

    PD: any new lesion, or a sum at least 20% **and** at least 5 mm above the nadir (the smallest sum so
    far, baseline included), or a target lesion reappearing after the sum had reached 0. CR: every target
    lesion gone (sum 0). PR: a sum at least 30% below the **baseline**. SD: otherwise.

    Nodal caveat: target nodes are measured by short axis and are normal below 10 mm, so with nodal
    targets a CR (every node <10 mm) leaves a sum above 0; this function then reports PR or SD, and the
    reader applies the node rule. Unequivocal progression of non-target lesions (also PD) is not an input.
    """
    require(
        min(baseline_sum_mm, nadir_sum_mm, current_sum_mm) >= 0,
        Text(N_("Sums of diameters cannot be negative.")),
    )
    require(baseline_sum_mm > 0, Text(N_("The baseline sum must be greater than 0 mm.")))
    require(nadir_sum_mm <= baseline_sum_mm, Text(N_("The nadir sum cannot exceed the baseline sum.")))
    inputs = {
        "baseline_sum_mm": baseline_sum_mm,
        "nadir_sum_mm": nadir_sum_mm,
        "current_sum_mm": current_sum_mm,
        "new_lesions": new_lesions,
    }
    baseline, nadir, current = map(_exact, (baseline_sum_mm, nadir_sum_mm, current_sum_mm))
    change = Signed(float((current - baseline) / baseline) * 100, 1)
    rise = current - nadir
    relative_rise_reached = rise > 0 and rise >= _PD_RISE * nadir

    def result(category: Response, finding: Text, note: Text | None = None) -> Result[Response]:
        rule = Text(N_("%(source)s: %(finding)s."), source=RECIST, finding=finding)
        return Result(category=category, rule=rule, inputs=inputs, note=note)

    if new_lesions:
        return result(Response.PD, Text(N_("any new lesion is progressive disease")))
    if nadir == 0 and current > 0:
        return result(
            Response.PD, Text(N_("a target lesion reappeared after a complete response: progressive disease"))
        )
    if relative_rise_reached and rise >= _PD_RISE_MM:
        return result(
            Response.PD,
            Text(
                N_(
                    "the sum rose %(rise)s mm (%(relative)s%%) over the nadir, at least 20%% and 5 mm: "
                    "progressive disease"
                ),
                rise=float(rise),
                relative=Signed(float(rise / nadir) * 100, 1),
            ),
        )
    if current == 0:
        return result(
            Response.CR,
            Text(
                N_(
                    "all target lesions have disappeared (sum 0 mm): complete response; with target nodes, "
                    "CR instead needs every node below 10 mm short axis, so their sum need not reach 0"
                )
            ),
        )
    note = (
        Text(
            N_("The sum rose 20%% or more over the nadir, but by less than the 5 mm progression also needs.")
        )
        if relative_rise_reached
        else None
    )
    if current <= baseline * (1 - _PR_FALL):
        return result(
            Response.PR,
            Text(
                N_("the sum changed %(change)s%% from baseline, a fall of at least 30%%: partial response"),
                change=change,
            ),
            note,
        )
    return result(
        Response.SD,
        Text(
            N_(
                "the sum changed %(change)s%% from baseline and %(rise)s mm from the nadir, neither a 30%% "
                "fall nor a rise of 20%% and 5 mm: stable disease"
            ),
            change=change,
            rise=Signed(float(rise)),
        ),
        note,
    )


@dataclass(frozen=True, kw_only=True)
class KrenningResult(Result[KrenningUptake]):
    """A Krenning score with its uptake (``category``) and whether that uptake qualifies for PRRT."""

    score: int
    prrt_eligible: bool


_PRRT_MIN_SCORE = 3  # "Krenning >2"
_OTHER_PRRT_CRITERIA = Text(
    N_(
        "PRRT also needs creatinine clearance >50 mL/min, Karnofsky >50, adequate marrow and an expected "
        "survival >3 months."
    )
)


def krenning(score: int) -> KrenningResult:
    """Krenning score of SSTR uptake (Krenning et al. 1993/1994): 0 none; 1 much lower than liver; 2
    slightly less than or equal to liver; 3 greater than liver; 4 greater than spleen (or kidney).

    PRRT-eligible uptake is Krenning >2 (3 and 4). Sources vary between ≥2 and ≥3: score 2 is flagged
    disputed (eligible only under ≥2); score 3 is eligible under every reading (>2 and ≥3 coincide for
    whole scores), so it is not.
    """
    require(score in range(len(KrenningUptake)), Text(N_("Krenning score must be 0, 1, 2, 3 or 4.")))
    score = int(score)
    uptake = list(KrenningUptake)[score]
    eligible = score >= _PRRT_MIN_SCORE
    return KrenningResult(
        category=uptake,
        rule=Text(
            N_(
                "%(source)s: %(score)s is %(uptake)s; PRRT is usually given for Krenning >2, so this uptake "
                "qualifies."
            )
            if eligible
            else N_(
                "%(source)s: %(score)s is %(uptake)s; PRRT is usually given for Krenning >2, so this uptake "
                "does not qualify."
            ),
            source=KRENNING,
            score=str(score),
            uptake=uptake,
        ),
        inputs={"score": score},
        disputed_reason=Text(
            N_("Sources vary between Krenning ≥2 and ≥3 for PRRT; score 2 qualifies only under ≥2.")
        )
        if score == _PRRT_MIN_SCORE - 1
        else None,
        note=_OTHER_PRRT_CRITERIA if eligible else None,
        score=score,
        prrt_eligible=eligible,
    )


_KRENNING_NOT_POSITIVE = (0, 1)  # none, or much lower than the liver
_KRENNING_POSITIVE = (3, 4)  # above the liver, above the spleen


def krenning_uptake_disagreement(score: int, uptake_positive: bool | None) -> str | None:
    """Whether a study's Krenning score and its "uptake positive" statement contradict each other, said
    with both values and the scale's source; None when they agree or one is missing.

    Scores 0 and 1 (no uptake, or uptake much lower than the liver) are not a positive SSTR study;
    scores 3 and 4 (above the liver, above the spleen) are. Score 2 (up to the liver's uptake) is read
    either way by the sources, so it contradicts neither statement. The app never changes either value.
    """
    require(score in range(len(KrenningUptake)), Text(N_("Krenning score must be 0, 1, 2, 3 or 4.")))
    if uptake_positive is None:
        return None
    uptake = list(KrenningUptake)[score]
    if uptake_positive and score in _KRENNING_NOT_POSITIVE:
        message = N_(
            "The study records Krenning %(score)s (%(uptake)s) and uptake positive; on the %(source)s scale "
            "a Krenning %(score)s is not a positive SSTR study. Both values stand as entered; check the "
            "report."
        )
    elif not uptake_positive and score in _KRENNING_POSITIVE:
        message = N_(
            "The study records Krenning %(score)s (%(uptake)s) and uptake negative; on the %(source)s scale "
            "a Krenning %(score)s is a positive SSTR study. Both values stand as entered; check the report."
        )
    else:
        return None
    return Text(message, score=str(score), uptake=uptake, source=KRENNING)


_NETPET = {
    (False, False, None): (NetpetGrade.P0, Text(N_("SSTR-negative and FDG-negative"))),
    (True, False, None): (NetpetGrade.P1, Text(N_("SSTR-positive and FDG-negative"))),
    (True, True, FdgVsSstr.LOWER): (NetpetGrade.P2, Text(N_("both positive, FDG lower than SSTR"))),
    (True, True, FdgVsSstr.EQUAL): (NetpetGrade.P3, Text(N_("both positive, FDG equal to SSTR"))),
    (True, True, FdgVsSstr.HIGHER): (NetpetGrade.P4, Text(N_("both positive, FDG higher than SSTR"))),
    (False, True, None): (NetpetGrade.P5, Text(N_("SSTR-negative and FDG-positive"))),
}


def netpet(
    sstr_positive: bool, fdg_positive: bool, fdg_vs_sstr: FdgVsSstr | str | None = None
) -> Result[NetpetGrade]:
    """NETPET grade of dual-tracer (SSTR and FDG) PET (Chan, Theranostics 2017): P0 SSTR−/FDG−; P1
    SSTR+/FDG−; P2–P4 both positive with FDG lower than, equal to or higher than SSTR; P5 SSTR−/FDG+.

    The grade needs both scans: a missing scan, or both positive without the comparison, is rejected like
    any impossible input, since the form asks for it.
    """
    require(
        sstr_positive is not None and fdg_positive is not None,
        Text(N_("NETPET needs the result of both the SSTR and the FDG scan.")),
    )
    both = sstr_positive and fdg_positive
    comparison = parse_optional(FdgVsSstr, fdg_vs_sstr, N_("FDG versus SSTR uptake"))
    require(
        comparison is not None or not both,
        Text(N_("If both scans are positive, compare FDG with SSTR uptake (lower, equal or higher).")),
    )
    require(
        comparison is None or both,
        Text(N_("FDG and SSTR uptake are compared only when both scans are positive.")),
    )
    grade, finding = _NETPET[bool(sstr_positive), bool(fdg_positive), comparison]
    return Result(
        category=grade,
        rule=Text(N_("%(source)s: %(finding)s is %(grade)s."), source=NETPET, finding=finding, grade=grade),
        inputs={"sstr_positive": sstr_positive, "fdg_positive": fdg_positive, "fdg_vs_sstr": comparison},
    )
