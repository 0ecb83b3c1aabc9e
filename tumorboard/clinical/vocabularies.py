"""Controlled vocabularies of a NET tumor board (clinical reference, sections 2–6).

Each vocabulary is a StrEnum: the database stores the stable string value, people read ``.label``, and
forms take ``.choices()``. Members that carry more (a unit, a category, a marker list) are declared as
tuples and unpacked in ``__init__``.
"""

from enum import StrEnum
from typing import TYPE_CHECKING, Self

from tumorboard.clinical.labels import N_, Text, translated
from tumorboard.clinical.results import parse_optional
from tumorboard.clinical.specialties import Specialty


class Vocabulary(StrEnum):
    """A StrEnum whose members are declared as ``NAME = value, label, *details``."""

    label_text: str  # the English label as declared (the catalogue's msgid)

    def __new__(cls, value: str, label: str, *details: object) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label_text = label
        return member

    @property
    def label(self) -> str:
        """The label in the reader's language (clinical.labels)."""
        return translated(self.label_text)

    if TYPE_CHECKING:
        # Calling a vocabulary looks its member up by value (`Analyte("gastrin")`); mypy reads that call as
        # the member constructor instead (python/mypy#10573), so it is given the lookup's signature here, and
        # the subclasses' `__init__` (what each member's details become) is defined for run time only.
        def __init__(self, value: str, /) -> None: ...

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs for a select field."""
        return [(member.value, member.label) for member in cls]


class PrimarySite(Vocabulary):
    STOMACH = "stomach", N_("Stomach")
    DUODENUM = "duodenum", N_("Duodenum")
    AMPULLA = "ampulla", N_("Ampulla of Vater")
    JEJUNUM = "jejunum", N_("Jejunum")
    ILEUM = "ileum", N_("Ileum")
    APPENDIX = "appendix", N_("Appendix")
    COLON = "colon", N_("Colon")
    RECTUM = "rectum", N_("Rectum")
    PANCREAS = "pancreas", N_("Pancreas")
    LUNG = "lung", N_("Lung (bronchus)")
    THYMUS = "thymus", N_("Thymus")
    THYROID = "thyroid", N_("Thyroid")
    ADRENAL = "adrenal", N_("Adrenal")
    UNKNOWN_PRIMARY = "unknown primary", N_("Unknown primary")
    OTHER = "other", N_("Other site")


class Differentiation(Vocabulary):
    WELL = "well", N_("Well differentiated (NET)")
    POOR = "poor", N_("Poorly differentiated (NEC)")
    UNKNOWN = "unknown", N_("Not recorded")


def as_differentiation(value: Differentiation | str | None) -> Differentiation:
    """A recorded differentiation; a blank one means "not recorded"."""
    return parse_optional(Differentiation, value, N_("differentiation")) or Differentiation.UNKNOWN


class Histology(Vocabulary):
    """Histological type as the pathologist names it; it refines the ICD-O-3 morphology code."""

    NET = "net", N_("Neuroendocrine tumour (NET)")
    NEC = "nec", N_("Neuroendocrine carcinoma (NEC), NOS")
    LCNEC = "lcnec", N_("Large cell neuroendocrine carcinoma (LCNEC)")
    SCNEC = "scnec", N_("Small cell neuroendocrine carcinoma (SCNEC / SCLC)")
    MINEN = "minen", N_("Mixed neuroendocrine–non-neuroendocrine neoplasm (MiNEN)")

    @property
    def is_carcinoma(self) -> bool:
        return self in {Histology.NEC, Histology.LCNEC, Histology.SCNEC}


class FunctionalStatus(Vocabulary):
    FUNCTIONAL = "functional", N_("Functional (hormone syndrome)")
    NON_FUNCTIONAL = "non_functional", N_("Non-functional")
    UNKNOWN = "unknown", N_("Unknown")


class Analyte(Vocabulary):
    """Laboratory markers (section 3) with a typical unit and, where a published source gives one, a LOINC
    code (each checked against the sources cited in docs/clinical-reference.md, "LOINC codes").

    Results are stored with the lab's own unit and reference range; the unit here is only a default.
    """

    unit: str
    loinc: str | None

    if not TYPE_CHECKING:  # run time only, see Vocabulary (python/mypy#10573)

        def __init__(self, value: str, label: str, unit: str, loinc: str | None = None) -> None:
            self.unit = unit
            self.loinc = loinc

    CHROMOGRANIN_A = "chromogranin_a", N_("Chromogranin A (serum)"), "ng/mL", "9811-1"
    URINE_5HIAA = "urine_5hiaa", N_("5-HIAA (24-h urine)"), "mg/24 h", "1695-6"
    GASTRIN = "gastrin", N_("Gastrin (fasting)"), "pg/mL", "2333-3"
    GLUCOSE = "glucose", N_("Glucose"), "mg/dL", "2345-7"
    INSULIN = "insulin", N_("Insulin"), "µU/mL", "20448-7"
    C_PEPTIDE = "c_peptide", N_("C-peptide"), "ng/mL", "1986-9"
    PROINSULIN = "proinsulin", N_("Proinsulin"), "pmol/L"
    GLUCAGON = "glucagon", N_("Glucagon"), "pg/mL", "2338-2"
    VIP = "vip", N_("Vasoactive intestinal peptide (VIP)"), "pg/mL", "3125-2"
    SOMATOSTATIN = "somatostatin", N_("Somatostatin"), "pmol/L"
    PANCREATIC_POLYPEPTIDE = "pancreatic_polypeptide", N_("Pancreatic polypeptide"), "pmol/L"
    CALCITONIN = "calcitonin", N_("Calcitonin"), "pg/mL", "1992-7"
    ACTH = "acth", N_("ACTH"), "pg/mL", "2141-0"
    PTHRP = "pthrp", N_("PTH-related peptide (PTHrP)"), "pmol/L"
    NSE = "nse", N_("Neuron-specific enolase (NSE)"), "ng/mL", "15060-7"
    SEROTONIN = "serotonin", N_("Serotonin"), "ng/mL", "27057-9"


class Comparator(Vocabulary):
    """How a censored laboratory value relates to its number (FHIR Quantity.comparator; HL7 v2 SN.1): "<2"
    is a value below the assay's limit of 2, not a value of 2."""

    LT = "<", N_("less than")
    LE = "<=", N_("at most")
    GE = ">=", N_("at least")
    GT = ">", N_("greater than")

    @property
    def sign(self) -> str:
        """As a result sheet prints it."""
        return {"<": "<", "<=": "≤", ">=": "≥", ">": ">"}[self.value]


# Further LOINC codes of the same analyte, measured in whole blood or reported in moles (LOINC 2.7x): a
# result under one of these is that analyte, in the unit the laboratory gives.
LOINC_ALSO: dict[str, Analyte] = {
    "15074-8": Analyte.GLUCOSE,  # Glucose [Moles/volume] in Blood
    "14749-6": Analyte.GLUCOSE,  # Glucose [Moles/volume] in Serum or Plasma
    "2339-0": Analyte.GLUCOSE,  # Glucose [Mass/volume] in Blood
    "2940-5": Analyte.SEROTONIN,  # Serotonin [Mass/volume] in Plasma
    "2939-7": Analyte.SEROTONIN,  # Serotonin [Mass/volume] in Blood
}


def analyte_of_loinc(code: str) -> Analyte | None:
    """The marker a LOINC code names, or None for a code the board does not record."""
    code = code.strip()
    return next((a for a in Analyte if a.loinc == code), None) or LOINC_ALSO.get(code)


class FunctionalSyndrome(Vocabulary):
    """Hormone syndromes and the markers that document them (section 3), for the readiness check
    "a functional tumour has its marker".

    One of ``markers`` documents the syndrome; where ``paired_with`` is set, that marker counts only
    beside a ``paired_with`` result of the same sample day (an insulinoma: insulin, C-peptide or
    proinsulin beside the glucose of the same hypoglycaemia; a glucose alone documents nothing).
    """

    markers: tuple[Analyte, ...]
    paired_with: Analyte | None

    if not TYPE_CHECKING:  # run time only, see Vocabulary (python/mypy#10573)

        def __init__(
            self,
            value: str,
            label: str,
            markers: tuple[Analyte, ...] = (),
            paired_with: Analyte | None = None,
        ) -> None:
            self.markers = markers
            self.paired_with = paired_with

    CARCINOID = "carcinoid_syndrome", N_("Carcinoid syndrome"), (Analyte.URINE_5HIAA, Analyte.SEROTONIN)
    ZOLLINGER_ELLISON = "zollinger_ellison", N_("Zollinger-Ellison (gastrinoma)"), (Analyte.GASTRIN,)
    INSULINOMA = (
        "insulinoma",
        N_("Insulinoma"),
        (Analyte.INSULIN, Analyte.C_PEPTIDE, Analyte.PROINSULIN),
        Analyte.GLUCOSE,
    )
    GLUCAGONOMA = "glucagonoma", N_("Glucagonoma"), (Analyte.GLUCAGON,)
    VIPOMA = "vipoma", N_("VIPoma (WDHA)"), (Analyte.VIP,)
    SOMATOSTATINOMA = "somatostatinoma", N_("Somatostatinoma"), (Analyte.SOMATOSTATIN,)
    ECTOPIC_CUSHING = "ectopic_cushing", N_("Ectopic Cushing (ACTH)"), (Analyte.ACTH,)
    OTHER = "other", N_("Other")

    @property
    def documentation_rule(self) -> str | None:
        """The published rule a paired marker follows (None where any one marker documents the syndrome)."""
        return INSULINOMA_DOCUMENTATION_RULE if self is FunctionalSyndrome.INSULINOMA else None


INSULINOMA_DOCUMENTATION_RULE = N_(
    "An insulinoma is documented biochemically by insulin, C-peptide or proinsulin measured with the "
    "glucose of the same hypoglycaemia (72-hour fast, Whipple triad; Endocrine Society 2009 guideline on "
    "hypoglycaemic disorders; ENETS 2016 and 2023 guidance for functional pancreatic NETs); a low glucose "
    "alone does not document it"
)


class HereditarySyndrome(Vocabulary):
    NONE = "none", N_("None known")
    MEN1 = "men1", N_("MEN1")
    MEN2 = "men2", N_("MEN2 (RET)")
    MEN4 = "men4", N_("MEN4")
    VHL = "vhl", N_("Von Hippel-Lindau (VHL)")
    NF1 = "nf1", N_("Neurofibromatosis type 1 (NF1)")
    TSC = "tsc", N_("Tuberous sclerosis complex (TSC)")
    UNKNOWN = "unknown", N_("Not assessed")
    SUSPECTED = "suspected", N_("Suspected, not confirmed")


class MetastaticSite(Vocabulary):
    LIVER = "liver", N_("Liver")
    BONE = "bone", N_("Bone")
    LUNG = "lung", N_("Lung")
    PLEURA_PERICARDIUM = "pleura_pericardium", N_("Pleura or pericardium (nodules or malignant effusion)")
    PERITONEUM = "peritoneum", N_("Peritoneum")
    DISTANT_NODES = "distant_nodes", N_("Distant (non-regional) lymph nodes")
    BRAIN = "brain", N_("Brain")
    OTHER = "other", N_("Other")

    @property
    def is_hepatic(self) -> bool:
        return self is MetastaticSite.LIVER

    @property
    def in_sentence(self) -> Text:
        """The site as a rule's sentence names it ("metastasis to the liver and at least one extrahepatic
        site (bone, lung)"); the label starts a line or a choice ("Liver")."""
        return _SITES_IN_SENTENCE[self]


_SITES_IN_SENTENCE = {
    MetastaticSite.LIVER: Text(N_("liver")),
    MetastaticSite.BONE: Text(N_("bone")),
    MetastaticSite.LUNG: Text(N_("lung")),
    MetastaticSite.PLEURA_PERICARDIUM: Text(N_("pleura or pericardium (nodules or malignant effusion)")),
    MetastaticSite.PERITONEUM: Text(N_("peritoneum")),
    MetastaticSite.DISTANT_NODES: Text(N_("distant (non-regional) lymph nodes")),
    MetastaticSite.BRAIN: Text(N_("brain")),
    MetastaticSite.OTHER: Text(N_("another site")),
}


class ImagingModality(Vocabulary):
    CT = "ct", N_("Multiphase CT")
    MRI = "mri", N_("MRI")
    SSTR_PET_CT = "sstr_pet_ct", N_("SSTR PET/CT")
    FDG_PET_CT = "fdg_pet_ct", N_("¹⁸F-FDG PET/CT")
    OCTREOSCAN_SPECT = "octreoscan_spect", N_("Octreoscan SPECT (¹¹¹In-pentetreotide)")
    ENDOSCOPY = "endoscopy", N_("Endoscopy")
    EUS = "eus", N_("Endoscopic ultrasound (EUS)")
    ULTRASOUND = "ultrasound", N_("Ultrasound")

    @property
    def shows_sstr_uptake(self) -> bool:
        """Whether a Krenning score applies to this study."""
        return self in {ImagingModality.SSTR_PET_CT, ImagingModality.OCTREOSCAN_SPECT}


class SstrTracer(Vocabulary):
    GA68_DOTATATE = "ga68_dotatate", N_("⁶⁸Ga-DOTATATE")
    GA68_DOTATOC = "ga68_dotatoc", N_("⁶⁸Ga-DOTATOC")
    GA68_DOTANOC = "ga68_dotanoc", N_("⁶⁸Ga-DOTANOC")
    CU64_DOTATATE = "cu64_dotatate", N_("⁶⁴Cu-DOTATATE")


class FdgVsSstr(Vocabulary):
    """FDG uptake compared with SSTR uptake, when both are positive (the NETPET P2–P4 split)."""

    LOWER = "lower", N_("FDG lower than SSTR")
    EQUAL = "equal", N_("FDG equal to SSTR")
    HIGHER = "higher", N_("FDG higher than SSTR")


class SpecimenType(Vocabulary):
    ENDOSCOPIC_BIOPSY = "endoscopic_biopsy", N_("Endoscopic biopsy")
    EUS_FNA = "eus_fna", N_("EUS-guided fine-needle aspiration / biopsy")
    CORE_BIOPSY = "core_biopsy", N_("Percutaneous core needle biopsy")
    CYTOLOGY = "cytology", N_("Cytology")
    ENDOSCOPIC_RESECTION = "endoscopic_resection", N_("Endoscopic resection (EMR/ESD)")
    LOCAL_EXCISION = "local_excision", N_("Local excision / enucleation")
    RESECTION = "resection", N_("Surgical resection")
    LYMPH_NODE = "lymph_node", N_("Lymph node")
    METASTASIS = "metastasis", N_("Biopsy or resection of a metastasis")
    OTHER = "other", N_("Other")


class IhcMarker(Vocabulary):
    """Immunohistochemistry markers with the question each answers (section 5)."""

    purpose_text: str  # as declared (the catalogue's msgid)

    if not TYPE_CHECKING:  # run time only, see Vocabulary (python/mypy#10573)

        def __init__(self, value: str, label: str, purpose: str) -> None:
            self.purpose_text = purpose

    @property
    def purpose(self) -> str:
        """What the stain tells, in the reader's language."""
        return translated(self.purpose_text)

    SYNAPTOPHYSIN = "synaptophysin", N_("Synaptophysin"), N_("neuroendocrine differentiation (required)")
    CHROMOGRANIN_A = "chromogranin_a", N_("Chromogranin A"), N_("neuroendocrine differentiation (required)")
    KERATIN = "keratin", N_("Keratin"), N_("epithelial differentiation")
    P53 = "p53", N_("p53"), N_("NET G3 versus NEC")
    RB = "rb", N_("Rb"), N_("NET G3 versus NEC")
    CDX2 = "cdx2", N_("CDX2"), N_("site of origin: midgut")
    PAX8 = "pax8", N_("PAX8"), N_("site of origin: pancreas")
    ISL1 = "isl1", N_("ISL1"), N_("site of origin: pancreas")
    TTF1 = "ttf1", N_("TTF-1"), N_("site of origin: lung")
    OTP = "otp", N_("OTP"), N_("site of origin: lung")
    SATB2 = "satb2", N_("SATB2"), N_("site of origin: rectum")
    SSTR2 = "sstr2", N_("SSTR2"), N_("somatostatin receptor expression")


REQUIRED_IHC = frozenset({IhcMarker.SYNAPTOPHYSIN, IhcMarker.CHROMOGRANIN_A})
"""CAP/NANETS: every NEN diagnosis documents synaptophysin and chromogranin A."""


class ResectionMargin(Vocabulary):
    R0 = "r0", N_("R0 – no residual tumour")
    R1 = "r1", N_("R1 – microscopic residual tumour")
    R2 = "r2", N_("R2 – macroscopic residual tumour")
    RX = "rx", N_("RX – cannot be assessed")


class TreatmentCategory(Vocabulary):
    specialty: Specialty | None

    if not TYPE_CHECKING:  # run time only, see Vocabulary (python/mypy#10573)

        def __init__(self, value: str, label: str, specialty: Specialty | None) -> None:
            self.specialty = specialty

    SURVEILLANCE = "surveillance", N_("Surveillance"), None
    SURGERY = "surgery", N_("Surgery"), Specialty.SURGERY
    SSA = "ssa", N_("Somatostatin analogue"), Specialty.MEDICAL_ONCOLOGY
    TARGETED = "targeted", N_("Targeted therapy"), Specialty.MEDICAL_ONCOLOGY
    PRRT = "prrt", N_("PRRT"), Specialty.NUCLEAR_MEDICINE
    LIVER_DIRECTED = "liver_directed", N_("Liver-directed therapy"), Specialty.RADIOLOGY
    CHEMOTHERAPY = "chemotherapy", N_("Chemotherapy"), Specialty.MEDICAL_ONCOLOGY
    SYMPTOMATIC = "symptomatic", N_("Symptomatic treatment"), Specialty.MEDICAL_ONCOLOGY
    RADIOTHERAPY = "radiotherapy", N_("Radiotherapy"), Specialty.OTHER
    TRIAL = "trial", N_("Clinical trial"), None
    REFERRAL = "referral", N_("Referral / further diagnostics"), None


# Treatments that act on the whole body (not a resection, a liver-directed procedure or radiotherapy):
# "previously treated" in the labels of the later lines (e.g. cabozantinib, CABINET) means one of these.
SYSTEMIC_CATEGORIES = frozenset(
    {
        TreatmentCategory.SSA,
        TreatmentCategory.TARGETED,
        TreatmentCategory.PRRT,
        TreatmentCategory.CHEMOTHERAPY,
    }
)


class Treatment(Vocabulary):
    """Plan-item codes of section 6; the values are the reference's codes as written there.

    ``suggested_specialty`` is only a default for the plan item's responsible specialty (None: the board
    chooses).
    """

    category: TreatmentCategory
    suggested_specialty: Specialty | None

    if not TYPE_CHECKING:  # run time only, see Vocabulary (python/mypy#10573)

        def __init__(
            self, value: str, label: str, category: TreatmentCategory, specialty: Specialty | None = None
        ) -> None:
            self.category = category
            self.suggested_specialty = specialty or category.specialty

    SURV = "SURV", N_("Watchful waiting / surveillance imaging"), TreatmentCategory.SURVEILLANCE
    SURG_ENDO = (
        "SURG-ENDO",
        N_("Endoscopic resection (EMR/ESD)"),
        TreatmentCategory.SURGERY,
        Specialty.GASTROENTEROLOGY,
    )
    SURG_LOCAL = "SURG-LOCAL", N_("Local excision / enucleation"), TreatmentCategory.SURGERY
    SURG_APPY = "SURG-APPY", N_("Appendectomy"), TreatmentCategory.SURGERY
    SURG_RHC = "SURG-RHC", N_("Right hemicolectomy"), TreatmentCategory.SURGERY
    SURG_SEGMENT = (
        "SURG-SEGMENT",
        N_("Small-bowel resection with mesenteric lymphadenectomy"),
        TreatmentCategory.SURGERY,
    )
    SURG_PD = "SURG-PD", N_("Pancreatoduodenectomy (Whipple)"), TreatmentCategory.SURGERY
    SURG_DP = "SURG-DP", N_("Distal pancreatectomy"), TreatmentCategory.SURGERY
    SURG_LIVER = "SURG-LIVER", N_("Hepatic resection / debulking of metastases"), TreatmentCategory.SURGERY
    SSA_OCT_LAR = "SSA-OCT-LAR", N_("Somatostatin analogue: octreotide LAR"), TreatmentCategory.SSA
    SSA_LAN = "SSA-LAN", N_("Somatostatin analogue: lanreotide"), TreatmentCategory.SSA
    TT_EVE = "TT-EVE", N_("mTOR inhibitor: everolimus"), TreatmentCategory.TARGETED
    TT_SUN = "TT-SUN", N_("Tyrosine kinase inhibitor: sunitinib"), TreatmentCategory.TARGETED
    TT_CABO = "TT-CABO", N_("Tyrosine kinase inhibitor: cabozantinib"), TreatmentCategory.TARGETED
    PRRT_LU177 = "PRRT-LU177", N_("¹⁷⁷Lu-DOTATATE PRRT"), TreatmentCategory.PRRT
    LDT_TAE = "LDT-TAE", N_("Transarterial embolisation (TAE)"), TreatmentCategory.LIVER_DIRECTED
    LDT_TACE = "LDT-TACE", N_("Transarterial chemoembolisation (TACE)"), TreatmentCategory.LIVER_DIRECTED
    LDT_TARE = "LDT-TARE", N_("Transarterial radioembolisation (TARE)"), TreatmentCategory.LIVER_DIRECTED
    LDT_RFA = "LDT-RFA", N_("Radiofrequency ablation (RFA)"), TreatmentCategory.LIVER_DIRECTED
    LDT_MWA = "LDT-MWA", N_("Microwave ablation (MWA)"), TreatmentCategory.LIVER_DIRECTED
    CHEMO_CAPTEM = "CHEMO-CAPTEM", N_("Capecitabine + temozolomide"), TreatmentCategory.CHEMOTHERAPY
    CHEMO_STZ_5FU = "CHEMO-STZ-5FU", N_("Streptozocin + 5-FU"), TreatmentCategory.CHEMOTHERAPY
    CHEMO_PE = "CHEMO-PE", N_("Cisplatin + etoposide (NEC)"), TreatmentCategory.CHEMOTHERAPY
    CHEMO_CE = "CHEMO-CE", N_("Carboplatin + etoposide (NEC)"), TreatmentCategory.CHEMOTHERAPY
    SYMPT_TELO = "SYMPT-TELO", N_("Telotristat ethyl (carcinoid diarrhoea)"), TreatmentCategory.SYMPTOMATIC
    SYMPT_PPI = "SYMPT-PPI", N_("Proton-pump inhibitor (gastrinoma)"), TreatmentCategory.SYMPTOMATIC
    SYMPT_DIAZOXIDE = "SYMPT-DIAZOXIDE", N_("Diazoxide (insulinoma)"), TreatmentCategory.SYMPTOMATIC
    RT_EBRT = "RT-EBRT", N_("External-beam radiotherapy"), TreatmentCategory.RADIOTHERAPY
    TRIAL = "TRIAL", N_("Clinical trial"), TreatmentCategory.TRIAL
    REFER = "REFER", N_("Referral / further diagnostics"), TreatmentCategory.REFERRAL


class PlanIntent(Vocabulary):
    CURATIVE = "curative", N_("Curative")
    PALLIATIVE = "palliative", N_("Palliative")
    SYMPTOM_CONTROL = "symptom_control", N_("Symptom control")
    DIAGNOSTIC = "diagnostic", N_("Diagnostic")


class ConferenceType(Vocabulary):
    PRE_THERAPEUTIC = "pre_therapeutic", N_("Pre-therapeutic")
    POST_OPERATIVE = "post_operative", N_("Post-operative")
    POST_THERAPY = "post_therapy", N_("Post-therapy / progression")
    FOLLOW_UP = "follow_up", N_("Follow-up")


class EcogPerformanceStatus(Vocabulary):
    """ECOG performance status 0–4; the value is the grade as a string ("0" … "4")."""

    description_text: str  # as declared (the catalogue's msgid)

    if not TYPE_CHECKING:  # run time only, see Vocabulary (python/mypy#10573)

        def __init__(self, value: str, label: str, description: str) -> None:
            self.description_text = description

    @property
    def description(self) -> str:
        return translated(self.description_text)

    @property
    def choice_label(self) -> str:
        """The grade and what it means, as a select offers it: "ECOG 1 – Restricted in …"."""
        return f"{self.label} – {self.description}"

    ECOG_0 = (
        "0",
        N_("ECOG 0"),
        N_("Fully active, able to carry on all pre-disease activities without restriction"),
    )
    ECOG_1 = (
        "1",
        N_("ECOG 1"),
        N_("Restricted in strenuous activity but ambulatory and able to do light or sedentary work"),
    )
    ECOG_2 = (
        "2",
        N_("ECOG 2"),
        N_("Ambulatory and capable of self-care but unable to work; up more than half of waking hours"),
    )
    ECOG_3 = (
        "3",
        N_("ECOG 3"),
        N_("Capable of only limited self-care; in bed or chair more than half of waking hours"),
    )
    ECOG_4 = "4", N_("ECOG 4"), N_("Completely disabled; no self-care; totally confined to bed or chair")


class DeviationReason(Vocabulary):
    """Why a board recommendation was not carried out (follow-up coding after DNPM:DIP and audits)."""

    PATIENT_PREFERENCE = "patient_preference", N_("Patient preference")
    COMORBIDITY = "comorbidity", N_("Comorbidity / performance status")
    TOXICITY = "toxicity", N_("Toxicity")
    PROGRESSION = "progression", N_("Progression")
    NEW_INFORMATION = "new_information", N_("New information")
    PAYER_REFUSAL = "payer_refusal", N_("Payer refusal")
    LOST_TO_FOLLOW_UP = "lost_to_follow_up", N_("Lost to follow-up")
    OTHER = "other", N_("Other")
