"""The shared result type and table helpers, and the clinical package's independence from the app."""

import ast
import dataclasses
import sys
from pathlib import Path

import pytest

import tumorboard.clinical
from tumorboard.clinical.grading import Grade
from tumorboard.clinical.results import Band, Result, band_for, join_notes

CLINICAL = Path(tumorboard.clinical.__file__).parent


def test_result_is_frozen_and_its_inputs_read_only():
    result = Result(category=Grade.G1, rule="r", inputs={"ki67_percent": 1})
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.category = Grade.G2
    with pytest.raises(TypeError):
        result.inputs["ki67_percent"] = 50


def test_result_copies_its_inputs():
    inputs = {"a": 1}
    result = Result(category=Grade.G1, rule="r", inputs=inputs)
    inputs["a"] = 2
    assert result.inputs["a"] == 1


def test_disputed_follows_the_reason():
    assert not Result(category=Grade.G1, rule="r").disputed
    assert Result(category=Grade.G1, rule="r", disputed_reason="why").disputed


def test_results_compare_and_hash():
    first = Result(category=Grade.G1, rule="r", inputs={"a": 1})
    second = Result(category=Grade.G1, rule="r", inputs={"a": 1})
    assert first == second
    assert hash(first) == hash(second)
    assert dataclasses.replace(first, note="n").note == "n"


@pytest.mark.parametrize(
    ("value", "category"),
    [(0.9, "low"), (1.0, "low"), (1.1, "middle"), (1.9, "middle"), (2.0, "high"), (99, "high")],
)
def test_band_bounds(value, category):
    bands = (Band("low", "≤1", up_to=1), Band("middle", "<2", below=2), Band("high", "≥2"))
    assert band_for(value, bands).category == category


def test_join_notes():
    assert join_notes(None, "") is None
    assert join_notes("A.", None, "B.") == "A. B."


def _imported_modules(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield "." if node.level else node.module


@pytest.mark.parametrize("path", sorted(CLINICAL.glob("*.py")), ids=lambda path: path.name)
def test_clinical_imports_only_the_standard_library_and_itself(path):
    for module in _imported_modules(path):
        top = module.split(".")[0]
        assert top in sys.stdlib_module_names or module.startswith("tumorboard.clinical") or module == ".", (
            module
        )
        assert top not in {"flask", "sqlalchemy", "flask_sqlalchemy", "wtforms"}
