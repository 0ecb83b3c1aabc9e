"""Imaging, laboratory and pathology findings: added, edited and removed with an audit trail before →
after; each change moves the case's version on and refreshes its cached grade; refusals write nothing."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.cases.helpers import audit_count, count, days_ago, last_event
from tumorboard.auth.roles import Role
from tumorboard.cases.finding_operations import add_finding, remove_finding, update_finding
from tumorboard.cases.models import ImagingStudy, LabResult, PathologyReport
from tumorboard.clinical.vocabularies import Comparator
from tumorboard.errors import OperationError, StaleEdit
from tumorboard.extensions import db
from tumorboard.timezones import hospital_today

FUTURE = date.today() + timedelta(days=2)  # in the future in every hospital time zone
BIRTH = date(1961, 4, 12)  # the factory's patient
MODELS = {"imaging": ImagingStudy, "lab": LabResult, "pathology": PathologyReport}
DATE_FIELD = {"imaging": "study_date", "lab": "sample_date", "pathology": "report_date"}


def valid(kind: str, **overrides) -> dict:
    """What the finding forms send for a typical finding of each kind."""
    data = {
        "imaging": {
            "study_date": days_ago(10),
            "modality": "sstr_pet_ct",
            "tracer": "ga68_dotatate",
            "region": "Whole body",
            "krenning_score": "3",
            "uptake_positive": "yes",
            "fdg_vs_sstr": "",
            "target_lesion_sum_mm": "42.5",
            "new_lesions": "no",
            "report_text": "Intense uptake in the pancreatic tail and two liver lesions.",
            "reported_by": "Nuclear medicine",
        },
        "lab": {
            "sample_date": days_ago(5),
            "analyte": "chromogranin_a",
            "value": "180",
            "unit": "ng/mL",
            "ref_low": "",
            "ref_high": "93",
            "note": "PPI stopped 2 weeks before",
            "reported_by": "Central lab",
        },
        "pathology": {
            "report_date": days_ago(3),
            "specimen_type": "eus_fna",
            "specimen_site": "Pancreatic tail",
            "histology": "net",
            "differentiation": "well",
            "ki67_percent": "8",
            "mitoses_per_2mm2": "3",
            "necrosis": "no",
            "ihc": {"synaptophysin": "positive", "chromogranin_a": "positive", "sstr2": ""},
            "reported_grade": "G2",
            "reported_tnm": "",
            "report_text": "Well-differentiated NET.",
            "reported_by": "Dr. Path",
        },
    }[kind]
    data.update(overrides)
    return data


EXPECTED_STORED = {
    "imaging": {
        "modality": "sstr_pet_ct",
        "krenning_score": 3,
        "uptake_positive": True,
        "target_lesion_sum_mm": 42.5,
    },
    "lab": {"analyte": "chromogranin_a", "value": 180.0, "ref_low": None, "ref_high": 93.0},
    "pathology": {
        "ki67_percent": 8.0,
        "mitoses_per_2mm2": 3.0,
        "necrosis": False,
        "ihc_results": '{"chromogranin_a": "positive", "synaptophysin": "positive"}',
    },
}
EDITS = {
    # kind: (field sent, value sent, field stored, before, after)
    "imaging": ("krenning_score", "4", "krenning_score", 3, 4),
    "lab": ("value", "95.5", "value", 180.0, 95.5),
    "pathology": ("ki67_percent", "25", "ki67_percent", 8.0, 25.0),
}


# Adding, editing, removing -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(MODELS))
def test_add_finding_stores_and_audits_it(submitter, draft, kind):
    version, events = draft.version, audit_count()
    finding = add_finding(submitter, draft, kind, valid(kind))
    assert isinstance(finding, MODELS[kind]) and finding.id is not None
    assert (finding.case_id, finding.created_by_id) == (draft.id, submitter.id)
    assert {name: getattr(finding, name) for name in EXPECTED_STORED[kind]} == EXPECTED_STORED[kind]
    assert draft.version > version
    assert audit_count() == events + 1
    event = last_event()
    assert (event.action, event.entity_type, event.entity_id) == (
        f"{kind}.added",
        finding.__tablename__,
        str(finding.id),
    )
    assert event.details == {"case": draft.id}
    assert event.changes[DATE_FIELD[kind]] == [None, getattr(finding, DATE_FIELD[kind]).isoformat()]
    assert all(before is None for before, _after in event.changes.values())


@pytest.mark.parametrize("kind", list(MODELS))
def test_update_finding_audits_before_and_after(submitter, draft, kind):
    finding = add_finding(submitter, draft, kind, valid(kind))
    sent, value, stored, before, after = EDITS[kind]
    case_version, finding_version, events = draft.version, finding.version, audit_count()
    update_finding(
        submitter, draft, kind, finding, expected_version=finding_version, data=valid(kind, **{sent: value})
    )
    assert getattr(finding, stored) == after
    assert finding.version == finding_version + 1
    assert draft.version > case_version
    assert audit_count() == events + 1
    event = last_event()
    assert (event.action, event.entity_id) == (f"{kind}.updated", str(finding.id))
    assert event.changes == {stored: [before, after]}
    assert event.details == {"case": draft.id}


@pytest.mark.parametrize("kind", list(MODELS))
def test_update_finding_without_changes_records_nothing(submitter, draft, kind):
    finding = add_finding(submitter, draft, kind, valid(kind))
    case_version, finding_version, events = draft.version, finding.version, audit_count()
    update_finding(submitter, draft, kind, finding, expected_version=finding_version, data=valid(kind))
    assert (draft.version, finding.version, audit_count()) == (case_version, finding_version, events)


@pytest.mark.parametrize("kind", list(MODELS))
def test_remove_finding_deletes_it_and_audits_what_it_was(submitter, draft, kind):
    finding = add_finding(submitter, draft, kind, valid(kind))
    finding_id, date_value = finding.id, getattr(finding, DATE_FIELD[kind]).isoformat()
    case_version, events = draft.version, audit_count()
    remove_finding(submitter, draft, kind, finding, expected_version=finding.version)
    assert db.session.get(MODELS[kind], finding_id) is None
    assert count(MODELS[kind]) == 0
    assert draft.version > case_version
    assert audit_count() == events + 1
    event = last_event()
    assert (event.action, event.entity_type, event.entity_id) == (
        f"{kind}.removed",
        MODELS[kind].__tablename__,
        str(finding_id),
    )
    assert event.changes[DATE_FIELD[kind]] == [date_value, None]
    assert all(after is None for _before, after in event.changes.values())


@pytest.mark.parametrize("kind", list(MODELS))
@pytest.mark.parametrize("operation", ["update", "remove"])
def test_a_stale_finding_version_is_refused(submitter, draft, kind, operation):
    finding = add_finding(submitter, draft, kind, valid(kind))
    seen = finding.version
    sent, value, stored, _before, after = EDITS[kind]
    update_finding(submitter, draft, kind, finding, expected_version=seen, data=valid(kind, **{sent: value}))
    db.session.commit()
    case_version, events = draft.version, audit_count()
    with pytest.raises(StaleEdit) as stale:
        if operation == "update":
            update_finding(
                submitter, draft, kind, finding, expected_version=seen, data=valid(kind, **{sent: "1"})
            )
        else:
            remove_finding(submitter, draft, kind, finding, expected_version=seen)
    assert (stale.value.entity_type, stale.value.expected_version) == (MODELS[kind].__tablename__, seen)
    db.session.rollback()
    assert db.session.get(MODELS[kind], finding.id) is finding
    assert getattr(finding, stored) == after
    assert (draft.version, audit_count()) == (case_version, events)


# The cached grade ----------------------------------------------------------------------------------


def test_each_pathology_change_refreshes_the_cached_grade(submitter, draft):
    assert draft.computed_grade is None
    report = add_finding(submitter, draft, "pathology", valid("pathology"))
    assert draft.computed_grade == "G2"
    update_finding(
        submitter,
        draft,
        "pathology",
        report,
        expected_version=report.version,
        data=valid("pathology", ki67_percent="1", mitoses_per_2mm2="0"),
    )
    assert draft.computed_grade == "G1"
    update_finding(
        submitter,
        draft,
        "pathology",
        report,
        expected_version=report.version,
        data=valid("pathology", differentiation="poor", reported_grade="NEC"),
    )
    assert draft.computed_grade == "NEC"
    remove_finding(submitter, draft, "pathology", report, expected_version=report.version)
    assert draft.computed_grade is None


def test_the_cached_grade_comes_from_the_latest_report_whatever_the_order_of_entry(submitter, draft):
    add_finding(submitter, draft, "pathology", valid("pathology", report_date=days_ago(3), ki67_percent="25"))
    assert draft.computed_grade == "G3"
    older = add_finding(
        submitter,
        draft,
        "pathology",
        valid("pathology", report_date=days_ago(300), ki67_percent="1", mitoses_per_2mm2=""),
    )
    assert draft.computed_grade == "G3"  # an older report entered later does not replace the latest
    update_finding(
        submitter,
        draft,
        "pathology",
        older,
        expected_version=older.version,
        data=valid("pathology", report_date=days_ago(1), ki67_percent="1", mitoses_per_2mm2=""),
    )
    assert draft.computed_grade == "G1"  # redated, it is now the latest


def test_imaging_and_lab_changes_move_the_case_version_but_keep_the_grade(submitter, draft):
    add_finding(submitter, draft, "pathology", valid("pathology"))
    for kind in ("imaging", "lab"):
        version = draft.version
        add_finding(submitter, draft, kind, valid(kind))
        assert draft.version > version and draft.computed_grade == "G2"


# Mitoses -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count_", "area", "per_2mm2", "stored"),
    [
        pytest.param("12", "10", "", 2.4, id="12-in-10mm2"),
        pytest.param("7", "2.5", "", 5.6, id="7-in-2.5mm2"),
        pytest.param("1", "3", "", 0.67, id="rounded-to-2-places"),
        pytest.param("0", "10", "", 0.0, id="none-counted"),
        pytest.param("12", "10", "2.4", 2.4, id="count-and-matching-rate"),
        pytest.param("1", "3", "0.7", 0.67, id="rate-within-rounding"),
        pytest.param("", "", "3.5", 3.5, id="rate-only"),
    ],
)
def test_a_mitotic_count_is_converted_to_per_2mm2(submitter, draft, count_, area, per_2mm2, stored):
    report = add_finding(
        submitter,
        draft,
        "pathology",
        valid("pathology", mitoses_count=count_, mitoses_area_mm2=area, mitoses_per_2mm2=per_2mm2),
    )
    assert report.mitoses_per_2mm2 == stored
    assert report.mitoses_count == (int(count_) if count_ else None)


# Refusals ------------------------------------------------------------------------------------------

BAD_FINDINGS = [
    # imaging
    pytest.param(
        "imaging", {"modality": "pet"}, "modality", "Unknown modality.", id="imaging-modality-unknown"
    ),
    pytest.param(
        "imaging", {"modality": ""}, "modality", "Choose the modality.", id="imaging-modality-blank"
    ),
    pytest.param(
        "imaging",
        {"modality": "ct", "tracer": "", "uptake_positive": ""},
        "krenning_score",
        "The Krenning score applies to SSTR imaging only.",
        id="krenning-on-ct",
    ),
    pytest.param(
        "imaging",
        {"modality": "fdg_pet_ct", "tracer": "", "fdg_vs_sstr": "lower"},
        "krenning_score",
        "The Krenning score applies to SSTR imaging only.",
        id="krenning-on-fdg-pet",
    ),
    pytest.param(
        "imaging",
        {"krenning_score": "5"},
        "krenning_score",
        "The Krenning score must be between 0 and 4.",
        id="krenning-5",
    ),
    pytest.param(
        "imaging",
        {"modality": "fdg_pet_ct", "krenning_score": ""},
        "tracer",
        "A tracer is recorded for SSTR PET/CT only.",
        id="tracer-on-fdg-pet",
    ),
    pytest.param(
        "imaging",
        {"modality": "octreoscan_spect", "uptake_positive": ""},
        "tracer",
        "A tracer is recorded for SSTR PET/CT only.",
        id="tracer-on-octreoscan",
    ),
    pytest.param("imaging", {"tracer": "f18_fdg"}, "tracer", "Unknown tracer.", id="tracer-unknown"),
    pytest.param(
        "imaging",
        {"modality": "mri", "tracer": "", "krenning_score": ""},
        "uptake_positive",
        "Tracer uptake is recorded for SSTR or FDG PET only.",
        id="uptake-on-mri",
    ),
    pytest.param(
        "imaging",
        {"fdg_vs_sstr": "higher"},
        "fdg_vs_sstr",
        "The FDG/SSTR comparison is recorded on the FDG PET.",
        id="comparison-on-sstr-pet",
    ),
    pytest.param(
        "imaging",
        {
            "modality": "fdg_pet_ct",
            "tracer": "",
            "krenning_score": "",
            "uptake_positive": "no",
            "fdg_vs_sstr": "lower",
        },
        "fdg_vs_sstr",
        "Compare FDG with SSTR uptake only when the FDG PET is positive.",
        id="comparison-on-negative-fdg-pet",
    ),
    pytest.param(
        "imaging",
        {"target_lesion_sum_mm": "-3"},
        "target_lesion_sum_mm",
        "The sum of target lesions must be between 0 and 2,000\u00a0mm.",
        id="lesion-sum-negative",
    ),
    pytest.param(
        "imaging",
        {"new_lesions": "maybe"},
        "new_lesions",
        "Answer yes, no or unknown.",
        id="new-lesions-maybe",
    ),
    pytest.param(
        "imaging",
        {"uptake_positive": "weak"},
        "uptake_positive",
        "Answer yes, no or unknown.",
        id="uptake-weak",
    ),
    pytest.param(
        "imaging",
        {"study_date": FUTURE},
        "study_date",
        "The study date cannot be in the future.",
        id="imaging-in-future",
    ),
    pytest.param(
        "imaging",
        {"study_date": BIRTH - timedelta(days=1)},
        "study_date",
        "The study date cannot be before the patient's birth date.",
        id="imaging-before-birth",
    ),
    pytest.param(
        "imaging", {"study_date": None}, "study_date", "Enter the study date as a date.", id="imaging-undated"
    ),
    # laboratory
    pytest.param("lab", {"analyte": "ldh"}, "analyte", "Unknown marker.", id="lab-analyte-unknown"),
    pytest.param("lab", {"value": ""}, "value", "Enter the value.", id="lab-value-missing"),
    pytest.param(
        "lab",
        {"value": "-1"},
        "value",
        "The value must be between 0 and 1,000,000,000.",
        id="lab-value-negative",
    ),
    pytest.param(
        "lab",
        {"value": "high"},
        "value",
        "The value must be a number, or a number after <, <=, > or >= (for example <2).",
        id="lab-value-text",
    ),
    pytest.param(
        "lab", {"value": "<"}, "value", "Give the number after <, for example <2.", id="lab-comparator-alone"
    ),
    pytest.param(
        "lab",
        {"value": "<<2"},
        "value",
        "The value must be a number, or a number after <, <=, > or >= (for example <2).",
        id="lab-comparator-twice",
    ),
    pytest.param(
        "lab",
        {"value": "<-1"},
        "value",
        "The value must be between 0 and 1,000,000,000.",
        id="lab-censored-negative",
    ),
    pytest.param(
        "lab",
        {"value": "<2", "comparator": ">"},
        "value",
        "The value says <, the comparator >: give the comparator once.",
        id="lab-comparator-contradiction",
    ),
    pytest.param(
        "lab", {"comparator": "~"}, "comparator", "Unknown comparator.", id="lab-comparator-unknown"
    ),
    pytest.param("lab", {"unit": " "}, "unit", "Enter the unit.", id="lab-unit-missing"),
    pytest.param(
        "lab",
        {"ref_low": "100", "ref_high": "93"},
        "ref_low",
        "The lower reference limit is above the upper one.",
        id="lab-range-reversed",
    ),
    pytest.param(
        "lab",
        {"sample_date": FUTURE},
        "sample_date",
        "The sample date cannot be in the future.",
        id="lab-in-future",
    ),
    pytest.param(
        "lab",
        {"sample_date": BIRTH - timedelta(days=1)},
        "sample_date",
        "The sample date cannot be before the patient's birth date.",
        id="lab-before-birth",
    ),
    # pathology
    pytest.param(
        "pathology",
        {"ki67_percent": "150"},
        "ki67_percent",
        "The Ki-67 must be between 0 and 100%.",
        id="ki67-150",
    ),
    pytest.param(
        "pathology",
        {"ki67_percent": "-1"},
        "ki67_percent",
        "The Ki-67 must be between 0 and 100%.",
        id="ki67-negative",
    ),
    pytest.param(
        "pathology",
        {"mitoses_count": "12", "mitoses_area_mm2": "10", "mitoses_per_2mm2": "5"},
        "mitoses_per_2mm2",
        "12 mitoses in 10 mm² is 2.4 per 2 mm², not 5; leave one of them empty.",
        id="mitoses-contradiction",
    ),
    pytest.param(
        "pathology",
        {"mitoses_count": "12", "mitoses_area_mm2": ""},
        "mitoses_area_mm2",
        "Give both the mitotic count and the area counted, or neither.",
        id="mitoses-count-without-area",
    ),
    pytest.param(
        "pathology",
        {"mitoses_count": "", "mitoses_area_mm2": "10"},
        "mitoses_area_mm2",
        "Give both the mitotic count and the area counted, or neither.",
        id="mitoses-area-without-count",
    ),
    pytest.param(
        "pathology",
        {"mitoses_count": "3", "mitoses_area_mm2": "0"},
        "mitoses_area_mm2",
        "The area counted must be between 0.1 and 100\u00a0mm².",
        id="mitoses-area-zero",
    ),
    pytest.param(
        "pathology",
        {"mitoses_count": "2.5", "mitoses_area_mm2": "10"},
        "mitoses_count",
        "The mitotic count must be a whole number.",
        id="mitoses-count-fraction",
    ),
    pytest.param(
        "pathology", {"ihc": {"ki67": "positive"}}, "ihc", "Unknown IHC marker.", id="ihc-marker-unknown"
    ),
    pytest.param(
        "pathology", {"ihc": {"synaptophysin": "weak"}}, "ihc", "Unknown IHC result.", id="ihc-result-unknown"
    ),
    pytest.param(
        "pathology",
        {"reported_grade": "G4"},
        "reported_grade",
        "Unknown reported grade.",
        id="reported-grade-unknown",
    ),
    pytest.param(
        "pathology", {"histology": "adenoma"}, "histology", "Unknown histology.", id="histology-unknown"
    ),
    pytest.param("pathology", {"margins": "r3"}, "margins", "Unknown margin status.", id="margins-unknown"),
    pytest.param(
        "pathology", {"necrosis": "focal"}, "necrosis", "Answer yes, no or unknown.", id="necrosis-focal"
    ),
    pytest.param(
        "pathology",
        {"perineural_invasion": "2"},
        "perineural_invasion",
        "Answer yes, no or unknown.",
        id="perineural-invasion-2",
    ),
    pytest.param(
        "pathology",
        {"nodes_examined": "3", "nodes_positive": "5"},
        "nodes_positive",
        "More nodes are positive than were examined.",
        id="pathology-nodes-positive-above-examined",
    ),
    pytest.param(
        "pathology",
        {"report_date": FUTURE},
        "report_date",
        "The report date cannot be in the future.",
        id="pathology-in-future",
    ),
    pytest.param(
        "pathology",
        {"report_date": BIRTH - timedelta(days=1)},
        "report_date",
        "The report date cannot be before the patient's birth date.",
        id="pathology-before-birth",
    ),
    pytest.param(
        "pathology",
        {"specimen_type": ""},
        "specimen_type",
        "Choose the specimen type.",
        id="specimen-type-blank",
    ),
]


@pytest.mark.parametrize(("kind", "overrides", "field", "message"), BAD_FINDINGS)
def test_add_finding_refuses_bad_input_and_writes_nothing(submitter, draft, kind, overrides, field, message):
    case_version, events, rows = draft.version, audit_count(), count(MODELS[kind])
    with pytest.raises(OperationError) as refused:
        add_finding(submitter, draft, kind, valid(kind, **overrides))
    assert (refused.value.message, refused.value.field) == (message, field)
    assert (count(MODELS[kind]), audit_count(), draft.version) == (rows, events, case_version)
    assert getattr(draft, {"lab": "labs"}.get(kind, kind)) == []


@pytest.mark.parametrize(("kind", "overrides", "field", "message"), BAD_FINDINGS)
def test_update_finding_refuses_bad_input_and_changes_nothing(
    submitter, draft, kind, overrides, field, message
):
    finding = add_finding(submitter, draft, kind, valid(kind))
    db.session.commit()
    columns = [c.key for c in MODELS[kind].__table__.columns]
    before = {name: getattr(finding, name) for name in columns}
    case_version, events = draft.version, audit_count()
    with pytest.raises(OperationError) as refused:
        update_finding(
            submitter, draft, kind, finding, expected_version=finding.version, data=valid(kind, **overrides)
        )
    assert (refused.value.message, refused.value.field) == (message, field)
    db.session.rollback()
    db.session.refresh(finding)
    assert {name: getattr(finding, name) for name in columns} == before
    assert (draft.version, audit_count()) == (case_version, events)


@pytest.mark.parametrize(
    ("overrides", "stored"),
    [
        pytest.param(
            {"modality": "octreoscan_spect", "tracer": "", "uptake_positive": ""},
            {"krenning_score": 3},
            id="krenning-on-octreoscan",
        ),
        pytest.param(
            {"krenning_score": "0", "uptake_positive": "no"}, {"krenning_score": 0}, id="krenning-0"
        ),
        pytest.param({"tracer": "cu64_dotatate"}, {"tracer": "cu64_dotatate"}, id="copper-tracer"),
        pytest.param(
            {"modality": "fdg_pet_ct", "tracer": "", "krenning_score": "", "fdg_vs_sstr": "higher"},
            {"fdg_vs_sstr": "higher", "uptake_positive": True},
            id="fdg-pet-compared",
        ),
        pytest.param(
            {
                "modality": "ct",
                "tracer": "",
                "krenning_score": "",
                "uptake_positive": "",
                "new_lesions": "yes",
            },
            {"new_lesions": True, "uptake_positive": None},
            id="ct-with-new-lesions",
        ),
    ],
)
def test_imaging_accepts_what_fits_the_modality(submitter, draft, overrides, stored):
    study = add_finding(submitter, draft, "imaging", valid("imaging", **overrides))
    assert {name: getattr(study, name) for name in stored} == stored


@pytest.mark.parametrize("kind", list(MODELS))
def test_a_finding_may_be_dated_on_the_birth_date_or_today(submitter, draft, kind):
    for day in (BIRTH, hospital_today()):
        assert (
            getattr(
                add_finding(submitter, draft, kind, valid(kind, **{DATE_FIELD[kind]: day})), DATE_FIELD[kind]
            )
            == day
        )


# Who may change findings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status", "allowed"),
    [
        ("submitter", "draft", True),
        ("submitter", "scheduled", True),
        ("specialist", "submitted", True),
        ("chair", "deferred", True),
        ("specialist", "draft", False),
        ("coordinator", "submitted", False),
        ("admin", "submitted", False),
        ("specialist-of-no-board", "submitted", False),
        ("submitter", "discussed", False),
        ("specialist", "closed", False),
        ("submitter", "withdrawn", False),
    ],
)
def test_who_may_add_findings(app_ctx, users, board, create_case, create_user, who, status, allowed):
    actor = create_user(roles=[Role.SPECIALIST]) if who == "specialist-of-no-board" else users[Role(who)]
    case = create_case(submitter=users[Role.SUBMITTER], board=board, status=status)
    events = audit_count()
    if allowed:
        assert add_finding(actor, case, "lab", valid("lab")).created_by_id == actor.id
        return
    with pytest.raises(OperationError, match="Findings of this case can no longer be changed by you."):
        add_finding(actor, case, "lab", valid("lab"))
    assert (count(LabResult), audit_count()) == (0, events)


@pytest.mark.parametrize("operation", ["update", "remove"])
def test_a_finding_is_changed_only_through_its_own_case(submitter, board, draft, create_case, operation):
    other = create_case(submitter=submitter, board=board)
    lab = add_finding(submitter, other, "lab", valid("lab"))
    db.session.commit()
    events = audit_count()
    with pytest.raises(OperationError, match="This finding does not belong to this case."):
        if operation == "update":
            update_finding(
                submitter, draft, "lab", lab, expected_version=lab.version, data=valid("lab", value="1")
            )
        else:
            remove_finding(submitter, draft, "lab", lab, expected_version=lab.version)
    db.session.rollback()
    assert db.session.scalar(select(LabResult.value).where(LabResult.id == lab.id)) == 180.0
    assert (lab.case_id, audit_count()) == (other.id, events)


def test_a_finding_is_changed_only_as_its_own_kind(submitter, draft):
    lab = add_finding(submitter, draft, "lab", valid("lab"))
    with pytest.raises(OperationError, match="This finding does not belong to this case."):
        update_finding(submitter, draft, "imaging", lab, expected_version=lab.version, data=valid("imaging"))


# The laboratory flag -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "low", "high", "flag"),
    [
        pytest.param(180, None, 93, "high", id="above-upper"),
        pytest.param(93, None, 93, None, id="at-upper"),
        pytest.param(20, None, 93, None, id="below-upper-without-lower"),
        pytest.param(2, 3, 10, "low", id="below-lower"),
        pytest.param(3, 3, 10, None, id="at-lower"),
        pytest.param(11, 3, 10, "high", id="above-range"),
        pytest.param(0, 3, None, "low", id="below-lower-without-upper"),
        pytest.param(1e6, None, None, None, id="no-range"),
    ],
)
def test_lab_flag_comes_from_the_labs_own_range(value, low, high, flag):
    assert LabResult(value=value, ref_low=low, ref_high=high).flag == flag


@pytest.mark.parametrize(
    ("typed", "comparator", "value", "shown"),
    [
        pytest.param("<2", Comparator.LT, 2.0, "<2", id="less"),
        pytest.param(" > 1000 ", Comparator.GT, 1000.0, ">1000", id="greater-spaced"),
        pytest.param("<=5", Comparator.LE, 5.0, "≤5", id="at-most"),
        pytest.param("≥0.5", Comparator.GE, 0.5, "≥0.5", id="at-least-sign"),
        pytest.param("=<5", Comparator.LE, 5.0, "≤5", id="at-most-reversed"),
        pytest.param("180", None, 180.0, "180", id="plain"),
    ],
)
def test_a_censored_value_keeps_its_comparator(submitter, draft, typed, comparator, value, shown):
    finding = add_finding(submitter, draft, "lab", valid("lab", value=typed))
    db.session.expire(finding)
    assert (finding.comparator, finding.value, finding.shown_value) == (comparator, value, shown)
    assert last_event().changes.get("comparator") == ([None, comparator.value] if comparator else None)


def test_the_comparator_may_come_apart_from_the_value_and_an_edit_audits_it(submitter, draft):
    finding = add_finding(submitter, draft, "lab", valid("lab", value=2, comparator="<"))
    assert (finding.comparator, finding.value) == (Comparator.LT, 2.0)
    update_finding(
        submitter, draft, "lab", finding, expected_version=finding.version, data=valid("lab", value="2")
    )
    assert finding.comparator is None
    assert last_event().changes == {"comparator": ["<", None]}


@pytest.mark.parametrize(
    ("comparator", "value", "low", "high", "flag"),
    [
        pytest.param("<", 2, 5, 40, "low", id="below-a-limit-under-the-range"),
        pytest.param("<", 50, 5, 40, None, id="below-a-limit-above-the-range-says-nothing"),
        pytest.param(">", 1000, None, 93, "high", id="above-a-limit-over-the-range"),
        pytest.param(">", 1, 5, 40, None, id="above-a-limit-under-the-range-says-nothing"),
    ],
)
def test_a_censored_value_is_flagged_only_when_it_must_be(comparator, value, low, high, flag):
    result = LabResult(value=value, comparator=Comparator(comparator), ref_low=low, ref_high=high)
    assert result.flag == flag
