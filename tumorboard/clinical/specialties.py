"""The clinical specialties that sit on a NET tumor board."""

from enum import StrEnum

from tumorboard.clinical.labels import N_, translated


class Specialty(StrEnum):
    MEDICAL_ONCOLOGY = "medical_oncology"
    SURGERY = "surgery"
    RADIOLOGY = "radiology"
    PATHOLOGY = "pathology"
    NUCLEAR_MEDICINE = "nuclear_medicine"
    GASTROENTEROLOGY = "gastroenterology"
    ENDOCRINOLOGY = "endocrinology"
    OTHER = "other"

    @property
    def label(self) -> str:
        return translated(SPECIALTY_LABELS[self])


SPECIALTY_LABELS = {
    Specialty.MEDICAL_ONCOLOGY: N_("Medical oncology"),
    Specialty.SURGERY: N_("Surgery"),
    Specialty.RADIOLOGY: N_("Radiology"),
    Specialty.PATHOLOGY: N_("Pathology"),
    Specialty.NUCLEAR_MEDICINE: N_("Nuclear medicine"),
    Specialty.GASTROENTEROLOGY: N_("Gastroenterology"),
    Specialty.ENDOCRINOLOGY: N_("Endocrinology"),
    Specialty.OTHER: N_("Other"),
}
