"""Cross-case questions (issue 16): leverage, loop openers, confidence, undetermined change, causes first."""

from __future__ import annotations

import pytest

from .conftest import write_jsonl
from .figures import FIGURES, contact, link, state


@pytest.fixture
def figures(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", [r for case in FIGURES.values() for r in case])))
    return cli


def test_leverage_on_the_figure_cases_worked_out_by_hand(figures):
    # The six loops: fig1 D1 effort-opposition (unf), fig2 R1 pressure-resentment (unf), fig3 R1
    # effort-encouragement (fav) and D1 discrepancy-effort-integration (coded links only, fav), fig4 R1
    # pressure-financial-security-compliance and R2 pressure-resentment-compliance (both unf).
    result = figures.json("leverage")
    variables = {row["variable"]: row for row in result["variables"]}
    assert variables["pressure"] == {"variable": "pressure", "loops": 3, "unfavourable": 3, "favourable": 0, "cases": 2}
    assert variables["compliance"] == {"variable": "compliance", "loops": 2, "unfavourable": 2, "favourable": 0,
                                       "cases": 1}
    assert variables["effort"] == {"variable": "effort", "loops": 3, "unfavourable": 1, "favourable": 2, "cases": 2}
    # pressure has 3 unfavourable; compliance and resentment 2 each in 2 loops: the name decides
    assert [row["variable"] for row in result["variables"]][:3] == ["pressure", "compliance", "resentment"]
    kinds = {(row["kind"], row["actor"]): row for row in result["kinds"]}
    # fig4#2 permit-revocation (ind) is evidence of R1 and R2 and opens both; fig4#7 lawsuit (ind) is on both.
    assert kinds[("permit-revocation", "ind")] == {"kind": "permit-revocation", "actor": "ind", "loops": 2,
                                                    "unfavourable": 2, "opened": 2, "opened_unfavourable": 2}
    # fig2#2 the absence opens fig2's loop; the obligation letter is on it.
    assert kinds[("no-contact", "municipality")]["opened_unfavourable"] == 1
    assert kinds[("obligation-letter", "municipality")]["opened"] == 0
    assert kinds[("coaching", "education-centre")] == {"kind": "coaching", "actor": "education-centre", "loops": 1,
                                                        "unfavourable": 0, "opened": 1, "opened_unfavourable": 0}
    assert set(result) == {"variables", "kinds"}
    shown = figures.ok("leverage")
    assert "variables on most loops" in shown and "permit-revocation" in shown


def test_summary_carries_the_top_of_the_ranking(figures):
    summary = figures.json("summary")
    assert len(summary["leverage"]["variables"]) == 5
    assert summary["leverage"]["variables"][0]["variable"] == "pressure"
    assert "contact kinds on loops" in figures.ok("summary")


def test_opened_by_is_the_earliest_contact_among_the_evidence_not_the_closing_event(figures):
    loops = {(loop["case"], loop["id"]): loop for loop in figures.json("loops")}
    fig1 = loops[("fig1", "D1")]
    assert fig1["opened_by"] == "fig1#3" and fig1["closing_event"] == "fig1#4"  # #2 is a state, not a contact
    assert loops[("fig2", "R1")]["opened_by"] == "fig2#2"  # an absence of contact opens it
    assert loops[("fig3", "D1")]["opened_by"] == "fig3#8"  # the grant: the one contact among its evidence


def test_a_loop_of_coded_links_only_has_no_opener(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "l.jsonl", [
        FIGURES["fig1"][0], link("fig1", "effort", "opposition", "+"), link("fig1", "opposition", "effort", "-")])))
    assert cli.json("loops")[0]["opened_by"] is None


def test_confidence_is_the_weakest_coded_link(cli, tmp_path):
    records = [r for r in FIGURES["fig3"] if r["type"] != "LinkCoded"]
    records[1:1] = [link("fig3", "integration", "discrepancy", "-"), link("fig3", "discrepancy", "effort", "+"),
                    link("fig3", "effort", "integration", "+")]
    records[1]["data"]["confidence"] = "high"
    records[2]["data"]["confidence"] = 0.2
    records[3]["data"]["confidence"] = "medium"
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", records)))
    loops = {loop["variables"][0] + ">" + loop["variables"][1]: loop for loop in cli.json("loops")}
    assert loops["discrepancy>effort"]["confidence"] == 0.2  # the lowest, as coded (a number in the lowest third)
    assert loops["effort>encouragement"]["confidence"] == "high"  # uses no coded link
    assert [row["variable"] for row in cli.json("leverage", "--min-confidence", "medium")["variables"]] == [
        "effort", "encouragement"]
    assert cli.run("leverage", "--min-confidence", "sure").exit_code == 2
    graphml = cli.ok("export", "--format", "graphml")
    assert "D1=0.2" in graphml and 'key="confidence">0.2<' in graphml
    cli.ok("render", "fig3", "--kind", "loops", "--format", "dot", "--out", str(tmp_path / "d"))
    assert "style=dotted" in (tmp_path / "d" / "fig3-loops.dot").read_text()  # the weak link, drawn so


def test_undetermined_versus_explicit_no_change(cli, tmp_path):
    without = [r for r in FIGURES["fig1"] if not (r["type"] == "StateObserved" and r["data"]["variable"] == "integration")]
    cli.ok("import", str(write_jsonl(tmp_path / "a.jsonl", without)))
    assert cli.json("loops", "fig1")[0]["change"] == "undetermined"
    reading = cli.json("show", "fig1")["readings"][0]
    assert reading["status"] == "disagrees"  # the reading states no-change; nothing in the log says so
    cli.ok("add", "state", "fig1", "--variable", "integration", "--direction", "none", "--occurred", "2012",
           "--quote", "nothing changed for me", "--source", "interview 2012")
    assert cli.json("loops", "fig1")[0]["change"] == "no-change"
    cli.ok("add", "loop", "fig1", "--variables", "effort,opposition", "--polarity", "dampening", "--change", "unknown")
    readings = cli.json("show", "fig1")["readings"]
    assert readings[-1]["agreement"] == {"polarity": True} and readings[-1]["status"] == "agrees"


@pytest.mark.parametrize("args, words", [
    (["add", "state", "fig1", "--variable", "trust", "--direction", "up", "--because", "#3", "--occurred", "1995-05"],
     "dated 1995-06, after this event (1995-05): causes come first"),
    (["add", "state", "fig1", "--variable", "trust", "--direction", "up", "--because", "#1"], "carries no effect"),
    (["add", "state", "fig1", "--variable", "trust", "--direction", "up", "--because", "#7"], "was retracted"),
    (["retract", "fig1", "#7", "--reason", "again"], "already retracted"),
    (["retract", "fig1", "#8", "--reason", "undo"], "is itself a retraction, and a retraction cannot be retracted"),
])
def test_causes_come_first_through_the_cli(figures, args, words):
    figures.ok("add", "contact", "fig1", "--actor", "coa", "--kind", "meeting", "--effect", "trust:up",
               "--occurred", "1997")  # 7
    figures.ok("retract", "fig1", "#7", "--reason", "coded twice")  # 8
    before = figures.log()
    result = figures.run(*args)
    assert result.exit_code == 2 and words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert figures.log() == before


def test_a_cause_dated_later_in_an_import_refuses_the_whole_file(cli, tmp_path):
    records = [FIGURES["fig1"][0], contact("fig1", "1996", "coa", "meeting", [("trust", "up")]),
               state("fig1", "1995", "effort", "up", because=["fig1#2"])]
    result = cli.run("import", str(write_jsonl(tmp_path / "late.jsonl", records)))
    assert result.exit_code == 2 and "line 3" in result.stderr and "causes come first" in result.stderr
    assert cli.log() == []


def test_dates_compare_at_the_coarser_precision(figures):
    result = figures.run("add", "state", "fig1", "--variable", "trust", "--direction", "up", "--because", "#3",
                         "--occurred", "1995")
    assert result.exit_code == 0  # 1995 is not after 1995-06
