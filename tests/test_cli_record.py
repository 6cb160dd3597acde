"""Every recording command through typer's runner."""

import json

from .conftest import write_jsonl


def test_init_creates_an_empty_database(cli):
    assert cli.ok("init").startswith("created the event log: ")
    assert cli.db.exists()
    assert cli.ok("init").startswith("an event log exists already: ")


def test_recording_commands_build_a_case(cli):
    cli.ok("case", "open", "ir-1", "--origin", "IR", "--motive", "asylum", "--arrival", "1995", "--by", "coder-a")
    cli.ok("add", "contact", "ir-1", "--actor", "coa", "--role", "counsellor", "--kind", "counselling",
           "--perceived", "unfavourable", "--discretion", "by-the-rules", "--condition", "motivation=high",
           "--effect", "effort:up", "--effect", "opposition:up", "--occurred", "1995-06",
           "--quote", "no time to waste", "--source", "interview 12", "--meta", "segment=4")
    cli.ok("add", "state", "ir-1", "--variable", "effort", "--direction", "down", "--because", "#2:opposition",
           "--occurred", "1996")
    cli.ok("add", "absence", "ir-1", "--from", "1997", "--to", "2003", "--actor", "municipality",
           "--effect", "engagement:down", "--perceived", "unfavourable")
    cli.ok("add", "expectation", "ir-1", "--statement", "a diploma opens doors", "--link", "effort:employment:+")
    cli.ok("add", "link", "ir-1", "--from", "opposition", "--to", "effort", "--sign", "-", "--evidence", "#3",
           "--confidence", "high")
    cli.ok("add", "loop", "ir-1", "--variables", "effort,opposition", "--polarity", "dampening",
           "--valence", "unfavourable", "--change", "no-change")
    out = cli.ok("retract", "ir-1", "#5", "--reason", "coded twice")
    assert "ir-1#8 EventRetracted" in out

    events = cli.log()
    assert [e["type"] for e in events] == ["CaseOpened", "ContactRecorded", "StateObserved", "ContactAbsent",
                                           "ExpectationFormed", "LinkCoded", "LoopCoded", "EventRetracted"]
    contact = events[1]["data"]
    assert contact["effects"] == [{"variable": "effort", "direction": "up"},
                                  {"variable": "opposition", "direction": "up"}]
    assert contact["conditions"] == {"motivation": "high"}
    assert events[1]["meta"] == {"segment": "4"}
    assert events[2]["data"]["because"] == ["ir-1#2:opposition"]
    assert events[3]["occurred"] == "1997"
    assert events[4]["data"]["links"] == [{"from": "effort", "to": "employment", "sign": "+"}]
    assert events[5]["data"]["confidence"] == "high"
    assert events[7]["data"] == {"ref": "ir-1#5", "reason": "coded twice"}
    assert events[0]["recorded_by"] == "coder-a"


def test_add_json_prints_the_stored_envelope(cli):
    cli.ok("case", "open", "x", "--origin", "MA", "--motive", "family")
    envelope = cli.json("add", "state", "x", "--variable", "trust", "--direction", "up")
    assert envelope["case"] == "x" and envelope["version"] == 2 and len(envelope["hash"]) == 64


def test_expect_version_guards_a_stale_writer(cli):
    cli.ok("case", "open", "x", "--origin", "MA", "--motive", "family")
    cli.ok("add", "state", "x", "--variable", "trust", "--direction", "up", "--expect-version", "1")
    result = cli.run("add", "state", "x", "--variable", "trust", "--direction", "up", "--expect-version", "1")
    assert result.exit_code == 1  # a conflict, like a reused event id; 2 is for bad input
    assert "field 'version'" in result.stderr and "it is at 2" in result.stderr
    assert len(cli.log()) == 2


def test_import_dry_run_writes_nothing(cli, tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [
        {"type": "CaseOpened", "case": "x", "data": {"origin": "TR", "motive": "family"}}])
    assert "would import 1 event from" in cli.ok("import", str(path), "--dry-run")
    assert cli.log() == []
    assert "imported 1 event from" in cli.ok("import", str(path))


def test_reimport_of_an_exported_log_is_a_no_op(cli, tmp_path):
    cli.ok("case", "open", "x", "--origin", "TR", "--motive", "family")
    cli.ok("add", "state", "x", "--variable", "trust", "--direction", "up")
    exported = tmp_path / "log.jsonl"
    exported.write_text(cli.ok("log", "--json"))
    report = cli.json("import", str(exported))
    assert (report["appended"], report["skipped"]) == (0, 2)


def test_csv_import(cli, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text('type,case,occurred,data\n'
                    'CaseOpened,x,,"{""origin"": ""GH"", ""motive"": ""family"", ""arrival"": ""2010""}"\n'
                    'StateObserved,x,2011,"{""variable"": ""stress"", ""direction"": ""up""}"\n')
    cli.ok("import", str(path))
    assert [e["occurred"] for e in cli.log()] == [None, "2011"]


def test_log_of_one_case_and_verify(cli):
    cli.ok("case", "open", "a", "--origin", "TR", "--motive", "family")
    cli.ok("case", "open", "b", "--origin", "MA", "--motive", "labour")
    lines = cli.ok("log", "b", "--json").splitlines()
    assert [json.loads(line)["case"] for line in lines] == ["b"]
    assert "events 1 to 2" in cli.ok("log")
    assert cli.json("verify") == {"ok": True, "checked": 2, "broken_position": None, "reason": None}


def test_reading_a_missing_database_is_a_clear_error(cli):
    result = cli.run("log")
    assert result.exit_code == 2 and "no database" in result.stderr
    assert not cli.db.exists()


def test_csv_with_a_byte_order_mark_imports(cli, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufefftype,case,data\nCaseOpened,x,\"{\"\"origin\"\": \"\"GH\"\", \"\"motive\"\": \"\"family\"\"}\"\n"
                     .encode("utf-8"))
    cli.ok("import", str(path))
    assert [e["case"] for e in cli.log()] == ["x"]


def test_an_empty_occurred_means_undated(cli, tmp_path):
    path = write_jsonl(tmp_path / "e.jsonl", [
        {"type": "CaseOpened", "case": "x", "occurred": "", "data": {"origin": "GH", "motive": "family"}}])
    cli.ok("import", str(path))
    assert cli.log()[0]["occurred"] is None
