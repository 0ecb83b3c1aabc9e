"""The roles a user may hold; a person may hold several."""

from enum import StrEnum


class Role(StrEnum):
    SUBMITTER = "submitter"
    COORDINATOR = "coordinator"
    SPECIALIST = "specialist"
    CHAIR = "chair"
    ADMIN = "admin"
    PRIVACY = "privacy"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.SUBMITTER: "Submitter (referring clinician)",
    Role.COORDINATOR: "Board coordinator",
    Role.SPECIALIST: "Specialist",
    Role.CHAIR: "Chair",
    Role.ADMIN: "Administrator",
    Role.PRIVACY: "Data-protection officer",
}
