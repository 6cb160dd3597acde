"""A table of bad inputs: each exits 2 with one line naming file, line and field, and changes nothing."""

import json

import pytest

from .conftest import write_jsonl

OPEN = {"type": "CaseOpened", "case": "ir-1", "data": {"origin": "IR", "motive": "asylum", "arrival": "1995"}}
CONTACT = {"type": "ContactRecorded", "case": "ir-1", "occurred": "1995-06",
           "data": {"actor": "coa", "kind": "counselling", "effects": [{"variable": "trust", "direction": "down"}]}}


def state(**data):
    return {"type": "StateObserved", "case": "ir-1", "data": {"variable": "trust", "direction": "up", **data}}


BAD_JSONL = [
    # (name, line 2 of the file as text, field named, words in the reason)
    ("malformed JSON", '{"type": "StateObserved", "case": ', None, "malformed JSON"),
    ("not an object", '[1, 2]', None, "JSON object"),
    ("unknown type", json.dumps({**state(), "type": "ContactHeld"}), "type", "unknown event type"),
    ("unknown envelope key", json.dumps({**state(), "when": "1995"}), "when", "unknown key"),
    ("unknown payload key", json.dumps(state(mood="low")), "data.mood", "unknown key"),
    ("missing payload field", json.dumps({"type": "ContactRecorded", "case": "ir-1", "data": {"actor": "coa"}}),
     "data.kind", "required"),
    ("unknown actor", json.dumps({**CONTACT, "data": {"actor": "police", "kind": "registration"}}),
     "data.actor", "unknown actor 'police'"),
    ("unknown variable", json.dumps(state(variable="happiness")), "data.variable", "unknown variable"),
    ("unknown role", json.dumps({**CONTACT, "data": {"actor": "coa", "kind": "meeting", "role": "boss"}}),
     "data.role", "unknown role"),
    ("bad enum", json.dumps(state(direction="sideways")), "data.direction", "not one of"),
    ("bad date", json.dumps({**state(), "occurred": "1995-02-30"}), "occurred", "no day 30"),
    ("bad date in payload", json.dumps({"type": "ContactAbsent", "case": "ir-1", "data": {"from": "spring"}}),
     "data.from", "not a date"),
    ("ref to a later event", json.dumps(state(because=["ir-1#5"])), "data.because[0]", "later event"),
    ("ref to a missing event", json.dumps(state(because=["8f14e45f-ceea-4e7a-9b0b-1e2f3a4b5c6d"])),
     "data.because[0]", "no event"),
    ("ref to another case", json.dumps(state(because=["other#1"])), "data.because[0]", "another case"),
    ("ref naming an effect the event lacks", json.dumps(state(because=["ir-1#1:trust"])), "data.because[0]",
     "no effect on 'trust'"),
    ("invalid case id", json.dumps({**OPEN, "case": "../etc/passwd"}), "case", "invalid case id"),
    ("unopened case", json.dumps({**state(), "case": "nobody"}), "case", "not opened"),
    ("wrong expected version", json.dumps({**state(), "version": 7}), "version", "expected case:ir-1 at version 6"),
    ("bad event id", json.dumps({**state(), "event_id": "abc"}), "event_id", "not a UUID"),
    ("catalogue type in a case", json.dumps({"type": "VariableDefined", "case": "ir-1",
                                              "data": {"key": "x", "desirability": 1}}), "case", "catalogue stream"),
]


@pytest.fixture
def seeded(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "seed.jsonl", [OPEN])))
    return cli.log()


@pytest.mark.parametrize("name, bad_line, field, reason", BAD_JSONL, ids=[row[0] for row in BAD_JSONL])
def test_bad_jsonl_line(cli, tmp_path, seeded, name, bad_line, field, reason):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(CONTACT) + "\n" + bad_line + "\n" + json.dumps(state()) + "\n")
    result = cli.run("import", str(path))
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert f"{path}, line 2" in message
    if field:
        assert f"field '{field}'" in message
    assert reason in message
    assert "Traceback" not in result.output
    assert cli.log() == seeded


BAD_CSV = [
    ("missing column", "type,occurred,data\nCaseOpened,,{}\n", 1, "case", "lacks column"),
    ("unknown column", "type,case,data,mood\nCaseOpened,x,{},low\n", 1, "mood", "unknown CSV column"),
    ("malformed JSON cell", 'type,case,data\nCaseOpened,x,"{""origin"": "\n', 2, "data", "malformed JSON"),
    ("too many cells", "type,case,data\nCaseOpened,x,{},extra\n", 2, None, "more cells"),
    ("bad version cell", 'type,case,data,version\nCaseOpened,x,"{}",two\n', 2, "version", "whole number"),
]


@pytest.mark.parametrize("name, text, line, field, reason", BAD_CSV, ids=[row[0] for row in BAD_CSV])
def test_bad_csv(cli, tmp_path, seeded, name, text, line, field, reason):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    result = cli.run("import", str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}, line {line}" in result.stderr
    if field:
        assert f"field '{field}'" in result.stderr
    assert reason in result.stderr
    assert cli.log() == seeded


def test_a_conflicting_event_id_exits_1_and_writes_nothing(cli, tmp_path, seeded):
    event_id = seeded[0]["event_id"]
    path = write_jsonl(tmp_path / "c.jsonl", [CONTACT, {**OPEN, "event_id": event_id, "data": {
        "origin": "MA", "motive": "family"}}])
    result = cli.run("import", str(path))
    assert result.exit_code == 1
    assert "line 2" in result.stderr and "different content" in result.stderr
    assert cli.log() == seeded


@pytest.mark.parametrize("args, field", [
    (["add", "contact", "ir-1", "--actor", "coa", "--kind", "meeting", "--effect", "trust-down"], "--effect"),
    (["add", "expectation", "ir-1", "--link", "trust:effort"], "--link"),
    (["add", "contact", "ir-1", "--actor", "coa", "--kind", "meeting", "--condition", "motivation"], "--condition"),
    (["add", "state", "ir-1", "--variable", "trust", "--because", "#9"], "data.because[0]"),
    (["case", "open", "bad id", "--origin", "IR", "--motive", "asylum"], "case"),
    (["add", "state", "ir-1", "--variable", "trust", "--occurred", "1995-6"], "occurred"),
])
def test_bad_flags(cli, seeded, args, field):
    result = cli.run(*args)
    assert result.exit_code == 2
    assert f"field '{field}'" in result.stderr
    assert cli.log() == seeded
