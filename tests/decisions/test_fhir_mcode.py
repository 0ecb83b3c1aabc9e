"""The signed decision's Bundle against the mCODE profiles it claims: valid FHIR (fhir.resources' R4B
models, which read R4 JSON: R4B changed none of the resources sent here), every required (1..) element of
every claimed profile present, every code and identifier with its system."""

import json
from datetime import date

import pytest
from fhir.resources.R4B.bundle import Bundle

from tests.decisions.test_fhir import BASE, SPARSE, codings, only, resources, walk
from tests.decisions.test_letter_pdf import a_document
from tumorboard.decisions.documents import decision_bundle as bundle_of_decision
from tumorboard.documents.fhir import (
    CANCER_PATIENT,
    CARE_PLAN,
    PRIMARY_CANCER_CONDITION,
    PROFILE_REQUIREMENTS,
    TNM_STAGE_GROUP,
    TUMOR_MARKER_TEST,
    decision_bundle,
)

MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"

# The required elements of each profile, written out here from the published profiles (mCODE STU3/STU4
# differentials over US Core 3.1.1/5.0.1, and the R4 base): the module's table must say the same.
REQUIRED = {
    MCODE + "mcode-cancer-patient": {
        "identifier",  # US Core Patient identifier 1..*
        "identifier.system",  # 1..1
        "identifier.value",  # 1..1
        "name",  # 1..*
        "name.family|name.given",  # us-core-6 (US Core 5: a family or a given name)
        "gender",  # 1..1
    },
    MCODE + "mcode-primary-cancer-condition": {
        "clinicalStatus",  # mCODE: must support, US Core con-3 / 1..1 in US Core 5
        "verificationStatus",
        "category",  # US Core 1..*
        "code",  # 1..1
        "code.coding",
        "code.coding.system",
        "code.coding.code",
        "subject",  # 1..1
    },
    MCODE + "mcode-tnm-stage-group": {
        "status",  # 1..1
        "code",  # 1..1
        "code.coding",
        "subject",  # 1..1
        "effectiveDateTime",  # effective[x] 1..1
        "valueCodeableConcept",  # value[x] 1..1
        "method",  # the staging system (AJCC 8)
        "method.coding",
    },
    MCODE + "mcode-tumor-marker-test": {
        "status",  # 1..1
        "category",  # 1..*, the laboratory slice
        "category.coding",
        "code",  # 1..1, LOINC
        "code.coding",
        "code.coding.system",
        "code.coding.code",
        "subject",  # 1..1
        "effectiveDateTime",  # effective[x] 1..1
        "valueQuantity|valueCodeableConcept|dataAbsentReason",  # us-core-2 / obs-6
    },
    "http://hl7.org/fhir/StructureDefinition/CarePlan": {
        "status",  # 1..1
        "intent",  # 1..1
        "subject",  # 1..1
        "activity",  # the board's plan (1.. here: a signed decision has a plan)
        "activity.detail",
        "activity.detail.status",  # 1..1
    },
}


def values_at(resource: dict, path: str) -> list:
    """Every value at a dotted path, through lists (FHIR's repeating elements)."""
    found = [resource]
    for key in path.split("."):
        step = []
        for value in found:
            item = value.get(key) if isinstance(value, dict) else None
            step.extend(item if isinstance(item, list) else [] if item is None else [item])
        found = step
    return found


def missing(resource: dict, profile: str) -> list[str]:
    return [
        path
        for path in PROFILE_REQUIREMENTS[profile]
        if not any(values_at(resource, choice) for choice in path.split("|"))
    ]


def claimed(bundle: dict) -> list[tuple[str, dict]]:
    return [
        (profile, entry["resource"])
        for entry in bundle["entry"]
        for profile in entry["resource"].get("meta", {}).get("profile", [])
    ]


def test_the_table_of_required_elements_is_the_published_one():
    assert {profile: set(paths) for profile, paths in PROFILE_REQUIREMENTS.items()} == REQUIRED


@pytest.mark.parametrize(
    "overrides", [{}, SPARSE, {"topography_code": "C25.9"}], ids=["full", "sparse", "site"]
)
def test_every_claimed_profile_has_its_required_elements(overrides):
    bundle = decision_bundle(a_document(**overrides), base_url=BASE)
    Bundle.model_validate(bundle)
    profiles = claimed(bundle)
    assert profiles
    for profile, resource in profiles:
        assert profile in PROFILE_REQUIREMENTS, profile
        assert missing(resource, profile) == [], (profile, resource["resourceType"])


def test_the_full_decision_claims_each_mcode_profile():
    bundle = decision_bundle(a_document(), base_url=BASE)
    by_profile: dict[str, list[str]] = {}
    for profile, resource in claimed(bundle):
        by_profile.setdefault(profile, []).append(resource["resourceType"])
    assert by_profile == {
        CANCER_PATIENT: ["Patient"],
        PRIMARY_CANCER_CONDITION: ["Condition"],
        TNM_STAGE_GROUP: ["Observation"],
        TUMOR_MARKER_TEST: ["Observation"],  # chromogranin A; 5-HIAA came without a LOINC code
        CARE_PLAN: ["CarePlan"],
    }


def test_what_lacks_a_profiles_required_elements_claims_no_profile():
    bundle = decision_bundle(a_document(**SPARSE), base_url=BASE)
    assert "meta" not in only(bundle, "Condition")  # no ICD-10 code
    assert {profile for profile, _ in claimed(bundle)} == {CARE_PLAN}  # "Anna Müller": a name as text only
    no_group = decision_bundle(a_document(stage=None), base_url=BASE)
    (stage,) = [o for o in resources(no_group, "Observation") if o["code"]["text"] == "Stage group"]
    assert "meta" not in stage  # mCODE asks for the group's value
    other_method = decision_bundle(a_document(stage_rule="ENETS TNM"), base_url=BASE)
    (stage,) = [o for o in resources(other_method, "Observation") if o["code"]["text"] == "Stage group"]
    assert "meta" not in stage and "method" in stage and "coding" not in stage["method"]


def test_a_glucose_is_sent_coded_but_claims_no_tumour_marker_profile():
    bundle = decision_bundle(
        a_document(observations=(("2345-7", "Glucose", 41.0, "mg/dL", date(2026, 11, 1), None),)),
        base_url=BASE,
    )
    (glucose,) = [o for o in resources(bundle, "Observation") if o["code"]["text"] == "Glucose"]
    assert codings(glucose["code"]) == {"http://loinc.org": "2345-7"} and "meta" not in glucose


def test_every_code_and_identifier_has_its_system():
    bundle = decision_bundle(a_document(topography_code="C25.9"), base_url=BASE)
    checked = 0
    for path, value in walk(bundle):
        if path.endswith(".coding") or path.endswith(".identifier"):
            for item in value if isinstance(value, list) else [value]:
                assert item.get("system", "").startswith(("http://", "https://")), path
                assert item.get("code") or item.get("value"), path
                checked += 1
    assert checked > 10


def test_the_condition_is_coded_in_icd10_icd_o_3_morphology_and_topography():
    condition = only(decision_bundle(a_document(topography_code="C25.9"), base_url=BASE), "Condition")
    assert codings(condition["code"]) == {"http://hl7.org/fhir/sid/icd-10-cm": "C25.4"}
    assert codings(condition["extension"][0]["valueCodeableConcept"]) == {
        "http://terminology.hl7.org/CodeSystem/icd-o-3": "8249/3"
    }
    assert codings(condition["bodySite"][0]) == {
        "http://terminology.hl7.org/CodeSystem/icd-o-3": "C25.9",
        f"{BASE}/primary-site": "pancreas",
    }


def test_the_stage_group_names_the_ajcc_8_method_in_snomed_ct():
    bundle = decision_bundle(a_document(), base_url=BASE)
    (stage,) = [
        o for o in resources(bundle, "Observation") if TNM_STAGE_GROUP in o.get("meta", {}).get("profile", [])
    ]
    assert codings(stage["method"]) == {"http://snomed.info/sct": "897275008"}
    assert codings(stage["code"]) == {"http://loinc.org": "21908-9"}
    assert stage["focus"] == [{"reference": f"urn:uuid:{only(bundle, 'Condition')['id']}"}]


def test_a_signed_decision_from_the_database_conforms(app_ctx, create_lab, signed, specialist):
    bundle = bundle_of_decision(signed)
    Bundle.model_validate(bundle)
    for profile, resource in claimed(bundle):
        assert missing(resource, profile) == [], profile
    condition = only(bundle, "Condition")
    assert "http://terminology.hl7.org/CodeSystem/icd-o-3" in codings(condition["bodySite"][0])
    care_plan = only(bundle, "CarePlan")
    assert care_plan["intent"] == "plan" and care_plan["activity"]


def test_round_trip_a_signed_decisions_export_imports_into_the_patients_next_case(
    app_ctx, create_lab, create_case, specialist, chair, submitter, board, item
):
    from tests.decisions.support import a_signed_decision
    from tumorboard.cases.fhir_import import import_bundle, plan_import

    create_lab(item.case, created_by=submitter, analyte="gastrin", value=180.0, unit="pg/mL")
    decision = a_signed_decision(specialist, chair, item)
    exported = json.dumps(bundle_of_decision(decision))
    later = create_case(submitter=submitter, board=board, patient=item.case.patient)
    plan = plan_import(later, exported)
    (planned,) = [p for p in plan.items if p.cleaned["analyte"] == "gastrin"]
    assert planned.action == "create" and planned.cleaned["value"] == 180.0
    import_bundle(submitter, later, exported, expected_version=later.version)
    (gastrin,) = [lab for lab in later.labs if lab.analyte == "gastrin"]
    assert (gastrin.unit, gastrin.sample_date) == ("pg/mL", item.case.labs[0].sample_date)
    assert all(p.action == "unchanged" for p in plan_import(later, exported).items)
