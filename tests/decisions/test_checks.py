"""The plan's consistency checks: each rule fires at its edge and not beyond, and every warning says why."""

import ast
import dataclasses
import re
from pathlib import Path

import pytest

from tumorboard.clinical.vocabularies import PlanIntent, Treatment
from tumorboard.decisions import checks
from tumorboard.decisions.checks import CheckWarning, ClinicalPicture, PlanItemData, check_plan

param = pytest.param

# A well-differentiated ileal NET G2, M0, SSTR-avid, non-functional: no plan item below warns on it alone.
NET = ClinicalPicture(
    differentiation="well",
    histology="net",
    grade="G2",
    m_category="M0",
    has_sstr_imaging=True,
    krenning_score=4,
    functional_syndrome=None,
    primary_site="ileum",
)
NEC = dataclasses.replace(NET, differentiation="poor", histology="nec", grade="NEC", krenning_score=None)


def picture(**changes) -> ClinicalPicture:
    return dataclasses.replace(NET, **changes)


def plan(*items: str) -> list[PlanItemData]:
    """Plan items written "CODE intent" or "CODE intent: detail"."""
    result = []
    for item in items:
        head, _, detail = item.partition(": ")
        code, intent = head.split()
        result.append(PlanItemData(code, intent, detail))
    return result


def codes(warnings: list[CheckWarning]) -> list[str]:
    return [warning.code for warning in warnings]


def case(case_id: str, items: str, expected: str = "", base: ClinicalPicture = NET, **changes):
    """A table row: plan items separated by "; ", the expected warning codes separated by spaces."""
    items_ = plan(*items.split("; ")) if items else []
    return param(dataclasses.replace(base, **changes), items_, expected.split(), id=case_id)


PRRT = "PRRT-LU177 palliative"
LOW_KRENNING = "prrt-low-krenning"
SURGERY_M1 = "surgery-m1-without-debulking"
PLATINUM = "platinum-etoposide-for-net-g1-g2"
UNKNOWN = {"differentiation": "unknown", "histology": None}

CASES = [
    # 1. PRRT: SSTR imaging, Krenning >2, not an NEC
    case(
        "prrt-no-sstr-imaging", PRRT, "prrt-without-sstr-imaging", has_sstr_imaging=False, krenning_score=None
    ),
    case("prrt-sstr-imaging-without-score", PRRT, "prrt-without-krenning-score", krenning_score=None),
    case("prrt-krenning-0", PRRT, LOW_KRENNING, krenning_score=0),
    case("prrt-krenning-1", PRRT, LOW_KRENNING, krenning_score=1),
    case("prrt-krenning-2", PRRT, LOW_KRENNING, krenning_score=2),
    case("prrt-krenning-3-ok", PRRT, krenning_score=3),
    case("prrt-krenning-4-ok", PRRT, krenning_score=4),
    case("prrt-nec-poorly-differentiated", PRRT, "prrt-for-nec", base=NEC, krenning_score=4),
    case(
        "prrt-nec-histology-lcnec",
        PRRT,
        "prrt-for-nec",
        differentiation="unknown",
        histology="lcnec",
        grade=None,
    ),
    case(
        "prrt-nec-histology-scnec",
        PRRT,
        "prrt-for-nec",
        differentiation="unknown",
        histology="scnec",
        grade=None,
    ),
    case("prrt-nec-grade-only", PRRT, "prrt-for-nec", **UNKNOWN, grade="NEC"),
    case(
        "prrt-lung-high-grade",
        PRRT,
        "prrt-for-nec prrt-outside-gep-net",
        **UNKNOWN,
        grade="high-grade (LCNEC/SCLC)",
        primary_site="lung",
    ),
    case("prrt-net-g3-ok", PRRT, grade="G3"),
    case("prrt-well-differentiated-minen-ok", PRRT, histology="minen", grade="G3"),
    case(
        "prrt-nec-no-imaging-rule-order",
        PRRT,
        "prrt-without-sstr-imaging prrt-for-nec",
        NEC,
        has_sstr_imaging=False,
    ),
    # 2. Somatostatin analogues are for NETs
    case("ssa-octreotide-nec", "SSA-OCT-LAR palliative", "ssa-for-nec", NEC),
    case("ssa-lanreotide-nec", "SSA-LAN palliative", "ssa-for-nec", NEC),
    case(
        "ssa-lcnec-histology",
        "SSA-LAN palliative",
        "ssa-for-nec",
        differentiation="unknown",
        histology="lcnec",
    ),
    case("ssa-net-g3-ok", "SSA-LAN palliative", grade="G3"),
    case("ssa-net-g1-ok", "SSA-LAN palliative", grade="G1"),
    # 3. Platinum-etoposide is the NEC regimen
    case("pe-g1", "CHEMO-PE palliative", PLATINUM, grade="G1"),
    case("pe-g2", "CHEMO-PE palliative", PLATINUM, grade="G2"),
    case("ce-g2", "CHEMO-CE palliative", PLATINUM, grade="G2"),
    case("pe-g3-ok", "CHEMO-PE palliative", grade="G3"),
    case("pe-nec-ok", "CHEMO-PE palliative", base=NEC),
    case("ce-nec-ok", "CHEMO-CE palliative", base=NEC),
    case("pe-grade-unknown-ok", "CHEMO-PE palliative", grade=None),
    case(
        "pe-lung-carcinoid-not-checked", "CHEMO-PE palliative", grade="typical carcinoid", primary_site="lung"
    ),
    case("captem-g2-ok", "CHEMO-CAPTEM palliative", grade="G2"),
    # 4. Curative surgery in M1 needs a debulking intent
    case("surgery-m0-ok", "SURG-SEGMENT curative", m_category="M0"),
    case("surgery-mx-ok", "SURG-SEGMENT curative", m_category="MX"),
    case("surgery-m-unknown-ok", "SURG-SEGMENT curative", m_category=None),
    case("surgery-not-staged-ok", "SURG-SEGMENT curative", m_category="not staged"),
    case("surgery-m1-curative", "SURG-SEGMENT curative", SURGERY_M1, m_category="M1"),
    case("surgery-m1a-curative", "SURG-SEGMENT curative", SURGERY_M1, m_category="M1a"),
    case("surgery-m1b-curative", "SURG-PD curative", SURGERY_M1, m_category="M1b"),
    case("surgery-m1c-endoscopic-curative", "SURG-ENDO curative", SURGERY_M1, m_category="M1c"),
    case("surgery-m1a-plus-surg-liver-ok", "SURG-SEGMENT curative; SURG-LIVER curative", m_category="M1a"),
    case("surgery-m1a-surg-liver-first-ok", "SURG-LIVER curative; SURG-SEGMENT curative", m_category="M1a"),
    case("surgery-m1-palliative-ok", "SURG-SEGMENT palliative", m_category="M1"),
    case("surgery-m1-symptom-control-ok", "SURG-SEGMENT symptom_control", m_category="M1"),
    case("surgery-m1-diagnostic-ok", "SURG-SEGMENT diagnostic", m_category="M1"),
    case(
        "surgery-m1-beside-palliative-surgery-ok",
        "SURG-SEGMENT curative; SURG-RHC palliative",
        m_category="M1b",
    ),
    case(
        "surgery-m1-detail-debulking-ok", "SURG-PD curative: Whipple and Debulking of liver", m_category="M1a"
    ),
    case("surgery-m1-detail-cytoreductive-ok", "SURG-PD curative: cytoreductive resection", m_category="M1a"),
    case(
        "surgery-m1-debulking-not-surgery",
        "SURG-PD curative; LDT-TACE palliative: debulking",
        SURGERY_M1,
        m_category="M1a",
    ),
    case("surg-liver-alone-m1c-ok", "SURG-LIVER curative", m_category="M1c"),
    case("m1a-without-surgery-ok", "SSA-LAN palliative; PRRT-LU177 palliative", m_category="M1a"),
    # Appendix NET G3: right hemicolectomy (reference section 6)
    case(
        "appendectomy-alone-g3",
        "SURG-APPY curative",
        "appendectomy-alone-for-g3",
        primary_site="appendix",
        grade="G3",
    ),
    case("appendectomy-g2-ok", "SURG-APPY curative", primary_site="appendix", grade="G2"),
    case(
        "appendectomy-g3-with-rhc-ok",
        "SURG-APPY curative; SURG-RHC curative",
        primary_site="appendix",
        grade="G3",
    ),
    case("appendectomy-g3-diagnostic-ok", "SURG-APPY diagnostic", primary_site="appendix", grade="G3"),
    case("appendectomy-g3-other-site-ok", "SURG-APPY curative", primary_site="ileum", grade="G3"),
    # 5. Symptomatic drugs match the syndrome
    case(
        "telotristat-carcinoid-with-ssa-ok",
        "SYMPT-TELO symptom_control; SSA-OCT-LAR symptom_control",
        functional_syndrome="carcinoid_syndrome",
    ),
    case(
        "telotristat-carcinoid-without-ssa",
        "SYMPT-TELO symptom_control",
        "telotristat-without-ssa",
        functional_syndrome="carcinoid_syndrome",
    ),
    case(
        "telotristat-non-functional", "SYMPT-TELO symptom_control", "telotristat-without-carcinoid-syndrome"
    ),
    case(
        "telotristat-vipoma",
        "SYMPT-TELO symptom_control",
        "telotristat-without-carcinoid-syndrome",
        functional_syndrome="vipoma",
    ),
    case("ppi-zollinger-ellison-ok", "SYMPT-PPI symptom_control", functional_syndrome="zollinger_ellison"),
    case(
        "ppi-insulinoma",
        "SYMPT-PPI symptom_control",
        "ppi-without-zollinger-ellison",
        functional_syndrome="insulinoma",
    ),
    case("diazoxide-insulinoma-ok", "SYMPT-DIAZOXIDE symptom_control", functional_syndrome="insulinoma"),
    case("diazoxide-non-functional", "SYMPT-DIAZOXIDE symptom_control", "diazoxide-without-insulinoma"),
    # 6. Uses outside the approved labels (EMA/FDA)
    case("prrt-pancreas-ok", PRRT, primary_site="pancreas"),
    case("prrt-rectum-ok", PRRT, primary_site="rectum"),
    case(
        "prrt-lung-carcinoid", PRRT, "prrt-outside-gep-net", primary_site="lung", grade="atypical carcinoid"
    ),
    case("prrt-thymus", PRRT, "prrt-outside-gep-net", primary_site="thymus"),
    case("prrt-unknown-primary", PRRT, "prrt-outside-gep-net", primary_site="unknown primary"),
    case("prrt-site-not-recorded-ok", PRRT, primary_site=""),
    case("sunitinib-pancreas-ok", "TT-SUN palliative", primary_site="pancreas"),
    case("sunitinib-ileum", "TT-SUN palliative", "sunitinib-outside-pancreatic-net"),
    case("sunitinib-lung", "TT-SUN palliative", "sunitinib-outside-pancreatic-net", primary_site="lung"),
    case("sunitinib-site-not-recorded-ok", "TT-SUN palliative", primary_site=""),
    case("everolimus-lung-non-functional-ok", "TT-EVE palliative", primary_site="lung"),
    case(
        "everolimus-pancreas-functional-ok",
        "TT-EVE palliative",
        primary_site="pancreas",
        functional_syndrome="insulinoma",
    ),
    case(
        "everolimus-carcinoid-syndrome",
        "TT-EVE palliative",
        "everolimus-for-functional-carcinoid",
        functional_syndrome="carcinoid_syndrome",
    ),
    case(
        "everolimus-functional-lung",
        "TT-EVE palliative",
        "everolimus-for-functional-carcinoid",
        primary_site="lung",
        functional_syndrome="ectopic_cushing",
    ),
    case("everolimus-thymus", "TT-EVE palliative", "everolimus-outside-label-site", primary_site="thymus"),
    case(
        "everolimus-unknown-primary",
        "TT-EVE palliative",
        "everolimus-outside-label-site",
        primary_site="unknown primary",
    ),
    case("everolimus-nec", "TT-EVE palliative", "targeted-therapy-for-nec", base=NEC),
    case(
        "sunitinib-nec-pancreas",
        "TT-SUN palliative",
        "targeted-therapy-for-nec",
        base=NEC,
        primary_site="pancreas",
    ),
    case("cabozantinib-nec", "TT-CABO palliative", "targeted-therapy-for-nec", base=NEC),
    case("cabozantinib-net-g3-ok", "TT-CABO palliative", grade="G3", prior_systemic_treatment=True),
    case("cabozantinib-history-unknown-ok", "TT-CABO palliative"),
    case(
        "cabozantinib-first-line",
        "TT-CABO palliative",
        "cabozantinib-without-prior-treatment",
        prior_systemic_treatment=False,
    ),
    case(
        "cabozantinib-thymus-after-treatment-ok",
        "TT-CABO palliative",
        primary_site="thymus",
        prior_systemic_treatment=True,
    ),
    # Plans that fit
    case(
        "surveillance-referral-trial-everolimus-ok",
        "SURV diagnostic; REFER diagnostic; TRIAL palliative; TT-EVE palliative",
    ),
    case(
        "full-midgut-plan-ok",
        "SSA-LAN palliative; SYMPT-TELO symptom_control; PRRT-LU177 palliative; "
        "SURG-SEGMENT curative; SURG-LIVER curative: debulking",
        m_category="M1a",
        functional_syndrome="carcinoid_syndrome",
    ),
]


@pytest.mark.parametrize(("clinical", "items", "expected"), CASES)
def test_rules_fire_at_their_edge_and_not_beyond(clinical, items, expected):
    assert codes(check_plan(clinical, items)) == expected


def test_krenning_2_names_the_dispute():
    [warning] = check_plan(picture(krenning_score=2), plan("PRRT-LU177 palliative"))
    assert "disputed" in warning.message
    assert "≥2" in warning.message
    assert "≥3" in warning.message


@pytest.mark.parametrize("score", [0, 1], ids=["krenning-0", "krenning-1"])
def test_krenning_below_2_is_not_disputed(score):
    [warning] = check_plan(picture(krenning_score=score), plan("PRRT-LU177 palliative"))
    assert "disputed" not in warning.message
    assert f"is {score}" in warning.message


EVERY_WARNING = [
    param(
        dataclasses.replace(NEC, has_sstr_imaging=True, krenning_score=1, m_category="M1a"),
        plan(PRRT, "SSA-LAN palliative", "SURG-SEGMENT curative", "SYMPT-TELO symptom_control"),
        id="nec",
    ),
    param(
        picture(has_sstr_imaging=False, krenning_score=None), plan("PRRT-LU177 palliative"), id="no-imaging"
    ),
    param(picture(krenning_score=None), plan("PRRT-LU177 palliative"), id="no-score"),
    param(picture(krenning_score=2), plan("PRRT-LU177 palliative"), id="krenning-2"),
    param(picture(grade="G1"), plan("CHEMO-PE palliative", "CHEMO-CE palliative"), id="g1-platinum"),
    param(picture(primary_site="appendix", grade="G3"), plan("SURG-APPY curative"), id="appendix-g3"),
    param(picture(), plan("SYMPT-PPI symptom_control", "SYMPT-DIAZOXIDE symptom_control"), id="symptomatic"),
    param(
        picture(
            primary_site="lung", functional_syndrome="carcinoid_syndrome", prior_systemic_treatment=False
        ),
        plan(
            PRRT, "TT-SUN palliative", "TT-EVE palliative", "TT-CABO palliative", "SYMPT-TELO symptom_control"
        ),
        id="outside-labels",
    ),
    param(picture(primary_site="thymus"), plan("TT-EVE palliative"), id="everolimus-site"),
    param(NEC, plan("TT-EVE palliative"), id="targeted-nec"),
]


def test_every_rule_is_reached_by_the_every_warning_cases():
    found = {
        warning.code
        for clinical, items in (p.values for p in EVERY_WARNING)
        for warning in check_plan(clinical, items)
    }
    documented = set(re.findall(r"``([a-z0-9-]+)``", checks.__doc__ or ""))
    assert documented <= found, documented - found


@pytest.mark.parametrize(("clinical", "items"), EVERY_WARNING)
def test_every_warning_names_its_item_rule_and_source(clinical, items):
    warnings = check_plan(clinical, items)
    assert warnings
    for warning in warnings:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", warning.code)
        assert warning.treatment in {item.treatment for item in items}
        assert f"({warning.treatment})" in warning.message
        assert warning.message.endswith(".")
        assert warning.rule.strip()
        # the published source, never an internal file
        assert re.search(r"\b(WHO|AJCC|ENETS|NANETS|SNMMI|EMA|FDA)\b", warning.rule), warning.rule
        assert "net-reference" not in warning.rule and ".md" not in warning.rule


def test_an_empty_plan_gives_no_warnings():
    assert check_plan(dataclasses.replace(NEC, m_category="M1c", has_sstr_imaging=False), []) == []


def test_warnings_follow_plan_order_then_rule_order():
    clinical = dataclasses.replace(NEC, has_sstr_imaging=False)
    items = plan("SYMPT-TELO symptom_control", "SSA-LAN palliative", "PRRT-LU177 palliative")
    assert [(warning.treatment, warning.code) for warning in check_plan(clinical, items)] == [
        ("SYMPT-TELO", "telotristat-without-carcinoid-syndrome"),
        ("SSA-LAN", "ssa-for-nec"),
        ("PRRT-LU177", "prrt-without-sstr-imaging"),
        ("PRRT-LU177", "prrt-for-nec"),
    ]


def test_a_treatment_named_twice_warns_once():
    items = plan("PRRT-LU177 palliative", "PRRT-LU177 palliative: second cycle")
    assert codes(check_plan(dataclasses.replace(NEC, has_sstr_imaging=False), items)) == [
        "prrt-without-sstr-imaging",
        "prrt-for-nec",
    ]


def test_each_treatment_gets_its_own_warning():
    warnings = check_plan(picture(m_category="M1b"), plan("SURG-PD curative", "SURG-SEGMENT curative"))
    assert [(warning.code, warning.treatment) for warning in warnings] == [
        ("surgery-m1-without-debulking", "SURG-PD"),
        ("surgery-m1-without-debulking", "SURG-SEGMENT"),
    ]


def test_the_message_names_the_plan_item():
    [warning] = check_plan(NEC, plan("SSA-OCT-LAR palliative"))
    assert warning == CheckWarning(
        code="ssa-for-nec",
        message="Somatostatin analogue: octreotide LAR (SSA-OCT-LAR) is planned for a neuroendocrine "
        "carcinoma (poorly differentiated).",
        rule=checks.SSA_NEC_RULE,
        treatment="SSA-OCT-LAR",
    )


def test_enum_members_are_accepted_as_values():
    items = [PlanItemData(Treatment.PRRT_LU177, PlanIntent.PALLIATIVE)]
    assert codes(check_plan(picture(krenning_score=1), items)) == ["prrt-low-krenning"]


def test_an_unknown_treatment_code_is_rejected():
    expected = (
        r"Unknown treatment code 'PRRT-Y90' in plan item 2: expected a code of the treatment vocabulary"
    )
    with pytest.raises(ValueError, match=expected):
        check_plan(NET, plan("SURV diagnostic", "PRRT-Y90 palliative"))


def test_an_unknown_intent_is_rejected():
    with pytest.raises(ValueError, match=r"Unknown plan intent 'adjuvant' in plan item 1 \(SURG-PD\)"):
        check_plan(NET, plan("SURG-PD adjuvant"))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        param({"differentiation": "moderate"}, "Unknown differentiation 'moderate'", id="differentiation"),
        param({"histology": "adenocarcinoma"}, "Unknown histology 'adenocarcinoma'", id="histology"),
        param({"grade": "G4"}, "Unknown grade 'G4'", id="grade"),
        param({"m_category": "M2"}, "Unknown M category 'M2'", id="m-category"),
        param({"functional_syndrome": "cushing"}, "Unknown functional syndrome 'cushing'", id="syndrome"),
        param({"primary_site": "liver"}, "Unknown primary site 'liver'", id="primary-site"),
        param({"krenning_score": 5}, "Krenning score must be 0, 1, 2, 3 or 4", id="krenning-5"),
        param(
            {"has_sstr_imaging": False}, "needs an SSTR PET/CT or Octreoscan", id="krenning-without-imaging"
        ),
    ],
)
def test_an_impossible_picture_is_rejected(changes, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        check_plan(picture(**changes), [])


def test_inputs_and_warnings_are_frozen():
    item = PlanItemData("SURV", "diagnostic")
    assert item.detail == ""
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.treatment = "SURG-PD"
    [warning] = check_plan(NEC, plan("SSA-LAN palliative"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        warning.code = "other"


def test_the_checks_import_only_the_standard_library_and_the_clinical_core():
    tree = ast.parse(Path(checks.__file__).read_text(encoding="utf-8"))
    modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    first_party = {module for module in modules if module.split(".")[0] == "tumorboard"}
    assert all(module.startswith("tumorboard.clinical.") for module in first_party), first_party
    app_packages = {"flask", "flask_sqlalchemy", "sqlalchemy", "wtforms"}
    assert not {module.split(".")[0] for module in modules} & app_packages
