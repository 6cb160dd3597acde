"""Exports, each read back by a real client: our importer, PM4Py, csv, networkx, an XML parser."""

import csv
import io
import json
import warnings
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings

from events.ingest.readers import to_new_event
from events.store import EventStore
from pathways import demo
from pathways.outputs.exchange import export
from pathways.outputs.exchange.sequences import ALPHABET, yearly_states
from pathways.analysis.pathway import Settings
from pathways.projections.runner import Projector

from .conftest import Cli, write_jsonl
from .figures import FIGURES, contact, state
from .strategies import logs


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("x") / "demo.db"
    with EventStore(path) as store:
        store.append(demo.events())
    return path


def exported(db, fmt, **kwargs) -> str:
    out = io.StringIO()
    with EventStore(db) as store:
        export(store, Settings(), fmt, out, **kwargs)
    return out.getvalue()


def _without_hashes(text: str, fmt: str) -> list:
    """A sealed log re-imported stores new ciphertext, so new hashes: everything else must be equal."""
    import csv
    import io

    if fmt == "jsonl":
        return [{k: v for k, v in json.loads(line).items() if k not in ("prev_hash", "hash")}
                for line in text.splitlines()]
    rows = list(csv.reader(io.StringIO(text)))
    keep = [i for i, name in enumerate(rows[0]) if name not in ("prev_hash", "hash")]
    return [[row[i] for i in keep] for row in rows]


@pytest.mark.parametrize("sealed", [False, True], ids=["open", "sealed"])
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=logs(max_cases=3, max_steps=8))
def test_export_import_export_round_trips(tmp_path_factory, fmt, sealed, records):
    folder = tmp_path_factory.mktemp("rt")
    with EventStore(folder / "a.db", seal=sealed) as first:
        first.append(to_new_event(record) for record in records)
    text = exported(folder / "a.db", fmt)
    (folder / f"log.{fmt}").write_text(text)
    second = Cli(folder / "b.db")
    second.ok("init", *([] if sealed else ["--open"]))
    second.ok("import", str(folder / f"log.{fmt}"))
    again = exported(folder / "b.db", fmt)
    if sealed:
        assert _without_hashes(again, fmt) == _without_hashes(text, fmt)
    else:
        assert again == text  # an open log keeps every hash


def test_xes_reads_back_in_pm4py(demo_db, tmp_path):
    import pm4py

    path = tmp_path / "log.xes"
    path.write_text(exported(demo_db, "xes"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = pm4py.read_xes(str(path))
    with EventStore(demo_db) as store:
        analyses = {a.case: a for a in Projector(store).load_all()}
    assert set(frame["case:concept:name"]) == set(analyses)
    for case, analysis in analyses.items():
        expected = [s for s in analysis.pathway.steps if s.type in ("ContactRecorded", "ContactAbsent")]
        rows = frame[frame["case:concept:name"] == case]
        assert sorted(rows["ref"]) == sorted(s.ref for s in expected)
    coach = frame[frame["ref"] == "ma-2009#5"].iloc[0]
    assert (coach["concept:name"], coach["org:resource"], coach["org:role"]) == (
        "coaching", "municipality", "integration-coach")
    assert (coach["phase"], coach["regime"], coach["perceived"], coach["date:precision"]) == (
        "reset", "civic-integration-2007", "favourable", "year")
    assert str(coach["time:timestamp"]).startswith("2009-01-01")
    assert set(frame[frame["case:concept:name"] == "tr-guestworker"]["concept:name"]) == {
        "no-contact", "obligation-letter"}


def _sequence_db(tmp_path):
    records = [{"type": "CaseOpened", "case": "q", "data": {"origin": "TR", "motive": "family", "arrival": "2000"}},
               contact("q", "1999", "embassy", "exam-abroad", [], "unfavourable"),
               contact("q", "2000-03", "coa", "counselling", [], "favourable"),
               contact("q", "2000-09", "coa", "meeting", [], "unfavourable"),
               {"type": "ContactAbsent", "case": "q", "data": {"from": "2002", "to": "2004", "actor": "municipality"}},
               contact("q", "2006", "ind", "permit-decision", [], "favourable"),
               state("q", "2007", "trust", "up")]
    with EventStore(tmp_path / "q.db") as store:
        store.append(to_new_event(record) for record in records)
    return tmp_path / "q.db"


def test_yearly_states_follow_the_alphabet(tmp_path):
    with EventStore(_sequence_db(tmp_path)) as store:
        projector = Projector(store)
        projector.catch_up()
        analysis = projector.load("q")
    assert yearly_states(analysis) == ["MIX", "NON", "ABS", "ABS", "ABS", "NON", "FAV", "NON"]


def test_spell_and_sts_describe_the_same_sequences(demo_db):
    spells = list(csv.DictReader(io.StringIO(exported(demo_db, "spell"))))
    table = list(csv.DictReader(io.StringIO(exported(demo_db, "sts"))))
    assert {row["state"] for row in spells} <= set(ALPHABET)
    for row in table:
        expanded = []
        for spell in (s for s in spells if s["case"] == row["case"]):
            expanded += [spell["state"]] * (int(spell["end"]) - int(spell["begin"]) + 1)
        states = [value for key, value in row.items() if key != "case" and value != "NA"]
        assert states == expanded


def _graphml(db, tmp_path, *args: str):
    """`pathways export --format graphml ARGS --out FILE` read by networkx as a user would."""
    import networkx as nx

    out = tmp_path / f"g{len(list(tmp_path.iterdir()))}.graphml"
    assert Cli(db).ok("export", "--format", "graphml", *args, "--out", str(out)) == ""
    return nx.read_graphml(out), out.read_text()


def test_graphml_of_every_case_reads_whole_in_networkx(demo_db, tmp_path):
    """networkx (and Gephi) take the first <graph> of a file only: every case is one part of one graph,
    each node and edge naming its case."""
    graph, text = _graphml(demo_db, tmp_path)
    assert text.count("<graph ") == 1
    with EventStore(demo_db) as store:
        analyses = [analysis for analysis in Projector(store).load_all() if analysis.graph.edges]  # vignettes: none
    assert {case for _, case in graph.nodes(data="case")} == {analysis.case for analysis in analyses}
    assert graph.number_of_edges() == sum(len(analysis.graph.edges) for analysis in analyses)
    for analysis in analyses:
        part = graph.subgraph(node for node, case in graph.nodes(data="case") if case == analysis.case)
        edges = {(part.nodes[a]["variable"], part.nodes[b]["variable"]): data for a, b, data in part.edges(data=True)}
        assert set(edges) == {(e.source, e.target) for e in analysis.graph.edges}
        for edge in analysis.graph.edges:
            data = edges[edge.source, edge.target]
            assert data["case"] == analysis.case and data["sign"] == edge.sign_text
            assert data["evidence_count"] == len(edge.evidence) and data["ambiguous"] == edge.ambiguous
        loops_seen = {loop for _, _, data in part.edges(data=True) for loop in data.get("loops", "").split()}
        assert loops_seen == {loop.id for loop in analysis.loops}
        assert all(f"{analysis.case}:{loop.id}=" in graph.graph["loop_opened_by"] for loop in analysis.loops)


def test_graphml_of_one_case_is_its_graph(demo_db, tmp_path):
    graph, _ = _graphml(demo_db, tmp_path, "--case", "ir-1995")
    with EventStore(demo_db) as store:
        analysis = Projector(store).load("ir-1995")
    assert set(graph.edges) == {(e.source, e.target) for e in analysis.graph.edges}
    assert {case for _, case in graph.nodes(data="case")} == {"ir-1995"}
    assert graph.graph["loop_opened_by"].startswith("D1=ir-1995#")


def test_pooled_graphml_sums_the_cases(demo_db, tmp_path):
    graph, _ = _graphml(demo_db, tmp_path, "--pooled")
    effort_opposition = graph.edges["effort", "opposition"]
    assert effort_opposition["cases"] >= 2 and "ir-1995:D1" in effort_opposition["loops"].split()


def test_pooled_graphml_keeps_an_edge_ambiguous_within_a_case(tmp_path):
    """Case a saw trust -> effort with both signs, case b only with -: the pool, as case a's own export,
    says ambiguous (the pool's signs, one per case, agree)."""
    cli = Cli(tmp_path / "amb.db")
    for case in ("a", "b"):
        cli.ok("case", "open", case, "--origin", "IR", "--motive", "asylum", "--arrival", "1995")
    cli.ok("add", "link", "a", "--from", "trust", "--to", "effort", "--sign", "+", "--occurred", "2000")
    cli.ok("add", "link", "a", "--from", "trust", "--to", "effort", "--sign", "-", "--occurred", "2001")
    cli.ok("add", "link", "b", "--from", "trust", "--to", "effort", "--sign", "-", "--occurred", "2001")
    alone, _ = _graphml(cli.db, tmp_path, "--case", "a")
    assert alone.edges["trust", "effort"]["ambiguous"] is True
    pooled, _ = _graphml(cli.db, tmp_path, "--pooled")
    assert pooled.edges["trust", "effort"]["ambiguous"] is True and pooled.edges["trust", "effort"]["cases"] == 2


XMILE_ELEMENTS = {  # element names of OASIS XMILE 1.0 used by causal loop diagrams
    "xmile", "header", "vendor", "product", "options", "uses_outputs", "name", "model", "variables", "aux",
    "doc", "eqn", "views", "view", "connector", "from", "to", "text_box"}


def test_xmile_is_well_formed_and_uses_the_standard_names(demo_db):
    root = ET.fromstring(exported(demo_db, "xmile"))
    namespace = "{http://docs.oasis-open.org/xmile/ns/XMILE/v1.0}"
    names = {element.tag.replace(namespace, "") for element in root.iter()}
    assert names <= XMILE_ELEMENTS
    model = next(m for m in root.iter(f"{namespace}model") if m.get("name") == "bd-restaurant")
    connectors = {(c.find(f"{namespace}from").text, c.find(f"{namespace}to").text): c.get("polarity")
                  for c in model.iter(f"{namespace}connector")}
    assert connectors[("pressure", "financial_security")] == "-"
    assert connectors[("financial_security", "compliance")] == "+"
    labels = [box.text for box in model.iter(f"{namespace}text_box")]
    assert labels[0].startswith("R1: reinforcing, unfavourable, change")


@pytest.mark.parametrize("args, field", [
    (["--format", "parquet"], "--format"),
    (["--format", "xes", "--case", "nobody"], "--case"),
    (["--format", "xes", "--out", "/nonexistent-folder/x.xes"], "--out"),
    (["--format", "xes", "--pooled"], "--pooled"),
])
def test_bad_export_arguments(cli, tmp_path, args, field):
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig1"])))
    result = cli.run("export", *args)
    assert result.exit_code == 2 and f"field '{field}'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_export_to_a_file_through_the_cli(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig4"])))
    out = tmp_path / "fig4.jsonl"
    cli.ok("export", "--format", "jsonl", "--case", "fig4", "--out", str(out))
    assert [json.loads(line)["case"] for line in out.read_text().splitlines()] == ["fig4"] * len(FIGURES["fig4"])
    assert not list(tmp_path.glob(".*.partial"))
