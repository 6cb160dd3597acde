"""Loops whose polarity turns (issue 31), through the command line: the street-level story of stress and
engagement, a same-date tie, and where each is seen (loops, show, the diagram, the report, summary,
leverage)."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from .conftest import write_jsonl
from .figures import FIGURES, link, reading

STORY = Path(__file__).parent / "fixtures" / "street-level-turn.jsonl"
CYCLE = ["engagement", "stress"]


@pytest.fixture
def story(cli):
    cli.ok("import", str(STORY))
    return cli


def the_loop(loops):
    [loop] = [loop for loop in loops if loop["variables"] == CYCLE]
    return loop


def test_the_story_is_the_issues(story):
    """stress up (2013-01); two contacts (2013-02, 2013-03) with engagement up because of it; stress up
    because of the first contact's engagement (2013-04); engagement down because of that stress (2013-06)."""
    steps = story.json("show", "slb-turn")["steps"]
    assert [(step["effective"], step["effects"], step["because"]) for step in steps] == [
        ("2013-01", [["stress", "up"]], []),
        ("2013-02", [["engagement", "up"]], ["slb-turn#2"]),
        ("2013-03", [["engagement", "up"]], ["slb-turn#2"]),
        ("2013-04", [["stress", "up"]], ["slb-turn#3"]),
        ("2013-06", [["engagement", "down"]], ["slb-turn#5"])]


def test_the_loop_turned_dampening_where_the_majority_said_reinforcing(story):
    loop = the_loop(story.json("loops"))
    assert loop["polarity"] == "dampening" and loop["id"] == "D1"  # the id follows the polarity at the end
    assert loop["signs"] == ["+", "-"]  # stress -> engagement: two `+` before one `-`, the latest decides
    assert loop["polarity_history"] == [{"from": "2013-04", "polarity": "reinforcing"},
                                        {"from": "2013-06", "polarity": "dampening"}]
    assert loop["ambiguous"]  # its evidence disagrees in sign, as before


def test_as_of_before_the_turn_the_loop_is_reinforcing(story):
    loop = the_loop(story.json("loops", "--as-of", "2013-05"))
    assert (loop["id"], loop["polarity"], loop["signs"]) == ("R1", "reinforcing", ["+", "+"])
    assert loop["polarity_history"] is None  # no link had changed sign yet


def test_show_gives_each_links_dated_history_and_says_when_the_loop_turned(story):
    edges = {(edge["source"], edge["target"]): edge for edge in story.json("show", "slb-turn")["edges"]}
    turning = edges[("stress", "engagement")]
    assert turning["shifting"] and turning["sign"] == "-"
    assert turning["history"] == [{"from": "2013-02", "sign": "+"}, {"from": "2013-06", "sign": "-"}]
    assert not edges[("engagement", "stress")]["shifting"]
    text = " ".join(story.ok("show", "slb-turn").split())
    assert "D1 turned (R -> D 2013-06): reinforcing from 2013-04, dampening from 2013-06" in text
    assert "stress -> engagement: + from 2013-02, - from 2013-06" in text
    assert "dampening (R -> D 2013-06)" in " ".join(story.ok("loops").split())


@pytest.mark.parametrize("fmt", ["dot", "svg"])
def test_the_loop_diagram_names_the_turn(story, tmp_path, fmt):
    story.ok("render", "slb-turn", "--kind", "loops", "--format", fmt, "--out", str(tmp_path))
    drawn = html.unescape((tmp_path / f"slb-turn-loops.{fmt}").read_text())
    assert "+ -> - 2013-06" in drawn  # the shifting link, marked with the date it turned
    assert "R -> D 2013-06" in drawn and "D1" in drawn  # the loop's label gives its history
    story.ok("render", "slb-turn", "--kind", "loops", "--format", fmt, "--out", str(tmp_path / "then"),
             "--as-of", "2013-05")
    assert "2013-06" not in html.unescape((tmp_path / "then" / f"slb-turn-loops.{fmt}").read_text())


def test_the_report_says_when_the_loop_turned(story, tmp_path):
    story.ok("report", "--out", str(tmp_path / "site"))
    page = html.unescape((tmp_path / "site" / "cases" / "slb-turn.html").read_text())
    assert "D1: dampening (R -> D 2013-06)" in page
    assert "reinforcing from 2013-04, dampening from 2013-06" in page
    assert "D1 dampening (R -> D 2013-06)" in html.unescape((tmp_path / "site" / "index.html").read_text())
    summary = html.unescape((tmp_path / "site" / "summary.html").read_text())
    assert "Loops whose polarity turned" in summary and "reinforcing -> dampening" in summary


def test_summary_counts_the_loops_that_turned_and_turned_limits_summary_and_leverage(story, tmp_path):
    story.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig1"])))  # a loop that never turned
    result = story.json("summary")
    assert result["loops"] == 2 and result["turned"] == {"loops": 1, "by_direction": {"reinforcing -> dampening": 1}}
    assert not result["turned_only"]
    limited = story.json("summary", "--turned")
    assert limited["turned_only"] and limited["loops"] == 1 and limited["classes"] == {
        "dampening/undetermined/undetermined": 1}
    assert limited["cases"] == 2  # the cases stay; only their loops are limited
    assert "reinforcing -> dampening" in story.ok("summary")
    assert {row["variable"] for row in story.json("leverage")["variables"]} >= {"effort", "opposition", "stress"}
    assert {row["variable"] for row in story.json("leverage", "--turned")["variables"]} == {"engagement", "stress"}
    assert [row["kind"] for row in story.json("leverage", "--turned")["kinds"]] == ["counselling"]


def test_a_rebuild_reproduces_the_histories(story):
    before = story.json("loops"), story.json("show", "slb-turn")["edges"]
    story.ok("rebuild")
    assert (story.json("loops"), story.json("show", "slb-turn")["edges"]) == before


def dated_link(case, occurred, source, target, sign):
    return {**link(case, source, target, sign), "occurred": occurred}


TIE = [{"type": "CaseOpened", "case": "tie", "data": {"origin": "IR", "motive": "asylum", "arrival": "2010"}},
       dated_link("tie", "2011-05", "trust", "effort", "+"),
       dated_link("tie", "2011-05", "trust", "effort", "-"),
       dated_link("tie", "2011-05", "effort", "trust", "+"),
       {**reading("tie", ["effort", "trust"], "reinforcing", "undetermined", "no-change"), "occurred": "2011-06"}]


def test_a_same_date_tie_leaves_the_polarity_undetermined(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "tie.jsonl", TIE)))
    [loop] = cli.json("loops")
    assert (loop["id"], loop["polarity"], loop["signs"]) == ("U1", "undetermined", ["+", "?"])
    assert loop["polarity_history"] is None and loop["ambiguous"]
    edge = next(e for e in cli.json("show", "tie")["edges"] if (e["source"], e["target"]) == ("trust", "effort"))
    assert edge["sign"] == "?" and edge["history"] == [{"from": "2011-05", "sign": "?"}]
    assert cli.json("summary")["classes"] == {"undetermined/undetermined/undetermined": 1}


def test_a_reading_is_compared_only_with_a_determined_polarity(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "tie.jsonl", TIE)))
    [shown] = cli.json("show", "tie")["readings"]
    assert shown["matched"] == "U1" and "polarity" not in shown["agreement"]
    assert shown["agreement"] == {"valence": True, "change": False}  # nothing bears on integration: undetermined


def test_the_tie_is_drawn_and_printed_as_undetermined(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "tie.jsonl", TIE)))
    cli.ok("render", "tie", "--kind", "loops", "--format", "dot", "--out", str(tmp_path / "d"))
    dot = (tmp_path / "d" / "tie-loops.dot").read_text()
    assert 'headlabel="?"' in dot and "m_U1" in dot and "loop of undetermined polarity" in dot
    assert "undetermined" in cli.ok("loops")


def test_a_later_date_settles_a_tie(cli, tmp_path):
    records = [*TIE[:4], dated_link("tie", "2012", "trust", "effort", "-")]
    cli.ok("import", str(write_jsonl(tmp_path / "tie.jsonl", records)))
    [loop] = cli.json("loops")
    assert (loop["id"], loop["polarity"]) == ("D1", "dampening")
    assert loop["polarity_history"] == [{"from": "2011-05", "polarity": "undetermined"},
                                        {"from": "2012", "polarity": "dampening"}]
    assert cli.json("summary")["turned"]["by_direction"] == {"undetermined -> dampening": 1}


def test_a_pseudonymised_report_cuts_the_history_to_the_year(story, tmp_path):
    story.ok("report", "--out", str(tmp_path / "site"), "--pseudonymise")
    pages = " ".join(html.unescape(path.read_text()) for path in (tmp_path / "site").rglob("*.html"))
    assert "R -> D 2013" in pages and "2013-06" not in pages and "2013-04" not in pages
