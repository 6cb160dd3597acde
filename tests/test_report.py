"""The report as files: its pages, --force, --as-of, --account, and a pseudonymised report with nothing
that identifies a case or quotes a person."""

from __future__ import annotations

import json
import re
import stat

import pytest

from events.sealing.keyfile import key_path
from pathways import demo

from .conftest import write_jsonl
from .figures import FIGURES


@pytest.fixture
def demo_db(cli, tmp_path):
    assert cli.runner.invoke(__import__("cli").app, ["demo", "--db", str(cli.db), "--out", str(tmp_path / "d")]
                             ).exit_code == 0
    return cli


def test_the_report_has_its_pages_and_refuses_to_overwrite(demo_db, tmp_path):
    out = tmp_path / "site"
    assert "wrote 31 pages" in demo_db.ok("report", "--out", str(out))
    names = {path.relative_to(out).as_posix() for path in out.rglob("*.html")}
    assert {"index.html", "summary.html", "discretion.html", "leverage.html", "map.html",
            "cases/ir-1995.html"} <= names
    page = (out / "cases" / "ir-1995.html").read_text()
    assert "<svg" in page and "no time to waste" in page and "@media print" in page and "<script" not in page
    assert "http://" not in re.sub(r'xmlns(:\w+)?="[^"]*"|<!DOCTYPE[^>]*>', "", page)  # nothing fetched
    again = demo_db.run("report", "--out", str(out))
    assert again.exit_code == 2 and "--force" in again.stderr
    assert demo_db.run("report", "--out", str(out), "--force").exit_code == 0


def test_as_of_and_account_are_said_on_every_page(demo_db, tmp_path):
    out = tmp_path / "site"
    demo_db.ok("report", "--out", str(out), "--as-of", "2000", "--account", "migrant")
    index = (out / "index.html").read_text()
    assert "as of 2000; accounts: migrant" in index


def test_a_pseudonymised_report_identifies_no_case_and_quotes_nobody(demo_db, tmp_path):
    out = tmp_path / "shared"
    demo_db.ok("report", "--out", str(out), "--pseudonymise")
    text = " ".join(path.read_text() for path in out.rglob("*.html"))
    for case in [*demo.study_cases(), "slb-01"]:
        assert case not in text, case
    for words in ("no time to waste", "Political activist", "computer courses", "The Hague", "year assumed"):
        assert words not in text, words
    assert not re.search(r"\b(19|20)[0-9]{2}-[0-9]{2}\b", text)  # dates to the year only
    assert "pseudonymised" in text
    head = demo_db.json("head")
    for page in out.rglob("*.html"):  # hashes and positions go: no page names the log head
        shown = page.read_text()
        assert head["hash"] not in shown and "log head" not in shown and "verify --head" not in shown, page
        assert not re.search(r"\b[0-9a-f]{64}\b", shown), page
    keys = key_path(demo_db.db)
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    first = sorted(path.name for path in (out / "cases").iterdir())
    demo_db.ok("report", "--out", str(tmp_path / "again"), "--pseudonymise")
    assert sorted(path.name for path in (tmp_path / "again" / "cases").iterdir()) == first  # stable pseudonyms


def test_a_report_of_one_figure(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig1"])))
    cli.ok("report", "--out", str(tmp_path / "r"))
    assert "D1: dampening" in (tmp_path / "r" / "cases" / "fig1.html").read_text()


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "xes", "spell", "sts", "graphml", "xmile"])
def test_a_pseudonymised_export_identifies_no_case_and_quotes_nobody(demo_db, tmp_path, fmt):
    out = tmp_path / f"shared.{fmt}"
    demo_db.ok("export", "--format", fmt, "--pseudonymise", "--out", str(out))
    text = out.read_text()
    for case in [*demo.study_cases(), "slb-01"]:
        assert case not in text, case
    for words in ("no time to waste", "Political activist", "year assumed", "pathways demo coding", "thesis"):
        assert words not in text, words
    # years only (XES needs a full timestamp: the year's first day, with date:precision year)
    assert not re.search(r"\b(19|20)[0-9]{2}-(?!01-01T)[0-9]{2}", text)
    head = demo_db.json("head")  # hashes and positions go: not even the log head in a comment
    assert head["hash"] not in text and "log head" not in text and not re.search(r"\b[0-9a-f]{64}\b", text)


def test_a_pseudonymised_event_export_imports_and_keeps_the_loop_classes(demo_db, tmp_path):
    out = tmp_path / "shared.jsonl"
    demo_db.ok("export", "--format", "jsonl", "--pseudonymise", "--out", str(out))
    again = type(demo_db)(tmp_path / "shared.db")
    again.ok("import", str(out))
    def classes(cli):
        return sorted((loop["polarity"], loop["valence"], loop["change"]) for loop in cli.json("loops"))
    assert classes(again) == classes(demo_db)


def test_a_cause_cited_by_event_id_is_left_out_of_a_pseudonymised_report(cli, tmp_path):
    cause = "8f14e45f-ceea-4e7a-9b0b-1e2f3a4b5c6d"
    records = [FIGURES["fig1"][0], {**FIGURES["fig1"][1], "event_id": cause},
               {**FIGURES["fig1"][2], "data": {**FIGURES["fig1"][2]["data"], "because": [cause]}}, FIGURES["fig1"][3]]
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", records)))
    cli.ok("report", "--out", str(tmp_path / "r"), "--pseudonymise")
    text = " ".join(path.read_text() for path in (tmp_path / "r").rglob("*.html"))
    assert cause not in text and "fig1" not in text and "D1: dampening" in text


def test_refs_by_event_id_are_named_by_pseudonym_in_a_pseudonymised_event_export(cli, tmp_path):
    """An event id would link a shared file back to the log's envelopes (and so to the case id)."""
    cause = "8f14e45f-ceea-4e7a-9b0b-1e2f3a4b5c6d"
    records = [FIGURES["fig1"][0], {**FIGURES["fig1"][1], "event_id": cause},
               {**FIGURES["fig1"][2], "data": {**FIGURES["fig1"][2]["data"], "because": [cause]}}, FIGURES["fig1"][3],
               {"type": "EventRetracted", "case": "fig1", "data": {"ref": cause, "reason": "coded twice"}}]
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", records)))
    text = cli.ok("export", "--format", "jsonl", "--pseudonymise")
    shared = [json.loads(line) for line in text.splitlines()]
    assert cause not in text and "fig1" not in text and "coded twice" not in text
    alias = shared[0]["case"]
    assert shared[2]["data"]["because"] == [f"{alias}#2"] and shared[-1]["data"]["ref"] == f"{alias}#2"
    again = type(cli)(tmp_path / "again.db")
    again.ok("import", str(write_jsonl(tmp_path / "shared.jsonl", shared)))
    assert [e["type"] for e in again.log()] == [r["type"] for r in records]


def test_the_report_reads_as_a_working_document(demo_db, tmp_path):
    """The discretion page holds numbers; vignettes come after the cases; no empty loop figure; one sign notation."""
    out = tmp_path / "site"
    demo_db.ok("report", "--out", str(out))
    discretion = (out / "discretion.html").read_text()
    assert "One condition at a time" in discretion
    numbers = re.findall(r"<tr>(?:<td>[●○]</td>)+<td class=\"n\">(\d+)</td><td class=\"n\">(\d+)</td>", discretion)
    assert any(int(n) > 0 for n, _ in numbers)  # a row with contacts in it, as the terminal prints
    index = (out / "index.html").read_text()
    cases, vignettes = index.index("<h2>Study cases (10)</h2>"), index.index("<h2>Street-level vignettes (16)</h2>")
    assert cases < vignettes
    assert "ma-2009.html" in index[cases:vignettes] and "slb-01.html" in index[vignettes:]
    assert "Origin XX means" in index
    for page in (out / "cases").glob("*.html"):
        text = page.read_text()
        assert ": 0 loops" not in text, page.name
        assert "+&gt;" not in text and " -&gt; " not in text, page.name
        for href in re.findall(r'<a href="([^"]+\.svg)">', text):
            assert (out / "cases" / href).exists()
    assert not (out / "cases" / "slb-01-loops.svg").exists() and (out / "cases" / "ma-2009-loops.svg").exists()
    summary = (out / "summary.html").read_text()
    assert "<th>motive</th>" in summary and "<th>group</th>" not in summary


def test_the_regime_is_kept_on_one_line(demo_db, tmp_path):
    out = tmp_path / "site"
    demo_db.ok("report", "--out", str(out))
    page = (out / "cases" / "ma-2009.html").read_text()
    assert '<span class="nw">civic-integration-2007</span>' in page and ".nw { white-space: nowrap; }" in page


def test_inline_diagrams_are_drawn_larger_than_their_files(demo_db, tmp_path):
    out = tmp_path / "site"
    demo_db.ok("report", "--out", str(out))
    page = (out / "cases" / "ma-2009.html").read_text()
    inline = re.search(r'<a href="ma-2009-loops.svg"><svg width="([\d.]+)pt" height="([\d.]+)pt"', page)
    alone = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', (out / "cases" / "ma-2009-loops.svg").read_text())
    assert inline and alone
    assert float(inline[1]) == pytest.approx(float(alone[1]) * 1.2, abs=0.01)
    assert float(inline[2]) == pytest.approx(float(alone[2]) * 1.2, abs=0.01)


def test_the_pathway_table_scrolls_inside_itself_on_a_phone(demo_db, tmp_path):
    out = tmp_path / "site"
    demo_db.ok("report", "--out", str(out))
    page = (out / "cases" / "ma-2009.html").read_text()
    assert '<div class="scroll"><table class="wide">' in page and "table.wide { min-width: 52rem; }" in page
