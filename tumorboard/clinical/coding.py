"""Suggested diagnosis codes for a NET (clinical reference, section 7): ICD-O-3.2 morphology and ICD-10-CM.

Suggestions only: the coder confirms them. Each comes as a ``Result`` whose category is the code and
whose rule says why it was chosen.
"""

from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass

from tumorboard.clinical.grading import Grade, LungCategory
from tumorboard.clinical.labels import LIST, N_, Text, joined
from tumorboard.clinical.results import Result, parse, parse_each, parse_optional
from tumorboard.clinical.vocabularies import (
    Differentiation,
    FunctionalSyndrome,
    Histology,
    MetastaticSite,
    PrimarySite,
    Vocabulary,
    as_differentiation,
)

ICD_O = "ICD-O-3.2"
ICD_10 = "ICD-10-CM"


# ICD-O-3.2 topography of each primary site (WHO, International Classification of Diseases for Oncology,
# 3rd edition, second revision, topography section C00-C80); "other" has no one code.
TOPOGRAPHY: dict[PrimarySite, tuple[str, str]] = {
    PrimarySite.STOMACH: ("C16.9", "Stomach, NOS"),
    PrimarySite.DUODENUM: ("C17.0", "Duodenum"),
    PrimarySite.AMPULLA: ("C24.1", "Ampulla of Vater"),
    PrimarySite.JEJUNUM: ("C17.1", "Jejunum"),
    PrimarySite.ILEUM: ("C17.2", "Ileum"),
    PrimarySite.APPENDIX: ("C18.1", "Appendix"),
    PrimarySite.COLON: ("C18.9", "Colon, NOS"),
    PrimarySite.RECTUM: ("C20.9", "Rectum, NOS"),
    PrimarySite.PANCREAS: ("C25.9", "Pancreas, NOS"),
    PrimarySite.LUNG: ("C34.9", "Lung, NOS"),
    PrimarySite.THYMUS: ("C37.9", "Thymus"),
    PrimarySite.THYROID: ("C73.9", "Thyroid gland"),
    PrimarySite.ADRENAL: ("C74.9", "Adrenal gland, NOS"),
    PrimarySite.UNKNOWN_PRIMARY: ("C80.9", "Unknown primary site"),
}


def topography(site: PrimarySite | str) -> str | None:
    """The ICD-O-3.2 topography code of a primary site, or None for "other"."""
    with suppress(ValueError):
        code = TOPOGRAPHY.get(PrimarySite(site))
        return code[0] if code else None
    return None


class Morphology(Vocabulary):
    NET = "8240/3", "Neuroendocrine tumour, NOS / G1"
    NET_G2_G3 = "8249/3", "Neuroendocrine tumour, G2 or G3"
    NEC = "8246/3", "Neuroendocrine carcinoma, NOS"
    LCNEC = "8013/3", "Large cell neuroendocrine carcinoma"
    SCNEC = "8041/3", "Small cell neuroendocrine carcinoma"
    MINEN = "8154/3", "Mixed neuroendocrine–non-neuroendocrine neoplasm (MiNEN)"


class Icd10Cm(Vocabulary):
    C7A_00 = "C7A.00", "Malignant carcinoid tumour, unspecified site"
    C7A_010 = "C7A.010", "Malignant carcinoid tumour of the duodenum"
    C7A_011 = "C7A.011", "Malignant carcinoid tumour of the jejunum"
    C7A_012 = "C7A.012", "Malignant carcinoid tumour of the ileum"
    C7A_019 = "C7A.019", "Malignant carcinoid tumour of the small intestine, unspecified portion"
    C7A_020 = "C7A.020", "Malignant carcinoid tumour of the appendix"
    C7A_021 = "C7A.021", "Malignant carcinoid tumour of the caecum"
    C7A_022 = "C7A.022", "Malignant carcinoid tumour of the ascending colon"
    C7A_023 = "C7A.023", "Malignant carcinoid tumour of the transverse colon"
    C7A_024 = "C7A.024", "Malignant carcinoid tumour of the descending colon"
    C7A_025 = "C7A.025", "Malignant carcinoid tumour of the sigmoid colon"
    C7A_026 = "C7A.026", "Malignant carcinoid tumour of the rectum"
    C7A_029 = "C7A.029", "Malignant carcinoid tumour of the large intestine, unspecified portion"
    C7A_090 = "C7A.090", "Malignant carcinoid tumour of the bronchus and lung"
    C7A_091 = "C7A.091", "Malignant carcinoid tumour of the thymus"
    C7A_092 = "C7A.092", "Malignant carcinoid tumour of the stomach"
    C7A_098 = "C7A.098", "Malignant carcinoid tumours of other sites"
    C7A_1 = "C7A.1", "Malignant poorly differentiated neuroendocrine tumours"
    C25_4 = "C25.4", "Malignant neoplasm of endocrine pancreas"
    C7B_00 = "C7B.00", "Secondary carcinoid tumours, unspecified site"
    C7B_01 = "C7B.01", "Secondary carcinoid tumours of distant lymph nodes"
    C7B_02 = "C7B.02", "Secondary carcinoid tumours of liver"
    C7B_03 = "C7B.03", "Secondary carcinoid tumours of bone"
    C7B_04 = "C7B.04", "Secondary carcinoid tumours of peritoneum"
    C7B_09 = "C7B.09", "Secondary carcinoid tumours of other sites"
    E34_00 = "E34.00", "Carcinoid syndrome, unspecified"


_PRIMARY = {
    PrimarySite.STOMACH: (Icd10Cm.C7A_092, None),
    PrimarySite.DUODENUM: (Icd10Cm.C7A_010, None),
    PrimarySite.AMPULLA: (
        Icd10Cm.C7A_098,
        Text(N_("ICD-10-CM has no carcinoid code for the ampulla; some coders use C7A.010 (duodenum).")),
    ),
    PrimarySite.JEJUNUM: (Icd10Cm.C7A_011, None),
    PrimarySite.ILEUM: (Icd10Cm.C7A_012, None),
    PrimarySite.APPENDIX: (Icd10Cm.C7A_020, None),
    PrimarySite.COLON: (
        Icd10Cm.C7A_029,
        Text(
            N_(
                "Use C7A.021–C7A.025 (caecum, ascending, transverse, descending, sigmoid) when the segment "
                "is known."
            )
        ),
    ),
    PrimarySite.RECTUM: (Icd10Cm.C7A_026, None),
    PrimarySite.PANCREAS: (
        Icd10Cm.C25_4,
        Text(
            N_("Category C7A excludes malignant pancreatic islet cell tumours, which ICD-10-CM codes C25.4.")
        ),
    ),
    PrimarySite.LUNG: (Icd10Cm.C7A_090, None),
    PrimarySite.THYMUS: (Icd10Cm.C7A_091, None),
    PrimarySite.THYROID: (
        Icd10Cm.C7A_098,
        Text(N_("A medullary thyroid carcinoma takes the thyroid's own code instead.")),
    ),
    PrimarySite.ADRENAL: (
        Icd10Cm.C7A_098,
        Text(N_("A phaeochromocytoma takes the adrenal's own code instead.")),
    ),
    PrimarySite.UNKNOWN_PRIMARY: (Icd10Cm.C7A_00, None),
    PrimarySite.OTHER: (Icd10Cm.C7A_098, None),
}
_SECONDARY = {
    MetastaticSite.DISTANT_NODES: Icd10Cm.C7B_01,
    MetastaticSite.LIVER: Icd10Cm.C7B_02,
    MetastaticSite.BONE: Icd10Cm.C7B_03,
    MetastaticSite.PERITONEUM: Icd10Cm.C7B_04,
    MetastaticSite.LUNG: Icd10Cm.C7B_09,
    MetastaticSite.PLEURA_PERICARDIUM: Icd10Cm.C7B_09,
    MetastaticSite.BRAIN: Icd10Cm.C7B_09,
    MetastaticSite.OTHER: Icd10Cm.C7B_09,
}
_BY_HISTOLOGY = {
    Histology.LCNEC: Morphology.LCNEC,
    Histology.SCNEC: Morphology.SCNEC,
    Histology.MINEN: Morphology.MINEN,
    Histology.NEC: Morphology.NEC,
}
_BY_GRADE = {
    Grade.G1: Morphology.NET,
    Grade.G2: Morphology.NET_G2_G3,
    Grade.G3: Morphology.NET_G2_G3,
    LungCategory.TYPICAL: Morphology.NET,
    LungCategory.ATYPICAL: Morphology.NET_G2_G3,
}


@dataclass(frozen=True)
class CodeSuggestions:
    """The suggested ICD-O-3.2 morphology and ICD-10-CM codes (primary first, then secondaries and the
    carcinoid syndrome), each with its rule."""

    morphology: Result[Morphology]
    icd10: tuple[Result[Icd10Cm], ...]


def _grade(value: object) -> Grade | LungCategory | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):  # a str enum has no member of any other type
        for categories in (Grade, LungCategory):
            with suppress(ValueError):
                return categories(value)
    raise ValueError(Text(N_("Unknown grade %(value)s."), value=repr(value)))


def _morphology(
    differentiation: Differentiation, grade: Grade | LungCategory | None, histology: Histology | None
) -> tuple[Morphology, Text]:
    if histology is not None and histology in _BY_HISTOLOGY:
        return _BY_HISTOLOGY[histology], Text(N_("histology %(histology)s"), histology=histology)
    if differentiation is Differentiation.POOR or grade in (Grade.NEC, LungCategory.HIGH_GRADE):
        return Morphology.NEC, Text(N_("a neuroendocrine carcinoma of no named subtype"))
    if grade is not None and grade in _BY_GRADE:
        if isinstance(grade, LungCategory):
            return _BY_GRADE[grade], Text(N_("a lung or thymic %(grade)s"), grade=grade)
        return _BY_GRADE[grade], Text(N_("a NET graded %(grade)s"), grade=grade)
    return Morphology.NET, Text(N_("a NET without a grade (NET, NOS)"))


def suggest_codes(
    site: PrimarySite | str,
    differentiation: Differentiation | str | None,
    grade: Grade | LungCategory | str | None,
    histology: Histology | str | None = None,
    metastatic_sites: Iterable[MetastaticSite | str] = (),
    functional_syndrome: FunctionalSyndrome | str | None = None,
) -> CodeSuggestions:
    """Suggested codes from site, differentiation, grade and histology (clinical reference, section 7).

    ICD-O-3.2: NET NOS/G1 8240/3 (also typical carcinoid), NET G2 and G3 8249/3 (also atypical carcinoid),
    NEC NOS 8246/3, LCNEC 8013/3, SCNEC 8041/3, MiNEN 8154/3; a named histology wins over the grade.
    ICD-10-CM: a NET takes its site's C7A.0xx code (the pancreas C25.4, since C7A excludes islet cell
    tumours) and one C7B.0x code per metastatic site; an NEC takes C7A.1 at any site; a MiNEN takes the
    organ's carcinoma code, which the reference does not list. Carcinoid syndrome adds E34.00 (current
    ICD-10-CM subdivides the reference's E34.0). NETs are malignant (/3) in ICD-O-3.2, so D3A (benign
    carcinoid) is never suggested.
    """
    site = parse(PrimarySite, site, N_("primary site"))
    differentiation = as_differentiation(differentiation)
    grade = _grade(grade)
    histology = parse_optional(Histology, histology, N_("histology"))
    metastases = parse_each(MetastaticSite, metastatic_sites, N_("metastatic site"))
    syndrome = parse_optional(FunctionalSyndrome, functional_syndrome, N_("syndrome"))
    inputs = {
        "site": site,
        "differentiation": differentiation,
        "grade": grade,
        "histology": histology,
        "metastatic_sites": metastases,
        "functional_syndrome": syndrome,
    }

    code, reason = _morphology(differentiation, grade, histology)
    is_minen = code is Morphology.MINEN
    is_nec = code in (Morphology.NEC, Morphology.LCNEC, Morphology.SCNEC)
    morphology = Result(
        category=code,
        rule=Text(
            N_("%(source)s: %(reason)s is %(code)s (%(name)s)."),
            source=ICD_O,
            reason=reason,
            code=str(code),
            name=code.label_text,
        ),
        inputs=inputs,
        note=Text(
            N_("ICD-10-CM has no code of its own for a MiNEN: code it with the organ's carcinoma code.")
        )
        if is_minen
        else None,
    )

    icd10: list[Result[Icd10Cm]] = []
    if is_nec:
        icd10.append(
            Result(
                category=Icd10Cm.C7A_1,
                rule=Text(
                    N_("%(source)s: a poorly differentiated neuroendocrine carcinoma is C7A.1 at any site."),
                    source=ICD_10,
                ),
                inputs=inputs,
                note=Text(
                    N_(
                        "The C7B.0x codes are for secondary carcinoid (NET) tumours; code NEC metastases by "
                        "the coder's rules."
                    )
                )
                if metastases
                else None,
            )
        )
    elif not is_minen:
        primary, note = _PRIMARY[site]
        icd10.append(
            Result(
                category=primary,
                rule=Text(
                    N_("%(source)s: a NET with primary site '%(site)s' is %(code)s (%(name)s)."),
                    source=ICD_10,
                    site=site,
                    code=str(primary),
                    name=primary.label_text,
                ),
                inputs=inputs,
                note=note,
            )
        )
        for secondary in dict.fromkeys(_SECONDARY[metastasis] for metastasis in metastases):
            sites = joined([m.in_sentence for m in metastases if _SECONDARY[m] is secondary], LIST)
            icd10.append(
                Result(
                    category=secondary,
                    rule=Text(
                        N_("%(source)s: NET metastasis to %(sites)s is %(code)s (%(name)s)."),
                        source=ICD_10,
                        sites=sites,
                        code=str(secondary),
                        name=secondary.label_text,
                    ),
                    inputs=inputs,
                )
            )
    if syndrome is FunctionalSyndrome.CARCINOID:
        icd10.append(
            Result(
                category=Icd10Cm.E34_00,
                rule=Text(
                    N_("%(source)s: carcinoid syndrome is coded in addition, E34.00 (%(name)s)."),
                    source=ICD_10,
                    name=Icd10Cm.E34_00.label_text,
                ),
                inputs=inputs,
                note=Text(
                    N_(
                        "Older ICD-10-CM releases have E34.0 alone; current ICD-10-CM subdivides it (E34.00 "
                        "unspecified, E34.01 carcinoid heart syndrome, E34.09 other)."
                    )
                ),
            )
        )
    return CodeSuggestions(morphology=morphology, icd10=tuple(icd10))
