"""The submitter imports the hospital's laboratory results into a demo case from a FHIR Bundle: the upload
page, the preview (nothing saved yet), the confirm, the case page with the new result."""

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.e2e.test_sign_in import sign_in
from tumorboard.cases.models import LabResult, Patient
from tumorboard.extensions import db

pytestmark = pytest.mark.e2e

PATIENT = "Brenner, Klaus"  # a demo case of the demo submitter


def a_bundle(mrn: str, birth_date: date, sampled: date) -> bytes:
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [{"system": "urn:oid:1.2.3.4.5.mrn", "value": mrn}],
        "birthDate": birth_date.isoformat(),
    }
    gastrin = {
        "resourceType": "Observation",
        "id": "lab-1",
        "identifier": [{"system": "urn:oid:1.2.3.4.5.lab", "value": "L-0001"}],
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": "http://loinc.org", "code": "2333-3"}], "text": "Gastrin"},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": sampled.isoformat(),
        "valueQuantity": {"value": 180, "unit": "pg/mL"},
        "referenceRange": [{"high": {"value": 100, "unit": "pg/mL"}}],
    }
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in (patient, gastrin)],
    }
    return json.dumps(bundle).encode()


def test_import_lab_results_from_a_fhir_bundle(page, live_server, live_app, screenshots, axe):
    with live_app.app_context():
        family, given = PATIENT.split(", ")
        patient = db.session.scalars(select(Patient).where(Patient.family_name == family)).first()
        mrn, born = patient.mrn, patient.birth_date
    sampled = date.today() - timedelta(days=2)

    sign_in(page, live_server, "submitter@example.org")
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name=PATIENT).first.click()
    page.get_by_role("heading", name=re.compile(PATIENT)).wait_for()
    page.get_by_role("link", name="Import from FHIR").click()
    page.get_by_role("heading", name="Import findings from FHIR").wait_for()
    screenshots("fhir-import-upload")

    page.get_by_label("FHIR Bundle (a JSON file)").set_input_files(
        {"name": "record.json", "mimeType": "application/fhir+json", "buffer": b"{ not json"}
    )
    page.get_by_role("button", name="Show what would be imported").click()
    page.get_by_text("This is not JSON").wait_for()
    axe("import page with a refused bundle")

    page.get_by_label("FHIR Bundle (a JSON file)").set_input_files(
        {"name": "record.json", "mimeType": "application/fhir+json", "buffer": a_bundle(mrn, born, sampled)}
    )
    page.get_by_role("button", name="Show what would be imported").click()
    page.get_by_role("heading", name="What the import would do").wait_for()
    row = page.get_by_role("row", name=re.compile("Gastrin"))
    assert "New" in row.inner_text() and "180 pg/mL" in row.inner_text()
    with live_app.app_context():
        assert db.session.scalars(select(LabResult).where(LabResult.source_id == "L-0001")).all() == []
    screenshots("fhir-import-preview")

    page.get_by_role("button", name="Import").click()
    page.get_by_text("Imported from FHIR: 1 new, 0 updated, 0 unchanged.").wait_for()
    with live_app.app_context():
        (lab,) = db.session.scalars(select(LabResult).where(LabResult.source_id == "L-0001")).all()
        assert (lab.analyte, lab.value, lab.sample_date) == ("gastrin", 180, sampled)
