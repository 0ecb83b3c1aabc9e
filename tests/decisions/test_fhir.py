"""The decision as a FHIR R4 Bundle: valid (fhir.resources, R4B models), complete, self-contained, stable."""

import dataclasses
import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from fhir.resources.R4B.bundle import Bundle

from tests.decisions.test_letter_pdf import PLAN, a_document
from tumorboard.documents.fhir import decision_bundle

BASE = "https://tumorboard.example.org"


def bundle_of(**overrides) -> dict:
    return decision_bundle(a_document(**overrides), base_url=BASE)


def resources(bundle: dict, kind: str) -> list[dict]:
    return [entry["resource"] for entry in bundle["entry"] if entry["resource"]["resourceType"] == kind]


def only(bundle: dict, kind: str) -> dict:
    (resource,) = resources(bundle, kind)
    return resource


def walk(value, path="$"):
    """Every (path, value) of a JSON tree, containers included."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}[{index}]")


def codings(concept: dict) -> dict[str, str]:
    return {coding["system"]: coding["code"] for coding in concept.get("coding", [])}


SPARSE = {
    "dissent": "",
    "guideline": "",
    "trial": "",
    "preference_weighing": "",
    "amendment_reason": "",
    "grade": None,
    "grade_rule": "",
    "stage": None,
    "tnm": None,
    "stage_rule": "",
    "morphology_code": None,
    "icd10_code": None,
    "next_review": None,
    "present_again": False,
    "recommendation": "",
    "outcome": "Further diagnostics needed",
    "referrer_email": "",
    "plan": (dataclasses.replace(PLAN[0], detail="", target_date=None),),
    "observations": (),
    "attendees": (),
    "patient_name": "Anna Müller",
    "patient_sex": "not recorded",
}


@pytest.mark.parametrize("overrides", [{}, SPARSE], ids=["full", "sparse"])
def test_the_bundle_is_valid_fhir_r4_and_json_ready(overrides):
    bundle = bundle_of(**overrides)
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection"
    assert json.loads(json.dumps(bundle)) == bundle
    kinds = [entry.resource.__resource_type__ for entry in parsed.entry]
    assert kinds.count("Patient") == kinds.count("Condition") == kinds.count("CarePlan") == 1


@pytest.mark.parametrize("overrides", [{}, SPARSE], ids=["full", "sparse"])
def test_nothing_is_empty_where_fhir_forbids_it(overrides):
    for path, value in walk(bundle_of(**overrides)):
        assert value not in ("", [], {}, None), path
        if isinstance(value, str):
            assert value == value.strip(), path


def test_references_resolve_within_the_bundle_by_urn_uuid():
    bundle = bundle_of()
    full_urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(set(full_urls)) == len(full_urls)
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
    references = [value for path, value in walk(bundle) if path.endswith(".reference")]
    assert len(references) > 10
    assert set(references) <= set(full_urls)
    patient = f"urn:uuid:{only(bundle, 'Patient')['id']}"
    for kind in ("Condition", "Observation", "CarePlan"):
        assert all(resource["subject"]["reference"] == patient for resource in resources(bundle, kind))


def test_the_same_decision_gives_the_same_json():
    first = json.dumps(bundle_of(), sort_keys=True)
    assert first == json.dumps(bundle_of(), sort_keys=True)
    assert first == json.dumps(decision_bundle(a_document(), base_url=BASE + "/"), sort_keys=True)
    amended = bundle_of(decision_id=418, version_no=2, supersedes_version=1, amendment_reason="Ki-67 revised")
    assert only(amended, "Patient")["id"] == only(bundle_of(), "Patient")["id"]  # the patient is the same
    assert only(amended, "CarePlan")["id"] != only(bundle_of(), "CarePlan")["id"]


def test_the_patient_is_identified_by_the_mrn():
    patient = only(bundle_of(), "Patient")
    (identifier,) = patient["identifier"]
    assert (identifier["system"], identifier["value"]) == (f"{BASE}/mrn", "A1000231")
    assert patient["name"] == [
        {"use": "official", "text": "Müller, Anna", "family": "Müller", "given": ["Anna"]}
    ]
    assert patient["birthDate"] == "1961-03-14"
    assert patient["gender"] == "female"
    sparse = only(bundle_of(**SPARSE), "Patient")
    assert sparse["name"] == [{"use": "official", "text": "Anna Müller"}]
    assert sparse["gender"] == "unknown"


def test_the_condition_carries_icd10_the_morphology_the_site_and_the_stage():
    bundle = bundle_of()
    condition = only(bundle, "Condition")
    assert codings(condition["code"]) == {"http://hl7.org/fhir/sid/icd-10-cm": "C25.4"}
    assert condition["code"]["text"].startswith("Well-differentiated NET G2 of the pancreas")
    (morphology,) = condition["extension"]
    assert morphology["url"].endswith("/mcode-histology-morphology-behavior")
    assert codings(morphology["valueCodeableConcept"]) == {
        "http://terminology.hl7.org/CodeSystem/icd-o-3": "8249/3"
    }
    assert condition["bodySite"][0]["text"] == "Pancreas"
    assert codings(condition["bodySite"][0]) == {f"{BASE}/primary-site": "pancreas"}
    (stage,) = condition["stage"]
    assert stage["summary"]["text"] == "Stage IV (T2 N0 M1a)"
    group = [o for o in resources(bundle, "Observation") if "21908-9" in codings(o["code"]).values()]
    assert [ref["reference"] for ref in stage["assessment"]] == [f"urn:uuid:{group[0]['id']}"]


def test_an_uncoded_condition_is_sent_as_text():
    condition = only(bundle_of(**SPARSE), "Condition")
    assert condition["code"] == {
        "text": "Well-differentiated NET G2 of the pancreas, non-functional, with liver metastases"
    }
    assert "extension" not in condition
    assert "stage" not in condition


def test_grade_stage_group_and_markers_are_observations():
    bundle = bundle_of()
    observations = resources(bundle, "Observation")
    assert len(observations) == 7  # grade, stage group, its T, N and M, two markers
    by_text = {o["code"]["text"]: o for o in observations}

    grade = by_text["Histologic grade"]
    assert grade["valueCodeableConcept"] == {"text": "G2"}
    assert grade["method"]["text"].startswith("WHO 2019")

    stage = by_text["Stage group"]
    assert codings(stage["code"]) == {"http://loinc.org": "21908-9"}
    assert stage["valueCodeableConcept"] == {"text": "IV"}
    assert codings(stage["method"]) == {"http://snomed.info/sct": "897275008"}  # AJCC 8
    # mCODE's TNMStageGroup has no components (0..0): the T, N and M are its members
    assert "component" not in stage
    members = {ref["reference"] for ref in stage["hasMember"]}
    assert members == {
        f"urn:uuid:{o['id']}" for o in observations if o["code"]["text"].endswith("[Class] Cancer")
    }
    assert "T2 N0 M1a" in only(bundle, "Condition")["stage"][0]["summary"]["text"]

    chromogranin = by_text["Chromogranin A (serum)"]
    assert codings(chromogranin["code"]) == {"http://loinc.org": "9811-1"}
    assert chromogranin["valueQuantity"] == {
        "value": 260.0,
        "unit": "ng/mL",
        "system": "http://unitsofmeasure.org",
        "code": "ng/mL",
    }
    assert chromogranin["effectiveDateTime"] == "2026-11-10"
    hiaa = by_text["5-HIAA (24-h urine)"]
    assert "coding" not in hiaa["code"]  # no LOINC given: text only
    assert hiaa["valueQuantity"]["code"] == "mg/(24.h)"

    care_plan = only(bundle, "CarePlan")
    supporting = {ref["reference"] for ref in care_plan["supportingInfo"]}
    assert supporting == {f"urn:uuid:{o['id']}" for o in observations} - members  # the group stands for them


def test_an_unknown_unit_is_sent_as_text_only():
    bundle = bundle_of(observations=(("", "Marker X", 3.5, "arbitrary units", date(2026, 11, 1), None),))
    (marker,) = [o for o in resources(bundle, "Observation") if o["code"]["text"] == "Marker X"]
    assert marker["valueQuantity"] == {"value": 3.5, "unit": "arbitrary units"}


def test_a_censored_value_is_sent_with_its_comparator():
    bundle = bundle_of(observations=(("9811-1", "Chromogranin A", 2.0, "ng/mL", date(2026, 11, 1), "<"),))
    Bundle.model_validate(bundle)  # fhir.resources reads valueQuantity.comparator as R4's code
    (marker,) = [o for o in resources(bundle, "Observation") if o["code"]["text"] == "Chromogranin A"]
    assert marker["valueQuantity"]["comparator"] == "<" and marker["valueQuantity"]["value"] == 2.0


def test_a_decimal_value_from_the_database_is_sent_as_a_json_number():
    bundle = bundle_of(
        observations=(("9811-1", "Chromogranin A", Decimal("260.5"), "ng/mL", date(2026, 11, 1), None),)
    )
    Bundle.model_validate(bundle)
    assert '"value": 260.5' in json.dumps(bundle)


def test_tnm_without_a_stage_group_says_the_group_is_absent():
    bundle = bundle_of(stage=None)
    Bundle.model_validate(bundle)
    (stage,) = [o for o in resources(bundle, "Observation") if o["code"]["text"] == "Stage group"]
    assert "valueCodeableConcept" not in stage
    assert stage["dataAbsentReason"]["coding"][0]["code"] == "unknown"
    assert only(bundle, "Condition")["stage"][0]["summary"]["text"] == "T2 N0 M1a"


def test_the_care_plan_is_the_boards_recommendation_with_one_activity_per_plan_item():
    bundle = bundle_of()
    care_plan = only(bundle, "CarePlan")
    assert (care_plan["status"], care_plan["intent"]) == ("active", "plan")
    assert care_plan["subject"]["reference"] == f"urn:uuid:{only(bundle, 'Patient')['id']}"
    assert care_plan["addresses"] == [{"reference": f"urn:uuid:{only(bundle, 'Condition')['id']}"}]
    assert care_plan["created"] == "2026-11-18T17:42:00+01:00"
    assert care_plan["author"] == {"display": "GEP-NET tumor board"}
    assert care_plan["description"] == a_document().recommendation
    assert care_plan["identifier"] == [{"system": f"{BASE}/decision", "value": "412"}]

    assert len(care_plan["activity"]) == len(PLAN)
    for activity, item in zip(care_plan["activity"], PLAN, strict=True):
        detail = activity["detail"]
        assert detail["status"] == "not-started"
        assert detail["code"]["text"] == item.treatment_label
        assert codings(detail["code"]) == {f"{BASE}/treatment": item.treatment_code}
        assert item.detail in detail["description"]
        assert f"Intent: {item.intent}" in detail["description"]
        assert f"Responsible: {item.responsible}" in detail["description"]
        if item.target_date:
            assert detail["scheduledPeriod"] == {"start": item.target_date.isoformat()}
        else:
            assert "scheduledPeriod" not in detail

    notes = [note["text"] for note in care_plan["note"]]
    assert f"Rationale: {a_document().rationale}" in notes
    assert f"Dissent: {a_document().dissent}" in notes
    assert "Next review: 2027-02-15; to be presented to the board again" in notes


def test_an_amendment_is_noted_on_the_care_plan():
    bundle = bundle_of(decision_id=418, version_no=2, supersedes_version=1, amendment_reason="Ki-67 revised")
    care_plan = only(bundle, "CarePlan")
    assert care_plan["note"][0] == {"text": "Version 2, amends version 1: Ki-67 revised"}
    assert care_plan["title"] == "GEP-NET tumor board: decision, version 2"


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="signed_at"):
        bundle_of(signed_at=datetime(2026, 11, 18, 17, 42))
    with pytest.raises(ValueError, match="MRN"):
        bundle_of(patient_mrn="  ")
    with pytest.raises(ValueError, match="finite"):
        bundle_of(
            observations=(("9811-1", "Chromogranin A", float("nan"), "ng/mL", date(2026, 11, 1), None),)
        )
