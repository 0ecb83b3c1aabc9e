"""Controlled vocabularies of a NET tumor board (clinical reference, sections 2–6).

Each vocabulary is a StrEnum: the database stores the stable string value, people read ``.label``, and
forms take ``.choices()``. Members that carry more (a unit, a category, a marker list) are declared as
tuples and unpacked in ``__init__``.
"""

from enum import StrEnum
from typing import TYPE_CHECKING, Self

from tumorboard.clinical.results import parse_optional
from tumorboard.clinical.specialties import Specialty


class Vocabulary(StrEnum):
    """A StrEnum whose members are declared as ``NAME = value, label, *details``."""

    label: str

    def __new__(cls, value: str, label: str, *details: object) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

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
    STOMACH = "stomach", "Stomach"
    DUODENUM = "duodenum", "Duodenum"
    AMPULLA = "ampulla", "Ampulla of Vater"
    JEJUNUM = "jejunum", "Jejunum"
    ILEUM = "ileum", "Ileum"
    APPENDIX = "appendix", "Appendix"
    COLON = "colon", "Colon"
    RECTUM = "rectum", "Rectum"
    PANCREAS = "pancreas", "Pancreas"
    LUNG = "lung", "Lung (bronchus)"
    THYMUS = "thymus", "Thymus"
    THYROID = "thyroid", "Thyroid"
    ADRENAL = "adrenal", "Adrenal"
    UNKNOWN_PRIMARY = "unknown primary", "Unknown primary"
    OTHER = "other", "Other site"


class Differentiation(Vocabulary):
    WELL = "well", "Well differentiated (NET)"
    POOR = "poor", "Poorly differentiated (NEC)"
    UNKNOWN = "unknown", "Not recorded"


def as_differentiation(value: Differentiation | str | None) -> Differentiation:
    """A recorded differentiation; a blank one means "not recorded"."""
    return parse_optional(Differentiation, value, "differentiation") or Differentiation.UNKNOWN


class Histology(Vocabulary):
    """Histological type as the pathologist names it; it refines the ICD-O-3 morphology code."""

    NET = "net", "Neuroendocrine tumour (NET)"
    NEC = "nec", "Neuroendocrine carcinoma (NEC), NOS"
    LCNEC = "lcnec", "Large cell neuroendocrine carcinoma (LCNEC)"
    SCNEC = "scnec", "Small cell neuroendocrine carcinoma (SCNEC / SCLC)"
    MINEN = "minen", "Mixed neuroendocrine–non-neuroendocrine neoplasm (MiNEN)"

    @property
    def is_carcinoma(self) -> bool:
        return self in {Histology.NEC, Histology.LCNEC, Histology.SCNEC}


class FunctionalStatus(Vocabulary):
    FUNCTIONAL = "functional", "Functional (hormone syndrome)"
    NON_FUNCTIONAL = "non_functional", "Non-functional"
    UNKNOWN = "unknown", "Unknown"


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

    CHROMOGRANIN_A = "chromogranin_a", "Chromogranin A (serum)", "ng/mL", "9811-1"
    URINE_5HIAA = "urine_5hiaa", "5-HIAA (24-h urine)", "mg/24 h", "1695-6"
    GASTRIN = "gastrin", "Gastrin (fasting)", "pg/mL", "2333-3"
    GLUCOSE = "glucose", "Glucose", "mg/dL", "2345-7"
    INSULIN = "insulin", "Insulin", "µU/mL", "20448-7"
    C_PEPTIDE = "c_peptide", "C-peptide", "ng/mL", "1986-9"
    PROINSULIN = "proinsulin", "Proinsulin", "pmol/L"
    GLUCAGON = "glucagon", "Glucagon", "pg/mL", "2338-2"
    VIP = "vip", "Vasoactive intestinal peptide (VIP)", "pg/mL", "3125-2"
    SOMATOSTATIN = "somatostatin", "Somatostatin", "pmol/L"
    PANCREATIC_POLYPEPTIDE = "pancreatic_polypeptide", "Pancreatic polypeptide", "pmol/L"
    CALCITONIN = "calcitonin", "Calcitonin", "pg/mL", "1992-7"
    ACTH = "acth", "ACTH", "pg/mL", "2141-0"
    PTHRP = "pthrp", "PTH-related peptide (PTHrP)", "pmol/L"
    NSE = "nse", "Neuron-specific enolase (NSE)", "ng/mL", "15060-7"
    SEROTONIN = "serotonin", "Serotonin", "ng/mL", "27057-9"


class Comparator(Vocabulary):
    """How a censored laboratory value relates to its number (FHIR Quantity.comparator; HL7 v2 SN.1): "<2"
    is a value below the assay's limit of 2, not a value of 2."""

    LT = "<", "less than"
    LE = "<=", "at most"
    GE = ">=", "at least"
    GT = ">", "greater than"

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

    CARCINOID = "carcinoid_syndrome", "Carcinoid syndrome", (Analyte.URINE_5HIAA, Analyte.SEROTONIN)
    ZOLLINGER_ELLISON = "zollinger_ellison", "Zollinger-Ellison (gastrinoma)", (Analyte.GASTRIN,)
    INSULINOMA = (
        "insulinoma",
        "Insulinoma",
        (Analyte.INSULIN, Analyte.C_PEPTIDE, Analyte.PROINSULIN),
        Analyte.GLUCOSE,
    )
    GLUCAGONOMA = "glucagonoma", "Glucagonoma", (Analyte.GLUCAGON,)
    VIPOMA = "vipoma", "VIPoma (WDHA)", (Analyte.VIP,)
    SOMATOSTATINOMA = "somatostatinoma", "Somatostatinoma", (Analyte.SOMATOSTATIN,)
    ECTOPIC_CUSHING = "ectopic_cushing", "Ectopic Cushing (ACTH)", (Analyte.ACTH,)
    OTHER = "other", "Other"

    @property
    def documentation_rule(self) -> str | None:
        """The published rule a paired marker follows (None where any one marker documents the syndrome)."""
        return INSULINOMA_DOCUMENTATION_RULE if self is FunctionalSyndrome.INSULINOMA else None


INSULINOMA_DOCUMENTATION_RULE = (
    "An insulinoma is documented biochemically by insulin, C-peptide or proinsulin measured with the "
    "glucose of the same hypoglycaemia (72-hour fast, Whipple triad; Endocrine Society 2009 guideline on "
    "hypoglycaemic disorders; ENETS 2016 and 2023 guidance for functional pancreatic NETs); a low glucose "
    "alone does not document it"
)


class HereditarySyndrome(Vocabulary):
    NONE = "none", "None known"
    MEN1 = "men1", "MEN1"
    MEN2 = "men2", "MEN2 (RET)"
    MEN4 = "men4", "MEN4"
    VHL = "vhl", "Von Hippel-Lindau (VHL)"
    NF1 = "nf1", "Neurofibromatosis type 1 (NF1)"
    TSC = "tsc", "Tuberous sclerosis complex (TSC)"
    UNKNOWN = "unknown", "Not assessed"
    SUSPECTED = "suspected", "Suspected, not confirmed"


class MetastaticSite(Vocabulary):
    LIVER = "liver", "Liver"
    BONE = "bone", "Bone"
    LUNG = "lung", "Lung"
    PLEURA_PERICARDIUM = "pleura_pericardium", "Pleura or pericardium (nodules or malignant effusion)"
    PERITONEUM = "peritoneum", "Peritoneum"
    DISTANT_NODES = "distant_nodes", "Distant (non-regional) lymph nodes"
    BRAIN = "brain", "Brain"
    OTHER = "other", "Other"

    @property
    def is_hepatic(self) -> bool:
        return self is MetastaticSite.LIVER


class ImagingModality(Vocabulary):
    CT = "ct", "Multiphase CT"
    MRI = "mri", "MRI"
    SSTR_PET_CT = "sstr_pet_ct", "SSTR PET/CT"
    FDG_PET_CT = "fdg_pet_ct", "¹⁸F-FDG PET/CT"
    OCTREOSCAN_SPECT = "octreoscan_spect", "Octreoscan SPECT (¹¹¹In-pentetreotide)"
    ENDOSCOPY = "endoscopy", "Endoscopy"
    EUS = "eus", "Endoscopic ultrasound (EUS)"
    ULTRASOUND = "ultrasound", "Ultrasound"

    @property
    def shows_sstr_uptake(self) -> bool:
        """Whether a Krenning score applies to this study."""
        return self in {ImagingModality.SSTR_PET_CT, ImagingModality.OCTREOSCAN_SPECT}


class SstrTracer(Vocabulary):
    GA68_DOTATATE = "ga68_dotatate", "⁶⁸Ga-DOTATATE"
    GA68_DOTATOC = "ga68_dotatoc", "⁶⁸Ga-DOTATOC"
    GA68_DOTANOC = "ga68_dotanoc", "⁶⁸Ga-DOTANOC"
    CU64_DOTATATE = "cu64_dotatate", "⁶⁴Cu-DOTATATE"


class FdgVsSstr(Vocabulary):
    """FDG uptake compared with SSTR uptake, when both are positive (the NETPET P2–P4 split)."""

    LOWER = "lower", "FDG lower than SSTR"
    EQUAL = "equal", "FDG equal to SSTR"
    HIGHER = "higher", "FDG higher than SSTR"


class SpecimenType(Vocabulary):
    ENDOSCOPIC_BIOPSY = "endoscopic_biopsy", "Endoscopic biopsy"
    EUS_FNA = "eus_fna", "EUS-guided fine-needle aspiration / biopsy"
    CORE_BIOPSY = "core_biopsy", "Percutaneous core needle biopsy"
    CYTOLOGY = "cytology", "Cytology"
    ENDOSCOPIC_RESECTION = "endoscopic_resection", "Endoscopic resection (EMR/ESD)"
    LOCAL_EXCISION = "local_excision", "Local excision / enucleation"
    RESECTION = "resection", "Surgical resection"
    LYMPH_NODE = "lymph_node", "Lymph node"
    METASTASIS = "metastasis", "Biopsy or resection of a metastasis"
    OTHER = "other", "Other"


class IhcMarker(Vocabulary):
    """Immunohistochemistry markers with the question each answers (section 5)."""

    purpose: str

    if not TYPE_CHECKING:  # run time only, see Vocabulary (python/mypy#10573)

        def __init__(self, value: str, label: str, purpose: str) -> None:
            self.purpose = purpose

    SYNAPTOPHYSIN = "synaptophysin", "Synaptophysin", "neuroendocrine differentiation (required)"
    CHROMOGRANIN_A = "chromogranin_a", "Chromogranin A", "neuroendocrine differentiation (required)"
    KERATIN = "keratin", "Keratin", "epithelial differentiation"
    P53 = "p53", "p53", "NET G3 versus NEC"
    RB = "rb", "Rb", "NET G3 versus NEC"
    CDX2 = "cdx2", "CDX2", "site of origin: midgut"
    PAX8 = "pax8", "PAX8", "site of origin: pancreas"
    ISL1 = "isl1", "ISL1", "site of origin: pancreas"
    TTF1 = "ttf1", "TTF-1", "site of origin: lung"
    OTP = "otp", "OTP", "site of origin: lung"
    SATB2 = "satb2", "SATB2", "site of origin: rectum"
    SSTR2 = "sstr2", "SSTR2", "somatostatin receptor expression"


REQUIRED_IHC = frozenset({IhcMarker.SYNAPTOPHYSIN, IhcMarker.CHROMOGRANIN_A})
"""CAP/NANETS: every NEN diagnosis documents synaptophysin and chromogranin A."""


class ResectionMargin(Vocabulary):
    R0 = "r0", "R0 – no residual tumour"
    R1 = "r1", "R1 – microscopic residual tumour"
    R2 = "r2", "R2 – macroscopic residual tumour"
    RX = "rx", "RX – cannot be assessed"


class TreatmentCategory(Vocabulary):
    specialty: Specialty | None

    if not TYPE_CHECKING:  # run time only, see Vocabulary (python/mypy#10573)

        def __init__(self, value: str, label: str, specialty: Specialty | None) -> None:
            self.specialty = specialty

    SURVEILLANCE = "surveillance", "Surveillance", None
    SURGERY = "surgery", "Surgery", Specialty.SURGERY
    SSA = "ssa", "Somatostatin analogue", Specialty.MEDICAL_ONCOLOGY
    TARGETED = "targeted", "Targeted therapy", Specialty.MEDICAL_ONCOLOGY
    PRRT = "prrt", "PRRT", Specialty.NUCLEAR_MEDICINE
    LIVER_DIRECTED = "liver_directed", "Liver-directed therapy", Specialty.RADIOLOGY
    CHEMOTHERAPY = "chemotherapy", "Chemotherapy", Specialty.MEDICAL_ONCOLOGY
    SYMPTOMATIC = "symptomatic", "Symptomatic treatment", Specialty.MEDICAL_ONCOLOGY
    RADIOTHERAPY = "radiotherapy", "Radiotherapy", Specialty.OTHER
    TRIAL = "trial", "Clinical trial", None
    REFERRAL = "referral", "Referral / further diagnostics", None


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

    SURV = "SURV", "Watchful waiting / surveillance imaging", TreatmentCategory.SURVEILLANCE
    SURG_ENDO = (
        "SURG-ENDO",
        "Endoscopic resection (EMR/ESD)",
        TreatmentCategory.SURGERY,
        Specialty.GASTROENTEROLOGY,
    )
    SURG_LOCAL = "SURG-LOCAL", "Local excision / enucleation", TreatmentCategory.SURGERY
    SURG_APPY = "SURG-APPY", "Appendectomy", TreatmentCategory.SURGERY
    SURG_RHC = "SURG-RHC", "Right hemicolectomy", TreatmentCategory.SURGERY
    SURG_SEGMENT = (
        "SURG-SEGMENT",
        "Small-bowel resection with mesenteric lymphadenectomy",
        TreatmentCategory.SURGERY,
    )
    SURG_PD = "SURG-PD", "Pancreatoduodenectomy (Whipple)", TreatmentCategory.SURGERY
    SURG_DP = "SURG-DP", "Distal pancreatectomy", TreatmentCategory.SURGERY
    SURG_LIVER = "SURG-LIVER", "Hepatic resection / debulking of metastases", TreatmentCategory.SURGERY
    SSA_OCT_LAR = "SSA-OCT-LAR", "Somatostatin analogue: octreotide LAR", TreatmentCategory.SSA
    SSA_LAN = "SSA-LAN", "Somatostatin analogue: lanreotide", TreatmentCategory.SSA
    TT_EVE = "TT-EVE", "mTOR inhibitor: everolimus", TreatmentCategory.TARGETED
    TT_SUN = "TT-SUN", "Tyrosine kinase inhibitor: sunitinib", TreatmentCategory.TARGETED
    TT_CABO = "TT-CABO", "Tyrosine kinase inhibitor: cabozantinib", TreatmentCategory.TARGETED
    PRRT_LU177 = "PRRT-LU177", "¹⁷⁷Lu-DOTATATE PRRT", TreatmentCategory.PRRT
    LDT_TAE = "LDT-TAE", "Transarterial embolisation (TAE)", TreatmentCategory.LIVER_DIRECTED
    LDT_TACE = "LDT-TACE", "Transarterial chemoembolisation (TACE)", TreatmentCategory.LIVER_DIRECTED
    LDT_TARE = "LDT-TARE", "Transarterial radioembolisation (TARE)", TreatmentCategory.LIVER_DIRECTED
    LDT_RFA = "LDT-RFA", "Radiofrequency ablation (RFA)", TreatmentCategory.LIVER_DIRECTED
    LDT_MWA = "LDT-MWA", "Microwave ablation (MWA)", TreatmentCategory.LIVER_DIRECTED
    CHEMO_CAPTEM = "CHEMO-CAPTEM", "Capecitabine + temozolomide", TreatmentCategory.CHEMOTHERAPY
    CHEMO_STZ_5FU = "CHEMO-STZ-5FU", "Streptozocin + 5-FU", TreatmentCategory.CHEMOTHERAPY
    CHEMO_PE = "CHEMO-PE", "Cisplatin + etoposide (NEC)", TreatmentCategory.CHEMOTHERAPY
    CHEMO_CE = "CHEMO-CE", "Carboplatin + etoposide (NEC)", TreatmentCategory.CHEMOTHERAPY
    SYMPT_TELO = "SYMPT-TELO", "Telotristat ethyl (carcinoid diarrhoea)", TreatmentCategory.SYMPTOMATIC
    SYMPT_PPI = "SYMPT-PPI", "Proton-pump inhibitor (gastrinoma)", TreatmentCategory.SYMPTOMATIC
    SYMPT_DIAZOXIDE = "SYMPT-DIAZOXIDE", "Diazoxide (insulinoma)", TreatmentCategory.SYMPTOMATIC
    RT_EBRT = "RT-EBRT", "External-beam radiotherapy", TreatmentCategory.RADIOTHERAPY
    TRIAL = "TRIAL", "Clinical trial", TreatmentCategory.TRIAL
    REFER = "REFER", "Referral / further diagnostics", TreatmentCategory.REFERRAL


class PlanIntent(Vocabulary):
    CURATIVE = "curative", "Curative"
    PALLIATIVE = "palliative", "Palliative"
    SYMPTOM_CONTROL = "symptom_control", "Symptom control"
    DIAGNOSTIC = "diagnostic", "Diagnostic"


class ConferenceType(Vocabulary):
    PRE_THERAPEUTIC = "pre_therapeutic", "Pre-therapeutic"
    POST_OPERATIVE = "post_operative", "Post-operative"
    POST_THERAPY = "post_therapy", "Post-therapy / progression"
    FOLLOW_UP = "follow_up", "Follow-up"


class EcogPerformanceStatus(Vocabulary):
    """ECOG performance status 0–4; the value is the grade as a string ("0" … "4")."""

    description: str

    if not TYPE_CHECKING:  # run time only, see Vocabulary (python/mypy#10573)

        def __init__(self, value: str, label: str, description: str) -> None:
            self.description = description

    ECOG_0 = "0", "ECOG 0", "Fully active, able to carry on all pre-disease activities without restriction"
    ECOG_1 = (
        "1",
        "ECOG 1",
        "Restricted in strenuous activity but ambulatory and able to do light or sedentary work",
    )
    ECOG_2 = (
        "2",
        "ECOG 2",
        "Ambulatory and capable of self-care but unable to work; up more than 50% of waking hours",
    )
    ECOG_3 = "3", "ECOG 3", "Capable of only limited self-care; in bed or chair more than 50% of waking hours"
    ECOG_4 = "4", "ECOG 4", "Completely disabled; no self-care; totally confined to bed or chair"


class DeviationReason(Vocabulary):
    """Why a board recommendation was not carried out (follow-up coding after DNPM:DIP and audits)."""

    PATIENT_PREFERENCE = "patient_preference", "Patient preference"
    COMORBIDITY = "comorbidity", "Comorbidity / performance status"
    TOXICITY = "toxicity", "Toxicity"
    PROGRESSION = "progression", "Progression"
    NEW_INFORMATION = "new_information", "New information"
    PAYER_REFUSAL = "payer_refusal", "Payer refusal"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up", "Lost to follow-up"
    OTHER = "other", "Other"
