"""Issue 30, provenance: who asserts each link of a loop, and the loops stitched from several accounts."""

from __future__ import annotations

import pytest

from .conftest import write_jsonl


def _event(type_, version, occurred, data, coder="coder-a"):
    return {"type": type_, "case": "st", "occurred": occurred, "recorded_by": coder, "data": data}


def stitched_case():
    """effort/trust: the caseworker tells effort -> trust (#3 cites #2), the migrant trust -> effort (#4 cites
    #3); effort/language: the migrant tells both links (#5 cites #2, #6 cites #5)."""
    return [
        {"type": "CaseOpened", "case": "st", "recorded_by": "coder-a",
         "data": {"origin": "IR", "motive": "asylum", "arrival": "1995"}},
        _event("StateObserved", 2, "1996", {"variable": "effort", "direction": "up", "source": "interview 1"}),
        _event("ContactRecorded", 3, "1997", {"actor": "municipality", "kind": "meeting", "account": "caseworker",
                                              "effects": [{"variable": "trust", "direction": "up"}],
                                              "because": ["st#2"], "source": "caseworker interview"}),
        _event("StateObserved", 4, "1998", {"variable": "effort", "direction": "up", "because": ["st#3"],
                                            "source": "interview 1"}),
        _event("ContactRecorded", 5, "1999", {"actor": "education-centre", "kind": "course",
                                              "effects": [{"variable": "language", "direction": "up"}],
                                              "because": ["st#2"], "source": "interview 1"}),
        _event("StateObserved", 6, "2000", {"variable": "effort", "direction": "up", "because": ["st#5"],
                                            "source": "interview 2"}, coder="coder-b"),
    ]


@pytest.fixture
def told(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "st.jsonl", stitched_case())))
    return cli


def _by_cycle(loops):
    return {tuple(loop["variables"]): loop for loop in loops}


def test_a_loop_told_by_two_accounts_is_stitched_and_one_told_whole_is_not(told):
    loops = _by_cycle(told.json("loops", "st"))
    trust = loops[("effort", "trust")]
    assert trust["stitched"] is True and trust["accounts"] == ["caseworker", "migrant"]
    assert trust["coders"] == ["coder-a"] and trust["sources"] == ["caseworker interview", "interview 1"]
    language = loops[("effort", "language")]
    assert language["stitched"] is False and language["accounts"] == ["migrant"]
    assert language["coders"] == ["coder-a", "coder-b"]  # #6 was coded by coder-b
    links = {(link["from"], link["to"]): link for link in trust["links"]}
    assert links[("effort", "trust")] == {
        "from": "effort", "to": "trust", "sign": "+", "accounts": ["caseworker"], "coders": ["coder-a"],
        "sources": ["caseworker interview"],
        "citations": [{"ref": "st#3", "account": "caseworker", "coder": "coder-a", "source": "caseworker interview",
                       "sign": "+"}]}
    assert links[("trust", "effort")]["citations"] == [
        {"ref": "st#4", "account": "migrant", "coder": "coder-a", "source": "interview 1", "sign": "+"}]


def test_provenance_reads_back_from_the_tables_as_computed_in_memory(told):
    stored = told.json("loops", "st")  # from the projection tables
    computed = told.json("loops", "st", "--as-of", "2030")  # computed in memory from the log
    assert stored == computed
    assert told.json("show", "st")["loops"] == stored_loops_without_completeness(stored)


def stored_loops_without_completeness(loops):
    return [{key: value for key, value in loop.items() if key != "loops_complete"} for loop in loops]


def test_show_gives_each_edge_its_provenance_and_the_table_marks_the_stitched_loop(told):
    edges = {(edge["source"], edge["target"]): edge for edge in told.json("show", "st")["edges"]}
    assert edges[("effort", "trust")]["accounts"] == ["caseworker"]
    assert edges[("language", "effort")]["coders"] == ["coder-b"]
    shown = told.ok("show", "st")
    assert "(stitched)" in shown and "told by" in shown
    assert "R1 is stitched from the caseworker and migrant accounts (effort ─+→ trust: caseworker; trust ─+→ " \
           "effort: migrant)" in " ".join(shown.split())


def test_unstitched_counts_only_the_loops_one_account_tells_whole(told):
    assert told.json("summary")["loops"] == 2
    limited = told.json("summary", "--unstitched")
    assert limited["loops"] == 1 and limited["unstitched_only"] is True
    variables = {row["variable"] for row in told.json("leverage", "--unstitched")["variables"]}
    assert variables == {"effort", "language"}
    assert "trust" in {row["variable"] for row in told.json("leverage")["variables"]}


def test_the_report_marks_a_stitched_loop_and_names_the_accounts_it_joins(told, tmp_path):
    told.ok("report", "--out", str(tmp_path / "r"))
    page = (tmp_path / "r" / "cases" / "st.html").read_text()
    assert "<strong>Stitched</strong>: it joins the caseworker and migrant accounts" in page
    assert "Told whole by the migrant account" in page
    assert "R1 is stitched from the caseworker and migrant accounts (effort ─+→ trust: caseworker" in page
    assert "1 cases, 2 loops" in (tmp_path / "r" / "index.html").read_text()
    told.ok("report", "--out", str(tmp_path / "u"), "--unstitched")
    limited = (tmp_path / "u" / "index.html").read_text()
    assert "1 cases, 1 loops" in limited and "only the loops one account tells whole" in limited


def test_the_loop_diagram_labels_a_stitched_loop(told, tmp_path):
    told.ok("render", "st", "--kind", "loops", "--format", "dot", "--out", str(tmp_path / "d"))
    dot = (tmp_path / "d" / "st-loops.dot").read_text()
    assert 'label="R1*"' in dot and "stitched from caseworker + migrant" in dot
    assert 'label=R2 ' in dot and "told by migrant" in dot
    assert "stitched: no one account tells every link" in dot  # the legend explains the mark


def test_a_pseudonymised_report_names_no_source_or_coder(told, tmp_path):
    told.ok("report", "--out", str(tmp_path / "p"), "--pseudonymise")
    pages = " ".join(path.read_text() for path in (tmp_path / "p").rglob("*.html"))
    assert "caseworker interview" not in pages and "coder-a" not in pages


def test_who_coded_the_opposite_sign_does_not_tell_the_link(cli, tmp_path):
    """coder-b coded trust -> stress '+' (1999), coder-a '-' (2001): the link stands '-', and only coder-a
    tells it; each citation names the sign it asserts."""
    events = [{"type": "CaseOpened", "case": "sg", "recorded_by": "coder-a",
               "data": {"origin": "IR", "motive": "asylum", "arrival": "1995"}},
              {"type": "LinkCoded", "case": "sg", "occurred": "1999", "recorded_by": "coder-b",
               "data": {"from": "trust", "to": "stress", "sign": "+"}},
              {"type": "LinkCoded", "case": "sg", "occurred": "2001", "recorded_by": "coder-a",
               "data": {"from": "trust", "to": "stress", "sign": "-"}}]
    cli.ok("import", str(write_jsonl(tmp_path / "sg.jsonl", events)))
    edge = next(e for e in cli.json("show", "sg")["edges"] if (e["source"], e["target"]) == ("trust", "stress"))
    assert edge["sign"] == "-"
    assert edge["coders"] == ["coder-a"]
    assert [(c["ref"], c["coder"], c["sign"]) for c in edge["citations"]] == [
        ("sg#2", "coder-b", "+"), ("sg#3", "coder-a", "-")]
