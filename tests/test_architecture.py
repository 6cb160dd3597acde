"""The layout's rules, read from the code with `ast` (`architecture.py`): no import circles, imports
inside functions included; the log knows nothing of pathways; the analysis imports no storage, no
rendering and no terminal; `cli.py` is a shell; no class, function or module past its size."""

from pathlib import Path

import pytest

from tests.architecture import cycles, import_graph, oversized, sql_strings

ROOT = Path(__file__).resolve().parent.parent
STORAGE = ("events.store", "events.log", "events.backends", "events.append", "events.ingest", "events.copying",
           "events.verify", "events.reading", "pathways.projections", "sqlite3", "sqlite_utils", "psycopg")
RENDERING = ("pathways.outputs", "pathways.application", "graphviz", "rich", "typer")


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


@pytest.fixture(scope="module")
def graph():
    return import_graph(ROOT)


def test_no_import_circles(graph):
    assert cycles(graph) == []


def test_the_log_knows_nothing_of_pathways(graph):
    wrong = {module: sorted(t for t in targets if _under(t, ("pathways", "cli")))
             for module, targets in graph.items() if _under(module, ("events", "schemas"))}
    assert {module: targets for module, targets in wrong.items() if targets} == {}


def test_the_analysis_imports_no_storage_rendering_or_terminal(graph):
    wrong = {module: sorted(t for t in targets if _under(t, STORAGE + RENDERING))
             for module, targets in graph.items() if _under(module, ("pathways.analysis",))}
    assert {module: targets for module, targets in wrong.items() if targets} == {}


def test_the_log_calls_nothing_of_its_readers_or_the_import_pipeline(graph):
    """The import path runs one way: reader -> preparation -> append; the log is the sink."""
    sink = [module for module in graph if _under(module, ("events.log", "events.append", "events.backends",
                                                          "events.reading", "events.verify", "events.copying"))]
    wrong = {module: sorted(t for t in graph[module] if _under(t, ("events.ingest", "events.store")))
             for module in sink}
    assert {module: targets for module, targets in wrong.items() if targets} == {}


def test_cli_is_a_shell_with_no_sql_storage_or_analysis():
    cli = ROOT / "cli.py"
    assert sql_strings(cli) == []
    targets = import_graph(ROOT)["cli"]
    assert sorted(t for t in targets if _under(t, ("pathways.analysis", "pathways.projections", "events.backends",
                                                   "events.append", "sqlite3", "sqlite_utils", "psycopg",
                                                   "csv"))) == []


def test_no_class_function_or_module_past_its_size():
    assert oversized(ROOT, classes=200, functions=80, module_lines=500, exempt=("cli",)) == []


# The checker itself, on small trees made here: each rule must see what it is for.

def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_the_checker_sees_a_circle_through_an_import_inside_a_function(tmp_path):
    root = _tree(tmp_path, {"events/__init__.py": "", "events/a.py": "from events.b import x\n",
                            "events/b.py": "def f():\n    from . import a\n"})
    assert cycles(import_graph(root)) == [["events.a", "events.b"]]


def test_the_checker_names_an_import_of_pathways_from_events(tmp_path):
    root = _tree(tmp_path, {"events/__init__.py": "", "events/a.py": "import pathways.analysis.loops as l\n",
                            "pathways/__init__.py": "", "pathways/analysis/__init__.py": "",
                            "pathways/analysis/loops.py": ""})
    assert import_graph(root)["events.a"] == {"pathways.analysis.loops"}


def test_the_checker_measures_classes_functions_and_modules(tmp_path):
    body = "".join(f"    x{i} = {i}\n" for i in range(5))
    root = _tree(tmp_path, {"pathways/__init__.py": "", "pathways/big.py": f"class C:\n{body}\ndef f():\n{body}"})
    assert oversized(root, classes=3, functions=3, module_lines=10) == [
        "pathways.big: module (13 lines)", "pathways.big: class C (6 lines)", "pathways.big: function f (6 lines)"]


def test_the_checker_sees_sql_in_a_string(tmp_path):
    path = tmp_path / "cli.py"
    path.write_text("q = 'select count(*) FROM events'\n")
    assert sql_strings(path) == ["line 1: 'select count(*) FROM events'"]
