"""The code's structure read with `ast`: which project module imports which (imports inside functions
included), and how long each class, function and module is. `test_architecture.py` holds the rules."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from pathways.analysis.loops import strong_components

PACKAGES = ("events", "pathways", "schemas")


def modules(root: Path) -> dict[str, Path]:
    """Every project module under `root`, by dotted name (`cli` and the packages' modules)."""
    found = {"cli": root / "cli.py"} if (root / "cli.py").exists() else {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imported(module: str, path: Path) -> Iterator[str]:
    """Every module name an import anywhere in the file names (a `from X import name` names X.name
    when that is a module, and X otherwise)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, path.name == "__init__.py")
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph(root: Path) -> dict[str, set[str]]:
    """Project module -> the project modules (and outside top-level packages) it imports."""
    known = modules(root)
    graph: dict[str, set[str]] = {}
    for module, path in known.items():
        targets: set[str] = set()
        for name in imported(module, path):
            if name.split(".")[0] in (*PACKAGES, "cli"):
                while name and name not in known:
                    name = name.rpartition(".")[0]
                if name and name != module:
                    targets.add(name)
            else:
                targets.add(name.split(".")[0])
        graph[module] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles: strongly connected groups of more than one module, each sorted (the
    engine's own Tarjan, `pathways.analysis.loops.strong_components`, on the project's modules)."""
    successors = {module: {t for t in targets if t in graph} for module, targets in graph.items()}
    return sorted(sorted(group) for group in strong_components(successors) if len(group) > 1)


def oversized(root: Path, *, classes: int, functions: int, module_lines: int,
              exempt: tuple[str, ...] = ()) -> list[str]:
    """`module: what (lines)` for each class, function or module longer than its limit."""
    found = []
    for module, path in modules(root).items():
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if module not in exempt and lines > module_lines:
            found.append(f"{module}: module ({lines} lines)")
        for node in ast.walk(ast.parse(text)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1 if hasattr(node, "lineno") else 0
            if isinstance(node, ast.ClassDef) and length > classes:
                found.append(f"{module}: class {node.name} ({length} lines)")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and length > functions:
                found.append(f"{module}: function {node.name} ({length} lines)")
    return found


def sql_strings(path: Path) -> list[str]:
    """String literals in a file that read as SQL statements."""
    keywords = ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "CREATE TABLE", "DROP TABLE", "PRAGMA ")
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if any(node.value.lstrip().upper().startswith(keyword) for keyword in keywords):
                found.append(f"line {node.lineno}: {node.value[:40]!r}")
    return found
