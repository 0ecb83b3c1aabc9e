"""Registering and editing patients: the MRN is unique and follows the hospital's format; every refusal
names the field and writes nothing."""

from datetime import date, timedelta

import pytest

from tests.cases.helpers import audit_count, count, days_ago, last_event
from tumorboard.auth.roles import Role
from tumorboard.cases.models import Patient, PatientRegistration
from tumorboard.cases.patient_operations import (
    MRN_IN_USE,
    MrnInUse,
    register_or_match_patient,
    register_patient,
    update_patient,
)
from tumorboard.cases.queries import find_visible_patient
from tumorboard.errors import OperationError, StaleEdit
from tumorboard.extensions import db
from tumorboard.timezones import hospital_today


def patient_data(**overrides) -> dict:
    data = {
        "mrn": "mrn-4711 ",
        "family_name": " Mustermann ",
        "given_name": "Erika",
        "birth_date": date(1961, 4, 12),
        "sex": "female",
    }
    data.update(overrides)
    return data


def test_register_patient_cleans_the_input_and_records_it(submitter):
    before = audit_count()
    patient = register_patient(submitter, **patient_data())
    assert patient.id is not None
    assert (patient.mrn, patient.family_name, patient.given_name) == ("MRN-4711", "Mustermann", "Erika")
    assert patient.name_key == "mustermann erika"
    assert patient.created_by_id == submitter.id
    assert audit_count() == before + 1
    event = last_event()
    assert (event.action, event.entity_type, event.entity_id) == (
        "patient.registered",
        "patient",
        str(patient.id),
    )
    assert event.actor_id == submitter.id
    assert event.changes == {
        "birth_date": [None, "1961-04-12"],
        "family_name": [None, "Mustermann"],
        "given_name": [None, "Erika"],
        "mrn": [None, "MRN-4711"],
        "sex": [None, "female"],
    }


def test_birth_date_of_1900_and_of_today_are_accepted(submitter):
    assert register_patient(submitter, **patient_data(mrn="A-1900", birth_date=date(1900, 1, 1))).id
    assert register_patient(submitter, **patient_data(mrn="A-TODAY", birth_date=hospital_today())).id


BAD_PATIENT_INPUT = [
    pytest.param(
        {"mrn": "ab"}, "mrn", "The MRN must be 4 to 20 capital letters, digits or hyphens.", id="mrn-short"
    ),
    pytest.param({"mrn": ""}, "mrn", "Enter the MRN.", id="mrn-blank"),
    pytest.param(
        {"mrn": "MRN 4711"},
        "mrn",
        "The MRN must be 4 to 20 capital letters, digits or hyphens.",
        id="mrn-space",
    ),
    pytest.param({"family_name": "  "}, "family_name", "Enter the family name.", id="family-name-blank"),
    pytest.param(
        {"given_name": "x" * 101},
        "given_name",
        "The given name is too long (at most 100 characters).",
        id="given-name-too-long",
    ),
    pytest.param({"sex": ""}, "sex", "Choose the sex.", id="sex-blank"),
    pytest.param({"sex": "f"}, "sex", "Unknown sex.", id="sex-unknown"),
    pytest.param(
        {"birth_date": None}, "birth_date", "Enter the birth date as a date.", id="birth-date-missing"
    ),
    pytest.param(
        {"birth_date": "1961-04-12"},
        "birth_date",
        "Enter the birth date as a date.",
        id="birth-date-not-a-date",
    ),
    pytest.param(
        {"birth_date": date.today() + timedelta(days=2)},
        "birth_date",
        "The birth date cannot be in the future.",
        id="birth-date-in-the-future",
    ),
    pytest.param(
        {"birth_date": date(1899, 12, 31)},
        "birth_date",
        "The birth date must be after 1900.",
        id="birth-date-1899",
    ),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_PATIENT_INPUT)
def test_register_patient_refuses_bad_input_and_writes_nothing(submitter, overrides, field, message):
    patients, events = count(Patient), audit_count()
    with pytest.raises(OperationError) as refused:
        register_patient(submitter, **patient_data(**overrides))
    assert (refused.value.message, refused.value.field) == (message, field)
    assert (count(Patient), audit_count()) == (patients, events)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SPECIALIST, Role.CHAIR, Role.ADMIN])
def test_only_submitters_register_patients(app_ctx, users, role):
    patients, events = count(Patient), audit_count()
    with pytest.raises(OperationError, match="Only referring clinicians register patients."):
        register_patient(users[role], **patient_data())
    assert (count(Patient), audit_count()) == (patients, events)


@pytest.mark.parametrize(
    "other_identity",
    [
        {"family_name": "Musterfrau"},
        {"given_name": "Erik"},
        {"birth_date": date(1961, 4, 13)},
    ],
)
@pytest.mark.parametrize("known_to_a_board", [False, True])
def test_an_mrn_in_use_with_other_identity_data_gets_one_answer(
    submitter, create_patient, create_user, create_board, create_case, other_identity, known_to_a_board
):
    """The same words whether another board knows the patient or nobody does: nothing to learn from it."""
    stranger = create_user()
    existing = create_patient(
        mrn="MRN-4711", family_name="Mustermann", given_name="Erika", created_by=stranger
    )
    if known_to_a_board:
        other_board = create_board(name="Lung NET board")
        create_case(
            patient=existing,
            board=other_board,
            status="submitted",
            submitter=create_user(boards=[other_board]),
        )
    patients, events = count(Patient), audit_count()
    with pytest.raises(MrnInUse) as refused:
        register_patient(submitter, **patient_data(mrn=" mrn-4711", **other_identity))
    assert (refused.value.message, refused.value.field) == (MRN_IN_USE, "mrn")
    assert "board" not in refused.value.message and "colleague" not in refused.value.message
    assert (count(Patient), audit_count()) == (patients, events)
    assert find_visible_patient(submitter, existing.id) is None


def test_the_same_person_registered_again_is_matched_to_the_patient(
    submitter, create_patient, create_user, create_board, create_case
):
    other_board = create_board(name="Lung NET board")
    colleague = create_user(boards=[other_board])
    existing = create_patient(
        mrn="MRN-4711", family_name="Mustermann", given_name="Erika", created_by=colleague
    )
    theirs = create_case(patient=existing, board=other_board, status="submitted", submitter=colleague)
    assert find_visible_patient(submitter, existing.id) is None
    patients = count(Patient)
    patient, matched = register_or_match_patient(
        submitter, **patient_data(mrn="mrn-4711", family_name="MUSTERMANN", given_name=" erika")
    )
    assert (patient, matched) == (existing, True)
    assert count(Patient) == patients
    assert db.session.get(PatientRegistration, (existing.id, submitter.id)) is not None
    event = last_event()
    assert (event.action, event.entity_id, event.changes_json) == (
        "patient.registration_matched",
        str(existing.id),
        "{}",
    )
    # the submitter now sees the patient, but not the other board's case
    assert find_visible_patient(submitter, existing.id) is existing
    from tumorboard.cases.queries import find_visible_case

    assert find_visible_case(submitter, theirs.id) is None
    # registering once more changes nothing but the audit trail
    again, matched = register_or_match_patient(submitter, **patient_data(mrn="MRN-4711"))
    assert (again, matched) == (existing, True)
    assert db.session.query(PatientRegistration).filter_by(patient_id=existing.id).count() == 2


# Editing -------------------------------------------------------------------------------------------


@pytest.fixture
def patient(submitter):
    return register_patient(submitter, **patient_data())


def test_update_patient_records_before_and_after(submitter, patient):
    version = patient.version
    update_patient(
        submitter,
        patient,
        expected_version=version,
        **patient_data(family_name="Musterfrau", birth_date=date(1961, 4, 13)),
    )
    assert patient.family_name == "Musterfrau" and patient.name_key == "musterfrau erika"
    assert patient.version == version + 1
    event = last_event()
    assert event.action == "patient.updated"
    assert event.changes == {
        "birth_date": ["1961-04-12", "1961-04-13"],
        "family_name": ["Mustermann", "Musterfrau"],
    }


def test_update_patient_without_changes_records_nothing(submitter, patient):
    version, events = patient.version, audit_count()
    update_patient(submitter, patient, expected_version=version, **patient_data())
    assert (patient.version, audit_count()) == (version, events)


@pytest.mark.parametrize("expected_version", [None, 0, 2], ids=["no-version", "older", "newer"])
def test_update_patient_with_a_stale_version_is_refused(submitter, patient, expected_version):
    events = audit_count()
    with pytest.raises(StaleEdit):
        update_patient(
            submitter, patient, expected_version=expected_version, **patient_data(given_name="Eva")
        )
    assert patient.given_name == "Erika" and audit_count() == events


def _assert_patient_unchanged(patient, events):
    db.session.rollback()
    db.session.refresh(patient)
    assert (patient.mrn, patient.family_name, patient.birth_date) == (
        "MRN-4711",
        "Mustermann",
        date(1961, 4, 12),
    )
    assert audit_count() == events


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_PATIENT_INPUT)
def test_update_patient_refuses_bad_input_and_changes_nothing(submitter, patient, overrides, field, message):
    db.session.commit()
    events = audit_count()
    with pytest.raises(OperationError) as refused:
        update_patient(submitter, patient, expected_version=patient.version, **patient_data(**overrides))
    assert (refused.value.message, refused.value.field) == (message, field)
    _assert_patient_unchanged(patient, events)


def test_update_patient_refuses_an_mrn_of_another_patient(submitter, patient, create_patient):
    create_patient(mrn="OTHER-1")
    events = audit_count()
    with pytest.raises(MrnInUse) as refused:
        update_patient(submitter, patient, expected_version=patient.version, **patient_data(mrn="other-1"))
    assert refused.value.message == MRN_IN_USE
    _assert_patient_unchanged(patient, events)


def test_update_patient_refuses_a_birth_date_after_a_finding(
    submitter, patient, board, create_case, create_lab
):
    case = create_case(submitter=submitter, board=board, patient=patient)
    create_lab(case, created_by=submitter, sample_date=days_ago(30))
    events = audit_count()
    with pytest.raises(OperationError) as refused:
        update_patient(
            submitter, patient, expected_version=patient.version, **patient_data(birth_date=days_ago(29))
        )
    assert refused.value.message == "The birth date would fall after a recorded finding of this patient."
    assert refused.value.field == "birth_date"
    _assert_patient_unchanged(patient, events)
    # on the day of the finding itself is fine
    update_patient(
        submitter, patient, expected_version=patient.version, **patient_data(birth_date=days_ago(30))
    )
    assert patient.birth_date == days_ago(30)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SPECIALIST, Role.CHAIR, Role.ADMIN])
def test_only_submitters_edit_patients(users, patient, role):
    db.session.commit()
    events = audit_count()
    with pytest.raises(OperationError, match="Only referring clinicians edit patients."):
        update_patient(
            users[role], patient, expected_version=patient.version, **patient_data(given_name="Eva")
        )
    _assert_patient_unchanged(patient, events)


@pytest.mark.parametrize(
    "family_name, message",
    [
        ("Mus\u200btermann", "invisible, control or direction-changing characters"),
        ("Muster\u202emann", "invisible, control or direction-changing characters"),
        ("Muster\ufffdmann", "invisible, control or direction-changing characters"),
        ("Muster\nmann", "The family name is one line."),
    ],
    ids=["zero-width", "right-to-left-override", "not-utf-8", "line-break"],
)
def test_a_name_that_would_look_other_than_it_is_is_refused(submitter, family_name, message):
    patients, events = count(Patient), audit_count()
    with pytest.raises(OperationError, match=message) as refused:
        register_patient(submitter, **patient_data(family_name=family_name))
    assert refused.value.field == "family_name"
    assert (count(Patient), audit_count()) == (patients, events)


def test_names_are_stored_composed_so_the_same_person_matches(submitter, create_user, create_patient):
    decomposed = "Scha\u0308fer"  # "ä" as a Mac or an iPad may send it
    patient = register_patient(submitter, **patient_data(mrn="MRN-5151", family_name=decomposed))
    assert patient.family_name == "Schäfer" and len(patient.family_name) == 7
    again, matched = register_or_match_patient(
        create_user(), **patient_data(mrn="MRN-5151", family_name="Schäfer")
    )
    assert (again, matched) == (patient, True)


def test_a_contradicting_sex_is_other_identity_data(submitter, create_user):
    register_patient(submitter, **patient_data(mrn="MRN-6161", sex="female"))
    with pytest.raises(MrnInUse):
        register_patient(create_user(), **patient_data(mrn="MRN-6161", sex="male"))
    _, matched = register_or_match_patient(create_user(), **patient_data(mrn="MRN-6161", sex="unknown"))
    assert matched


def test_an_mrn_a_merge_retired_is_refused_like_an_mrn_in_use(submitter, patient, create_patient):
    from tumorboard.cases.models import PatientAlias
    from tumorboard.cases.patient_operations import merge_patients

    retired = create_patient(
        mrn="OLD-0001", family_name="Mustermann", given_name="Erika", created_by=submitter
    )
    survivor = create_patient(
        mrn="NEW-0001", family_name="Mustermann", given_name="Erika", created_by=submitter
    )
    merge_patients(submitter, survivor, retired)
    db.session.commit()
    assert db.session.get(PatientAlias, "OLD-0001").patient_id == survivor.id
    patients, events = count(Patient), audit_count()
    for identity in (  # the survivor's own identity, or another: one answer, which names nobody
        patient_data(mrn="old-0001"),
        patient_data(mrn="OLD-0001", family_name="Schmidt", given_name="Anna"),
    ):
        with pytest.raises(MrnInUse) as refused:
            register_or_match_patient(submitter, **identity)
        assert (refused.value.message, refused.value.field) == (MRN_IN_USE, "mrn")
        assert refused.value.holder_id == survivor.id  # for the survivor's audit log only
    assert (count(Patient), audit_count()) == (patients, events)
    with pytest.raises(MrnInUse) as refused:  # nor may another patient's MRN be corrected to it
        update_patient(submitter, patient, expected_version=patient.version, **patient_data(mrn="OLD-0001"))
    assert refused.value.message == MRN_IN_USE and refused.value.holder_id == survivor.id
    _assert_patient_unchanged(patient, events)
