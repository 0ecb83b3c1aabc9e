"""The clinical specialties that sit on a NET tumor board."""

from enum import StrEnum


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
        return SPECIALTY_LABELS[self]


SPECIALTY_LABELS = {
    Specialty.MEDICAL_ONCOLOGY: "Medical oncology",
    Specialty.SURGERY: "Surgery",
    Specialty.RADIOLOGY: "Radiology",
    Specialty.PATHOLOGY: "Pathology",
    Specialty.NUCLEAR_MEDICINE: "Nuclear medicine",
    Specialty.GASTROENTEROLOGY: "Gastroenterology",
    Specialty.ENDOCRINOLOGY: "Endocrinology",
    Specialty.OTHER: "Other",
}
