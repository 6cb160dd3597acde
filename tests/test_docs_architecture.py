"""docs/architecture.md's diagram is current: the SVG is what docs/architecture.py draws, and the
diagram names every package of the tree."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("architecture_diagram", ROOT / "docs" / "architecture.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_svg_is_what_the_script_draws(monkeypatch):
    monkeypatch.setenv("PATHWAYS_RENDERER", "embedded")
    assert (ROOT / "docs" / "architecture.svg").read_bytes() == _script().svg(), \
        "run `python docs/architecture.py` and commit docs/architecture.svg"


def test_the_diagram_names_every_package():
    source = _script().diagram().source
    packages = sorted(str(path.parent.relative_to(ROOT / path.parts[len(ROOT.parts)]))
                      for path in ROOT.glob("*/*/__init__.py") if path.parts[len(ROOT.parts)] in ("events", "pathways"))
    missing = [name for name in packages if f"{name}/" not in source and name != "demo"]
    assert missing == []
