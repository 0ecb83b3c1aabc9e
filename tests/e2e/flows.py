"""Steps several browser tests walk the same way: registering a patient, filling the new-case form."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NewPatient:
    mrn: str
    family_name: str
    given_name: str
    birth_date: str  # YYYY-MM-DD
    sex: str


def register_patient(page, patient: NewPatient) -> None:
    """From any page of the submitter: the registration form, then the new case's form."""
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name="Register a new case").click()
    page.get_by_label("MRN").fill(patient.mrn)
    page.get_by_label("Family name").fill(patient.family_name)
    page.get_by_label("Given name").fill(patient.given_name)
    page.get_by_label("Birth date").fill(patient.birth_date)
    page.get_by_label("Sex").select_option(patient.sex)
    page.get_by_role("button", name="Register patient").click()
    page.get_by_role("heading", name="New case").wait_for()


def fill_case(
    page,
    *,
    site: str,
    question: str,
    differentiation: str = "",
    functional: str = "",
    hereditary: str = "",
    conference: str = "pre_therapeutic",
    board: str = "GEP-NET board",
) -> None:
    """The new case's answers; an empty one is left as the form opens (nothing chosen)."""
    page.get_by_label("Board", exact=True).select_option(label=board)
    page.get_by_label("Conference").select_option(conference)
    page.get_by_label("Primary site").select_option(site)
    for label, value in (
        ("Differentiation", differentiation),
        ("Functional status", functional),
        ("Hereditary syndrome", hereditary),
    ):
        if value:
            page.get_by_label(label, exact=True).select_option(value)
    page.get_by_label("Question for the board").fill(question)
