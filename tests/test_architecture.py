"""The house's shape, checked: no import cycles, the layers import downwards only, the clinical core knows
nothing of the web or the database, and no views module imports another (grimp builds the import graph,
module-level and function-level imports alike)."""

import ast
from pathlib import Path

import grimp
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tumorboard"

# Feature packages from the top down: each may import those below it, never one above.
LAYERS = ("privacy", "main", "decisions", "meetings", "cases", "boards")


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("tumorboard")


def test_no_module_imports_itself_round_a_cycle(graph):
    cycles = [
        (importer, imported)
        for importer in sorted(graph.modules)
        for imported in sorted(graph.find_modules_directly_imported_by(importer))
        if graph.chain_exists(importer=imported, imported=importer)
    ]
    assert cycles == []


@pytest.mark.parametrize(
    "lower, higher", [(low, high) for i, high in enumerate(LAYERS) for low in LAYERS[i + 1 :]]
)
def test_layers_import_downwards_only(graph, lower, higher):
    assert not graph.chain_exists(
        importer=f"tumorboard.{lower}", imported=f"tumorboard.{higher}", as_packages=True
    ), graph.find_shortest_chain(importer=f"tumorboard.{lower}", imported=f"tumorboard.{higher}")


def test_the_clinical_core_imports_nothing_of_the_app(graph):
    imported = {
        module
        for source in graph.find_children("tumorboard.clinical") | {"tumorboard.clinical"}
        for module in graph.find_modules_directly_imported_by(source)
    }
    assert {m for m in imported if not m.startswith("tumorboard.clinical")} == set()
    for path in (PACKAGE / "clinical").glob("*.py"):
        names = {
            node.module.split(".")[0]
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.ImportFrom) and node.module
        } | {
            alias.name.split(".")[0]
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        assert not names & {"flask", "sqlalchemy", "flask_sqlalchemy", "wtforms"}, path.name


def _views_modules(graph) -> set[str]:
    return {m for m in graph.modules if m.rsplit(".", 1)[-1].endswith("views")}


def test_no_views_module_imports_another(graph):
    views = _views_modules(graph)
    assert len(views) >= 14
    offending = {
        (importer, imported)
        for importer in views
        for imported in graph.find_modules_directly_imported_by(importer)
        if imported in views
    }
    assert offending == set()


def test_importing_the_models_loads_no_views():
    """A model module (or a package) does not drag the web in: a CLI or a worker imports what it needs."""
    import subprocess
    import sys

    code = (
        "import sys, tumorboard.cases.models, tumorboard.decisions.models, tumorboard.meetings.models;"
        "print(sorted(m for m in sys.modules if m.startswith('tumorboard.') and m.endswith('views')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert out.strip() == "[]"
