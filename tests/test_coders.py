"""Issue 30, coders: `--by CODER[,CODER]` on every command that takes `--account`."""

from __future__ import annotations

import pytest

from .coders_case import coded, double_coded, opened
from .conftest import write_jsonl


@pytest.fixture
def two(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "dc.jsonl", double_coded())))
    return cli


def _cycles(loops):
    return sorted(tuple(loop["variables"]) for loop in loops)


def test_loops_by_each_coder_are_that_coders_loops(two):
    assert _cycles(two.json("loops", "--by", "coder-a")) == [("effort", "encouragement"), ("effort", "opposition")]
    assert _cycles(two.json("loops", "--by", "coder-b")) == [("effort", "opposition")]
    assert len(two.json("loops", "dc", "--by", "coder-a,coder-b")) == len(two.json("loops", "dc"))


def test_the_pooled_graph_calls_the_disputed_link_ambiguous_and_one_coders_does_not(two):
    pooled = {(e["source"], e["target"]): e for e in two.json("show", "dc")["edges"]}
    assert pooled[("trust", "stress")]["ambiguous"] is True
    alone = {(e["source"], e["target"]): e for e in two.json("show", "dc", "--by", "coder-a")["edges"]}
    assert alone[("trust", "stress")]["ambiguous"] is False and alone[("trust", "stress")]["sign"] == "-"
    assert ("stress", "wellbeing") not in alone


def test_the_case_opening_is_kept_whoever_recorded_it(two):
    shown = two.json("show", "dc", "--by", "coder-b")  # the opening was recorded by coder-a
    assert shown["profile"]["origin"] == "IR" and shown["profile"]["arrival"] == "1995"
    assert {step["coder"] for step in shown["steps"]} == {"coder-b"}


@pytest.mark.parametrize("command", [("show", "dc"), ("loops",), ("summary",), ("leverage",), ("discretion",),
                                     ("render", "dc", "--format", "dot"), ("report",)])
def test_a_coder_the_log_does_not_have_is_named_with_the_coders_it_has(two, tmp_path, command):
    extra = ("--out", str(tmp_path / "out")) if command[0] in ("render", "report") else ()
    result = two.run(*command, *extra, "--by", "coder-c")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: field '--by': no coder 'coder-c' in the log (the log has: coder-a, coder-b)"]
    assert not (tmp_path / "out").exists()  # nothing written


@pytest.mark.parametrize("command", [("summary",), ("leverage",), ("discretion",)])
def test_every_cross_case_command_takes_by(two, command):
    both = two.json(*command)
    assert two.json(*command, "--by", "coder-a,coder-b") == both
    assert two.json(*command, "--by", "coder-b") != both or command[0] == "discretion"


def test_render_and_report_by_one_coder_draw_that_coders_loops(two, tmp_path):
    two.ok("render", "dc", "--kind", "loops", "--format", "dot", "--out", str(tmp_path / "d"), "--by", "coder-b")
    dot = (tmp_path / "d" / "dc-loops.dot").read_text()
    assert "v_wellbeing" in dot and "Causal loop diagram of dc: 1 loop\"" in dot
    two.ok("report", "--out", str(tmp_path / "r"), "--by", "coder-b")
    index = (tmp_path / "r" / "index.html").read_text()
    assert "coders: coder-b" in index and "1 cases, 1 loops" in index


def test_summary_says_how_many_cases_have_more_than_one_coder(two, tmp_path):
    two.ok("import", str(write_jsonl(tmp_path / "one.jsonl", [opened("solo"), coded("solo", "coder-a", "effort",
                                                                                   "trust", "+")])))
    assert two.json("summary")["cases_with_several_coders"] == 1
    text = two.ok("summary")
    assert "1 case with more than one coder: `--by CODER`" in text and "pathways agree --coders A,B" in text
    assert two.json("summary", "--by", "coder-a")["cases_with_several_coders"] == 0


def test_the_report_index_points_to_by_and_agree_and_the_agreement_page(two, tmp_path):
    two.ok("report", "--out", str(tmp_path / "r"))
    index = (tmp_path / "r" / "index.html").read_text()
    assert "1 case has more than one coder" in index and "--by CODER" in index
    assert 'href="agreement.html"' in index
    page = (tmp_path / "r" / "agreement.html").read_text()
    assert "coder-a and coder-b" in page and "Krippendorff" in page
    two.ok("report", "--out", str(tmp_path / "both"), "--by", "coder-a,coder-b")  # the index still links to it
    assert 'href="agreement.html"' in (tmp_path / "both" / "index.html").read_text()
    assert (tmp_path / "both" / "agreement.html").exists()


def test_a_report_of_a_log_with_one_coder_per_case_has_no_agreement_page(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "one.jsonl", [opened("solo"), coded("solo", "coder-a", "effort",
                                                                                   "trust", "+"),
                                                              coded("solo", "coder-a", "trust", "effort", "+")])))
    cli.ok("report", "--out", str(tmp_path / "r"))
    assert not (tmp_path / "r" / "agreement.html").exists()
    assert "more than one coder" not in (tmp_path / "r" / "index.html").read_text()


def test_who_only_corrected_or_retracted_is_no_coder(two):
    two.ok("amend", "dc", "#2", "--reason", "a typo", "--by", "editor", "--confidence", "high")
    two.ok("retract", "dc", "#3", "--reason", "coded twice", "--by", "reviewer")
    result = two.run("loops", "--by", "editor")
    assert result.exit_code == 2
    assert "no coder 'editor' in the log (the log has: coder-a, coder-b)" in result.stderr
    assert two.json("agree", "--coders", "coder-a,coder-b")["single_coded"] == []
    assert two.run("agree", "--coders", "coder-a,editor").exit_code == 2
