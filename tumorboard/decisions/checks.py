"""Consistency checks of a board's treatment plan against the case's clinical picture.

The checks warn, they never block: each warning names the plan item, the rule it contradicts and that
rule's source, and the chair may sign the plan anyway with a reason, which the caller records. Pure Python
on purpose (it imports only the clinical core), so the draft page, the sign-off and the tests run the same
rules with no app.

Rules, in the order they are checked for each plan item (codes are stable; the UI and audit keep them):

- ``prrt-without-sstr-imaging``, ``prrt-without-krenning-score``, ``prrt-low-krenning``: PRRT needs
  SSTR-positive disease, Krenning >2 (docs/clinical-reference.md, imaging; score 2 is disputed, ≥2 versus ≥3).
- ``prrt-for-nec``: PRRT is for well-differentiated, SSTR-positive NETs, not for an NEC.
- ``ssa-for-nec``: somatostatin analogues are for well-differentiated, SSTR-positive NETs.
- ``platinum-etoposide-for-net-g1-g2``: cisplatin/carboplatin + etoposide is the NEC regimen.
- ``surgery-m1-without-debulking``: curative surgery of the primary in M1 (stage IV) disease with nothing
  in the plan that deals with the metastases.
- ``appendectomy-alone-for-g3``: an appendix NET G3 calls for a right hemicolectomy.
- ``telotristat-without-carcinoid-syndrome``, ``ppi-without-zollinger-ellison``,
  ``diazoxide-without-insulinoma``: a symptomatic drug needs the syndrome it treats.
- ``telotristat-without-ssa``: telotristat is approved added to a somatostatin analogue.
- Uses outside the approved labels (EMA/FDA): ``prrt-outside-gep-net`` (¹⁷⁷Lu-DOTATATE for a primary
  outside the gastro-entero-pancreatic tract), ``sunitinib-outside-pancreatic-net``,
  ``everolimus-for-functional-carcinoid`` (a functional tumour outside the pancreas),
  ``everolimus-outside-label-site`` (neither pancreas, gastrointestinal tract nor lung),
  ``targeted-therapy-for-nec`` (everolimus, sunitinib, cabozantinib are labelled for well-differentiated
  NETs) and ``cabozantinib-without-prior-treatment`` (labelled after prior systemic treatment; fires only
  when the picture says there was none).

An NEC, for these rules, is a case with poor differentiation, an NEC histology (NEC, LCNEC, SCNEC), the
computed grade NEC, or the lung category "high-grade (LCNEC/SCLC)". A MiNEN is not treated as an NEC by
itself: its differentiation varies, so only its recorded differentiation or grade decides.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from tumorboard.clinical.grading import Grade, LungCategory
from tumorboard.clinical.imaging import KrenningResult, krenning
from tumorboard.clinical.labels import N_, InSentence, Text
from tumorboard.clinical.results import parse_optional, require
from tumorboard.clinical.tnm import M1_CATEGORIES, MCategory
from tumorboard.clinical.vocabularies import (
    Differentiation,
    FunctionalSyndrome,
    Histology,
    PlanIntent,
    PrimarySite,
    Treatment,
    TreatmentCategory,
    as_differentiation,
)


@dataclass(frozen=True)
class PlanItemData:
    """One item of the plan as the checks need it."""

    treatment: str  # Treatment code (the treatment vocabulary)
    intent: str  # PlanIntent value
    detail: str = ""


@dataclass(frozen=True)
class ClinicalPicture:
    """What the case's findings say, in the vocabularies' string values."""

    differentiation: str | None  # "well", "poor", "unknown"; None: not yet answered on the case
    histology: str | None  # Histology value ("net", "nec", "lcnec", "scnec", "minen") or None
    grade: str | None  # computed grade: "G1", "G2", "G3", "NEC", a lung category, "not gradable" or None
    m_category: str | None  # "M0", "M1", "M1a", "M1b", "M1c", "MX", "not staged" or None
    has_sstr_imaging: bool  # an SSTR PET/CT or Octreoscan exists
    krenning_score: int | None  # latest Krenning score, if any
    functional_syndrome: str | None  # FunctionalSyndrome value when functional
    primary_site: str  # PrimarySite value
    prior_systemic_treatment: bool | None = None  # any earlier systemic NET treatment; None: not known


@dataclass(frozen=True)
class CheckWarning:
    """A plan item that contradicts the data, with the rule (and its source) it contradicts."""

    code: str  # stable id of the rule, e.g. "prrt-without-sstr-imaging"
    message: str  # one sentence for the chair, naming the plan item (a Text: its English is the str)
    rule: str  # the rule and its source (a Text)
    treatment: str  # the code of the plan item it concerns

    def __post_init__(self) -> None:
        # a rule constant is its catalogue message (N_): the warning carries it as a Text, to be written
        # in the reader's language where it is shown
        if not isinstance(self.rule, Text):
            object.__setattr__(self, "rule", Text(self.rule))


PRRT_SSTR_RULE = N_(
    "PRRT needs SSTR-positive disease on SSTR PET/CT or Octreoscan, usually Krenning score >2 "
    "(NANETS/SNMMI procedure standard for ¹⁷⁷Lu-DOTATATE PRRT, 2019; sources vary between ≥2 and ≥3)"
)
PRRT_NEC_RULE = N_(
    "¹⁷⁷Lu-DOTATATE PRRT is a treatment of well-differentiated, SSTR-positive NETs, not of a "
    "neuroendocrine carcinoma (EMA and FDA labels, NETTER-1; WHO 2019: NEC is poorly differentiated)"
)
SSA_NEC_RULE = N_(
    "Somatostatin analogues are for well-differentiated, SSTR-positive NETs, not for a neuroendocrine "
    "carcinoma (ENETS 2023 guidance; WHO 2019: NEC is poorly differentiated)"
)
PLATINUM_ETOPOSIDE_RULE = N_(
    "Cisplatin or carboplatin + etoposide is the regimen of neuroendocrine carcinoma, not of a "
    "well-differentiated NET G1/G2 (ENETS 2023 guidance for digestive NEC; WHO 2019 grading)"
)
SURGERY_M1_RULE = N_(
    "Any M1 is stage IV (AJCC 8th edition): curative surgery of the primary fits only a plan that also "
    "resects or debulks the metastases (liver surgery, SURG-LIVER) or states a debulking intent"
)
APPENDIX_RULE = N_(
    "Appendectomy alone suffices only for an appendix NET <2 cm, G1/G2, R0 with mesoappendix invasion "
    "<3 mm; G3 calls for a right hemicolectomy (ENETS 2016 guidance for appendiceal NETs)"
)
TELOTRISTAT_RULE = N_(
    "Telotristat ethyl treats the diarrhoea of carcinoid syndrome (EMA and FDA labels, TELESTAR)"
)
PPI_RULE = N_(
    "A proton-pump inhibitor in the plan treats the acid hypersecretion of a gastrinoma, Zollinger-Ellison "
    "syndrome (ENETS 2016 guidance for functional pancreatic NETs)"
)
DIAZOXIDE_RULE = N_(
    "Diazoxide treats the hypoglycaemia of an insulinoma (ENETS 2016 guidance for functional pancreatic NETs)"
)

TELOTRISTAT_SSA_RULE = N_(
    "Telotristat ethyl is approved in combination with somatostatin analogue therapy, for carcinoid "
    "syndrome diarrhoea that a somatostatin analogue alone does not control (EMA and FDA labels, TELESTAR)"
)
PRRT_GEP_RULE = N_(
    "¹⁷⁷Lu-DOTATATE (Lutathera) is approved for unresectable or metastatic, progressive, "
    "well-differentiated, SSTR-positive gastro-entero-pancreatic NETs (EMA label; FDA label: SSTR-positive "
    "GEP-NETs; NETTER-1 enrolled midgut NETs); a lung, thymic or other primary is outside the label"
)
SUNITINIB_RULE = N_(
    "Sunitinib is approved for unresectable or metastatic, progressive, well-differentiated pancreatic NETs "
    "only (EMA and FDA labels, after the phase 3 trial A6181111, Raymond et al., NEJM 2011)"
)
EVEROLIMUS_FUNCTIONAL_RULE = N_(
    "Everolimus is approved for progressive pancreatic NETs (RADIANT-3) and for progressive, "
    "well-differentiated, non-functional NETs of gastrointestinal or lung origin (RADIANT-4); the FDA label "
    "states it is not indicated for functional carcinoid tumours, and RADIANT-2 (everolimus with octreotide "
    "in carcinoid syndrome) did not lead to an approval (EMA and FDA labels)"
)
EVEROLIMUS_SITE_RULE = N_(
    "Everolimus is approved for NETs of pancreatic (RADIANT-3), gastrointestinal or lung origin "
    "(RADIANT-4) (EMA and FDA labels)"
)
TARGETED_NEC_RULE = N_(
    "Everolimus, sunitinib and cabozantinib are approved for well-differentiated NETs (EMA and FDA labels; "
    "RADIANT-3, RADIANT-4, A6181111, CABINET), not for a neuroendocrine carcinoma (WHO 2019: NEC is poorly "
    "differentiated)"
)
CABOZANTINIB_RULE = N_(
    "Cabozantinib is approved for previously treated, unresectable, locally advanced or metastatic, "
    "well-differentiated pancreatic and extra-pancreatic NETs (FDA label 2025, after CABINET, Chan et al., "
    "NEJM 2025)"
)

GEP_SITES = frozenset(
    {
        PrimarySite.STOMACH,
        PrimarySite.DUODENUM,
        PrimarySite.AMPULLA,
        PrimarySite.JEJUNUM,
        PrimarySite.ILEUM,
        PrimarySite.APPENDIX,
        PrimarySite.COLON,
        PrimarySite.RECTUM,
        PrimarySite.PANCREAS,
    }
)
"""The gastro-entero-pancreatic primaries of the PRRT label."""
EVEROLIMUS_SITES = GEP_SITES | {PrimarySite.LUNG}
"""The primaries of the everolimus label: pancreas, gastrointestinal tract and lung."""
TARGETED = (Treatment.TT_EVE, Treatment.TT_SUN, Treatment.TT_CABO)

DEBULKING_WORDS = ("debulk", "cytoreduct")
"""Words in a surgery item's detail that state a debulking intent (debulking, debulked, cytoreduction)."""

_PALLIATIVE_INTENTS = {PlanIntent.PALLIATIVE, PlanIntent.SYMPTOM_CONTROL}
_NOT_STAGED = {"", "MX", MCategory.NOT_STAGED}


@dataclass(frozen=True)
class _Item:
    treatment: Treatment
    intent: PlanIntent
    detail: str

    @property
    def name(self) -> Text:
        return Text(N_("%(treatment)s (%(code)s)"), treatment=self.treatment, code=self.treatment.value)

    @property
    def is_surgery(self) -> bool:
        return self.treatment.category is TreatmentCategory.SURGERY


@dataclass(frozen=True)
class _Facts:
    """The picture parsed into the vocabularies, with what the rules derive from it."""

    nec_reason: Text | None  # why the case counts as an NEC; None when it does not
    grade: Grade | LungCategory | None
    m_category: MCategory | None
    has_sstr_imaging: bool
    krenning: KrenningResult | None
    syndrome: FunctionalSyndrome | None
    site: PrimarySite | None
    prior_systemic_treatment: bool | None


def _parse_grade(value: str | None) -> Grade | LungCategory | None:
    if value is None or value == "":
        return None
    for categories in (Grade, LungCategory):
        try:
            return categories(value)
        except ValueError:
            continue
    raise ValueError(
        f"Unknown grade {value!r}: expected G1, G2, G3, NEC, 'not gradable' or a lung category "
        f"({', '.join(LungCategory)})."
    )


def _parse_m_category(value: str | None) -> MCategory | None:
    if value is None or value in _NOT_STAGED:
        return None
    try:
        return MCategory(value)
    except ValueError:
        raise ValueError(
            f"Unknown M category {value!r}: expected M0, M1, M1a, M1b, M1c, MX or 'not staged'."
        ) from None


def _nec_reason(
    differentiation: Differentiation, histology: Histology | None, grade: Grade | LungCategory | None
) -> Text | None:
    if differentiation is Differentiation.POOR:
        return Text(N_("poorly differentiated"))
    if histology is not None and histology.is_carcinoma:
        return Text(N_("histology %(code)s"), code=histology.value.upper())
    if grade is Grade.NEC:
        return Text(N_("graded NEC"))
    if grade is LungCategory.HIGH_GRADE:
        return Text(N_("classified %(category)s"), category=grade)
    return None


def _facts(picture: ClinicalPicture) -> _Facts:
    differentiation = as_differentiation(picture.differentiation)
    histology = parse_optional(Histology, picture.histology, "histology")
    grade = _parse_grade(picture.grade)
    score = picture.krenning_score
    require(
        score is None or picture.has_sstr_imaging,
        f"A Krenning score ({score}) needs an SSTR PET/CT or Octreoscan; the picture has none.",
    )
    return _Facts(
        nec_reason=_nec_reason(differentiation, histology, grade),
        grade=grade,
        m_category=_parse_m_category(picture.m_category),
        has_sstr_imaging=picture.has_sstr_imaging,
        krenning=None if score is None else krenning(score),
        syndrome=parse_optional(FunctionalSyndrome, picture.functional_syndrome, "functional syndrome"),
        site=parse_optional(PrimarySite, picture.primary_site, "primary site"),
        prior_systemic_treatment=picture.prior_systemic_treatment,
    )


def _item(position: int, data: PlanItemData) -> _Item:
    try:
        treatment = Treatment(data.treatment)
    except ValueError:
        raise ValueError(
            f"Unknown treatment code {data.treatment!r} in plan item {position}: expected a code of the "
            f"treatment vocabulary, such as {Treatment.PRRT_LU177.value!r} or {Treatment.SSA_LAN.value!r}."
        ) from None
    try:
        intent = PlanIntent(data.intent)
    except ValueError:
        raise ValueError(
            f"Unknown plan intent {data.intent!r} in plan item {position} ({treatment.value}): expected "
            f"one of {', '.join(PlanIntent)}."
        ) from None
    return _Item(treatment=treatment, intent=intent, detail=data.detail or "")


Rule = Callable[[_Facts, _Item, Sequence[_Item]], Iterable[CheckWarning]]


def _prrt_sstr(facts: _Facts, item: _Item, plan: Sequence[_Item]) -> Iterator[CheckWarning]:
    """PRRT needs SSTR-positive disease: SSTR imaging, a Krenning score, and that score >2."""
    if item.treatment.category is not TreatmentCategory.PRRT:
        return
    if not facts.has_sstr_imaging:
        yield CheckWarning(
            "prrt-without-sstr-imaging",
            Text(
                N_(
                    "%(item)s is planned but the case has no SSTR PET/CT or Octreoscan to show SSTR-positive "
                    "disease."
                ),
                item=item.name,
            ),
            PRRT_SSTR_RULE,
            item.treatment.value,
        )
    elif facts.krenning is None:
        yield CheckWarning(
            "prrt-without-krenning-score",
            Text(
                N_("%(item)s is planned but no Krenning score is recorded on the SSTR imaging."),
                item=item.name,
            ),
            PRRT_SSTR_RULE,
            item.treatment.value,
        )
    elif not facts.krenning.prrt_eligible:
        score = facts.krenning.score
        message = (
            N_(
                "%(item)s is planned but the latest Krenning score is %(score)s, while PRRT usually needs "
                "Krenning >2 (score 2 is disputed: some sources accept Krenning ≥2, others require ≥3)."
            )
            if facts.krenning.disputed
            else N_(
                "%(item)s is planned but the latest Krenning score is %(score)s, while PRRT usually needs "
                "Krenning >2."
            )
        )
        yield CheckWarning(
            "prrt-low-krenning",
            Text(message, item=item.name, score=score),
            PRRT_SSTR_RULE,
            item.treatment.value,
        )


def _prrt_nec(facts: _Facts, item: _Item, plan: Sequence[_Item]) -> Iterator[CheckWarning]:
    if item.treatment.category is TreatmentCategory.PRRT and facts.nec_reason:
        yield CheckWarning(
            "prrt-for-nec",
            Text(
                N_("%(item)s is planned for a neuroendocrine carcinoma (%(reason)s)."),
                item=item.name,
                reason=facts.nec_reason,
            ),
            PRRT_NEC_RULE,
            item.treatment.value,
        )


def _ssa_nec(facts: _Facts, item: _Item, plan: Sequence[_Item]) -> Iterator[CheckWarning]:
    if item.treatment.category is TreatmentCategory.SSA and facts.nec_reason:
        yield CheckWarning(
            "ssa-for-nec",
            Text(
                N_("%(item)s is planned for a neuroendocrine carcinoma (%(reason)s)."),
                item=item.name,
                reason=facts.nec_reason,
            ),
            SSA_NEC_RULE,
            item.treatment.value,
        )


def _platinum_etoposide(facts: _Facts, item: _Item, plan: Sequence[_Item]) -> Iterator[CheckWarning]:
    """Only a computed G1 or G2 (a well-differentiated NET by definition) triggers it. NET G3 does not: the
    reference names platinum–etoposide the NEC regimen without ruling it out for NET G3. The lung
    categories, which have no G, do not either."""
    if item.treatment not in (Treatment.CHEMO_PE, Treatment.CHEMO_CE):
        return
    if facts.grade in (Grade.G1, Grade.G2) and not facts.nec_reason:
        yield CheckWarning(
            "platinum-etoposide-for-net-g1-g2",
            Text(
                N_("%(item)s is planned for a well-differentiated NET %(grade)s."),
                item=item.name,
                grade=facts.grade.value,
            ),
            PLATINUM_ETOPOSIDE_RULE,
            item.treatment.value,
        )


def _has_debulking_intent(plan: Sequence[_Item]) -> bool:
    """A plan states a debulking intent when it has a SURG-LIVER item (hepatic resection / debulking of
    metastases), or a surgery item whose intent is palliative or symptom control, or a surgery item whose
    detail mentions debulking or cytoreduction (any case)."""
    return any(
        item.treatment is Treatment.SURG_LIVER
        or (item.is_surgery and item.intent in _PALLIATIVE_INTENTS)
        or (item.is_surgery and any(word in item.detail.lower() for word in DEBULKING_WORDS))
        for item in plan
    )


def _surgery_m1(facts: _Facts, item: _Item, plan: Sequence[_Item]) -> Iterator[CheckWarning]:
    """Curative surgery of the primary (any SURGERY item other than SURG-LIVER, with intent curative) in
    M1, M1a, M1b or M1c disease warns unless the plan states a debulking intent (``_has_debulking_intent``).
    Surgery with a diagnostic, palliative or symptom-control intent does not warn; M0, MX and an unstaged
    case never do."""
    if not (item.is_surgery and item.treatment is not Treatment.SURG_LIVER):
        return
    if item.intent is not PlanIntent.CURATIVE or facts.m_category not in M1_CATEGORIES:
        return
    if not _has_debulking_intent(plan):
        yield CheckWarning(
            "surgery-m1-without-debulking",
            Text(
                N_(
                    "%(item)s is planned with curative intent for %(m)s (stage IV) disease, and the plan "
                    "neither treats the metastases surgically nor states a debulking intent."
                ),
                item=item.name,
                m=facts.m_category.value,
            ),
            SURGERY_M1_RULE,
            item.treatment.value,
        )


def _appendectomy_g3(facts: _Facts, item: _Item, plan: Sequence[_Item]) -> Iterator[CheckWarning]:
    """An appendix NET graded G3, with a curative appendectomy and no right hemicolectomy in the plan."""
    if item.treatment is not Treatment.SURG_APPY or item.intent is not PlanIntent.CURATIVE:
        return
    if facts.site is not PrimarySite.APPENDIX or facts.grade is not Grade.G3:
        return
    if all(other.treatment is not Treatment.SURG_RHC for other in plan):
        yield CheckWarning(
            "appendectomy-alone-for-g3",
            Text(
                N_("%(item)s is planned alone for an appendix NET G3, without a right hemicolectomy."),
                item=item.name,
            ),
            APPENDIX_RULE,
            item.treatment.value,
        )


_SYMPTOMATIC = {
    Treatment.SYMPT_TELO: (
        "telotristat-without-carcinoid-syndrome",
        FunctionalSyndrome.CARCINOID,
        TELOTRISTAT_RULE,
    ),
    Treatment.SYMPT_PPI: ("ppi-without-zollinger-ellison", FunctionalSyndrome.ZOLLINGER_ELLISON, PPI_RULE),
    Treatment.SYMPT_DIAZOXIDE: (
        "diazoxide-without-insulinoma",
        FunctionalSyndrome.INSULINOMA,
        DIAZOXIDE_RULE,
    ),
}


def _symptomatic(facts: _Facts, item: _Item, plan: Sequence[_Item]) -> Iterator[CheckWarning]:
    if item.treatment not in _SYMPTOMATIC:
        return
    code, syndrome, rule = _SYMPTOMATIC[item.treatment]
    if facts.syndrome is not syndrome:
        recorded = (
            Text(N_("%(recorded)s, not %(expected)s"), recorded=facts.syndrome, expected=syndrome)
            if facts.syndrome
            else Text(N_("no functional syndrome (%(expected)s expected)"), expected=syndrome)
        )
        yield CheckWarning(
            code,
            Text(
                N_("%(item)s is planned but the case records %(recorded)s."),
                item=item.name,
                recorded=recorded,
            ),
            rule,
            item.treatment.value,
        )


def _telotristat_ssa(facts: _Facts, item: _Item, plan: Sequence[_Item]) -> Iterator[CheckWarning]:
    """Telotristat for carcinoid syndrome with no somatostatin analogue in the plan (the label adds it to
    one). Without the syndrome, ``telotristat-without-carcinoid-syndrome`` already warns."""
    if item.treatment is not Treatment.SYMPT_TELO or facts.syndrome is not FunctionalSyndrome.CARCINOID:
        return
    if all(other.treatment.category is not TreatmentCategory.SSA for other in plan):
        yield CheckWarning(
            "telotristat-without-ssa",
            Text(
                N_(
                    "%(item)s is planned without a somatostatin analogue in the plan; it is approved only "
                    "added to one (say so if the patient continues an analogue)."
                ),
                item=item.name,
            ),
            TELOTRISTAT_SSA_RULE,
            item.treatment.value,
        )


def _site_label(site: PrimarySite) -> object:
    """The site after "a primary of the": the site's label as a sentence writes it."""
    return InSentence(site) if site is not PrimarySite.UNKNOWN_PRIMARY else Text(N_("an unknown primary"))


def _prrt_gep(facts: _Facts, item: _Item, plan: Sequence[_Item]) -> Iterator[CheckWarning]:
    if item.treatment.category is not TreatmentCategory.PRRT or facts.site is None:
        return
    if facts.site not in GEP_SITES:
        yield CheckWarning(
            "prrt-outside-gep-net",
            Text(
                N_(
                    "%(item)s is planned for a primary of the %(site)s, outside the approved use in "
                    "gastro-entero-pancreatic NETs."
                ),
                item=item.name,
                site=_site_label(facts.site),
            ),
            PRRT_GEP_RULE,
            item.treatment.value,
        )


def _sunitinib_site(facts: _Facts, item: _Item, plan: Sequence[_Item]) -> Iterator[CheckWarning]:
    if item.treatment is not Treatment.TT_SUN or facts.site is None:
        return
    if facts.site is not PrimarySite.PANCREAS:
        yield CheckWarning(
            "sunitinib-outside-pancreatic-net",
            Text(
                N_(
                    "%(item)s is planned for a primary of the %(site)s; it is approved for pancreatic NETs "
                    "only."
                ),
                item=item.name,
                site=_site_label(facts.site),
            ),
            SUNITINIB_RULE,
            item.treatment.value,
        )


def _everolimus(facts: _Facts, item: _Item, plan: Sequence[_Item]) -> Iterator[CheckWarning]:
    """Outside the pancreas the label is for non-functional tumours of the gut or lung: a recorded
    hormone syndrome, or another site, is outside it. An unknown site never warns."""
    if item.treatment is not Treatment.TT_EVE or facts.site is None:
        return
    if facts.site not in EVEROLIMUS_SITES:
        yield CheckWarning(
            "everolimus-outside-label-site",
            Text(
                N_(
                    "%(item)s is planned for a primary of the %(site)s; it is approved for pancreatic, "
                    "gastrointestinal and lung NETs."
                ),
                item=item.name,
                site=_site_label(facts.site),
            ),
            EVEROLIMUS_SITE_RULE,
            item.treatment.value,
        )
    elif facts.site is not PrimarySite.PANCREAS and facts.syndrome is not None:
        yield CheckWarning(
            "everolimus-for-functional-carcinoid",
            Text(
                N_(
                    "%(item)s is planned for a functional tumour (%(syndrome)s) of the %(site)s; outside the "
                    "pancreas it is approved for non-functional NETs only."
                ),
                item=item.name,
                syndrome=facts.syndrome,
                site=_site_label(facts.site),
            ),
            EVEROLIMUS_FUNCTIONAL_RULE,
            item.treatment.value,
        )


def _targeted_nec(facts: _Facts, item: _Item, plan: Sequence[_Item]) -> Iterator[CheckWarning]:
    if item.treatment in TARGETED and facts.nec_reason:
        yield CheckWarning(
            "targeted-therapy-for-nec",
            Text(
                N_(
                    "%(item)s is planned for a neuroendocrine carcinoma (%(reason)s); it is approved for "
                    "well-differentiated NETs."
                ),
                item=item.name,
                reason=facts.nec_reason,
            ),
            TARGETED_NEC_RULE,
            item.treatment.value,
        )


def _cabozantinib_first_line(facts: _Facts, item: _Item, plan: Sequence[_Item]) -> Iterator[CheckWarning]:
    """Only a picture that says there was no prior systemic treatment warns; an unknown history does not."""
    if item.treatment is Treatment.TT_CABO and facts.prior_systemic_treatment is False:
        yield CheckWarning(
            "cabozantinib-without-prior-treatment",
            Text(
                N_(
                    "%(item)s is planned, but the case records no earlier systemic treatment; it is approved "
                    "after prior treatment."
                ),
                item=item.name,
            ),
            CABOZANTINIB_RULE,
            item.treatment.value,
        )


RULES: tuple[Rule, ...] = (
    _prrt_sstr,
    _prrt_nec,
    _ssa_nec,
    _platinum_etoposide,
    _surgery_m1,
    _appendectomy_g3,
    _symptomatic,
    _telotristat_ssa,
    _prrt_gep,
    _sunitinib_site,
    _everolimus,
    _targeted_nec,
    _cabozantinib_first_line,
)


def check_plan(picture: ClinicalPicture, items: Sequence[PlanItemData]) -> list[CheckWarning]:
    """The warnings a plan raises against the clinical picture, in plan order and then rule order.

    No two warnings share both code and treatment: a plan naming the same treatment twice warns once. An
    unknown treatment code, intent or picture value raises ValueError naming it, before any rule runs; an
    empty plan gives no warnings (what an outcome requires is the caller's concern).
    """
    facts = _facts(picture)
    plan = [_item(position, data) for position, data in enumerate(items, start=1)]
    warnings: list[CheckWarning] = []
    seen: set[tuple[str, str]] = set()
    for item in plan:
        for rule in RULES:
            for warning in rule(facts, item, plan):
                if (warning.code, warning.treatment) not in seen:
                    seen.add((warning.code, warning.treatment))
                    warnings.append(warning)
    return warnings
