"""The clinical summary shows each rule's inputs in the clinic's words, live and as frozen in a record:
"Distant metastases: Liver", "Ki-67 index: 12 %", never a Python name, an enum or a repr."""

import html
import json
import re
from datetime import date, timedelta

import pytest

from tests.clinical.test_rule_texts import RESULTS
from tumorboard.cases.records import frozen_summary, summary_data
from tumorboard.cases.summary import summarise
from tumorboard.extensions import db

INPUTS_LINE = re.compile(r"Inputs: (.*?)</div>", re.S)
RAW = re.compile(r"<|>|Enum|\w_\w|\(\s*'|\[\s*'|MappingProxy|\bNone\b|\bTrue\b|\bFalse\b")


@pytest.fixture
def summary_macros(app):
    with app.test_request_context():
        yield app.jinja_env.get_template("cases/_summary.html").make_module({})


def input_lines(page: str) -> list[str]:
    return [html.unescape(line) for line in INPUTS_LINE.findall(page)]


def assert_in_clinic_words(lines: list[str]) -> None:
    assert lines
    for line in lines:
        assert not RAW.search(line), line


def test_every_rule_result_renders_its_inputs_in_the_clinics_words(summary_macros):
    lines = []
    for result in RESULTS:
        if result.inputs:
            lines += input_lines(str(summary_macros.result_line("Rule", result)))
    assert len(lines) == sum(1 for result in RESULTS if result.inputs)
    assert_in_clinic_words(lines)


@pytest.fixture
def metastatic_pancreatic_net(submitter, board, create_case, create_pathology, create_imaging):
    case = create_case(
        submitter=submitter,
        board=board,
        primary_site="pancreas",
        tumour_size_cm=2.5,
        extent="limited_to_pancreas",
        nodes_positive=0,
        metastatic_sites="liver,bone",
        differentiation="well",
    )
    create_pathology(case, created_by=submitter, ki67_percent=12.0, report_date=date.today())
    create_imaging(
        case,
        created_by=submitter,
        modality="sstr_pet_ct",
        krenning_score=3,
        uptake_positive=True,
        study_date=date.today() - timedelta(days=5),
    )
    db.session.refresh(case)
    return case


def test_the_case_summary_shows_labelled_inputs(summary_macros, metastatic_pancreatic_net):
    case = metastatic_pancreatic_net
    page = str(summary_macros.clinical_summary(case, summarise(case)))
    lines = input_lines(page)
    assert_in_clinic_words(lines)
    text = " ".join(lines)
    assert "Distant metastases: Liver, Bone" in text
    assert "Ki-67 index: 12 %" in text
    assert "Tumour size: 2.5 cm" in text
    assert "Primary site: Pancreas" in text
    assert "Krenning score: 3" in text
    assert "ki67 percent" not in page and "MetastaticSite" not in page


def test_a_frozen_summary_shows_the_same_inputs(summary_macros, metastatic_pancreatic_net):
    case = metastatic_pancreatic_net
    live = summarise(case)
    record = {"summary": json.loads(json.dumps(summary_data(live)))}
    frozen = frozen_summary(record, case)
    live_lines = input_lines(str(summary_macros.clinical_summary(case, live)))
    frozen_lines = input_lines(str(summary_macros.clinical_summary(case, frozen)))
    assert frozen_lines == live_lines
    assert_in_clinic_words(frozen_lines)
