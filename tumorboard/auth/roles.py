"""The roles a user may hold; a person may hold several."""

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    SUBMITTER = "submitter"
    COORDINATOR = "coordinator"
    SPECIALIST = "specialist"
    CHAIR = "chair"
    ADMIN = "admin"
    PRIVACY = "privacy"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.SUBMITTER: _l("Submitter (referring clinician)"),
    Role.COORDINATOR: _l("Board coordinator"),
    Role.SPECIALIST: _l("Specialist"),
    Role.CHAIR: _l("Chair"),
    Role.ADMIN: _l("Administrator"),
    Role.PRIVACY: _l("Data-protection officer"),
}
