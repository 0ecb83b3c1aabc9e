"""WHO grading of neuroendocrine neoplasms (clinical reference, section 1).

Digestive system: WHO 2019 (5th edition) grades a well-differentiated NET G1–G3 from Ki-67 and the mitotic
count, whichever is higher; a poorly differentiated neoplasm is an NEC and gets no G. Lung and thymus:
WHO 2015/2021 classify carcinoids by mitoses and necrosis only.
"""

from enum import StrEnum

from tumorboard.clinical.labels import N_, SEMICOLON, Text, joined
from tumorboard.clinical.results import Band, Dispute, Result, band_for, join_notes, require
from tumorboard.clinical.vocabularies import Differentiation, as_differentiation


class Grade(StrEnum):
    G1 = "G1"
    G2 = "G2"
    G3 = "G3"
    NEC = "NEC"
    NOT_GRADABLE = N_("not gradable")


class LungCategory(StrEnum):
    TYPICAL = N_("typical carcinoid")
    ATYPICAL = N_("atypical carcinoid")
    HIGH_GRADE = N_("high-grade (LCNEC/SCLC)")
    NOT_CLASSIFIABLE = N_("not classifiable")


WHO_2019 = Text(N_("WHO 2019 digestive system"))
WHO_LUNG = Text(N_("WHO 2015/2021 lung and thymus"))

KI67_BANDS = (
    Band(Grade.G1, Text(N_("Ki-67 <3%%")), below=3),
    Band(Grade.G2, Text(N_("Ki-67 3–20%%")), up_to=20),
    Band(Grade.G3, Text(N_("Ki-67 >20%%"))),
)
MITOSIS_BANDS = (
    Band(Grade.G1, Text(N_("<2 mitoses per 2 mm²")), below=2),
    Band(Grade.G2, Text(N_("2–20 mitoses per 2 mm²")), up_to=20),
    Band(Grade.G3, Text(N_(">20 mitoses per 2 mm²"))),
)
KI67_DISPUTE = Dispute(
    applies=lambda ki67: 2 < ki67 < 3,
    alternative=Grade.G2,
    reason=Text(
        N_(
            "WHO 2010 and older CAP protocols made G1 'Ki-67 ≤2%%'; only WHO 2019 ('<3%%') makes a Ki-67 "
            "between 2 and 3%% G1."
        )
    ),
)
LUNG_BANDS = (
    Band(LungCategory.TYPICAL, Text(N_("<2 mitoses per 2 mm²")), below=2),
    Band(LungCategory.ATYPICAL, Text(N_("2–10 mitoses per 2 mm²")), up_to=10),
    Band(LungCategory.HIGH_GRADE, Text(N_(">10 mitoses per 2 mm²"))),
)
LUNG_DISPUTE = Dispute(
    applies=lambda mitoses: mitoses == 10,
    alternative=LungCategory.HIGH_GRADE,
    reason=Text(
        N_(
            "WHO 2015/2021 count exactly 10 mitoses per 2 mm² as atypical carcinoid (2–10); the 1999 "
            "table made ≥10 LCNEC."
        )
    ),
)

_GRADE_ORDER = (Grade.G1, Grade.G2, Grade.G3)


def _higher(*grades: Grade) -> Grade:
    return max(grades, key=_GRADE_ORDER.index)


def per_2mm2(mitoses: float, area_mm2: float = 10) -> float:
    """A mitotic count over ``area_mm2`` expressed per 2 mm², the unit of the WHO tables.

    CAP: count 50 fields of 0.2 mm² (10 mm² in all) and divide by 5.
    """
    require(mitoses >= 0, Text(N_("The mitotic count cannot be negative.")))
    require(area_mm2 > 0, Text(N_("The area counted must be greater than 0 mm².")))
    return mitoses * 2 / area_mm2


def who_grade(
    ki67_percent: float | None,
    mitoses_per_2mm2: float | None,
    differentiation: Differentiation | str | None = None,
) -> Result[Grade]:
    """WHO 2019 grade of a digestive-system neuroendocrine neoplasm.

    Ki-67 <3% is G1, 3–20% G2, >20% G3; <2 mitoses per 2 mm² is G1, 2–20 G2, >20 G3; with both indices the
    higher grade wins. Poor differentiation makes it an NEC whatever the indices: morphology, not Ki-67,
    separates NET G3 from NEC. When differentiation is not recorded the indices are graded as a NET and
    the note says morphology decides. Ki-67 strictly between 2 and 3% is flagged disputed when it decides
    the grade: it is G1 under WHO 2019 but was not G1 under WHO 2010 ("≤2%"); 2 and 3 themselves agree.
    """
    require(ki67_percent is None or 0 <= ki67_percent <= 100, Text(N_("Ki-67 must be between 0 and 100 %%.")))
    require(
        mitoses_per_2mm2 is None or mitoses_per_2mm2 >= 0, Text(N_("Mitoses per 2 mm² cannot be negative."))
    )
    differentiation = as_differentiation(differentiation)
    inputs = {
        "ki67_percent": ki67_percent,
        "mitoses_per_2mm2": mitoses_per_2mm2,
        "differentiation": differentiation,
    }

    if differentiation is Differentiation.POOR:
        low_index = any(value is not None and value <= 20 for value in (ki67_percent, mitoses_per_2mm2))
        return Result(
            category=Grade.NEC,
            rule=Text(
                N_(
                    "%(source)s: a poorly differentiated neoplasm is a neuroendocrine carcinoma (NEC), "
                    "high grade by definition and given no G, whatever its Ki-67 or mitotic count."
                ),
                source=WHO_2019,
            ),
            inputs=inputs,
            note=Text(
                N_(
                    "NEC usually has Ki-67 and mitoses above 20; a lower index calls for a second look at "
                    "the morphology (p53, Rb) to exclude a NET G2/G3."
                )
            )
            if low_index
            else None,
        )

    bands = {
        name: band_for(value, table)
        for name, value, table in (
            ("ki67", ki67_percent, KI67_BANDS),
            ("mitoses", mitoses_per_2mm2, MITOSIS_BANDS),
        )
        if value is not None
    }
    if not bands:
        return Result(
            category=Grade.NOT_GRADABLE,
            rule=Text(
                N_("%(source)s: a grade needs Ki-67 or the mitotic count per 2 mm²; neither was given."),
                source=WHO_2019,
            ),
            inputs=inputs,
        )

    grade = _higher(*(band.category for band in bands.values()))
    findings = joined(
        [Text(N_("%(band)s is %(grade)s"), band=band.label, grade=band.category) for band in bands.values()],
        SEMICOLON,
    )
    if len(bands) == 2:
        rule = Text(
            N_("%(source)s: %(findings)s; the higher grade wins."), source=WHO_2019, findings=findings
        )
    else:
        rule = Text(N_("%(source)s: %(findings)s."), source=WHO_2019, findings=findings)

    other_grades = [band.category for name, band in bands.items() if name != "ki67"]
    disputed = (
        ki67_percent is not None
        and KI67_DISPUTE.applies(ki67_percent)
        and _higher(KI67_DISPUTE.alternative, *other_grades) != grade
    )

    return Result(
        category=grade,
        rule=rule,
        inputs=inputs,
        disputed_reason=KI67_DISPUTE.reason if disputed else None,
        note=join_notes(
            Text(N_("Ki-67 not given: graded on the mitotic count alone.")) if "ki67" not in bands else None,
            Text(N_("Mitotic count not given: graded on Ki-67 alone.")) if "mitoses" not in bands else None,
            Text(
                N_(
                    "Differentiation not recorded: graded as a well-differentiated NET; morphology decides "
                    "NET G3 versus NEC."
                )
            )
            if differentiation is Differentiation.UNKNOWN
            else None,
        ),
    )


def lung_category(mitoses_per_2mm2: float | None, necrosis: bool | None) -> Result[LungCategory]:
    """WHO 2015/2021 category of a lung (or thymic) neuroendocrine tumour.

    <2 mitoses per 2 mm² without necrosis is a typical carcinoid; 2–10 mitoses and/or necrosis an atypical
    carcinoid; >10 mitoses a high-grade carcinoma (LCNEC or SCLC, told apart by morphology). Ki-67 plays no
    part. Exactly 10 mitoses is atypical but disputed (the 1999 table made ≥10 LCNEC). The typical
    carcinoid's size criterion (≥0.5 cm; smaller lesions are tumourlets) is left to the pathologist.
    Without a mitotic count, or with <2 mitoses and necrosis not recorded, the result is "not
    classifiable".
    """
    require(
        mitoses_per_2mm2 is None or mitoses_per_2mm2 >= 0, Text(N_("Mitoses per 2 mm² cannot be negative."))
    )
    inputs = {"mitoses_per_2mm2": mitoses_per_2mm2, "necrosis": necrosis}

    if mitoses_per_2mm2 is None:
        return Result(
            category=LungCategory.NOT_CLASSIFIABLE,
            rule=Text(
                N_("%(source)s: the category rests on the mitotic count per 2 mm², which was not given."),
                source=WHO_LUNG,
            ),
            inputs=inputs,
        )
    band = band_for(mitoses_per_2mm2, LUNG_BANDS)
    if band.category is not LungCategory.TYPICAL:
        return Result(
            category=band.category,
            rule=Text(
                N_("%(source)s: %(band)s is %(category)s."),
                source=WHO_LUNG,
                band=band.label,
                category=band.category,
            ),
            inputs=inputs,
            disputed_reason=LUNG_DISPUTE.reason if LUNG_DISPUTE.applies(mitoses_per_2mm2) else None,
        )
    if necrosis is None:
        return Result(
            category=LungCategory.NOT_CLASSIFIABLE,
            rule=Text(
                N_(
                    "%(source)s: %(band)s is a typical carcinoid only without necrosis, and an atypical "
                    "one with it; necrosis was not recorded."
                ),
                source=WHO_LUNG,
                band=band.label,
            ),
            inputs=inputs,
        )
    if necrosis:
        return Result(
            category=LungCategory.ATYPICAL,
            rule=Text(
                N_("%(source)s: %(band)s, but necrosis makes it an atypical carcinoid."),
                source=WHO_LUNG,
                band=band.label,
            ),
            inputs=inputs,
        )
    return Result(
        category=LungCategory.TYPICAL,
        rule=Text(
            N_("%(source)s: %(band)s without necrosis is a typical carcinoid."),
            source=WHO_LUNG,
            band=band.label,
        ),
        inputs=inputs,
        note=Text(N_("A typical carcinoid also measures at least 0.5 cm; smaller lesions are tumourlets.")),
    )
