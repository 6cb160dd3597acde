"""Corrections that keep the chain: `amend` and `edit` record an EventAmended; the event keeps its ref,
its place and what cites it; `--recorded-before` reads the original; what cites a removed effect stops
the correction; `retract` names what cites what it withdraws."""

import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app
from events.envelope import NewEvent
from events.store import EventStore
from pathways.analysis.pathway import Settings
from pathways.projections.runner import TABLES, Projector


def chain(cli, case="slb-1", quote="THE ORIGINAL QUOTE"):
    """A contact (#2) cited by a state (#3) for its trust effect, and a state (#4) citing #3: a loop."""
    cli.ok("case", "open", case, "--origin", "IR", "--motive", "asylum", "--arrival", "2001")
    cli.ok("add", "contact", case, "--actor", "ind", "--kind", "permit-decision", "--perceived", "unfavourable",
           "--effect", "trust:down", "--effect", "effort:up", "--quote", quote, "--occurred", "2002")
    cli.ok("add", "state", case, "--variable", "effort", "--direction", "down", "--because", "#2:trust",
           "--occurred", "2003")
    cli.ok("add", "state", case, "--variable", "trust", "--direction", "down", "--because", "#3", "--occurred", "2004")


def contact(cli, case="slb-1"):
    return next(step for step in cli.json("show", case)["steps"] if step["ref"] == f"{case}#2")


def test_amend_changes_actor_and_role_and_keeps_the_loop_and_the_chain(cli):
    chain(cli)
    loops_before = cli.json("loops", "slb-1")
    out = cli.ok("amend", "slb-1", "#2", "--reason", "the coa, not the ind", "--actor", "coa", "--role", "counsellor")
    assert "recorded slb-1#5 EventAmended: slb-1#2 (ContactRecorded) actor, role" in out
    step = contact(cli)
    assert (step["actor"], step["role"], step["ref"]) == ("coa", "counsellor", "slb-1#2")
    assert [loop["variables"] for loop in cli.json("loops", "slb-1")] == [loop["variables"] for loop in loops_before]
    assert cli.json("loops", "slb-1")[0]["evidence"] == loops_before[0]["evidence"]
    assert "hash chain intact" in cli.ok("verify")
    logged = cli.ok("log", "slb-1")
    assert "ContactRecorded" in logged and "amends slb-1#2" in logged


def test_recorded_before_the_correction_reads_the_original(cli):
    chain(cli)
    cli.ok("amend", "slb-1", "#2", "--reason", "fix", "--actor", "coa")
    correction = cli.log()[-1]["recorded_at"]
    assert next(s for s in cli.json("show", "slb-1", "--recorded-before", correction)["steps"]
                if s["ref"] == "slb-1#2")["actor"] == "ind"
    assert contact(cli)["actor"] == "coa"


def test_an_amend_that_drops_a_cited_effect_names_the_citer_and_writes_nothing(cli):
    chain(cli)
    count = len(cli.log())
    result = cli.run("amend", "slb-1", "#2", "--reason", "no trust", "--effect", "effort:up")
    assert result.exit_code == 2
    assert "slb-1#3" in result.stderr and "no effect on trust" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert len(cli.log()) == count


@pytest.mark.parametrize("ref, reason", [("#9", "points to no event"), ("#1x", "not an event ref")])
def test_an_amend_of_a_missing_event_is_refused(cli, ref, reason):
    chain(cli)
    result = cli.run("amend", "slb-1", ref, "--reason", "x", "--actor", "coa")
    assert result.exit_code == 2 and reason in result.stderr


def test_a_retracted_event_a_retraction_and_an_unknown_field_are_refused(cli):
    chain(cli)
    cli.ok("retract", "slb-1", "#4", "--reason", "withdrawn")
    assert "is retracted" in cli.run("amend", "slb-1", "#4", "--reason", "x", "--level", "low").stderr
    assert "is a retraction" in cli.run("amend", "slb-1", "#5", "--reason", "x", "--actor", "coa").stderr
    refused = cli.run("amend", "slb-1", "#2", "--reason", "x", "--variable", "trust")
    assert refused.exit_code == 2 and "ContactRecorded has no field 'variable'" in refused.stderr


def test_unset_removes_an_optional_field_and_refuses_a_required_one(cli):
    chain(cli)
    cli.ok("amend", "slb-1", "#2", "--reason", "no quote", "--unset", "quote")
    assert contact(cli)["quote"] is None
    assert "is required" in cli.run("amend", "slb-1", "#2", "--reason", "x", "--unset", "actor").stderr


def _editor(tmp_path: Path, script: str) -> str:
    path = tmp_path / "editor.py"
    path.write_text("import json, sys, os\npath = sys.argv[1]\n"
                    "open(os.environ['SEEN'], 'w').write(path)\n" + script)
    return f"{sys.executable} {path}"


def test_edit_records_what_the_editor_saved_and_leaves_no_file(cli, tmp_path, monkeypatch):
    chain(cli)
    seen = tmp_path / "seen"
    monkeypatch.setenv("SEEN", str(seen))
    monkeypatch.setenv("EDITOR", _editor(tmp_path, "data = json.load(open(path))\ndata['role'] = 'counsellor'\n"
                                                   "json.dump(data, open(path, 'w'))\n"))
    monkeypatch.delenv("VISUAL", raising=False)
    out = cli.ok("edit", "slb-1", "#2", "--reason", "the role")
    assert "EventAmended" in out and contact(cli)["role"] == "counsellor"
    edited = Path(seen.read_text())
    assert not edited.exists() and not edited.parent.exists()


def test_edit_private_folder_and_an_unknown_role_refused_with_nothing_written(cli, tmp_path, monkeypatch):
    chain(cli)
    seen = tmp_path / "seen"
    modes = tmp_path / "modes"
    monkeypatch.setenv("SEEN", str(seen))
    monkeypatch.setenv("MODES", str(modes))
    monkeypatch.setenv("EDITOR", _editor(tmp_path, "open(os.environ['MODES'], 'w').write(oct(os.stat(os.path.dirname(path)).st_mode & 0o777))\n"
                                                   "data = json.load(open(path))\ndata['role'] = 'mayor'\n"
                                                   "json.dump(data, open(path, 'w'))\n"))
    count = len(cli.log())
    result = cli.run("edit", "slb-1", "#2", "--reason", "the role")
    assert result.exit_code == 2 and "unknown role 'mayor'" in result.stderr and "data.data.role" in result.stderr
    assert len(cli.log()) == count
    assert modes.read_text() == "0o700"
    assert not Path(seen.read_text()).parent.exists()


def test_edit_saved_unchanged_writes_nothing_and_bad_json_is_one_line(cli, tmp_path, monkeypatch):
    chain(cli)
    monkeypatch.setenv("SEEN", str(tmp_path / "seen"))
    monkeypatch.delenv("VISUAL", raising=False)
    count = len(cli.log())
    monkeypatch.setenv("EDITOR", _editor(tmp_path, ""))
    assert "no change to slb-1#2: nothing written" in cli.ok("edit", "slb-1", "#2", "--reason", "look")
    monkeypatch.setenv("EDITOR", _editor(tmp_path, "open(path, 'w').write('{not json')\n"))
    result = cli.run("edit", "slb-1", "#2", "--reason", "look")
    assert result.exit_code == 2 and "is not JSON" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert len(cli.log()) == count


def test_the_amended_quote_is_nowhere_in_clear_in_a_sealed_database(cli, db):
    chain(cli)
    cli.ok("amend", "slb-1", "#2", "--reason", "exact words", "--quote", "CORRECTED NEEDLE QUOTE")
    assert contact(cli)["quote"] == "CORRECTED NEEDLE QUOTE"
    for path in db.parent.iterdir():
        if path.is_file():
            assert b"CORRECTED NEEDLE" not in path.read_bytes(), path.name


def test_retract_names_the_events_that_cite_it_and_show_marks_the_ref(cli):
    chain(cli)
    result = cli.run("retract", "slb-1", "#3", "--reason", "withdrawn")
    assert result.exit_code == 0
    assert "slb-1#4 StateObserved cites the retracted slb-1#3" in result.stderr
    assert "#3 (retracted)" in cli.ok("show", "slb-1")


def test_an_imported_correction_is_checked_like_an_amend(cli, tmp_path):
    chain(cli)
    line = {"type": "EventAmended", "case": "slb-1",
            "data": {"ref": "slb-1#2", "type": "ContactRecorded", "schema_version": 2, "reason": "import",
                     "data": {"actor": "coa", "kind": "permit-decision", "effects": [{"variable": "trust",
                                                                                      "direction": "down"}]}}}
    good = tmp_path / "fix.jsonl"
    good.write_text(json.dumps(line) + "\n")
    cli.ok("import", str(good))
    assert contact(cli)["actor"] == "coa"
    line["data"]["data"]["kind"] = "no-such-kind"
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(line) + "\n")
    result = cli.run("import", str(bad))
    assert result.exit_code == 2 and "line 1" in result.stderr and "data.data.kind" in result.stderr


def test_an_amend_on_postgresql_reads_and_verifies_the_same(pg_url):
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(app, [*args, "--db", pg_url], catch_exceptions=False, env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        return result.stdout

    run("init")
    run("case", "open", "pg-1", "--origin", "IR", "--motive", "asylum")
    run("add", "contact", "pg-1", "--actor", "ind", "--kind", "permit-decision", "--effect", "trust:down")
    run("amend", "pg-1", "#2", "--reason", "fix", "--actor", "coa")
    steps = json.loads(run("show", "pg-1", "--json"))["steps"]
    assert steps[-1]["actor"] == "coa"
    assert "hash chain intact" in run("verify")


# -- the law: an amended log gives the tables of a log recorded right --------------------------------

ACTORS = ["ind", "coa", "municipality", "uwv"]
PERCEIVED = ["favourable", "unfavourable", "mixed", "neutral"]
VARIABLES = ["trust", "effort", "stress", "employment"]
contacts = st.fixed_dictionaries({
    "actor": st.sampled_from(ACTORS), "kind": st.sampled_from(["permit-decision", "coaching", "exam"]),
    "perceived": st.sampled_from(PERCEIVED),
    "effects": st.lists(st.sampled_from(VARIABLES), min_size=1, max_size=3, unique=True).map(
        lambda names: [{"variable": "trust", "direction": "down"}]
        + [{"variable": name, "direction": "up"} for name in names if name != "trust"]),
    "quote": st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=20)})


def _log(path: Path, first: dict, correction: dict | None) -> dict[str, list]:
    with EventStore(path, seal=False) as store:
        events = [NewEvent(stream="case:p", type="CaseOpened", data={"origin": "IR", "motive": "asylum"}),
                  NewEvent(stream="case:p", type="ContactRecorded", data=first, occurred="2002"),
                  NewEvent(stream="case:p", type="StateObserved", occurred="2003",
                           data={"variable": "effort", "direction": "down", "because": ["p#2:trust"]}),
                  NewEvent(stream="case:p", type="StateObserved", occurred="2004",
                           data={"variable": "trust", "direction": "down", "because": ["p#3"]})]
        if correction is not None:
            events.append(NewEvent(stream="case:p", type="EventAmended",
                                   data={"ref": "p#2", "type": "ContactRecorded", "schema_version": 2,
                                         "data": correction, "reason": "recoded"}))
        store.append(events)
        Projector(store, Settings()).rebuild()
        tables = {}
        for name, spec in TABLES.items():
            columns = [c for c in spec["columns"] if c != "event_id"]
            quoted = ", ".join(f'"{c}"' for c in columns)
            tables[name] = sorted(map(repr, store.conn.execute(f"SELECT {quoted} FROM {name}").fetchall()))
        return tables


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=contacts, right=contacts)
def test_an_amended_log_gives_the_tables_of_a_log_recorded_right(tmp_path_factory, first, right):
    folder = tmp_path_factory.mktemp("law")
    assert _log(folder / "amended.db", first, right) == _log(folder / "right.db", right, None)
