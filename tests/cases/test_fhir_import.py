"""A FHIR R4 Bundle read into a case's findings: HL7's own examples, the app's own export (round trip), a
second import that updates instead of adding, and every kind of bad bundle refused with nothing written."""

import copy
import json
from datetime import date

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func, select

from tests.cases import fhir_examples as ex
from tests.decisions.test_letter_pdf import a_document
from tumorboard.audit.models import AuditEvent
from tumorboard.cases.fhir_import import BundleRefused, import_bundle, plan_import
from tumorboard.cases.models import ImagingStudy, LabResult, PathologyReport
from tumorboard.documents.fhir import decision_bundle
from tumorboard.extensions import db


@pytest.fixture
def pieter(create_patient, create_case, submitter, board):
    patient = create_patient(
        mrn="738472983",
        family_name="van de Heuvel",
        given_name="Pieter",
        birth_date=date(1944, 11, 17),
        sex="male",
        created_by=submitter,
    )
    return create_case(submitter=submitter, board=board, patient=patient)


@pytest.fixture
def chalmers(create_patient, create_case, submitter, board):
    patient = create_patient(
        mrn="12345",
        family_name="Chalmers",
        given_name="Peter",
        birth_date=date(1974, 12, 25),
        sex="male",
        created_by=submitter,
    )
    return create_case(submitter=submitter, board=board, patient=patient)


def text(bundle: dict) -> str:
    Bundle.model_validate(bundle)  # every fixture is valid FHIR (R4B models, which read R4)
    return json.dumps(bundle)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def written() -> tuple[int, ...]:
    return (count(LabResult), count(ImagingStudy), count(PathologyReport), count(AuditEvent))


def test_hl7s_glucose_example_becomes_a_laboratory_result(app_ctx, submitter, pieter):
    bundle = text(ex.bundle(ex.PATIENT_F001, ex.OBSERVATION_F001_GLUCOSE))
    before = written()
    plan = plan_import(pieter, bundle)
    assert written() == before  # the preview writes nothing
    (item,) = plan.items
    assert (item.kind, item.action, item.label) == ("lab", "create", "Glucose: 6.3 mmol/l")
    import_bundle(submitter, pieter, bundle, expected_version=pieter.version)
    db.session.commit()
    (lab,) = pieter.labs
    assert (lab.analyte, lab.value, lab.unit, lab.sample_date) == ("glucose", 6.3, "mmol/l", date(2013, 4, 2))
    assert (lab.ref_low, lab.ref_high, lab.reported_by, lab.flag) == (3.1, 6.2, "A. Langeveld", "high")
    assert (lab.source_system, lab.source_id) == (
        "http://www.bmc.nl/zorgportal/identifiers/observations",
        "6323",
    )
    actions = [
        e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(2))
    ]
    assert actions == ["case.fhir_imported", "lab.added"]


def test_hl7s_ultrasound_report_becomes_an_imaging_study(app_ctx, submitter, chalmers):
    bundle = text(ex.bundle(ex.PATIENT_EXAMPLE, ex.DIAGNOSTICREPORT_ULTRASOUND))
    import_bundle(submitter, chalmers, bundle, expected_version=chalmers.version)
    (study,) = chalmers.imaging
    assert (study.modality, study.study_date) == ("ultrasound", date(2012, 12, 1))
    assert study.report_text == "Abdominal Ultrasound — Unremarkable study"
    assert study.source_id == "http://hl7.org/fhir/DiagnosticReport/ultrasound"


def test_a_second_import_updates_instead_of_duplicating(app_ctx, submitter, pieter):
    first = ex.bundle(ex.PATIENT_F001, ex.OBSERVATION_F001_GLUCOSE)
    import_bundle(submitter, pieter, text(first), expected_version=pieter.version)
    again = plan_import(pieter, text(first))
    assert [item.action for item in again.items] == ["unchanged"]
    import_bundle(submitter, pieter, text(first), expected_version=pieter.version)  # a retried confirm
    assert len(pieter.labs) == 1

    corrected = copy.deepcopy(first)
    corrected["entry"][1]["resource"]["valueQuantity"]["value"] = 6.1
    corrected["entry"][1]["resource"]["status"] = "corrected"
    plan = plan_import(pieter, text(corrected))
    (item,) = plan.items
    assert item.action == "update" and item.changes == {"value": (6.3, 6.1)}
    import_bundle(submitter, pieter, text(corrected), expected_version=pieter.version)
    db.session.commit()
    (lab,) = pieter.labs
    assert (lab.value, lab.version) == (6.1, 2)
    (updated,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "lab.updated"))
    assert updated.changes == {"value": [6.3, 6.1]}


def test_round_trip_the_decision_export_imports_its_markers(
    app_ctx, submitter, create_patient, create_case, board
):
    document = a_document(
        observations=(
            ("9811-1", "Chromogranin A (serum)", 260.0, "ng/mL", date(2026, 11, 10), None),
            ("1695-6", "5-HIAA (24-h urine)", 2.0, "mg/24 h", date(2026, 11, 10), "<"),
        )
    )
    patient = create_patient(
        mrn=document.patient_mrn, birth_date=document.patient_birth_date, created_by=submitter
    )
    case = create_case(submitter=submitter, board=board, patient=patient)
    exported = decision_bundle(document, base_url="https://tumorboard.example.org")
    plan = plan_import(case, text(exported))
    # the chromogranin A and 5-HIAA results; the grade, the stage group and its T, N and M have no measured
    # value
    assert sorted(item.cleaned["analyte"] for item in plan.items) == ["chromogranin_a", "urine_5hiaa"]
    assert "5 × Observation without a measured value" in plan.not_imported
    assert "1 × Condition" in plan.not_imported and "1 × CarePlan" in plan.not_imported
    import_bundle(submitter, case, text(exported), expected_version=case.version)
    lab, hiaa = sorted(case.labs, key=lambda r: r.analyte)
    assert (lab.value, lab.unit, lab.sample_date) == (260.0, "ng/mL", date(2026, 11, 10))
    # a censored value goes out as valueQuantity.comparator and comes back as one, never as a plain 2
    assert (hiaa.comparator, hiaa.value, hiaa.unit, hiaa.shown_value) == ("<", 2.0, "mg/24 h", "<2")
    assert lab.comparator is None
    assert lab.source_system == "urn:ietf:rfc:3986" and lab.source_id.startswith("urn:uuid:")
    assert [i.action for i in plan_import(case, text(exported)).items] == ["unchanged", "unchanged"]


def test_a_censored_value_is_previewed_and_imported_with_its_comparator(app_ctx, submitter, pieter):
    observation = glucose(valueQuantity={"value": 2, "comparator": "<=", "unit": "mmol/l"})
    bundle = text(ex.bundle(ex.PATIENT_F001, observation))
    (item,) = plan_import(pieter, bundle).items
    assert item.label == "Glucose: ≤2 mmol/l"
    import_bundle(submitter, pieter, bundle, expected_version=pieter.version)
    (lab,) = pieter.labs
    assert (lab.comparator, lab.value, lab.shown_value) == ("<=", 2.0, "≤2")


@pytest.mark.parametrize("comparator", ["ad", ["<"], 5, "=<"])
def test_a_comparator_outside_fhir_r4s_is_refused_by_name(app_ctx, pieter, comparator):
    observation = glucose(valueQuantity={"value": 2, "unit": "mmol/l", "comparator": comparator})
    problems = refused(pieter, ex.bundle(ex.PATIENT_F001, observation))
    assert any("valueQuantity.comparator must be <, <=, >= or >" in p for p in problems), problems


def refused(case, bundle) -> list[str]:
    before = written()
    with pytest.raises(BundleRefused) as refusal:
        plan_import(case, bundle if isinstance(bundle, str) else json.dumps(bundle))
    assert written() == before
    return refusal.value.problems


def glucose(**changes) -> dict:
    observation = copy.deepcopy(ex.OBSERVATION_F001_GLUCOSE)
    observation.update(changes)
    return observation


@pytest.mark.parametrize(
    ("bundle", "message"),
    [
        ("{not json", "This is not JSON (line 1, column 2)"),
        ("[1, 2]", "not a FHIR resource"),
        (json.dumps(ex.PATIENT_F001), "This is a FHIR Patient, not a Bundle"),
        ({"resourceType": "Bundle", "type": "history", "entry": [{}]}, "type 'history' is not read"),
        ({"resourceType": "Bundle", "type": "collection", "entry": []}, "no entries"),
        (
            ex.bundle(ex.PATIENT_F001, {"resourceType": "MedicationRequest", "id": "m"}),
            "is a MedicationRequest",
        ),
        (ex.bundle(ex.OBSERVATION_F001_GLUCOSE), "no Patient"),
        (ex.bundle(ex.PATIENT_F001, ex.PATIENT_EXAMPLE), "2 Patients"),
        (ex.bundle(ex.PATIENT_EXAMPLE, ex.DIAGNOSTICREPORT_ULTRASOUND), "does not carry this case's MRN"),
        (
            ex.bundle({**ex.PATIENT_F001, "birthDate": "1945-01-01"}, ex.OBSERVATION_F001_GLUCOSE),
            "another birth date",
        ),
        (
            ex.bundle(
                ex.PATIENT_F001, glucose(code={"coding": [{"system": "http://loinc.org", "code": "718-7"}]})
            ),
            "LOINC 718-7 is not one of the markers",
        ),
        (ex.bundle(ex.PATIENT_F001, glucose(code={"text": "Glucose"})), "has no LOINC code"),
        (
            ex.bundle(ex.PATIENT_F001, glucose(valueQuantity={"value": -2, "unit": "mmol/l"})),
            "The value must be between 0 and 1,000,000,000",
        ),
        (
            ex.bundle(ex.PATIENT_F001, glucose(valueQuantity={"value": 6.3, "unit": "x" * 21})),
            "unit is too long",
        ),
        (
            ex.bundle(ex.PATIENT_F001, glucose(effectivePeriod={"start": "2099-01-01"})),
            "cannot be in the future",
        ),
        (ex.bundle(ex.PATIENT_F001, glucose(effectivePeriod=None, issued=None)), "sample date as a date"),
        (
            ex.bundle(ex.PATIENT_F001, glucose(subject={"reference": "Patient/someone-else"})),
            "another subject",
        ),
        (ex.bundle(ex.PATIENT_F001, glucose(), glucose(id="f002")), "repeats another entry's identifier"),
        (ex.bundle(ex.PATIENT_F001, glucose(valueQuantity={"value": "6.3"})), "no numeric value"),
    ],
    ids=[
        "not-json",
        "not-a-resource",
        "not-a-bundle",
        "wrong-bundle-type",
        "empty",
        "wrong-resource-type",
        "no-patient",
        "two-patients",
        "another-patient",
        "other-birth-date",
        "unknown-loinc",
        "no-loinc",
        "value-out-of-range",
        "unit-too-long",
        "future-date",
        "no-date",
        "other-subject",
        "duplicate",
        "text-value",
    ],
)
def test_a_bad_bundle_is_refused_with_a_clear_message_and_nothing_written(app_ctx, pieter, bundle, message):
    problems = refused(pieter, bundle)
    assert any(message in problem for problem in problems), problems
    for problem in problems:
        assert "738472983" not in problem and "Heuvel" not in problem  # no patient data in a message


def test_an_over_large_bundle_is_refused(app_ctx, pieter):
    padded = ex.bundle(ex.PATIENT_F001, glucose(note=[{"text": "x" * 1_000_000}]))
    (problem,) = refused(pieter, padded)
    assert "too long (at most 1000000 characters)" in problem


def test_one_bad_entry_refuses_the_whole_bundle(app_ctx, submitter, pieter):
    bad = glucose(id="f002", identifier=[{"system": "urn:lab", "value": "2"}], valueQuantity={"value": -1})
    with pytest.raises(BundleRefused):
        import_bundle(
            submitter,
            pieter,
            json.dumps(ex.bundle(ex.PATIENT_F001, glucose(), bad)),
            expected_version=pieter.version,
        )
    db.session.rollback()
    assert pieter.labs == []


def test_a_pet_study_without_its_tracer_is_not_guessed(app_ctx, pieter):
    study = {
        "resourceType": "ImagingStudy",
        "id": "pet",
        "identifier": [{"system": "urn:dicom:uid", "value": "urn:oid:2.16.124.113543.6003.1154777499.1"}],
        "status": "available",
        "modality": [{"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "PT"}],
        "subject": {"reference": "Patient/f001"},
        "started": "2013-04-01",
        "description": "PET/CT whole body",
    }
    (problem,) = refused(pieter, ex.bundle(ex.PATIENT_F001, study))
    assert "tracer" in problem
    study["description"] = "68Ga-DOTATATE PET/CT"
    (item,) = plan_import(pieter, json.dumps(ex.bundle(ex.PATIENT_F001, study))).items
    assert item.cleaned["modality"] == "sstr_pet_ct" and item.cleaned["study_date"] == date(2013, 4, 1)


def test_a_pathology_report_becomes_a_pathology_finding(app_ctx, submitter, pieter):
    report = {  # written for this test, in the shape of HL7's pathology examples
        "resourceType": "DiagnosticReport",
        "id": "path-1",
        "identifier": [{"system": "urn:oid:1.2.3.4.5.pathology", "value": "P-2013-117"}],
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "SP"}]}],
        "code": {
            "coding": [{"system": "http://loinc.org", "code": "60568-3"}],
            "text": "Pathology synoptic report",
        },
        "subject": {"reference": "Patient/f001"},
        "effectiveDateTime": "2013-04-05",
        "performer": [{"display": "Institute of Pathology"}],
        "conclusion": "Well-differentiated neuroendocrine tumour, Ki-67 4 %.",
    }
    import_bundle(
        submitter, pieter, json.dumps(ex.bundle(ex.PATIENT_F001, report)), expected_version=pieter.version
    )
    (path,) = pieter.pathology
    assert (path.report_date, path.specimen_type, path.differentiation) == (
        date(2013, 4, 5),
        "other",
        "unknown",
    )
    assert path.report_text.endswith("Ki-67 4 %.") and path.reported_by == "Institute of Pathology"
    assert path.source_id == "P-2013-117"


def test_a_closed_case_refuses_the_import(app_ctx, specialist, pieter):
    from tumorboard.errors import OperationError

    with pytest.raises(OperationError, match="can no longer be changed by you"):
        import_bundle(
            specialist,
            pieter,
            json.dumps(ex.bundle(ex.PATIENT_F001, glucose())),
            expected_version=pieter.version,
        )


def test_hl7s_imaging_study_example_becomes_an_imaging_finding(app_ctx, submitter, pieter):
    study = {**ex.IMAGINGSTUDY_EXAMPLE, "subject": {"reference": "Patient/f001"}}
    report = {
        "resourceType": "DiagnosticReport",
        "id": "ct-report",
        "status": "final",
        "category": [
            {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "RAD"}]}
        ],
        "code": {"text": "CT thorax"},
        "subject": {"reference": "Patient/f001"},
        "imagingStudy": [{"reference": "ImagingStudy/example"}],
        "conclusion": "No lesions.",
    }
    alone = plan_import(pieter, text(ex.bundle(ex.PATIENT_F001, study)))
    (item,) = alone.items
    assert (item.cleaned["modality"], item.cleaned["study_date"]) == ("ct", date(2011, 1, 1))
    assert item.cleaned["region"] == "Upper Trunk Structure" and item.cleaned["report_text"] == ""
    assert item.source == ("urn:dicom:uid", study["identifier"][0]["value"])

    # with its report, the study is one finding: the report's, with the study's modality and date
    import_bundle(
        submitter, pieter, text(ex.bundle(ex.PATIENT_F001, study, report)), expected_version=pieter.version
    )
    (finding,) = pieter.imaging
    assert (finding.modality, finding.study_date, finding.region) == (
        "ct",
        date(2011, 1, 1),
        "Upper Trunk Structure",
    )
    assert finding.report_text == "CT thorax — No lesions."


def _renamed_patient(**changes) -> dict:
    patient = copy.deepcopy(ex.PATIENT_F001)
    patient.update(changes)
    return patient


def test_the_preview_compares_the_bundles_patient_with_the_record(app_ctx, pieter):
    same = plan_import(pieter, text(ex.bundle(ex.PATIENT_F001, ex.OBSERVATION_F001_GLUCOSE)))
    assert same.patient is not None and same.patient.differences == {}
    assert [(label, differs) for label, _, _, differs in same.patient.rows()] == [
        ("family name", False),
        ("given name", False),
        ("birth date", False),
        ("sex", False),
    ]
    renamed = _renamed_patient(
        name=[
            {"use": "usual", "family": "van de Heuvel", "given": ["Piet"]},
            {"use": "official", "family": "van den Heuvel", "given": ["Pieter", "Jan"]},
        ],
        gender="other",
    )
    plan = plan_import(pieter, text(ex.bundle(renamed, ex.OBSERVATION_F001_GLUCOSE)))
    assert plan.patient.differences == {
        "family_name": ("van de Heuvel", "van den Heuvel"),  # the official name is the one compared
        "given_name": ("Pieter", "Pieter Jan"),
        "sex": ("male", "other"),
    }
    without_name = _renamed_patient(name=[], gender=None)
    plan = plan_import(pieter, text(ex.bundle(without_name, ex.OBSERVATION_F001_GLUCOSE)))
    assert plan.patient.differences == {}  # what the Bundle does not give is not a difference
    assert plan.patient.rows()[0] == ("family name", "van de Heuvel", None, False)


def test_the_record_is_kept_unless_the_update_is_chosen(app_ctx, submitter, pieter):
    renamed = _renamed_patient(name=[{"family": "Van den Heuvel", "given": ["Pieter"]}])
    bundle = text(ex.bundle(renamed, ex.OBSERVATION_F001_GLUCOSE))
    import_bundle(submitter, pieter, bundle, expected_version=pieter.version)
    db.session.commit()
    assert pieter.patient.family_name == "van de Heuvel"  # never silently overwritten
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "patient.updated")).all()
    (imported,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "case.fhir_imported"))
    assert imported.details["patient_updated"] is False


def test_the_chosen_update_goes_through_the_patient_operation_and_is_audited(app_ctx, submitter, pieter):
    renamed = _renamed_patient(
        name=[{"family": "van den Heuvel", "given": ["Pieter", "Jan"]}], gender="other"
    )
    bundle = text(ex.bundle(renamed, ex.OBSERVATION_F001_GLUCOSE))
    patient = pieter.patient
    import_bundle(
        submitter,
        pieter,
        bundle,
        expected_version=pieter.version,
        update_patient=True,
        patient_version=patient.version,
    )
    db.session.commit()
    assert (patient.family_name, patient.given_name, patient.sex, patient.mrn) == (
        "van den Heuvel",
        "Pieter Jan",
        "other",
        "738472983",
    )
    assert patient.name_key == "van den heuvel pieter jan" and patient.version == 2
    (updated,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "patient.updated"))
    assert updated.changes == {
        "family_name": ["van de Heuvel", "van den Heuvel"],
        "given_name": ["Pieter", "Pieter Jan"],
        "sex": ["male", "other"],
    }
    (imported,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "case.fhir_imported"))
    assert imported.details["patient_updated"] is True
    assert len(pieter.labs) == 1


def test_a_refused_patient_update_writes_nothing(app_ctx, submitter, specialist, pieter):
    from tumorboard.errors import OperationError, StaleEdit

    pieter.status = "submitted"  # the board's specialist may add findings, not correct the identity
    db.session.flush()

    renamed = _renamed_patient(name=[{"family": "van den Heuvel", "given": ["Pieter"]}])
    bundle = text(ex.bundle(renamed, ex.OBSERVATION_F001_GLUCOSE))
    before = written()
    with pytest.raises(OperationError, match="registered the patient"):  # not theirs to correct
        import_bundle(
            specialist,
            pieter,
            bundle,
            expected_version=pieter.version,
            update_patient=True,
            patient_version=pieter.patient.version,
        )
    with pytest.raises(StaleEdit):  # the patient changed since the preview
        import_bundle(
            submitter,
            pieter,
            bundle,
            expected_version=pieter.version,
            update_patient=True,
            patient_version=pieter.patient.version + 1,
        )
    too_long = _renamed_patient(name=[{"family": "H" * 101, "given": ["Pieter"]}])
    with pytest.raises(OperationError, match="family name"):
        import_bundle(
            submitter,
            pieter,
            text(ex.bundle(too_long, ex.OBSERVATION_F001_GLUCOSE)),
            expected_version=pieter.version,
            update_patient=True,
            patient_version=pieter.patient.version,
        )
    db.session.rollback()
    assert written() == before
    assert pieter.patient.family_name == "van de Heuvel"
