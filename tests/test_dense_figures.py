"""A dense case is drawn in the time of its loop budget (issue 29, item 13): its diagram labels the
first loops only, draws every arrow, and says how many of how many loops it labels."""

from __future__ import annotations

import re

from pathways.outputs.render.loopstyle import LABELLED

from .test_hostile import dense_case

LOOPS = 2_365
"""The elementary cycles of 7 variables linked every way: the sum over k of C(7, k) (k - 1)!."""


def test_a_fully_linked_case_renders_to_dot_labelling_the_first_loops(cli, tmp_path):
    dense_case(cli, tmp_path, variables=7)
    cli.ok("render", "dense", "--kind", "loops", "--format", "dot", "--out", str(tmp_path / "d"))
    dot = (tmp_path / "d" / "dense-loops.dot").read_text()
    assert f"{LOOPS:,} loops (the first {LABELLED} labelled)" in dot
    assert f"the first {LABELLED} of {LOOPS:,} loops labelled; `pathways loops dense` lists every one" in dot
    assert len(re.findall(r"^\s*m_\S+ \[", dot, flags=re.M)) == LABELLED  # one label node per labelled loop
    assert len(re.findall(r'^\s*"?v_[^ ]+ -> "?v_', dot, flags=re.M)) == 42  # every link drawn


def test_the_report_of_a_fully_linked_case_is_written_and_says_what_its_figure_shows(cli, tmp_path):
    dense_case(cli, tmp_path, variables=7)
    cli.ok("report", "--out", str(tmp_path / "r"))
    page = (tmp_path / "r" / "cases" / "dense.html").read_text()
    assert f"It shows the first {LABELLED} of {LOOPS:,} loops labelled; the list below gives every loop." in page
    assert len(re.findall(r'<h3 id="', page)) == LOOPS
    svg = (tmp_path / "r" / "cases" / "dense-loops.svg").read_text()
    assert len(re.findall(r"<title>m_", svg)) == LABELLED


def test_a_case_of_few_loops_labels_every_one_and_says_nothing_of_it(cli, tmp_path):
    dense_case(cli, tmp_path, variables=3)  # 5 loops
    cli.ok("render", "dense", "--kind", "loops", "--format", "dot", "--out", str(tmp_path / "d"))
    dot = (tmp_path / "d" / "dense-loops.dot").read_text()
    assert "5 loops" in dot and "labelled" not in dot and len(re.findall(r"^\s*m_\S+ \[", dot, flags=re.M)) == 5


def test_a_case_of_more_links_than_springs_draws_every_arrow_and_the_first_labels(cli, tmp_path):
    dense_case(cli, tmp_path, variables=10)  # 90 links: laid out without the labels' springs
    result = cli.runner.invoke(__import__("cli").app, ["render", "dense", "--kind", "loops", "--format", "dot",
                                                       "--out", str(tmp_path / "d"), "--db", str(cli.db)],
                               env={"PATHWAYS_LOOP_BUDGET": "300"})
    assert result.exit_code == 0, result.output
    dot = (tmp_path / "d" / "dense-loops.dot").read_text()
    assert f"at least 300 loops (the first {LABELLED} labelled)" in dot
    assert f"the first {LABELLED} of at least 300 loops labelled" in dot
    assert len(re.findall(r'^\s*"?v_[^ ]+ -> "?v_', dot, flags=re.M)) == 90
    assert len(re.findall(r"^\s*m_\S+ \[", dot, flags=re.M)) == LABELLED
