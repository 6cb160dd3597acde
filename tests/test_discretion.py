"""The street-level question (issue 10): a truth table worked out by hand, accounts, v1 upcasting."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pathways.analysis.discretion import minimise, term

from .conftest import write_jsonl
from .figures import FIGURES

FIXTURES = Path(__file__).parent / "fixtures"
CONDITIONS = ("motivation", "distress", "policy-assessment")
PRESENT = {"motivation": "high", "distress": "high", "policy-assessment": "negative"}
ABSENT = {"motivation": "low", "distress": "low", "policy-assessment": "positive"}


def opened(case: str) -> dict:
    return {"type": "CaseOpened", "case": case, "data": {"origin": "XX", "motive": "other"}}


def contact(case: str, discretion: str | None, present: str, role: str = "integration-teacher", **extra) -> dict:
    """A contact whose conditions are present where `present` has a 1 (e.g. "110"); '-' leaves one out."""
    conditions = {name: (PRESENT if bit == "1" else ABSENT)[name] for name, bit in zip(CONDITIONS, present)
                  if bit != "-"}
    data = {"actor": "education-centre", "kind": "course", "role": role, "conditions": conditions, **extra}
    if discretion:
        data["discretion"] = discretion
    return {"type": "ContactRecorded", "case": case, "occurred": "2013", "data": data}


# The hand-made set. Per configuration (motivation, distress, policy-assessment):
#   111: 4 contacts, 3 bending or breaking      -> consistency 0.75: not sufficient at 0.8
#   110: 2 contacts, 2 bending or breaking      -> 1.0, sufficient
#   101: 1 contact, 1 breaking                  -> 1.0, sufficient
#   000: 2 contacts, 0                          -> 0.0
#   plus: 1 without discretion (uncoded), 1 missing distress (incomplete), 1 retracted (left out)
# Outcome contacts in the table: 3 + 2 + 1 = 6, so the claim's coverage is 3/6 = 0.5.
# Sufficient rows 110 and 101 minimise to motivation*distress*~policy-assessment + motivation*~distress*policy-assessment
# (they differ in two places: no merge).
HAND = [
    opened("h"),
    contact("h", "bending", "111"), contact("h", "breaking", "111"), contact("h", "bending", "111"),
    contact("h", "extra-mile", "111", role="client-manager"),
    contact("h", "bending", "110"), contact("h", "breaking", "110", role="client-manager"),
    contact("h", "breaking", "101"),
    contact("h", "by-the-rules", "000"), contact("h", "distancing", "000"),
    contact("h", None, "111"),
    contact("h", "bending", "1-1"),
    contact("h", "breaking", "000"),
    {"type": "EventRetracted", "case": "h", "data": {"ref": "h#13", "reason": "miscoded"}},
]


@pytest.fixture
def hand(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "hand.jsonl", HAND)))
    return cli


def test_the_truth_table_of_a_hand_made_set(hand):
    result = hand.json("discretion")
    assert result["outcome"] == ["bending", "breaking"] and result["conditions"] == list(CONDITIONS)
    assert result["present"] == PRESENT and result["cut"] == 0.8
    rows = {"".join(str(row["config"][name]) for name in CONDITIONS): row for row in result["rows"]}
    assert {key: (row["contacts"], row["outcome"], row["consistency"], row["sufficient"]) for key, row in rows.items()} == {
        "111": (4, 3, 0.75, False), "110": (2, 2, 1.0, True), "101": (1, 1, 1.0, True), "000": (2, 0, 0.0, False)}
    assert rows["101"]["refs"] == ["h#8"]
    assert result["uncoded"] == 1 and result["incomplete"] == 1  # the retracted contact is in neither, nor a row
    assert result["claim"] == {"consistency": 0.75, "coverage": 0.5}
    assert result["solution"] == ["motivation*distress*~policy-assessment", "motivation*~distress*policy-assessment"]
    assert set(result) == {"outcome", "conditions", "present", "cut", "rows", "uncoded", "incomplete", "claim",
                           "solution", "by_role"}
    managers = result["by_role"]["client-manager"]
    assert [(r["contacts"], r["outcome"]) for r in managers["rows"]] == [(1, 1), (1, 0)]
    assert managers["claim"] == {"consistency": 0.0, "coverage": 0.0}


def test_cut_min_n_and_outcome_change_the_reading(hand):
    # at 0.75, 111, 110 and 101 are sufficient: 11- and 1-1 cover them
    assert hand.json("discretion", "--cut", "0.75")["solution"] == ["motivation*distress", "motivation*policy-assessment"]
    assert hand.json("discretion", "--min-n", "2")["solution"] == ["motivation*distress*~policy-assessment"]
    wider = hand.json("discretion", "--outcome", "extra-mile,bending,breaking")
    assert wider["claim"] == {"consistency": 1.0, "coverage": 4 / 7}
    result = hand.run("discretion", "--outcome", "kindness")
    assert result.exit_code == 2 and "not a discretion value" in result.stderr


def test_the_rich_table_reads_at_a_glance(hand):
    shown = hand.ok("discretion")
    assert "●" in shown and "○" in shown and "consistency 0.75, coverage 0.50" in shown
    assert "role: client-manager" in shown


def test_a_project_defined_condition(hand, tmp_path):
    hand.ok("catalogue", "add", "condition", "self-reliance", "--values", "high,low", "--present", "low")
    result = hand.json("discretion")
    assert result["conditions"] == [*CONDITIONS, "self-reliance"] and result["rows"] == []  # none coded it yet
    hand.ok("add", "contact", "h", "--actor", "coa", "--kind", "meeting", "--discretion", "bending",
            "--condition", "self-reliance=low", "--occurred", "2013", "--account", "caseworker")
    picked = hand.json("discretion", "--conditions", "self-reliance")
    assert [(row["config"], row["contacts"], row["outcome"]) for row in picked["rows"]] == [({"self-reliance": 1}, 1, 1)]
    bad = hand.run("add", "contact", "h", "--actor", "coa", "--kind", "meeting", "--condition", "self-reliance=some")
    assert bad.exit_code == 2 and "use one of: high, low" in bad.stderr
    unknown = hand.run("add", "contact", "h", "--actor", "coa", "--kind", "meeting", "--condition", "luck=high")
    assert unknown.exit_code == 2 and "unknown condition 'luck'" in unknown.stderr and "self-reliance" in unknown.stderr


@pytest.mark.parametrize("implicants, configs", [
    ([(1, 1, None)], {(1, 1, 1), (1, 1, 0)}),
    ([(1, None, None)], {(1, 1, 1), (1, 1, 0), (1, 0, 1), (1, 0, 0)}),
    ([(0, 0, 0), (1, 1, 1)], {(1, 1, 1), (0, 0, 0)}),
    ([(None, 1, 1), (1, None, 1)], {(1, 1, 1), (0, 1, 1), (1, 0, 1)}),
    ([], set()),
])
def test_quine_mccluskey(implicants, configs):
    assert sorted(minimise(configs), key=str) == sorted(implicants, key=str)


def test_terms_read_as_qca_writes_them():
    assert term((1, None, 0), CONDITIONS) == "motivation*~policy-assessment"
    assert term((None, None, None), CONDITIONS) == "1"


SPLIT = [
    opened("s"),
    {"type": "StateObserved", "case": "s", "occurred": "2010", "data": {"variable": "effort", "direction": "up"}},
    {"type": "ContactRecorded", "case": "s", "occurred": "2011", "data": {
        "actor": "municipality", "kind": "meeting", "effects": [{"variable": "pressure", "direction": "up"}],
        "because": ["s#2"]}},
    {"type": "StateObserved", "case": "s", "occurred": "2012", "data": {
        "variable": "effort", "direction": "down", "because": ["s#3"]}},
    {"type": "ContactRecorded", "case": "s", "occurred": "2011", "data": {
        "actor": "municipality", "kind": "meeting", "role": "client-manager", "account": "caseworker",
        "effects": [{"variable": "encouragement", "direction": "up"}], "because": ["s#2"]}},
    {"type": "StateObserved", "case": "s", "occurred": "2012", "data": {
        "variable": "effort", "direction": "up", "because": ["s#5"], "account": "caseworker"}},
]


def test_account_splits_one_case_into_two_loop_sets(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "s.jsonl", SPLIT)))
    def cycles(*args):
        return sorted(tuple(loop["variables"]) for loop in cli.json("loops", "s", *args))
    assert cycles("--account", "migrant") == [("effort", "pressure")]
    assert cycles("--account", "caseworker") == []  # the caseworker's events cite the migrant's, which are left out
    assert cycles("--account", "migrant,caseworker") == cycles() == [("effort", "encouragement"), ("effort", "pressure")]
    steps = cli.json("show", "s")["steps"]
    assert [(step["ref"], step["account"]) for step in steps] == [  # in pathway order: by date, then version
        ("s#2", "migrant"), ("s#3", "migrant"), ("s#5", "caseworker"), ("s#4", "migrant"), ("s#6", "caseworker")]
    assert "caseworker" in cli.ok("show", "s")
    bad = cli.run("loops", "--account", "neighbour")
    assert bad.exit_code == 2 and "not an account" in bad.stderr


def test_show_gives_discretion_and_conditions(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "hand.jsonl", HAND[:3])))
    step = cli.json("show", "h")["steps"][0]
    assert step["discretion"] == "bending" and dict(step["conditions"]) == PRESENT
    shown = cli.ok("show", "h")
    assert "discretion" in shown and "bending" in shown and "motivation=" in shown


def test_a_v1_database_opens_and_analyses_unchanged(tmp_path, cli):
    path = tmp_path / "v1.db"
    shutil.copy(FIXTURES / "v1.db", path)
    cli.db = path
    assert cli.ok("verify").startswith("ok")
    stored = cli.log()
    assert {record["schema_version"] for record in stored} == {1}  # read as stored...
    steps = cli.json("show", "ir-1995")["steps"]
    assert {(step["type"] in ("LinkCoded", "LoopCoded"), step["account"]) for step in steps} == {
        (False, "migrant"), (True, "researcher")}  # ...and read through the upcasters with DESIGN's defaults
    expected = json.loads((FIXTURES / "v1-loops.json").read_text())
    loops = cli.json("loops")
    keep = ("case", "id", "variables", "signs", "polarity", "valence", "closing_event", "archetypes", "evidence")
    assert [{k: loop[k] for k in keep} for loop in loops] == [{k: loop[k] for k in keep} for loop in expected]
    for old, new in zip(expected, loops):  # v1 coded no explicit `integration: none`
        assert new["change"] == old["change"] or (old["change"] == "no-change" and new["change"] == "undetermined")
    export = tmp_path / "v1.jsonl"
    cli.ok("export", "--format", "jsonl", "--out", str(export))
    again = type(cli)(tmp_path / "again.db")
    again.ok("init", "--open")  # the same hashes need the same stored text: an open log, like the v1 one
    again.ok("import", str(export))
    assert [r["hash"] for r in again.log()] == [r["hash"] for r in stored]
    assert cli.log() == stored  # the v1 events themselves are untouched


def test_xes_carries_discretion_and_conditions(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "hand.jsonl", HAND[:3])))
    xes = cli.ok("export", "--format", "xes")
    assert 'key="discretion" value="bending"' in xes and 'key="condition:motivation" value="high"' in xes
    assert 'key="account" value="migrant"' in xes


def test_the_pathway_diagram_marks_discretion_beyond_the_rules(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # the embedded renderer
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig3"])))  # fig3#6: extra-mile coaching
    cli.ok("render", "fig3", "--kind", "pathway", "--out", str(tmp_path / "d"))
    svg = (tmp_path / "d" / "fig3-pathway.svg").read_text()
    text = " ".join(__import__("xml.etree.ElementTree", fromlist=["fromstring"]).fromstring(svg).itertext())
    assert "* beyond the rules:" in text and "extra-mile" in text  # the mark, its word whole
    assert "went beyond the rules" in text  # and the legend
    assert 'stroke="#6a1b9a"' in svg
