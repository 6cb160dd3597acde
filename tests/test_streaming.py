"""The commands that read every case (issue 29, item 14) read them one at a time and fold them into
counters: the same outputs as when every analysis was held at once, with only a case or two alive."""

from __future__ import annotations

import json
import re
import weakref
from pathlib import Path

import pytest

from pathways import demo
import pathways.projections.reader as reader_module

from .conftest import write_jsonl
from .figures import FIGURES

GOLDEN = Path(__file__).parent / "golden" / "demo-crosscase.json"
"""The outputs of the code that held every analysis at once (at b5be82f, with coders, manifests and kept
transcripts), on the demo's cases and vignettes: the streamed commands give the same."""
COMMANDS = (["summary"], ["summary", "--turned"], ["summary", "--account", "migrant"], ["leverage"],
            ["leverage", "--min-confidence", "medium"], ["leverage", "--turned"], ["discretion"],
            ["discretion", "--conditions", "policy-assessment"])
PAGES = ("index.html", "summary.html", "leverage.html", "discretion.html", "map.html")


def gathered(cli, tmp_path: Path) -> dict:
    """What the golden holds: every cross-case command's JSON, two tables, the report's cross-case pages
    (the log head and the style sheet left out) and the report's file names."""
    records = [json.loads(line) for path in [*demo.case_files(), *demo.street_level_files()]
               for line in path.read_text().splitlines() if line.strip()]
    cli.ok("import", str(write_jsonl(tmp_path / "demo.jsonl", records)))
    found = {" ".join(args): cli.json(*args) for args in COMMANDS}
    for args in (["summary"], ["leverage", "--top", "0"]):
        found[" ".join(args) + " (table)"] = cli.ok(*args)
    cli.ok("report", "--out", str(tmp_path / "r"))
    for name in PAGES:
        text = re.sub(r"<style>.*?</style>", "", (tmp_path / "r" / name).read_text(), flags=re.S)
        text = re.sub(r"head [0-9a-f:]+\w*", "head HEAD", text)
        found["report/" + name] = re.sub(r"--head [^<]+<", "--head HEAD<", text)
    found["report/files"] = sorted(str(p.relative_to(tmp_path / "r")) for p in (tmp_path / "r").rglob("*"))
    return found


def test_the_streamed_commands_give_what_the_all_at_once_ones_gave_on_the_demo(cli, tmp_path):
    golden = json.loads(GOLDEN.read_text())
    found = gathered(cli, tmp_path)
    assert list(found) == list(golden)
    for name in golden:
        assert found[name] == golden[name], name
    assert found["summary"]["vignettes"] == 16 and "One condition at a time" in found["report/discretion.html"]


def tracking(monkeypatch, module, name: str):
    """`module.name` (a function making case analyses) watched: (how many it made, the most alive at once)."""
    tracked: list[weakref.ref] = []
    most = [0]
    made = getattr(module, name)

    def counted(*args, **kwargs):
        analysis = made(*args, **kwargs)
        tracked.append(weakref.ref(analysis))
        most[0] = max(most[0], sum(ref() is not None for ref in tracked))
        return analysis

    monkeypatch.setattr(module, name, counted)
    return lambda: (len(tracked), most[0])


@pytest.fixture
def alive(monkeypatch):
    """The most case analyses alive at once while the tables are read back: each one read is tracked."""
    return tracking(monkeypatch, reader_module, "assemble")


@pytest.mark.parametrize("args", [["summary", "--json"], ["leverage", "--json"], ["discretion", "--json"],
                                  ["render", "--map", "--format", "dot", "--out", "{tmp}/d"],
                                  ["report", "--out", "{tmp}/r"]])
def test_a_command_over_every_case_holds_one_case_at_a_time(cli, tmp_path, alive, args):
    text = json.dumps(FIGURES["fig1"])
    cases = [record for number in range(12) for record in json.loads(text.replace('"fig1', f'"fig1-{number}'))]
    cli.ok("import", str(write_jsonl(tmp_path / "many.jsonl", cases)))
    cli.ok("rebuild")
    cli.ok(*(arg.replace("{tmp}", str(tmp_path)) for arg in args))
    read, most = alive()
    assert read == 12 and most <= 3, (read, most)  # all twelve at once before the counters were folded


def test_the_agreement_of_two_coders_holds_one_case_at_a_time(cli, tmp_path, monkeypatch):
    """The report's agreement page (and `agree`) compare each double-coded case and let it go."""
    import pathways.projections.timetravel as timetravel

    from .coders_case import double_coded

    made = tracking(monkeypatch, timetravel, "analyse_case")
    cli.ok("import", str(write_jsonl(tmp_path / "dc.jsonl", [e for n in range(8) for e in double_coded(f"dc-{n}")])))
    assert len(cli.json("agree", "--coders", "coder-a,coder-b")["cases"]) == 8
    count, most = made()
    assert count == 16 and most <= 4, (count, most)  # a pair and the next; all 16 before
