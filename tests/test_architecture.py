"""The house's shape, checked: no import cycles, the layers import downwards only, the clinical core knows
nothing of the web or the database, no views module imports another (grimp builds the import graph,
module-level and function-level imports alike), and no views module reads the database itself."""

import ast
import re
from pathlib import Path

import grimp
import pytest

from tumorboard import VIEW_MODULES

PACKAGE = Path(__file__).resolve().parents[1] / "tumorboard"

# Feature packages from the top down: each may import those below it, never one above.
LAYERS = ("api", "privacy", "main", "hl7", "decisions", "meetings", "cases", "boards")


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


@pytest.mark.parametrize("package", ["clinical", "documents"])
def test_the_pure_packages_import_only_themselves(graph, package):
    """The clinical core and the document builders are functions of plain data: no app, no database; the
    builders read the hospital's formats (tumorboard.formats, plain data too) and the clinical core's
    vocabularies (pure too: the FHIR export codes the TNM categories it staged)."""
    inside = graph.find_children(f"tumorboard.{package}") | {f"tumorboard.{package}"}
    imported = {m for source in inside for m in graph.find_modules_directly_imported_by(source)}
    clinical = graph.find_children("tumorboard.clinical") | {"tumorboard.clinical"}
    allowed = inside | PURE_DATA | (clinical if package == "documents" else set())
    assert {m for m in imported if m.startswith("tumorboard.") and m not in allowed} == set()
    external = {
        name
        for source in inside
        for name in _imported_top_level_names(PACKAGE / package / f"{source.rsplit('.', 1)[-1]}.py")
    }
    assert not external & {"flask", "flask_sqlalchemy", "sqlalchemy", "wtforms", "flask_login"}, package


PURE_DATA = {"tumorboard.formats"}


def test_the_formats_are_plain_data(graph):
    assert graph.find_modules_directly_imported_by("tumorboard.formats") == set()
    assert _imported_top_level_names(PACKAGE / "formats.py") <= {"__future__"}


DATE_FORMATTERS = {"format_date", "format_datetime", "format_time", "format_skeleton"}


def test_dates_are_written_in_the_hospitals_formats_only():
    """Only tumorboard.timezones and the document builders' base call Babel's date formatters, and with
    the patterns of tumorboard.formats: no module writes a pattern of its own."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).as_posix() in {"timezones.py", "documents/base.py"}:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module in {"babel.dates", "flask_babel"}:
                found += [
                    f"{path.relative_to(PACKAGE)}: {a.name}" for a in node.names if a.name in DATE_FORMATTERS
                ]
            if isinstance(node, ast.Import) and any(a.name == "babel.dates" for a in node.names):
                found.append(f"{path.relative_to(PACKAGE)}: babel.dates")
    assert found == []


def _imported_top_level_names(path: Path) -> set[str]:
    if not path.exists():
        path = path.with_name("__init__.py")
    tree = ast.parse(path.read_text())
    names = {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    return names | {
        a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }


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


SESSION_READS = {"db.session.execute", "db.session.scalar", "db.session.scalars"}


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _reads(source: str) -> list[str]:
    """Where the source builds a statement (`select(`, `db.select(`), runs one on the session, or calls a
    `.query(`; comments and docstrings do not count, only code."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and _dotted(node) in SESSION_READS:
            found.append(f"line {node.lineno}: {_dotted(node)}")
        elif isinstance(node, ast.Call):
            callee = node.func
            if (isinstance(callee, ast.Name) and callee.id == "select") or (
                isinstance(callee, ast.Attribute) and callee.attr in ("select", "query")
            ):
                found.append(f"line {node.lineno}: {_dotted(callee)}(")
    return found


def test_the_read_check_sees_reads():
    source = (
        "rows = db.session.execute(select(Case))\n"
        "one = db.session.scalar(db.select(Board))\n"
        "run = db.session.scalars\n"
        "old = db.session.query(User)\n"
        '"""select(Case) in a docstring is no read"""\n'
    )
    assert sorted(_reads(source)) == [
        "line 1: db.session.execute",
        "line 1: select(",
        "line 2: db.select(",
        "line 2: db.session.scalar",
        "line 3: db.session.scalars",
        "line 4: db.session.query(",
    ]


@pytest.mark.parametrize("module", VIEW_MODULES)
def test_views_leave_reads_to_the_queries_modules(module):
    """A views module calls its package's queries functions (and `db.session.get` for one record by id);
    it builds no statement and runs none, so the read side stays in queries.py."""
    path = PACKAGE.joinpath(*module.split(".")).with_suffix(".py")
    assert _reads(path.read_text()) == []


FIELD_RULE = re.compile(r"\b(Length|NumberRange)\(|\bmax_length=\d")


def test_lengths_and_ranges_live_in_the_field_declarations():
    """A field's length or range is declared once, as a rule of tumorboard.fields; a WTForms Length or
    NumberRange or a max_length= anywhere else is a second home that will drift."""
    found = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != PACKAGE / "fields.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if FIELD_RULE.search(line)
    ]
    assert found == []


TEMPLATES = PACKAGE.parent / "templates"
RAW_DATE = re.compile(r"\.(strftime|isoformat)\(")


def test_pages_show_dates_through_the_hospital_filters():
    """A page shows a date or time with the `date`, `datetime` or `month` filter (the hospital's zone and
    format, tumorboard.timezones), never with a raw strftime or isoformat."""
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()[:80]}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if RAW_DATE.search(line)
    ]
    assert found == []
