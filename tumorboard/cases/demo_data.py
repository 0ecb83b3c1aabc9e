"""Demo NET cases for `flask seed-demo`: realistic cases across sites, grades and syndromes, entered through
the same operations a clinician uses; and `bulk_cases`, a large synthetic data set for benchmarks.
"""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from tumorboard.auth.models import User
from tumorboard.boards.models import Board
from tumorboard.cases import finding_operations as findings
from tumorboard.cases import operations, patient_operations
from tumorboard.extensions import db
from tumorboard.timezones import hospital_today


def _ago(days: int) -> date:
    return hospital_today() - timedelta(days=days)


# (patient, case fields, findings as (kind, days ago, data), prior treatments, submit: None | reason | "")
# Each demo case: the patient (MRN, family and given name, birth date, sex), the case's fields and its board,
# the findings (kind, days ago, fields), the prior treatments (code, started and ended days ago, note) and
# the submission (None: stays a draft; else submitted, with this readiness override reason or the default).
DemoCase = tuple[
    tuple[str, str, str, date, str],
    dict[str, Any],
    list[tuple[str, int, dict[str, Any]]],
    list[tuple[str, int, int | None, str]],
    str | None,
]
DEMO_CASES: list[DemoCase] = [
    (
        ("A1000231", "Brenner", "Klaus", date(1958, 3, 14), "male"),
        dict(
            board="GEP-NET board",
            conference_type="pre_therapeutic",
            primary_site="pancreas",
            tumour_size_cm=2.5,
            extent="limited_to_pancreas",
            nodes_examined=None,
            nodes_positive=0,
            metastatic_sites=["liver"],
            differentiation="well",
            functional_status="non_functional",
            hereditary_syndrome="none",
            ecog="1",
            comorbidities="Type 2 diabetes, well controlled.",
            patient_preferences="Prefers outpatient treatment.",
            clinical_question="Progressive liver metastases under lanreotide: PRRT or everolimus next?",
        ),
        [
            (
                "imaging",
                20,
                dict(
                    modality="ct",
                    region="Chest, abdomen, pelvis",
                    report_text="Pancreatic tail lesion 25 mm; six liver metastases, largest 31 mm.",
                    target_lesion_sum_mm=68,
                    reported_by="Dr. Lena Hoffmann, Radiology",
                ),
            ),
            (
                "imaging",
                12,
                dict(
                    modality="sstr_pet_ct",
                    tracer="ga68_dotatate",
                    region="Whole body",
                    krenning_score="3",
                    uptake_positive="yes",
                    report_text="Intense uptake in primary and all liver lesions, above liver.",
                ),
            ),
            (
                "lab",
                200,
                dict(
                    analyte="chromogranin_a", value=140, unit="ng/mL", ref_high=93, reported_by="Central lab"
                ),
            ),
            (
                "lab",
                110,
                dict(
                    analyte="chromogranin_a", value=190, unit="ng/mL", ref_high=93, reported_by="Central lab"
                ),
            ),
            (
                "lab",
                15,
                dict(
                    analyte="chromogranin_a",
                    value=260,
                    unit="ng/mL",
                    ref_high=93,
                    reported_by="Central lab",
                    note="No proton-pump inhibitor for 3 weeks.",
                ),
            ),
            (
                "pathology",
                300,
                dict(
                    specimen_type="eus_fna",
                    specimen_site="Pancreatic tail",
                    histology="net",
                    differentiation="well",
                    ki67_percent=8,
                    mitoses_per_2mm2=3,
                    reported_grade="G2",
                    ihc={"synaptophysin": "positive", "chromogranin_a": "positive", "sstr2": "positive"},
                    reported_by="Dr. Yusuf Demir, Pathology",
                ),
            ),
        ],
        [("SSA-LAN", 280, None, "120 mg every 28 days")],
        "",
    ),
    (
        ("B2000417", "Schäfer", "Monika", date(1966, 9, 2), "female"),
        dict(
            board="GEP-NET board",
            conference_type="pre_therapeutic",
            primary_site="ileum",
            tumour_size_cm=1.8,
            extent="subserosa",
            nodes_examined=None,
            nodes_positive=5,
            mesenteric_mass_cm=3.2,
            metastatic_sites=["liver"],
            differentiation="well",
            functional_status="functional",
            syndrome="carcinoid_syndrome",
            symptoms="Flushing and 6–8 stools a day.",
            hereditary_syndrome="none",
            ecog="1",
            clinical_question="Primary resection with mesenteric lymphadenectomy before systemic therapy?",
        ),
        [
            (
                "imaging",
                18,
                dict(
                    modality="sstr_pet_ct",
                    tracer="ga68_dotatoc",
                    region="Whole body",
                    krenning_score="4",
                    uptake_positive="yes",
                    report_text="Ileal primary, mesenteric mass 32 mm, 3 liver lesions.",
                ),
            ),
            (
                "imaging",
                25,
                dict(modality="mri", region="Liver", report_text="Three liver metastases, segments 4, 6, 7."),
            ),
            ("lab", 21, dict(analyte="urine_5hiaa", value=48, unit="mg/24 h", ref_low=3, ref_high=10)),
            (
                "pathology",
                30,
                dict(
                    specimen_type="core_biopsy",
                    specimen_site="Liver segment 6",
                    histology="net",
                    differentiation="well",
                    ki67_percent=1.5,
                    mitoses_per_2mm2=1,
                    reported_grade="G1",
                    ihc={"synaptophysin": "positive", "chromogranin_a": "positive", "cdx2": "positive"},
                ),
            ),
        ],
        [],
        "",
    ),
    (
        ("C3000988", "Okafor", "Daniel", date(1979, 1, 23), "male"),
        dict(
            board="GEP-NET board",
            conference_type="post_operative",
            primary_site="rectum",
            tumour_size_cm=0.8,
            extent="submucosa",
            nodes_positive=0,
            differentiation="well",
            functional_status="non_functional",
            hereditary_syndrome="none",
            ecog="0",
            clinical_question=(
                "Endoscopic resection with an R1 deep margin: surveillance or transanal excision?"
            ),
        ),
        [
            (
                "pathology",
                9,
                dict(
                    specimen_type="endoscopic_resection",
                    specimen_site="Rectum, 8 cm ab ano",
                    histology="net",
                    differentiation="well",
                    ki67_percent=2,
                    mitoses_per_2mm2=0.5,
                    margins="r1",
                    lymphovascular_invasion="no",
                    reported_grade="G1",
                    ihc={"synaptophysin": "positive", "satb2": "positive"},
                    reported_tnm="pT1a",
                ),
            ),
            (
                "imaging",
                6,
                dict(modality="mri", region="Pelvis", report_text="No residual tumour, no suspicious nodes."),
            ),
        ],
        [],
        None,
    ),
    (
        ("D4001523", "Lindström", "Eva", date(1985, 6, 30), "female"),
        dict(
            board="GEP-NET board",
            conference_type="pre_therapeutic",
            primary_site="pancreas",
            tumour_size_cm=1.5,
            extent="limited_to_pancreas",
            nodes_positive=0,
            differentiation="unknown",
            functional_status="functional",
            syndrome="insulinoma",
            symptoms="Fasting hypoglycaemia with neuroglycopenic symptoms.",
            hereditary_syndrome="men1",
            ecog="0",
            no_pathology_reason="EUS-FNA judged too risky near the duct.",
            clinical_question="Enucleation or distal pancreatectomy for a presumed insulinoma in MEN1?",
        ),
        [
            (
                "lab",
                14,
                dict(
                    analyte="glucose",
                    value=38,
                    unit="mg/dL",
                    ref_low=70,
                    ref_high=99,
                    note="72-h fast, hour 19",
                ),
            ),
            ("lab", 14, dict(analyte="insulin", value=9.5, unit="µU/mL", ref_low=2.6, ref_high=24.9)),
            (
                "imaging",
                10,
                dict(modality="eus", region="Pancreas", report_text="Hypoechoic 15 mm lesion, body."),
            ),
        ],
        [],
        None,
    ),
    (
        ("E5002760", "Meyer", "Hans", date(1952, 11, 11), "male"),
        dict(
            board="Thoracic NET board",
            conference_type="pre_therapeutic",
            primary_site="lung",
            tumour_size_cm=3.5,
            extent="lung_confined",
            nodes_positive=0,
            differentiation="well",
            functional_status="non_functional",
            hereditary_syndrome="none",
            ecog="1",
            comorbidities="COPD GOLD 2.",
            clinical_question="Lobectomy for an atypical carcinoid of the right lower lobe?",
        ),
        [
            (
                "imaging",
                16,
                dict(modality="ct", region="Chest", report_text="Central 35 mm mass, right lower lobe."),
            ),
            (
                "pathology",
                11,
                dict(
                    specimen_type="core_biopsy",
                    specimen_site="Right lower lobe",
                    histology="net",
                    differentiation="well",
                    mitoses_per_2mm2=5,
                    necrosis="yes",
                    ki67_percent=12,
                    reported_grade="atypical carcinoid",
                    ihc={"ttf1": "positive", "otp": "positive"},
                ),
            ),
        ],
        [],
        "",
    ),
    (
        ("F6003318", "Rossi", "Giulia", date(1990, 2, 17), "female"),
        dict(
            board="GEP-NET board",
            conference_type="post_operative",
            primary_site="appendix",
            tumour_size_cm=2.3,
            extent="subserosa_or_mesoappendix",
            nodes_examined=0,
            nodes_positive=None,
            differentiation="well",
            functional_status="non_functional",
            hereditary_syndrome="none",
            ecog="0",
            clinical_question="Appendix NET 2.3 cm after appendectomy: completion right hemicolectomy?",
        ),
        [
            (
                "pathology",
                13,
                dict(
                    specimen_type="resection",
                    specimen_site="Appendix",
                    histology="net",
                    differentiation="well",
                    ki67_percent=4,
                    mitoses_per_2mm2=1,
                    margins="r0",
                    lymphovascular_invasion="yes",
                    reported_grade="G2",
                    reported_tnm="pT3",
                    report_text="Mesoappendiceal invasion 4 mm.",
                ),
            ),
            (
                "imaging",
                8,
                dict(modality="ct", region="Abdomen", report_text="No residual disease, no nodes."),
            ),
        ],
        [],
        "",
    ),
    (
        ("G7004102", "Novak", "Petr", date(1961, 8, 5), "male"),
        dict(
            board="GEP-NET board",
            conference_type="pre_therapeutic",
            primary_site="stomach",
            tumour_size_cm=4.2,
            extent="subserosa",
            nodes_positive=3,
            metastatic_sites=["liver", "bone"],
            differentiation="poor",
            functional_status="non_functional",
            hereditary_syndrome="none",
            ecog="2",
            clinical_question="Gastric large-cell NEC with liver and bone metastases: platinum–etoposide?",
        ),
        [
            (
                "pathology",
                10,
                dict(
                    specimen_type="endoscopic_biopsy",
                    specimen_site="Gastric body",
                    histology="lcnec",
                    differentiation="poor",
                    ki67_percent=70,
                    mitoses_per_2mm2=45,
                    reported_grade="NEC",
                    ihc={"p53": "aberrant", "rb": "lost"},
                ),
            ),
            (
                "imaging",
                9,
                dict(
                    modality="fdg_pet_ct",
                    region="Whole body",
                    uptake_positive="yes",
                    report_text="Intense FDG uptake in primary, liver and T9.",
                ),
            ),
        ],
        [],
        "",
    ),
    (
        ("H8005561", "Weber", "Sabine", date(1970, 4, 19), "female"),
        dict(
            board="GEP-NET board",
            conference_type="pre_therapeutic",
            primary_site="pancreas",
            tumour_size_cm=2.0,
            extent="limited_to_pancreas",
            nodes_positive=0,
            differentiation="well",
            functional_status="non_functional",
            hereditary_syndrome="none",
            ecog="0",
            clinical_question="Incidental 2 cm pancreatic NET: resection or surveillance?",
        ),
        [
            (
                "pathology",
                20,
                dict(
                    specimen_type="eus_fna",
                    specimen_site="Pancreatic head",
                    histology="net",
                    differentiation="well",
                    ki67_percent=2.5,
                    reported_grade="G2",
                ),
            ),
            (
                "imaging",
                22,
                dict(
                    modality="mri", region="Pancreas", report_text="20 mm lesion, head, no duct dilatation."
                ),
            ),
        ],
        [],
        None,
    ),
    (
        ("J9006034", "García", "Lucía", date(1963, 12, 1), "female"),
        dict(
            board="GEP-NET board",
            conference_type="post_therapy",
            primary_site="ileum",
            tumour_size_cm=2.0,
            extent="subserosa",
            nodes_positive=4,
            metastatic_sites=["liver", "peritoneum"],
            differentiation="well",
            functional_status="non_functional",
            hereditary_syndrome="none",
            ecog="1",
            clinical_question="Progression under octreotide LAR after 14 months: PRRT?",
        ),
        [
            (
                "imaging",
                420,
                dict(modality="ct", region="Abdomen", target_lesion_sum_mm=100, report_text="Baseline."),
            ),
            (
                "imaging",
                240,
                dict(
                    modality="ct", region="Abdomen", target_lesion_sum_mm=80, report_text="Partial shrinkage."
                ),
            ),
            (
                "imaging",
                19,
                dict(
                    modality="ct",
                    region="Abdomen",
                    target_lesion_sum_mm=100,
                    new_lesions="yes",
                    report_text="Growth of liver lesions, new peritoneal nodule.",
                ),
            ),
            (
                "imaging",
                14,
                dict(
                    modality="sstr_pet_ct",
                    tracer="ga68_dotatate",
                    krenning_score="3",
                    uptake_positive="yes",
                    region="Whole body",
                ),
            ),
            (
                "imaging",
                13,
                dict(modality="fdg_pet_ct", uptake_positive="yes", fdg_vs_sstr="lower", region="Whole body"),
            ),
            (
                "pathology",
                500,
                dict(
                    specimen_type="resection",
                    specimen_site="Ileum",
                    histology="net",
                    differentiation="well",
                    ki67_percent=6,
                    mitoses_per_2mm2=2,
                    reported_grade="G2",
                    reported_tnm="pT3 pN1",
                ),
            ),
        ],
        [("SSA-OCT-LAR", 430, 30, "30 mg every 28 days")],
        "",
    ),
]


def _submitter() -> User:
    return db.session.execute(select(User).where(User.email == "submitter@example.org")).scalar_one()


def seed_demo_cases() -> int:
    """The demo cases, entered by the demo submitter through the case operations."""
    submitter = _submitter()
    boards = {b.name: b.id for b in db.session.scalars(select(Board))}
    for (mrn, family, given, born, sex), fields, finding_list, treatments, submit in DEMO_CASES:
        patient = patient_operations.register_patient(
            submitter, mrn=mrn, family_name=family, given_name=given, birth_date=born, sex=sex
        )
        fields = dict(fields)
        case = operations.create_case(submitter, patient, board_id=boards[fields.pop("board")], **fields)
        for treatment, started, ended, note in treatments:
            operations.add_prior_treatment(
                submitter,
                case,
                treatment=treatment,
                start_date=_ago(started),
                end_date=_ago(ended) if ended else None,
                note=note,
            )
        for kind, days, data in finding_list:
            date_field = {"imaging": "study_date", "lab": "sample_date", "pathology": "report_date"}[kind]
            findings.add_finding(submitter, case, kind, {**data, date_field: _ago(days)})
        if submit is not None:
            operations.submit_case(
                submitter,
                case,
                expected_version=case.version,
                override_reason=submit or "Discussed early at the referrer's request.",
            )
    return len(DEMO_CASES)
