"""The signed decision's Bundle against the mCODE profiles it claims: valid FHIR (fhir.resources' R4B
models, which read R4 JSON: R4B changed none of the resources sent here), every required (1..) element of
every claimed profile present, every code and identifier with its system."""

import json
from datetime import date

import pytest
from fhir.resources.R4B.bundle import Bundle

from tests.decisions.test_fhir import BASE, SPARSE, codings, only, resources, walk
from tests.decisions.test_letter_pdf import a_document
from tumorboard.clinical.tnm import MCategory, NCategory, TCategory
from tumorboard.decisions.documents import decision_bundle as bundle_of_decision
from tumorboard.documents.fhir import (
    CANCER_PATIENT,
    CARE_PLAN,
    PRIMARY_CANCER_CONDITION,
    PROFILE_FIXED,
    PROFILE_PROHIBITED,
    PROFILE_REQUIREMENTS,
    TNM_DISTANT_METASTASES_CATEGORY,
    TNM_PRIMARY_TUMOR_CATEGORY,
    TNM_REGIONAL_NODES_CATEGORY,
    TNM_STAGE_GROUP,
    TUMOR_MARKER_TEST,
    decision_bundle,
)

MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"

# The profiles as published: mCODE STU3 (hl7.fhir.us.mcode 3.0.0, whose TNMStageGroup is
# mcode-tnm-stage-group), read from its FSH sources in HL7/fhir-mCODE-ig (input/fsh/SD_Patient.fsh,
# SD_Condition.fsh, SD_Staging_TNM.fsh with its parent CancerStage, and the file declaring
# TumorMarkerTest), with the parents they name: US Core Patient, Condition and Laboratory Result
# Observation (3.1.1 / 5.0.1) and the R4 base. Each element: min >= 1 in the profile or a parent, or an
# invariant (name), with where it is said. The export's table (fhir.PROFILE_REQUIREMENTS) must say the same.
REQUIRED = {
    MCODE + "mcode-cancer-patient": {  # Parent: USCorePatient; adds only deceased[x] MS
        "identifier",  # US Core Patient identifier 1..*
        "identifier.system",  # US Core 1..1
        "identifier.value",  # US Core 1..1
        "name",  # US Core 1..*
        "name.family|name.given",  # US Core us-core-8 (family or given)
        "gender",  # US Core 1..1
    },
    MCODE + "mcode-primary-cancer-condition": {  # Parent: USCoreCondition
        "clinicalStatus",  # US Core MS, con-3 (problem-list-item needs it)
        "verificationStatus",  # US Core MS
        "category",  # US Core 1..*
        "code",  # US Core 1..1 (mCODE: from PrimaryCancerDisorderVS, extensible)
        "code.coding",
        "code.coding.system",
        "code.coding.code",
        "subject",  # US Core 1..1
    },
    MCODE + "mcode-tnm-stage-group": {  # Parent: CancerStage (Observation)
        "status",  # R4 1..1; CancerStage MS
        "code",  # R4 1..1; CancerStage MS ("must in all cases be reported")
        "code.coding",
        "subject",  # CancerStage MS, only Reference(CancerPatient)
        "effectiveDateTime",  # CancerStage MS effective[x]
        "valueCodeableConcept",  # CancerStage value[x] only CodeableConcept, MS
        "method",  # TNMStageGroup method 1..1 ("NEW requirement")
        "method.coding",  # from TNMStagingMethodVS (extensible): AJCC 8 in SNOMED CT
        "focus",  # TNMStageGroup focus 1..1 (FHIR-37575), only Reference(PrimaryCancerCondition)
    },
    **dict.fromkeys(
        # SD_Staging_TNM.fsh: TNMPrimaryTumorCategory, TNMRegionalNodesCategory, TNMDistantMetastasesCategory,
        # each with the abstract parent TNMCategory (Observation)
        (
            MCODE + "mcode-tnm-primary-tumor-category",
            MCODE + "mcode-tnm-regional-nodes-category",
            MCODE + "mcode-tnm-distant-metastases-category",
        ),
        {
            "status",  # R4 1..1; TNMCategory MS
            "code",  # R4 1..1; MS, from the T / N / M staging type VS (LOINC 21905-5 / 21906-3 / 21907-1 …)
            "code.coding",
            "subject",  # TNMCategory MS, only Reference(CancerPatient)
            "effectiveDateTime",  # TNMCategory MS effective[x]
            "valueCodeableConcept",  # TNMCategory value[x] only CodeableConcept, MS
            "method",  # TNMCategory method 1..1
            "method.coding",  # from TNMStagingMethodVS (extensible): AJCC 8 in SNOMED CT
            "focus",  # TNMCategory MS, only Reference(PrimaryCancerCondition)
        },
    ),
    MCODE + "mcode-tumor-marker-test": {  # Parent: USCoreObservationLab
        "status",  # R4 1..1
        "category",  # US Core 1..*, the laboratory slice
        "category.coding",
        "code",  # R4 1..1 (from TumorMarkerTestVS, extensible: LOINC)
        "code.coding",
        "code.coding.system",
        "code.coding.code",
        "subject",  # TumorMarkerTest subject 1..1, only Reference(CancerPatient)
        "effectiveDateTime|effectivePeriod",  # effective[x] only dateTime or Period; US Core us-core-1
        "valueQuantity|valueRatio|valueString|valueCodeableConcept",  # TumorMarkerTest value[x] 1..1
    },
    "http://hl7.org/fhir/StructureDefinition/CarePlan": {  # the R4 base (mCODE STU3 has no CarePlan)
        "status",  # 1..1
        "intent",  # 1..1
        "subject",  # 1..1
        "activity",  # the board's plan (1.. here: a signed decision has a plan)
        "activity.detail",
        "activity.detail.status",  # 1..1
    },
}
# Elements a profile sets to 0..0 ("insert NotUsed(...)").
PROHIBITED = {
    MCODE + "mcode-tnm-stage-group": {"component", "device", "referenceRange"},  # TNMStageGroup, CancerStage
    **dict.fromkeys(  # TNMCategory
        (
            MCODE + "mcode-tnm-primary-tumor-category",
            MCODE + "mcode-tnm-regional-nodes-category",
            MCODE + "mcode-tnm-distant-metastases-category",
        ),
        {"device", "referenceRange", "hasMember"},
    ),
}
# Codings a profile fixes or slices by.
FIXED = {
    MCODE + "mcode-tumor-marker-test": {
        ("category", "http://terminology.hl7.org/CodeSystem/observation-category", "laboratory"),  # US Core
        # mCODE STU4: category 2..*, category[mcode-category] = SCT#250724005 "Tumor marker measurement"
        ("category", "http://snomed.info/sct", "250724005"),
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


def test_the_tables_are_the_published_profiles():
    assert {profile: set(paths) for profile, paths in PROFILE_REQUIREMENTS.items()} == REQUIRED
    assert {profile: set(paths) for profile, paths in PROFILE_PROHIBITED.items()} == PROHIBITED
    assert {profile: set(codes) for profile, codes in PROFILE_FIXED.items()} == FIXED


def breaks(resource: dict, profile: str) -> list[str]:
    """What a resource claiming `profile` holds that the profile forbids, or lacks of what it fixes."""
    found = [
        f"{path} is not used" for path in PROFILE_PROHIBITED.get(profile, ()) if values_at(resource, path)
    ]
    for path, system, code in PROFILE_FIXED.get(profile, ()):
        codings_there = values_at(resource, f"{path}.coding")
        if not any(c.get("system") == system and c.get("code") == code for c in codings_there):
            found.append(f"{path} lacks {system}|{code}")
    return found


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
        assert breaks(resource, profile) == [], (profile, resource["resourceType"])


def test_the_full_decision_claims_each_mcode_profile():
    bundle = decision_bundle(a_document(), base_url=BASE)
    by_profile: dict[str, list[str]] = {}
    for profile, resource in claimed(bundle):
        by_profile.setdefault(profile, []).append(resource["resourceType"])
    assert by_profile == {
        CANCER_PATIENT: ["Patient"],
        PRIMARY_CANCER_CONDITION: ["Condition"],
        TNM_STAGE_GROUP: ["Observation"],
        TNM_PRIMARY_TUMOR_CATEGORY: ["Observation"],
        TNM_REGIONAL_NODES_CATEGORY: ["Observation"],
        TNM_DISTANT_METASTASES_CATEGORY: ["Observation"],
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


def categories_of(bundle: dict) -> dict[str, dict]:
    """The stage group's members by the category they give ("T2", "N0", …), each checked to be there."""
    (group,) = [o for o in resources(bundle, "Observation") if o["code"]["text"] == "Stage group"]
    by_url = {entry["fullUrl"]: entry["resource"] for entry in bundle["entry"]}
    members = [by_url[ref["reference"]] for ref in group.get("hasMember", [])]
    return {member["valueCodeableConcept"]["text"]: member for member in members}


def test_the_t_n_and_m_are_ajcc_8_category_observations_of_the_stage_group():
    bundle = decision_bundle(a_document(), base_url=BASE)  # "T2 N0 M1a", AJCC 8
    Bundle.model_validate(bundle)
    categories = categories_of(bundle)
    assert list(categories) == ["T2", "N0", "M1a"]
    expected = {
        # category: (profile, LOINC clinical category, SNOMED CT "American Joint Committee on Cancer c…")
        "T2": (TNM_PRIMARY_TUMOR_CATEGORY, "21905-5", "1228929004"),
        "N0": (TNM_REGIONAL_NODES_CATEGORY, "21906-3", "1229967007"),
        "M1a": (TNM_DISTANT_METASTASES_CATEGORY, "21907-1", "1229904003"),
    }
    condition = f"urn:uuid:{only(bundle, 'Condition')['id']}"
    patient = f"urn:uuid:{only(bundle, 'Patient')['id']}"
    for category, (profile, loinc, snomed) in expected.items():
        observation = categories[category]
        assert observation["meta"] == {"profile": [profile]}
        assert codings(observation["code"]) == {"http://loinc.org": loinc}
        assert codings(observation["valueCodeableConcept"]) == {"http://snomed.info/sct": snomed}
        assert codings(observation["method"]) == {"http://snomed.info/sct": "897275008"}
        assert observation["focus"] == [{"reference": condition}]
        assert observation["subject"] == {"reference": patient}
        assert (observation["status"], observation["effectiveDateTime"]) == (
            "final",
            "2026-11-18T16:00:00+01:00",
        )


@pytest.mark.parametrize(
    ("tnm", "kind"),
    [(f"{t} N0 M0", "T") for t in TCategory if t not in (TCategory.TX, TCategory.NOT_STAGED)]
    + [(f"T1 {n} M0", "N") for n in NCategory if n not in (NCategory.NX, NCategory.NOT_STAGED)]
    + [(f"T1 N0 {m}", "M") for m in MCategory if m is not MCategory.NOT_STAGED],
)
def test_every_category_the_app_stages_is_coded_in_snomed_ct(tnm, kind):
    category = dict(zip("TNM", tnm.split(), strict=True))[kind]
    observation = categories_of(decision_bundle(a_document(tnm=tnm), base_url=BASE))[category]
    (coding,) = observation["valueCodeableConcept"]["coding"]
    assert coding["system"] == "http://snomed.info/sct" and coding["code"].startswith("122")


def test_an_unknown_category_is_no_observation():
    bundle = decision_bundle(a_document(tnm="TX NX M1"), base_url=BASE)
    Bundle.model_validate(bundle)
    assert list(categories_of(bundle)) == ["M1"]
    assert len(resources(bundle, "Observation")) == 5  # grade, stage group, M1, two markers
    not_staged = decision_bundle(a_document(tnm="not staged not staged not staged"), base_url=BASE)
    assert categories_of(not_staged) == {}
    (group,) = [o for o in resources(not_staged, "Observation") if o["code"]["text"] == "Stage group"]
    assert "hasMember" not in group


def test_another_staging_systems_categories_are_sent_as_text_claiming_no_profile():
    bundle = decision_bundle(a_document(stage_rule="ENETS TNM"), base_url=BASE)
    Bundle.model_validate(bundle)
    categories = categories_of(bundle)
    assert list(categories) == ["T2", "N0", "M1a"]
    for observation in categories.values():
        assert "meta" not in observation and "coding" not in observation["valueCodeableConcept"]
        assert observation["method"] == {"text": "ENETS TNM"}


def test_a_signed_decision_from_the_database_conforms(app_ctx, create_lab, signed, specialist):
    bundle = bundle_of_decision(signed)
    Bundle.model_validate(bundle)
    assert list(categories_of(bundle)) == ["T2", "N0", "M0"]  # staged from the case's findings when signed
    for profile, resource in claimed(bundle):
        assert missing(resource, profile) == [], profile
        assert breaks(resource, profile) == [], profile
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
