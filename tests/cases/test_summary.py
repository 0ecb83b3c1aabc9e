"""The clinical summary of a case: the computed grade, stage, codes and imaging scores beside what was
reported, a flag for every disagreement, disputed boundary or unusable input, and the reported values
never changed."""

from datetime import date, timedelta

import pytest

from tumorboard.cases.summary import compute_grade, computed_grade_value, summarise
from tumorboard.extensions import db

TODAY = date.today()


def flags(summary, kind: str | None = None) -> list[str]:
    return [flag.message for flag in summary.flags if kind is None or flag.kind == kind]


@pytest.fixture
def make_case(submitter, board, create_case, create_pathology, create_imaging):
    """A case with the given fields and pathology reports / imaging studies (lists of field dicts)."""

    def make(pathology=(), imaging=(), **fields):
        case = create_case(submitter=submitter, board=board, **fields)
        for offset, report in enumerate(pathology):
            create_pathology(
                case, created_by=submitter, **{"report_date": TODAY - timedelta(days=30 - offset), **report}
            )
        for offset, study in enumerate(imaging):
            create_imaging(
                case, created_by=submitter, **{"study_date": TODAY - timedelta(days=300 - offset), **study}
            )
        db.session.refresh(case)
        return case

    return make


# Grade ---------------------------------------------------------------------------------------------


def test_no_pathology_gives_no_grade_and_no_flag(make_case):
    summary = summarise(make_case())
    assert summary.grade is None
    assert flags(summary) == []


def test_grade_agreeing_with_the_report_raises_no_flag(make_case):
    summary = summarise(
        make_case(pathology=[{"ki67_percent": 8.0, "mitoses_per_2mm2": 3.0, "reported_grade": "G2"}])
    )
    assert (summary.grade.result.category, summary.grade.reported) == ("G2", "G2")
    assert summary.grade.scheme == "WHO 2019 digestive system"
    assert flags(summary) == []


@pytest.mark.parametrize(
    ("report", "computed"),
    [
        pytest.param(
            {"ki67_percent": 8.0, "mitoses_per_2mm2": 1.0, "reported_grade": "G1"},
            "G2",
            id="reported-G1-ki67-8",
        ),
        pytest.param(
            {"ki67_percent": 1.0, "mitoses_per_2mm2": 25.0, "reported_grade": "G2"}, "G3", id="mitoses-win"
        ),
        pytest.param(
            {
                "ki67_percent": 30.0,
                "mitoses_per_2mm2": 25.0,
                "differentiation": "poor",
                "reported_grade": "G3",
            },
            "NEC",
            id="reported-G3-for-an-NEC",
        ),
    ],
)
def test_grade_disagreeing_with_the_report_is_flagged_and_the_report_stands(make_case, report, computed):
    case = make_case(pathology=[report])
    summary = summarise(case)
    assert summary.grade.result.category == computed
    (message,) = flags(summary, "disagreement")
    assert f"The pathologist reported {report['reported_grade']}; the indices give {computed}" in message
    assert "The reported grade stands" in message
    db.session.expire_all()
    assert case.pathology[0].reported_grade == report["reported_grade"]


def test_no_flag_when_the_indices_cannot_grade(make_case):
    case = make_case(
        primary_site="lung",
        extent="lung_confined",
        pathology=[
            {
                "ki67_percent": 8.0,
                "mitoses_per_2mm2": 1.0,
                "necrosis": None,
                "reported_grade": "typical carcinoid",
            }
        ],
    )
    summary = summarise(case)
    assert summary.grade.result.category == "not classifiable"
    assert flags(summary, "disagreement") == []
    assert computed_grade_value(case) is None


def test_ki67_of_2_5_is_G1_and_flagged_disputed(make_case):
    summary = summarise(
        make_case(pathology=[{"ki67_percent": 2.5, "mitoses_per_2mm2": None, "reported_grade": "G1"}])
    )
    assert summary.grade.result.category == "G1"
    (message,) = flags(summary, "disputed")
    assert message.startswith("Grade on a disputed boundary: WHO 2010")
    assert flags(summary, "disagreement") == []


def test_ki67_of_2_5_is_not_disputed_when_the_mitoses_decide(make_case):
    summary = summarise(
        make_case(pathology=[{"ki67_percent": 2.5, "mitoses_per_2mm2": 5.0, "reported_grade": "G2"}])
    )
    assert summary.grade.result.category == "G2" and flags(summary) == []


def test_the_latest_gradable_report_is_graded(make_case):
    case = make_case(
        pathology=[
            {"ki67_percent": 1.0, "mitoses_per_2mm2": 0.0, "reported_grade": "G1"},
            {"ki67_percent": 25.0, "mitoses_per_2mm2": 3.0, "reported_grade": "G3"},
            {
                "ki67_percent": None,
                "mitoses_per_2mm2": None,
                "reported_grade": None,
                "specimen_type": "lymph_node",
            },
        ]
    )
    summary = summarise(case)
    assert summary.grade.report is case.pathology[1]
    assert summary.grade.result.category == "G3" and computed_grade_value(case) == "G3"


@pytest.mark.parametrize(
    ("report", "category"),
    [
        pytest.param(
            {"mitoses_per_2mm2": 1.0, "necrosis": False, "ki67_percent": 50.0},
            "typical carcinoid",
            id="typical-ki67-ignored",
        ),
        pytest.param(
            {"mitoses_per_2mm2": 1.0, "necrosis": True}, "atypical carcinoid", id="necrosis-makes-atypical"
        ),
        pytest.param({"mitoses_per_2mm2": 4.0, "necrosis": False}, "atypical carcinoid", id="4-mitoses"),
        pytest.param(
            {"mitoses_per_2mm2": 30.0, "necrosis": True}, "high-grade (LCNEC/SCLC)", id="30-mitoses"
        ),
    ],
)
def test_a_lung_primary_is_classified_by_the_lung_rules(make_case, report, category):
    case = make_case(
        primary_site="lung",
        extent="lung_confined",
        tumour_size_cm=1.5,
        pathology=[{"ki67_percent": None, "reported_grade": category, **report}],
    )
    summary = summarise(case)
    assert summary.grade.scheme == "WHO 2015/2021 lung and thymus"
    assert summary.grade.result.category == category
    assert flags(summary, "disagreement") == []
    assert computed_grade_value(case) == category


def test_a_lung_carcinoid_reported_as_a_GEP_grade_is_a_disagreement(make_case):
    case = make_case(
        primary_site="thymus",
        extent=None,
        pathology=[{"mitoses_per_2mm2": 4.0, "necrosis": False, "reported_grade": "G2"}],
    )
    summary = summarise(case)
    assert summary.grade.result.category == "atypical carcinoid"
    assert len(flags(summary, "disagreement")) == 1


def test_lung_exactly_10_mitoses_is_flagged_disputed(make_case):
    case = make_case(
        primary_site="lung",
        extent="lung_confined",
        pathology=[{"mitoses_per_2mm2": 10.0, "necrosis": False, "reported_grade": "atypical carcinoid"}],
    )
    summary = summarise(case)
    assert summary.grade.result.category == "atypical carcinoid"
    assert any(m.startswith("Grade on a disputed boundary") for m in flags(summary, "disputed"))


# Stage ---------------------------------------------------------------------------------------------


def test_pancreas_2_5_cm_n0_m0_is_stage_II(make_case):
    summary = summarise(make_case(tumour_size_cm=2.5, nodes_positive=0, metastatic_sites=""))
    assert (summary.staging.t.category, summary.staging.n.category, summary.staging.m.category) == (
        "T2",
        "N0",
        "M0",
    )
    assert summary.staging.stage.category == "II"
    assert summary.not_staged_reason is None and flags(summary) == []


def test_pancreas_of_exactly_2_cm_is_T2_and_flagged_disputed(make_case):
    summary = summarise(make_case(tumour_size_cm=2.0, nodes_positive=0))
    assert summary.staging.t.category == "T2"
    disputed = flags(summary, "disputed")
    assert any(m.startswith("T2 sits on a disputed boundary") for m in disputed)


def test_liver_metastases_make_stage_IV(make_case):
    summary = summarise(make_case(metastatic_sites="liver"))
    assert (summary.staging.m.category, summary.staging.stage.category) == ("M1a", "IV")


@pytest.mark.parametrize(
    ("fields", "report"),
    [
        pytest.param({"differentiation": "poor"}, None, id="case-poorly-differentiated"),
        pytest.param(
            {"differentiation": "unknown"},
            {"differentiation": "poor", "ki67_percent": 60.0, "reported_grade": "NEC"},
            id="report-poor",
        ),
        pytest.param(
            {"differentiation": "unknown"},
            {"differentiation": "unknown", "histology": "lcnec"},
            id="lcnec-histology",
        ),
        pytest.param({"differentiation": "well"}, {"histology": "minen"}, id="minen"),
    ],
)
def test_nec_and_minen_are_not_staged_with_a_reason(make_case, fields, report):
    case = make_case(pathology=[report] if report else [], **fields)
    summary = summarise(case)
    assert summary.staging.stage.category == "not staged"
    assert "NEC and MiNEN are not staged with the NET chapters" in summary.not_staged_reason
    assert flags(summary) == []


def test_a_site_without_a_net_table_is_not_staged_with_a_reason(make_case):
    summary = summarise(make_case(primary_site="thyroid", extent=None))
    assert "the AJCC 8th edition has no NET chapter for the thyroid" in summary.not_staged_reason


@pytest.mark.parametrize(
    ("reported_tnm", "disagreements"),
    [
        pytest.param("pT2 pN0", 0, id="agrees"),
        pytest.param("pT1 pN0 (m)", 1, id="T-differs"),
        pytest.param("pT2 pN1", 1, id="N-differs"),
        pytest.param("pT3 pN1", 2, id="both-differ"),
        pytest.param("R0 resection", 0, id="nothing-to-compare"),
    ],
)
def test_the_reported_tnm_is_compared_with_the_computed(make_case, reported_tnm, disagreements):
    case = make_case(tumour_size_cm=2.5, nodes_positive=0, pathology=[{"reported_tnm": reported_tnm}])
    summary = summarise(case)
    assert summary.reported_tnm == reported_tnm
    assert len([m for m in flags(summary, "disagreement") if "The report stands" in m]) == disagreements


@pytest.mark.parametrize(
    ("nodes_positive", "reported_tnm", "disagreements"),
    [
        pytest.param(0, "pT1b pN0", 0, id="lung-agrees"),
        pytest.param(0, "pT1b pN3", 1, id="lung-N3-against-no-positive-node"),
        pytest.param(2, "pT1b pN2", 0, id="lung-stations-unknown-to-the-app"),
        pytest.param(0, "pT1mi pN0", 1, id="lung-T1mi-against-T1b"),
    ],
)
def test_a_lung_carcinoids_reported_tnm_is_compared(make_case, nodes_positive, reported_tnm, disagreements):
    case = make_case(
        primary_site="lung",
        extent="lung_confined",
        tumour_size_cm=1.5,
        nodes_positive=nodes_positive,
        pathology=[{"reported_tnm": reported_tnm}],
    )
    summary = summarise(case)
    assert len([m for m in flags(summary, "disagreement") if "The report stands" in m]) == disagreements


# Codes ---------------------------------------------------------------------------------------------


def test_codes_follow_the_computed_grade_site_and_metastases(make_case):
    summary = summarise(make_case(metastatic_sites="bone,liver", pathology=[{"ki67_percent": 8.0}]))
    assert summary.codes.morphology.category == "8249/3"
    assert [r.category for r in summary.codes.icd10] == ["C25.4", "C7B.02", "C7B.03"]


@pytest.mark.parametrize(
    ("functional_status", "expected"),
    [("functional", True), ("non_functional", False), ("unknown", False)],
)
def test_the_carcinoid_syndrome_code_only_for_a_functional_tumour(make_case, functional_status, expected):
    case = make_case(
        primary_site="ileum",
        extent="submucosa",
        functional_status=functional_status,
        syndrome="carcinoid_syndrome",
        pathology=[{"ki67_percent": 1.0, "mitoses_per_2mm2": 0.0, "reported_grade": "G1"}],
    )
    codes = [r.category for r in summarise(case).codes.icd10]
    assert ("E34.00" in codes) is expected


# Imaging scores ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sums", "new_lesions", "response"),
    [
        pytest.param([100.0, 65.0], False, "PR", id="fall-35-percent"),
        pytest.param([100.0, 90.0], False, "SD", id="fall-10-percent"),
        pytest.param([100.0, 60.0, 80.0], False, "PD", id="rise-over-nadir"),
        pytest.param([100.0, 60.0, 70.0], False, "PR", id="rise-too-small"),
        pytest.param([100.0, 100.0], True, "PD", id="new-lesion"),
        pytest.param([40.0, 0.0], False, "CR", id="all-gone"),
    ],
)
def test_recist_from_a_series_of_studies(make_case, sums, new_lesions, response):
    studies = [{"target_lesion_sum_mm": value} for value in sums]
    studies[-1]["new_lesions"] = new_lesions
    studies.insert(1, {"modality": "mri", "target_lesion_sum_mm": None})  # unmeasured studies are skipped
    summary = summarise(make_case(imaging=studies))
    assert summary.recist.category == response
    assert summary.recist.inputs["baseline_sum_mm"] == sums[0]
    assert summary.recist.inputs["nadir_sum_mm"] == min(sums[:-1])
    assert summary.recist.inputs["current_sum_mm"] == sums[-1]


def test_recist_needs_two_measured_studies(make_case):
    assert (
        summarise(make_case(imaging=[{"target_lesion_sum_mm": 50.0}, {"target_lesion_sum_mm": None}])).recist
        is None
    )


@pytest.mark.parametrize(
    ("scores", "disputed"),
    [([4], False), ([3], False), ([2], True), ([2, 4], False), ([4, 2], True)],
    ids=["4", "3", "2-disputed", "latest-4", "latest-2"],
)
def test_krenning_of_the_latest_sstr_study(make_case, scores, disputed):
    studies = [{"modality": "sstr_pet_ct", "krenning_score": score} for score in scores]
    summary = summarise(make_case(imaging=studies))
    assert summary.krenning.score == scores[-1]
    assert bool(flags(summary, "disputed")) is disputed


@pytest.mark.parametrize(
    ("score", "uptake_positive", "flagged"),
    [
        pytest.param(1, True, True, id="krenning-1-uptake-positive"),
        pytest.param(0, True, True, id="krenning-0-uptake-positive"),
        pytest.param(4, False, True, id="krenning-4-uptake-negative"),
        pytest.param(3, False, True, id="krenning-3-uptake-negative"),
        pytest.param(4, True, False, id="krenning-4-uptake-positive"),
        pytest.param(1, False, False, id="krenning-1-uptake-negative"),
        pytest.param(2, True, False, id="krenning-2-either-way"),
        pytest.param(4, None, False, id="uptake-not-stated"),
    ],
)
def test_a_krenning_score_contradicting_the_uptake_is_flagged_and_both_stand(
    make_case, score, uptake_positive, flagged
):
    study = {"modality": "sstr_pet_ct", "krenning_score": score, "uptake_positive": uptake_positive}
    case = make_case(imaging=[study])
    summary = summarise(case)
    disagreements = [message for message in flags(summary, "disagreement") if "Krenning" in message]
    assert bool(disagreements) is flagged
    if flagged:
        (message,) = disagreements
        assert message.startswith("SSTR PET/CT of ")
        assert f"Krenning {score}" in message
        assert ("uptake positive" if uptake_positive else "uptake negative") in message
        assert "Krenning et al. 1993/1994" in message
    assert summary.krenning.score == score  # computed from the score as entered
    assert (case.imaging[0].krenning_score, case.imaging[0].uptake_positive) == (score, uptake_positive)


def test_an_older_contradicting_study_is_flagged_too(make_case):
    studies = [
        {"modality": "octreoscan_spect", "krenning_score": 4, "uptake_positive": False},
        {"modality": "sstr_pet_ct", "krenning_score": 4, "uptake_positive": True},
    ]
    (message,) = flags(summarise(make_case(imaging=studies)), "disagreement")
    assert message.startswith("Octreoscan SPECT")


@pytest.mark.parametrize(
    ("sstr", "fdg", "comparison", "grade"),
    [
        (False, False, None, "P0"),
        (True, False, None, "P1"),
        (True, True, "lower", "P2"),
        (True, True, "equal", "P3"),
        (True, True, "higher", "P4"),
        (False, True, None, "P5"),
    ],
)
def test_netpet_when_both_pets_exist(make_case, sstr, fdg, comparison, grade):
    studies = [
        {"modality": "sstr_pet_ct", "uptake_positive": sstr},
        {"modality": "fdg_pet_ct", "uptake_positive": fdg, "fdg_vs_sstr": comparison},
    ]
    summary = summarise(make_case(imaging=studies))
    assert summary.netpet.category == grade and flags(summary) == []


@pytest.mark.parametrize("modality", ["sstr_pet_ct", "fdg_pet_ct"])
def test_no_netpet_with_one_pet_only(make_case, modality):
    assert summarise(make_case(imaging=[{"modality": modality, "uptake_positive": True}])).netpet is None


# Input the rules cannot use ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "pathology", "imaging", "what"),
    [
        pytest.param({}, [{"ki67_percent": 150.0}], [], "Grade", id="ki67-150"),
        pytest.param({}, [{"mitoses_per_2mm2": -1.0}], [], "Grade", id="mitoses-negative"),
        pytest.param({"tumour_size_cm": -1.0}, [], [], "Stage", id="size-negative"),
        pytest.param({"tumour_size_cm": 0.0}, [], [], "Stage", id="size-zero"),
        pytest.param({"extent": "submucosa"}, [], [], "Stage", id="extent-of-another-site"),
        pytest.param({"primary_site": "liver"}, [], [], "Stage", id="site-unknown"),
        pytest.param({"metastatic_sites": "liver,moon"}, [], [], "Stage", id="metastasis-unknown"),
        pytest.param({}, [], [{"modality": "sstr_pet_ct", "krenning_score": 7}], "Krenning", id="krenning-7"),
        pytest.param(
            {}, [], [{"target_lesion_sum_mm": 0.0}, {"target_lesion_sum_mm": 10.0}], "RECIST", id="baseline-0"
        ),
        pytest.param(
            {},
            [],
            [
                {"modality": "sstr_pet_ct", "uptake_positive": True},
                {"modality": "fdg_pet_ct", "uptake_positive": True},
            ],
            "NETPET",
            id="netpet-both-positive-uncompared",
        ),
        pytest.param(
            {"functional_status": "functional", "syndrome": "gigantism"},
            [],
            [],
            "Codes",
            id="syndrome-unknown",
        ),
    ],
)
def test_invalid_input_is_flagged_not_raised(make_case, fields, pathology, imaging, what):
    """Values the database refuses can still reach the rules from elsewhere (an import, a frozen record of
    an older vocabulary): the summary flags them instead of failing."""
    case = make_case(pathology=pathology, imaging=imaging)
    with db.session.no_autoflush:  # in memory only: the database's checks would refuse most of them
        for name, value in fields.items():
            setattr(case, name, value)
        summary = summarise(case)
    invalid = flags(summary, "invalid")
    assert any(m.startswith(f"{what}: ") for m in invalid), invalid
    assert (
        getattr(summary, {"Grade": "grade", "Stage": "staging", "Codes": "codes"}.get(what, what.lower()))
        is None
    )


def test_an_invalid_grade_caches_no_grade(make_case):
    case = make_case(pathology=[{"ki67_percent": 150.0}])
    assert computed_grade_value(case) is None
    with pytest.raises(ValueError, match="Ki-67 must be between 0 and 100"):
        compute_grade(case)
