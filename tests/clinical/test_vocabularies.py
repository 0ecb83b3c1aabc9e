"""Controlled vocabularies: stable values, labels, and the facts they carry (clinical reference, 3–6)."""

import pytest

from tumorboard.clinical import vocabularies as v
from tumorboard.clinical.specialties import Specialty
from tumorboard.clinical.staging import Extent

VOCABULARIES = [
    v.PrimarySite,
    v.Differentiation,
    v.Histology,
    v.FunctionalStatus,
    v.FunctionalSyndrome,
    v.HereditarySyndrome,
    v.MetastaticSite,
    v.Analyte,
    v.ImagingModality,
    v.SstrTracer,
    v.FdgVsSstr,
    v.SpecimenType,
    v.IhcMarker,
    v.ResectionMargin,
    v.TreatmentCategory,
    v.Treatment,
    v.PlanIntent,
    v.ConferenceType,
    v.EcogPerformanceStatus,
    v.DeviationReason,
    Extent,
]
ids = [vocabulary.__name__ for vocabulary in VOCABULARIES]
param = pytest.param


@pytest.mark.parametrize("vocabulary", VOCABULARIES, ids=ids)
def test_members_have_a_label_and_round_trip_through_their_value(vocabulary):
    for member in vocabulary:
        assert member.label.strip()
        assert vocabulary(member.value) is member
        assert member == member.value
        assert str(member) == member.value
    assert vocabulary.choices() == [(member.value, member.label) for member in vocabulary]


@pytest.mark.parametrize(
    "vocabulary", [vocabulary for vocabulary in VOCABULARIES if vocabulary is not v.Treatment]
)
def test_values_are_lower_case(vocabulary):
    for member in vocabulary:
        assert member.value == member.value.lower()


def test_treatment_values_are_the_reference_codes():
    assert [member.value for member in v.Treatment] == [
        "SURV",
        "SURG-ENDO",
        "SURG-LOCAL",
        "SURG-APPY",
        "SURG-RHC",
        "SURG-SEGMENT",
        "SURG-PD",
        "SURG-DP",
        "SURG-LIVER",
        "SSA-OCT-LAR",
        "SSA-LAN",
        "TT-EVE",
        "TT-SUN",
        "TT-CABO",
        "PRRT-LU177",
        "LDT-TAE",
        "LDT-TACE",
        "LDT-TARE",
        "LDT-RFA",
        "LDT-MWA",
        "CHEMO-CAPTEM",
        "CHEMO-STZ-5FU",
        "CHEMO-PE",
        "CHEMO-CE",
        "SYMPT-TELO",
        "SYMPT-PPI",
        "SYMPT-DIAZOXIDE",
        "RT-EBRT",
        "TRIAL",
        "REFER",
    ]


@pytest.mark.parametrize(
    ("treatment", "category", "specialty"),
    [
        (v.Treatment.SURV, v.TreatmentCategory.SURVEILLANCE, None),
        (v.Treatment.SURG_ENDO, v.TreatmentCategory.SURGERY, Specialty.GASTROENTEROLOGY),
        (v.Treatment.SURG_PD, v.TreatmentCategory.SURGERY, Specialty.SURGERY),
        (v.Treatment.SSA_LAN, v.TreatmentCategory.SSA, Specialty.MEDICAL_ONCOLOGY),
        (v.Treatment.TT_EVE, v.TreatmentCategory.TARGETED, Specialty.MEDICAL_ONCOLOGY),
        (v.Treatment.PRRT_LU177, v.TreatmentCategory.PRRT, Specialty.NUCLEAR_MEDICINE),
        (v.Treatment.LDT_TARE, v.TreatmentCategory.LIVER_DIRECTED, Specialty.RADIOLOGY),
        (v.Treatment.CHEMO_CAPTEM, v.TreatmentCategory.CHEMOTHERAPY, Specialty.MEDICAL_ONCOLOGY),
        (v.Treatment.SYMPT_TELO, v.TreatmentCategory.SYMPTOMATIC, Specialty.MEDICAL_ONCOLOGY),
        (v.Treatment.RT_EBRT, v.TreatmentCategory.RADIOTHERAPY, Specialty.OTHER),
        (v.Treatment.TRIAL, v.TreatmentCategory.TRIAL, None),
        (v.Treatment.REFER, v.TreatmentCategory.REFERRAL, None),
    ],
    ids=str,
)
def test_treatment_category_and_suggested_specialty(treatment, category, specialty):
    assert treatment.category is category
    assert treatment.suggested_specialty is specialty


def test_primary_sites_are_spelled_as_agreed():
    assert [site.value for site in v.PrimarySite] == [
        "stomach",
        "duodenum",
        "ampulla",
        "jejunum",
        "ileum",
        "appendix",
        "colon",
        "rectum",
        "pancreas",
        "lung",
        "thymus",
        "thyroid",
        "adrenal",
        "unknown primary",
        "other",
    ]


def test_only_the_liver_is_hepatic():
    assert [site for site in v.MetastaticSite if site.is_hepatic] == [v.MetastaticSite.LIVER]


def _loinc_check_digit(number: str) -> str:
    """LOINC's mod-10 check digit (LOINC Users' Guide, appendix: "Calculating Mod 10 check digits")."""
    digits = [int(d) for d in number.zfill(10)]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 0:
            total += sum(int(d) for d in str(digit * 2))
        else:
            total += digit
    return str((10 - total % 10) % 10)


def test_every_loinc_code_has_its_check_digit():
    """A mistyped code (1695-2 for 1695-6, 2333-9 for 2333-3, both once in the HL7 table) fails here."""
    codes = [a.loinc for a in v.Analyte if a.loinc] + list(v.LOINC_ALSO)
    assert codes
    for code in codes:
        number, check = code.split("-")
        assert _loinc_check_digit(number) == check, code


def test_loinc_codes_only_where_the_reference_gives_them():
    assert {analyte: analyte.loinc for analyte in v.Analyte if analyte.loinc} == {
        v.Analyte.CHROMOGRANIN_A: "9811-1",
        v.Analyte.URINE_5HIAA: "1695-6",
        v.Analyte.GASTRIN: "2333-3",
        v.Analyte.GLUCOSE: "2345-7",
        v.Analyte.INSULIN: "20448-7",
        v.Analyte.C_PEPTIDE: "1986-9",
        v.Analyte.CALCITONIN: "1992-7",
        v.Analyte.ACTH: "2141-0",
        v.Analyte.GLUCAGON: "2338-2",
        v.Analyte.VIP: "3125-2",
        v.Analyte.SEROTONIN: "27057-9",
        v.Analyte.NSE: "15060-7",
    }
    assert len({analyte.loinc for analyte in v.Analyte if analyte.loinc}) == 12  # one analyte per code
    assert all(analyte.unit for analyte in v.Analyte)


@pytest.mark.parametrize(
    ("syndrome", "markers"),
    [
        (v.FunctionalSyndrome.CARCINOID, {"urine_5hiaa", "serotonin"}),
        (v.FunctionalSyndrome.ZOLLINGER_ELLISON, {"gastrin"}),
        (v.FunctionalSyndrome.INSULINOMA, {"insulin", "c_peptide", "proinsulin"}),
        (v.FunctionalSyndrome.GLUCAGONOMA, {"glucagon"}),
        (v.FunctionalSyndrome.VIPOMA, {"vip"}),
        (v.FunctionalSyndrome.SOMATOSTATINOMA, {"somatostatin"}),
        (v.FunctionalSyndrome.ECTOPIC_CUSHING, {"acth"}),
        (v.FunctionalSyndrome.OTHER, set()),
    ],
    ids=str,
)
def test_each_functional_syndrome_names_its_markers(syndrome, markers):
    assert set(syndrome.markers) == markers
    assert all(isinstance(marker, v.Analyte) for marker in syndrome.markers)


def test_only_the_insulinoma_pairs_its_marker_with_the_glucose():
    paired = {syndrome: syndrome.paired_with for syndrome in v.FunctionalSyndrome if syndrome.paired_with}
    assert paired == {v.FunctionalSyndrome.INSULINOMA: v.Analyte.GLUCOSE}
    rule = v.FunctionalSyndrome.INSULINOMA.documentation_rule
    assert rule is not None and "72-hour fast" in rule and "ENETS" in rule
    assert v.FunctionalSyndrome.CARCINOID.documentation_rule is None


def test_ihc_markers_and_the_required_pair():
    assert [marker.label for marker in v.IhcMarker] == [
        "Synaptophysin",
        "Chromogranin A",
        "Keratin",
        "p53",
        "Rb",
        "CDX2",
        "PAX8",
        "ISL1",
        "TTF-1",
        "OTP",
        "SATB2",
        "SSTR2",
    ]
    assert {v.IhcMarker.SYNAPTOPHYSIN, v.IhcMarker.CHROMOGRANIN_A} == v.REQUIRED_IHC
    assert all(marker.purpose for marker in v.IhcMarker)


def test_hereditary_syndromes():
    assert {s.value for s in v.HereditarySyndrome} == {
        "none",
        "men1",
        "men2",
        "men4",
        "vhl",
        "nf1",
        "tsc",
        "unknown",
        "suspected",
    }


def test_krenning_applies_to_sstr_imaging_only():
    assert {m for m in v.ImagingModality if m.shows_sstr_uptake} == {
        v.ImagingModality.SSTR_PET_CT,
        v.ImagingModality.OCTREOSCAN_SPECT,
    }


def test_ecog_is_0_to_4_with_descriptions():
    assert [int(status) for status in v.EcogPerformanceStatus] == [0, 1, 2, 3, 4]
    assert all(status.description for status in v.EcogPerformanceStatus)


def test_carcinoma_histologies():
    assert {h for h in v.Histology if h.is_carcinoma} == {
        v.Histology.NEC,
        v.Histology.LCNEC,
        v.Histology.SCNEC,
    }


@pytest.mark.parametrize(
    ("vocabulary", "values"),
    [
        param(vocabulary, values, id=vocabulary.__name__)
        for vocabulary, values in [
            (v.Differentiation, ["well", "poor", "unknown"]),
            (v.FunctionalStatus, ["functional", "non_functional", "unknown"]),
            (v.ResectionMargin, ["r0", "r1", "r2", "rx"]),
            (v.PlanIntent, ["curative", "palliative", "symptom_control", "diagnostic"]),
            (v.ConferenceType, ["pre_therapeutic", "post_operative", "post_therapy", "follow_up"]),
            (v.SstrTracer, ["ga68_dotatate", "ga68_dotatoc", "ga68_dotanoc", "cu64_dotatate"]),
        ]
    ],
)
def test_small_vocabularies(vocabulary, values):
    assert [member.value for member in vocabulary] == values
