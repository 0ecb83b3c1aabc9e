"""A signed decision as a FHIR R4 Bundle, conforming to the mCODE STU profiles that fit (clinical
reference, section 7).

The bundle is a "collection": the Patient (mCODE CancerPatient), the primary cancer Condition (mCODE
PrimaryCancerCondition: ICD-10-CM code, ICD-O-3 morphology in the HistologyMorphologyBehavior extension,
ICD-O-3 topography as the body site, stage summary), the Observations the board relied on (tumour markers
with a LOINC code as mCODE TumorMarkerTest, the grade, the stage group with LOINC 21908-9 and the AJCC 8
method as mCODE TNMStageGroup, and its members: one Observation per known T, N and M category as mCODE
TNMPrimaryTumorCategory, TNMRegionalNodesCategory and TNMDistantMetastasesCategory, valued in SNOMED CT's
AJCC 8 categories) and the board's recommendation as a CarePlan (intent "plan") with one activity per plan
item.

A resource claims a profile (meta.profile) only when it has that profile's required elements: a marker
without a LOINC code is sent as text and claims none, a stage group with no group claims none (mCODE asks
for its value). `PROFILE_REQUIREMENTS` lists each profile's required (1..) elements, and the tests check
every claimed profile against it. The grade and the stage group's value are sent as text, because the
app's labels (WHO G1–G3, AJCC 8 stage groups) have no licence-free codes here; the CarePlan claims only
the base R4 CarePlan, mCODE having no CarePlan profile.

Every resource has a name-based UUID (uuid5) derived from the base URL and stable ids (MRN, case,
decision), and the entries refer to each other by those urn:uuid full URLs, so the same decision always
gives the same JSON. Absent values are left out rather than sent as "" (FHIR forbids empty strings).
"""

from __future__ import annotations

import math
import uuid
from datetime import date, datetime
from typing import Any

from tumorboard.clinical.tnm import M, N, T
from tumorboard.documents.base import require_aware
from tumorboard.documents.decision import DecisionDocument, PlanLine

ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD_O_3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition"
HISTOLOGY_MORPHOLOGY_BEHAVIOR = f"{MCODE}/mcode-histology-morphology-behavior"
CANCER_PATIENT = f"{MCODE}/mcode-cancer-patient"
PRIMARY_CANCER_CONDITION = f"{MCODE}/mcode-primary-cancer-condition"
TNM_STAGE_GROUP = f"{MCODE}/mcode-tnm-stage-group"
TNM_PRIMARY_TUMOR_CATEGORY = f"{MCODE}/mcode-tnm-primary-tumor-category"
TNM_REGIONAL_NODES_CATEGORY = f"{MCODE}/mcode-tnm-regional-nodes-category"
TNM_DISTANT_METASTASES_CATEGORY = f"{MCODE}/mcode-tnm-distant-metastases-category"
TUMOR_MARKER_TEST = f"{MCODE}/mcode-tumor-marker-test"
CARE_PLAN = "http://hl7.org/fhir/StructureDefinition/CarePlan"

# What each claimed profile asks, read from the published StructureDefinitions' sources (mCODE STU3, 3.0.0,
# HL7/fhir-mCODE-ig input/fsh: CancerPatient on US Core Patient, PrimaryCancerCondition on US Core
# Condition, TNMStageGroup on CancerStage, TumorMarkerTest on US Core Laboratory Result Observation; the
# CarePlan on the R4 base), listed with each rule's source in tests/decisions/test_fhir_mcode.py.
# Required: the elements of minimum cardinality 1, as dotted paths ("a|b": one of them, a choice or an
# invariant). Prohibited: the elements a profile sets to 0..0. Fixed: a coding a profile fixes on an
# element (system, code).
_TNM_CATEGORY_PROFILES = (
    TNM_PRIMARY_TUMOR_CATEGORY,
    TNM_REGIONAL_NODES_CATEGORY,
    TNM_DISTANT_METASTASES_CATEGORY,
)
# TNMStageGroup (on CancerStage) and the T, N and M categories (on TNMCategory) ask the same
_STAGING_REQUIRED = (
    "status",
    "code",
    "code.coding",
    "subject",
    "effectiveDateTime",
    "valueCodeableConcept",
    "method",
    "method.coding",
    "focus",
)
PROFILE_REQUIREMENTS: dict[str, tuple[str, ...]] = {
    CANCER_PATIENT: (
        "identifier",
        "identifier.system",
        "identifier.value",
        "name",
        "name.family|name.given",
        "gender",
    ),
    PRIMARY_CANCER_CONDITION: (
        "clinicalStatus",
        "verificationStatus",
        "category",
        "code",
        "code.coding",
        "code.coding.system",
        "code.coding.code",
        "subject",
    ),
    TNM_STAGE_GROUP: _STAGING_REQUIRED,
    **dict.fromkeys(_TNM_CATEGORY_PROFILES, _STAGING_REQUIRED),
    TUMOR_MARKER_TEST: (
        "status",
        "category",
        "category.coding",
        "code",
        "code.coding",
        "code.coding.system",
        "code.coding.code",
        "subject",
        "effectiveDateTime|effectivePeriod",
        "valueQuantity|valueRatio|valueString|valueCodeableConcept",
    ),
    CARE_PLAN: ("status", "intent", "subject", "activity", "activity.detail", "activity.detail.status"),
}
PROFILE_PROHIBITED: dict[str, tuple[str, ...]] = {
    TNM_STAGE_GROUP: ("component", "device", "referenceRange"),
    **dict.fromkeys(_TNM_CATEGORY_PROFILES, ("device", "referenceRange", "hasMember")),
}
SNOMED_TUMOR_MARKER_MEASUREMENT = "250724005"  # Tumor marker measurement (procedure)
PROFILE_FIXED: dict[str, tuple[tuple[str, str, str], ...]] = {
    TUMOR_MARKER_TEST: (
        ("category", OBSERVATION_CATEGORY, "laboratory"),  # US Core Laboratory Result Observation
        ("category", SNOMED, SNOMED_TUMOR_MARKER_MEASUREMENT),  # mCODE STU4's mcode-category slice
    ),
}

LOINC_STAGE_GROUP_CLINICAL = "21908-9"  # Stage group.clinical Cancer
LOINC_HISTOLOGIC_GRADE = "33732-9"  # Histology grade [Identifier] in Cancer specimen
SNOMED_AJCC_8 = "897275008"  # AJCC Cancer Staging Manual, 8th edition neoplasm staging system

_GENDERS = frozenset({"female", "male", "other", "unknown"})
# Results the board reads beside the markers that are no tumour markers themselves (an insulinoma's
# glucose): sent with their LOINC code, without claiming mCODE's TumorMarkerTest.
_NOT_TUMOUR_MARKERS = frozenset({"2345-7", "15074-8", "14749-6", "2339-0"})

# The units the app records (clinical.vocabularies.Analyte and the usual alternatives) in UCUM; a unit not
# listed here is sent as text only, since a wrong UCUM code is worse than none.
_UCUM = {
    "%": "%",
    "g/L": "g/L",
    "mg/L": "mg/L",
    "mg/dL": "mg/dL",
    "mg/24 h": "mg/(24.h)",
    "mg/24h": "mg/(24.h)",
    "mg/d": "mg/d",
    "µg/L": "ug/L",
    "ug/L": "ug/L",
    "ng/mL": "ng/mL",
    "ng/L": "ng/L",
    "pg/mL": "pg/mL",
    "mmol/L": "mmol/L",
    "µmol/L": "umol/L",
    "umol/L": "umol/L",
    "µmol/24 h": "umol/(24.h)",
    "nmol/L": "nmol/L",
    "pmol/L": "pmol/L",
    "U/L": "U/L",
    "U/mL": "U/mL",
    "kU/L": "k[U]/L",
    "µU/mL": "u[IU]/mL",
    "mU/L": "m[IU]/L",
    "mIU/L": "m[IU]/L",
}

# mCODE's T, N and M category Observations, by the category's letter: the profile, the LOINC code of the
# clinical category (the board stages clinically, as the stage group's 21908-9 says) and the code's text.
_TNM_KINDS = {
    "T": (TNM_PRIMARY_TUMOR_CATEGORY, "21905-5", "Primary tumor.clinical [Class] Cancer"),
    "N": (TNM_REGIONAL_NODES_CATEGORY, "21906-3", "Regional lymph nodes.clinical [Class] Cancer"),
    "M": (TNM_DISTANT_METASTASES_CATEGORY, "21907-1", "Distant metastases.clinical [Class] Cancer"),
}
# The AJCC 8 clinical categories the app stages in SNOMED CT ("American Joint Committee on Cancer cT1
# (qualifier value)" and so on: the descendants of 1222585009, 1222586005 and 1222587001 that mCODE's
# TNMPrimaryTumorCategoryVS, TNMRegionalNodesCategoryVS and TNMDistantMetastasesCategoryVS include). TX, NX
# and "not staged" say the category is unknown, and are sent as no Observation at all.
_SNOMED_AJCC_CLINICAL: dict[str, str] = {
    T.T1: "1228889001",
    T.T1MI: "1228891009",
    T.T1A: "1228892002",
    T.T1B: "1228895000",
    T.T1C: "1228899006",
    T.T2: "1228929004",
    T.T2A: "1228931008",
    T.T2B: "1228934000",
    T.T3: "1228938002",
    T.T4: "1228944003",
    N.N0: "1229967007",
    N.N1: "1229973008",
    N.N2: "1229978004",
    N.N3: "1229984001",
    M.M0: "1229901006",
    M.M1: "1229903009",
    M.M1A: "1229904003",
    M.M1B: "1229907005",
    M.M1C: "1229910003",
}
_UNKNOWN_CATEGORIES = frozenset({T.TX, N.NX})


def _text(value: str | None) -> str | None:
    """A FHIR string: trimmed, and absent rather than empty."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def _prune(value: Any) -> Any:
    """Drop None, "", [] and {} recursively, so that an absent field is absent, never empty."""
    if isinstance(value, dict):
        pruned = {key: _prune(item) for key, item in value.items()}
        return {key: item for key, item in pruned.items() if item not in (None, "", [], {})}
    if isinstance(value, list | tuple):
        pruned_items = [_prune(item) for item in value]
        return [item for item in pruned_items if item not in (None, "", [], {})]
    return value


def _uuid(base_url: str, *parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join([base_url, *(str(part) for part in parts)])))


def _instant(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def _day(value: date) -> str:
    return value.isoformat()


def _concept(text: str | None, *codings: dict[str, str | None]) -> dict[str, Any] | None:
    """A CodeableConcept of the codings that have a code, with the text; None when there is neither."""
    coding = [c for c in codings if _text(c.get("code"))]
    text = _text(text)
    if not coding and not text:
        return None
    return {"coding": coding, "text": text}


def _entry(full_url: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": full_url, "resource": resource}


def _patient(doc: DecisionDocument, *, base_url: str, urn_id: str) -> dict[str, Any]:
    name: dict[str, Any] = {"use": "official", "text": _text(doc.patient_name)}
    if "," in doc.patient_name:  # the clinic writes "Family, Given"
        family, given = (part.strip() for part in doc.patient_name.split(",", 1))
        name |= {"family": family or None, "given": given.split() if given else None}
    sex = doc.patient_sex.strip().lower()
    return {
        "resourceType": "Patient",
        "id": urn_id,
        # US Core (under mCODE) asks for a family or a given name: a name the clinic wrote otherwise is
        # sent as text, and the profile is not claimed
        "meta": {"profile": [CANCER_PATIENT]} if "family" in name or "given" in name else None,
        "identifier": [
            {
                "use": "usual",
                "type": {
                    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}],
                    "text": "Medical record number",
                },
                "system": f"{base_url}/mrn",
                "value": _text(doc.patient_mrn),
            }
        ],
        "name": [name],
        "gender": sex if sex in _GENDERS else "unknown",
        "birthDate": _day(doc.patient_birth_date),
    }


def _condition(
    doc: DecisionDocument, *, base_url: str, urn_id: str, patient: str, stage_obs: str | None
) -> dict[str, Any]:
    morphology = _text(doc.morphology_code)
    stage_text = _text(doc.stage)
    tnm = _text(doc.tnm)
    summary = f"Stage {stage_text}" if stage_text else ""
    if tnm:
        summary = f"{summary} ({tnm})" if summary else tnm
    coded = bool(_text(doc.icd10_code))
    return {
        "resourceType": "Condition",
        "id": urn_id,
        # mCODE asks for a coded diagnosis: a condition the app could not code is sent as text, unclaimed
        "meta": {"profile": [PRIMARY_CANCER_CONDITION]} if coded else None,
        "extension": [
            {
                "url": HISTOLOGY_MORPHOLOGY_BEHAVIOR,
                "valueCodeableConcept": {"coding": [{"system": ICD_O_3, "code": morphology}]},
            }
        ]
        if morphology
        else [],
        "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": CONDITION_VERIFICATION, "code": "confirmed"}]},
        "category": [{"coding": [{"system": CONDITION_CATEGORY, "code": "problem-list-item"}]}],
        "code": _concept(doc.diagnosis, {"system": ICD10_CM, "code": _text(doc.icd10_code)}),
        "bodySite": [
            _concept(
                doc.primary_site,
                {"system": ICD_O_3, "code": _text(doc.topography_code)},
                {"system": f"{base_url}/primary-site", "code": _text(doc.primary_site_code)},
            )
        ],
        "subject": {"reference": patient, "display": _text(doc.patient_name)},
        "stage": [
            {
                "summary": {"text": summary} if summary else None,
                "assessment": [{"reference": stage_obs}] if stage_obs else [],
            }
        ]
        if summary or stage_obs
        else [],
    }


def _marker(
    observation: tuple[str, str, float, str, date, str | None], *, urn_id: str, patient: str
) -> dict[str, Any]:
    loinc, label, value, unit, when, comparator = observation
    value = float(value)  # a Decimal from the database would not serialise to JSON
    if not math.isfinite(value):
        raise ValueError(f"{label}: a tumour marker needs a finite value, got {value!r}")
    unit_text = _text(unit)
    ucum = _UCUM.get(unit_text or "")
    tumour_marker = bool(_text(loinc)) and loinc not in _NOT_TUMOUR_MARKERS
    category = [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "laboratory"}]}]
    if tumour_marker:  # mCODE STU4 fixes a second category on TumorMarkerTest; STU3 allows it
        category.append({"coding": [{"system": SNOMED, "code": SNOMED_TUMOR_MARKER_MEASUREMENT}]})
    return {
        "resourceType": "Observation",
        "id": urn_id,
        "meta": {"profile": [TUMOR_MARKER_TEST]} if tumour_marker else None,
        "status": "final",
        "category": category,
        "code": _concept(label, {"system": LOINC, "code": _text(loinc), "display": None}),
        "subject": {"reference": patient},
        "effectiveDateTime": _day(when),
        "valueQuantity": {
            "value": value,
            "comparator": comparator or None,  # "<2": below the assay's limit, not a value of 2
            "unit": unit_text,
            "system": UCUM if ucum else None,
            "code": ucum,
        },
    }


def _grade(doc: DecisionDocument, *, urn_id: str, patient: str, condition: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": urn_id,
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "laboratory"}]}],
        "code": _concept("Histologic grade", {"system": LOINC, "code": LOINC_HISTOLOGIC_GRADE}),
        "subject": {"reference": patient},
        "focus": [{"reference": condition}],
        "effectiveDateTime": _instant(doc.meeting_at),
        "valueCodeableConcept": {"text": _text(doc.grade)},
        "method": _concept(doc.grade_rule),
    }


def _known_categories(doc: DecisionDocument) -> list[str]:
    """The T, N and M categories of the staging that say something (not TX, NX or "not staged")."""
    tokens = (_text(doc.tnm) or "").replace(T.NOT_STAGED, "").split()
    return [token for token in tokens if token[:1] in _TNM_KINDS and token not in _UNKNOWN_CATEGORIES]


def _ajcc_8(doc: DecisionDocument) -> bool:
    return "AJCC 8" in doc.stage_rule


def _staging_method(doc: DecisionDocument) -> dict[str, Any] | None:
    return _concept(
        doc.stage_rule, {"system": SNOMED, "code": SNOMED_AJCC_8 if _ajcc_8(doc) else None, "display": None}
    )


def _tnm_category(
    doc: DecisionDocument, category: str, *, urn_id: str, patient: str, condition: str
) -> dict[str, Any]:
    """One of mCODE's TNM category Observations; an AJCC 8 category is coded in SNOMED CT and claims the
    profile, another staging system's (ENETS) is sent as text only, unclaimed."""
    profile, loinc, loinc_text = _TNM_KINDS[category[0]]
    snomed = _SNOMED_AJCC_CLINICAL.get(category) if _ajcc_8(doc) else None
    return {
        "resourceType": "Observation",
        "id": urn_id,
        "meta": {"profile": [profile]} if snomed else None,
        "status": "final",
        "code": _concept(loinc_text, {"system": LOINC, "code": loinc, "display": loinc_text}),
        "subject": {"reference": patient},
        "focus": [{"reference": condition}],
        "effectiveDateTime": _instant(doc.meeting_at),
        "valueCodeableConcept": _concept(category, {"system": SNOMED, "code": snomed}),
        "method": _staging_method(doc),
    }


def _stage_group(
    doc: DecisionDocument, *, urn_id: str, patient: str, condition: str, members: list[str]
) -> dict[str, Any]:
    stage = _text(doc.stage)
    return {
        "resourceType": "Observation",
        "id": urn_id,
        "meta": {"profile": [TNM_STAGE_GROUP]} if stage and _ajcc_8(doc) else None,
        "status": "final",
        "code": _concept(
            "Stage group",
            {"system": LOINC, "code": LOINC_STAGE_GROUP_CLINICAL, "display": "Stage group.clinical Cancer"},
        ),
        "subject": {"reference": patient},
        "focus": [{"reference": condition}],
        "effectiveDateTime": _instant(doc.meeting_at),
        "valueCodeableConcept": {"text": stage} if stage else None,
        "dataAbsentReason": None
        if stage
        else {"coding": [{"system": DATA_ABSENT_REASON, "code": "unknown"}], "text": "No stage group"},
        "method": _staging_method(doc),
        # the T, N and M the group was staged from, each its own Observation (TNMStageGroup.hasMember)
        "hasMember": [{"reference": member} for member in members],
    }


def _activity(item: PlanLine, *, base_url: str) -> dict[str, Any]:
    description = "; ".join(
        filter(
            None,
            [
                _text(item.detail),
                _text(item.intent) and f"Intent: {item.intent.strip()}",
                _text(item.responsible) and f"Responsible: {item.responsible.strip()}",
            ],
        )
    )
    return {
        "detail": {
            "code": _concept(
                item.treatment_label,
                {
                    "system": f"{base_url}/treatment",
                    "code": _text(item.treatment_code),
                    "display": _text(item.treatment_label),
                },
            ),
            "status": "not-started",
            "scheduledPeriod": {"start": _day(item.target_date)} if item.target_date else None,
            "description": description,
        }
    }


def _notes(doc: DecisionDocument) -> list[dict[str, str]]:
    notes = []
    if doc.is_superseded:
        if doc.superseded_at is None:  # set with superseded_by_version (document_from_snapshot)
            raise ValueError("A superseded document needs the time it was superseded.")
        notes.append(
            f"Superseded by version {doc.superseded_by_version} on {_day(doc.superseded_at.date())}: "
            "no longer in force"
        )
    if doc.supersedes_version is not None:
        reason = _text(doc.amendment_reason) or "no reason given"
        notes.append(f"Version {doc.version_no}, amends version {doc.supersedes_version}: {reason}")
    for label, value in (
        ("Question", doc.question),
        ("Outcome", doc.outcome),
        ("Rationale", doc.rationale),
        ("Guideline basis", doc.guideline),
        ("Clinical trial", doc.trial),
        ("Dissent", doc.dissent),
        ("Patient preference and comorbidity", doc.preference_weighing),
    ):
        if _text(value):
            notes.append(f"{label}: {value.strip()}")
    review = []
    if doc.next_review:
        review.append(f"Next review: {_day(doc.next_review)}")
    if doc.present_again:
        review.append("to be presented to the board again")
    if review:
        notes.append("; ".join(review))
    if doc.findings_as_of is not None:
        notes.append(
            f"Signed after the meeting, on {_instant(doc.findings_as_of)}, with the findings as recorded then"
        )
    if doc.warnings:
        notes.append("Signed despite: " + "; ".join(doc.warnings) + f" Reason: {doc.override_reason}")
    if _text(doc.quorum_reason):
        notes.append(f"The meeting began without quorum; the chair's reason: {doc.quorum_reason.strip()}")
    signer = _text(doc.signed_by)
    if signer:
        notes.append(f"Signed by {signer} on {_instant(doc.signed_at)}")
    return [{"text": note} for note in notes]


def _care_plan(
    doc: DecisionDocument,
    *,
    base_url: str,
    urn_id: str,
    patient: str,
    condition: str,
    supporting: list[str],
) -> dict[str, Any]:
    replaces = None
    if doc.supersedes_decision_id is not None:
        replaces = [
            {
                "identifier": {"system": f"{base_url}/decision", "value": str(doc.supersedes_decision_id)},
                "display": f"version {doc.supersedes_version}",
            }
        ]
    return {
        "resourceType": "CarePlan",
        "id": urn_id,
        "meta": {"profile": [CARE_PLAN]},
        "identifier": [{"system": f"{base_url}/decision", "value": str(doc.decision_id)}],
        "replaces": replaces,
        # a version a later signed one replaced is revoked (FHIR R4 CarePlan.status)
        "status": "revoked" if doc.is_superseded else "active",
        "intent": "plan",
        "category": [{"text": "Tumor board recommendation"}],
        "title": f"{_text(doc.board_name) or 'Tumor board'}: decision, version {doc.version_no}",
        "description": _text(doc.recommendation) or _text(doc.outcome),
        "subject": {"reference": patient, "display": _text(doc.patient_name)},
        "created": _instant(doc.signed_at),
        "author": {"display": _text(doc.board_name)},
        "contributor": [
            {"display": f"{a.name.strip()} ({a.specialty.strip()})" if _text(a.specialty) else a.name.strip()}
            for a in doc.attendees
            if _text(a.name)
        ],
        "addresses": [{"reference": condition}],
        "supportingInfo": [{"reference": ref} for ref in supporting],
        "activity": [_activity(item, base_url=base_url) for item in doc.plan],
        "note": _notes(doc),
    }


def decision_bundle(doc: DecisionDocument, *, base_url: str) -> dict[str, Any]:
    """The decision as a FHIR R4 "collection" Bundle, a JSON-ready dict (`json.dumps` it as it is).

    `base_url` is the hospital's TumorBoard address; it names the MRN's identifier system
    (`{base_url}/mrn`), the local treatment code system (`{base_url}/treatment`) and seeds the UUIDs.
    """
    require_aware(meeting_at=doc.meeting_at, signed_at=doc.signed_at)
    base_url = base_url.rstrip("/")
    mrn = doc.patient_mrn.strip()
    if not mrn:
        raise ValueError("the patient's MRN is needed to identify them")

    def urn(ident: str) -> str:
        return f"urn:uuid:{ident}"

    patient_id = _uuid(base_url, "mrn", mrn)
    condition_id = _uuid(base_url, "cases", doc.case_id, "primary-cancer-condition")
    care_plan_id = _uuid(base_url, "decisions", doc.decision_id, "care-plan")
    grade_id = _uuid(base_url, "decisions", doc.decision_id, "grade") if _text(doc.grade) else None
    stage_id = (
        _uuid(base_url, "decisions", doc.decision_id, "stage-group")
        if _text(doc.stage) or _text(doc.tnm)
        else None
    )
    marker_ids = [
        _uuid(base_url, "decisions", doc.decision_id, "markers", index)
        for index in range(len(doc.observations))
    ]

    patient, condition = urn(patient_id), urn(condition_id)
    entries = [
        _entry(patient, _patient(doc, base_url=base_url, urn_id=patient_id)),
        _entry(
            condition,
            _condition(
                doc,
                base_url=base_url,
                urn_id=condition_id,
                patient=patient,
                stage_obs=urn(stage_id) if stage_id else None,
            ),
        ),
    ]
    supporting = []
    if grade_id:
        supporting.append(urn(grade_id))
        entries.append(
            _entry(urn(grade_id), _grade(doc, urn_id=grade_id, patient=patient, condition=condition))
        )
    if stage_id:
        supporting.append(urn(stage_id))
        categories = {
            _uuid(base_url, "decisions", doc.decision_id, "tnm", category[0]): category
            for category in _known_categories(doc)
        }
        members = [urn(category_id) for category_id in categories]
        entries.append(
            _entry(
                urn(stage_id),
                _stage_group(doc, urn_id=stage_id, patient=patient, condition=condition, members=members),
            )
        )
        entries.extend(
            _entry(
                urn(category_id),
                _tnm_category(doc, category, urn_id=category_id, patient=patient, condition=condition),
            )
            for category_id, category in categories.items()
        )
    for marker_id, observation in zip(marker_ids, doc.observations, strict=True):
        supporting.append(urn(marker_id))
        entries.append(_entry(urn(marker_id), _marker(observation, urn_id=marker_id, patient=patient)))
    entries.append(
        _entry(
            urn(care_plan_id),
            _care_plan(
                doc,
                base_url=base_url,
                urn_id=care_plan_id,
                patient=patient,
                condition=condition,
                supporting=supporting,
            ),
        )
    )
    bundle = {
        "resourceType": "Bundle",
        "id": _uuid(base_url, "decisions", doc.decision_id, "bundle"),
        "identifier": {"system": f"{base_url}/decision-bundle", "value": str(doc.decision_id)},
        "type": "collection",
        "timestamp": _instant(doc.signed_at),
        "entry": entries,
    }
    return _prune(bundle)
