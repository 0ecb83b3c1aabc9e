"""Every rule the clinical core can return, walked over a wide sweep of inputs: each rule text cites a
published source (never a file of ours), and each input reads in the clinic's words (clinical
reference: "every computed value carries its rule text, its inputs and its source")."""

import itertools
import json
import re

import pytest

from tumorboard.clinical import coding, grading, imaging, inputs, staging
from tumorboard.clinical.results import Result
from tumorboard.clinical.tnm import SITE_TABLES, MCategory, NCategory, TCategory
from tumorboard.clinical.vocabularies import (
    INSULINOMA_DOCUMENTATION_RULE,
    Differentiation,
    FdgVsSstr,
    FunctionalSyndrome,
    Histology,
    MetastaticSite,
    PrimarySite,
)
from tumorboard.decisions import checks

PUBLISHED = re.compile(
    r"\b(WHO|AJCC|IASLC|ITMIG|ENETS|NANETS|SNMMI|EMA|FDA|RECIST|NETPET|ICD-O-3\.2|ICD-10-CM|"
    r"Krenning et al\.|Endocrine Society)"
)
INTERNAL = re.compile(r"reference|§|\.md\b|net-reference|docs/", re.IGNORECASE)

SIZES = (None, 0.5, 1.0, 1.5, 2.0, 2.5, 3.5, 4.5, 6.0, 8.0)
NODES = (None, 0, 2, 12)
METASTASES = (
    (),
    ("liver",),
    ("bone",),
    ("liver", "bone"),
    ("lung",),
    ("pleura_pericardium",),
    ("other",),
    ("lung", "distant_nodes", "brain"),
)


def _guarded(function, *arguments):
    try:
        return function(*arguments)
    except ValueError:
        return None  # impossible input is refused with a message, tested elsewhere


def _staging_results():
    for site in PrimarySite:
        extents = (None, *(value for value, _ in staging.extent_choices(site)))
        for size, extent, nodes, metastases in itertools.product(SIZES, extents, NODES, METASTASES):
            result = staging.stage(site, size, extent, nodes, None, metastases, "well")
            yield from (result.t, result.n, result.m, result.stage)
        for differentiation, histology in (("poor", None), ("unknown", "minen"), ("unknown", None)):
            result = staging.stage(site, 2.0, None, 0, 3.0, ("liver",), differentiation, histology)
            yield from (result.t, result.n, result.m, result.stage)
    for site, t, n, m in itertools.product(SITE_TABLES, TCategory, NCategory, MCategory):
        result = _guarded(staging.stage_group, site, t, n, m)
        if result is not None:
            yield result
    yield staging.n_category("ileum", 3, 2.5)


def _grading_results():
    for ki67, mitoses, differentiation in itertools.product(
        (None, 0.0, 2.5, 3.0, 12.0, 20.0, 25.0, 60.0), (None, 0.0, 1.0, 5.0, 21.0), Differentiation
    ):
        yield grading.who_grade(ki67, mitoses, differentiation)
    for mitoses, necrosis in itertools.product((None, 0.0, 1.0, 2.0, 10.0, 11.0), (None, True, False)):
        yield grading.lung_category(mitoses, necrosis)


def _coding_results():
    grades = (None, "G1", "G2", "G3", "NEC", "typical carcinoid", "high-grade (LCNEC/SCLC)")
    for site, differentiation, grade, histology, syndrome in itertools.product(
        PrimarySite, Differentiation, grades, (None, *Histology), (None, *FunctionalSyndrome)
    ):
        codes = _guarded(
            coding.suggest_codes, site, differentiation, grade, histology, ("liver", "bone"), syndrome
        )
        if codes is not None:
            yield codes.morphology
            yield from codes.icd10


def _imaging_results():
    for score in range(5):
        yield imaging.krenning(score)
    for baseline, nadir, current, new in itertools.product(
        (100.0,), (100.0, 60.0, 0.0), (0.0, 50.0, 69.0, 70.0, 75.0, 100.0, 125.0), (False, True)
    ):
        yield imaging.recist_response(baseline, nadir, current, new)
    for sstr, fdg, comparison in (
        (False, False, None),
        (True, False, None),
        (False, True, None),
        *((True, True, member) for member in FdgVsSstr),
    ):
        yield imaging.netpet(sstr, fdg, comparison)


def every_result() -> list[Result]:
    results = [*_staging_results(), *_grading_results(), *_coding_results(), *_imaging_results()]
    unique = {}
    for result in results:
        unique.setdefault((result.rule, tuple(result.inputs.items()).__repr__()), result)
    return list(unique.values())


RESULTS = every_result()
RULES = sorted({result.rule for result in RESULTS})


def test_the_sweep_reaches_every_kind_of_result():
    categories = {str(result.category) for result in RESULTS}
    for expected in ("IA1", "IIIC", "IVA", "IVB", "IIIA", "IIIB", "I", "II", "IV", "M1c", "NX", "P5"):
        assert expected in categories, expected
    assert len(RULES) > 200


@pytest.mark.parametrize("rule", RULES)
def test_every_rule_text_cites_a_published_source(rule):
    assert PUBLISHED.search(rule), rule
    assert not INTERNAL.search(rule), rule


def test_notes_and_disputes_name_no_file_of_ours():
    for result in RESULTS:
        for text in (result.note, result.disputed_reason):
            assert text is None or not INTERNAL.search(text), text


def test_every_plan_check_and_readiness_rule_cites_a_published_source():
    texts = [value for name, value in vars(checks).items() if name.endswith("_RULE")]
    texts.append(INSULINOMA_DOCUMENTATION_RULE)
    assert len(texts) >= 15
    for text in texts:
        assert PUBLISHED.search(text), text
        assert not INTERNAL.search(text), text


def test_every_input_a_rule_reports_has_a_label():
    keys = {key for result in RESULTS for key in result.inputs}
    assert keys <= set(inputs.INPUTS), keys - set(inputs.INPUTS)


RAW = re.compile(r"<|>|Enum|\w_\w|\(\s*'|\[\s*'|MappingProxy|None|True|False")


def _assert_in_clinic_words(shown):
    for label, value in shown:
        assert label and value, (label, value)
        for text in (label, value):
            assert not RAW.search(text), text


def test_every_input_reads_in_the_clinics_words():
    for result in RESULTS:
        _assert_in_clinic_words(inputs.shown_inputs(result.inputs))


def test_inputs_kept_as_json_read_the_same():
    """A frozen record keeps inputs as JSON (strings and lists); they are shown with the same words."""
    for result in RESULTS[:: max(1, len(RESULTS) // 400)]:
        thawed = Result(
            category=result.category,
            rule=result.rule,
            inputs=json.loads(json.dumps(dict(result.inputs), default=str)),
        )
        assert inputs.shown_inputs(thawed.inputs) == inputs.shown_inputs(result.inputs)


def test_inputs_are_labelled_with_their_vocabulary():
    shown = inputs.shown_inputs
    result = staging.m_category(["liver", "bone"], site="ileum")
    assert shown(result.inputs) == [("Distant metastases", "Liver, Bone"), ("Primary site", "Ileum")]
    assert shown(grading.who_grade(12, None, "well").inputs) == [
        ("Ki-67 index", "12 %"),
        ("Mitoses", "not recorded"),
        ("Differentiation", "Well differentiated (NET)"),
    ]
    assert shown(staging.m_category([], site="ileum").inputs)[0] == ("Distant metastases", "none recorded")
    assert shown(grading.lung_category(3, True).inputs) == [
        ("Mitoses", "3 per 2 mm²"),
        ("Necrosis", "present"),
    ]


def test_a_value_the_vocabulary_no_longer_knows_is_shown_as_written():
    assert inputs.shown_value("site", "spleen") == "spleen"
    assert inputs.shown_label("some_new_input") == "Some new input"
    assert MetastaticSite.LIVER.label == inputs.shown_value("metastatic_sites", ["liver"])
