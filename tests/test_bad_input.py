"""A table of bad inputs: each exits 2 with one line naming file, line and field, and changes nothing."""

import json

import pytest

from .conftest import write_jsonl

OPEN = {"type": "CaseOpened", "case": "ir-1", "data": {"origin": "IR", "motive": "asylum", "arrival": "1995"}}
CONTACT = {"type": "ContactRecorded", "case": "ir-1", "occurred": "1995-06",
           "data": {"actor": "coa", "kind": "counselling", "effects": [{"variable": "trust", "direction": "down"}]}}


def state(**data):
    return {"type": "StateObserved", "case": "ir-1", "data": {"variable": "trust", "direction": "up", **data}}


def contact(**data):
    return {**CONTACT, "data": {**CONTACT["data"], **data}}


def nested(depth):
    """JSON text of an object nested `depth` levels (json.dumps itself would recurse too deep)."""
    return '{"a":' * depth + "{}" + "}" * depth


# The seed: #1 opens, #2 a contact (1995-06, trust down), #3 a level with no direction, #4 a contact
# that #5 retracts. The file under test then adds #6 (line 1), the bad line 2, and a good line 3.
SEED = [OPEN, CONTACT, {**state(direction=None), "data": {"variable": "trust", "level": "low"}}, CONTACT,
        {"type": "EventRetracted", "case": "ir-1", "data": {"ref": "ir-1#4", "reason": "coded twice"}}]


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
    ("ref to a later event", json.dumps(state(because=["ir-1#50"])), "data.because[0]", "later event"),
    ("ref to a missing event", json.dumps(state(because=["8f14e45f-ceea-4e7a-9b0b-1e2f3a4b5c6d"])),
     "data.because[0]", "no event"),
    ("ref to another case", json.dumps(state(because=["other#1"])), "data.because[0]", "another case"),
    ("ref naming an effect the event lacks", json.dumps(state(because=["ir-1#1:trust"])), "data.because[0]",
     "no effect on 'trust'"),
    ("invalid case id", json.dumps({**OPEN, "case": "../etc/passwd"}), "case", "invalid case id"),
    ("unopened case", json.dumps({**state(), "case": "nobody"}), "case", "not opened"),
    ("bad event id", json.dumps({**state(), "event_id": "abc"}), "event_id", "not a UUID"),
    ("catalogue type in a case", json.dumps({"type": "VariableDefined", "case": "ir-1",
                                              "data": {"key": "x", "desirability": 1}}), "case", "catalogue stream"),
    # Hostile input (issue 15): refused on the way in, so whatever is accepted can be analysed.
    ("meta nested 975 levels", json.dumps(state())[:-1] + ', "meta": ' + nested(975) + "}", None, "deep"),
    ("meta nested 20 levels", json.dumps(state())[:-1] + ', "meta": ' + nested(20) + "}", "meta" + ".a" * 16,
     "nests deeper than the limit of 16"),
    ("nested past the JSON parser", '{"type": "StateObserved", "data": ' + "[" * 100_000 + "]" * 100_000 + "}",
     None, "nested too deeply"),
    ("arrival year 9997", json.dumps({**OPEN, "case": "x-1", "data": {**OPEN["data"], "arrival": "9997"}}),
     "data.arrival", "outside the years"),
    ("recorded_at at the end of time", json.dumps({**state(), "recorded_at": "9999-12-31T23:00:00-05:00"}),
     "recorded_at", "outside the years"),
    ("a 5000-digit integer", '{"type": "StateObserved", "case": "ir-1", "data": {"variable": "trust", "level": '
     + "9" * 5000 + "}}", None, "malformed JSON"),
    ("an integer beyond JSON's exact range", json.dumps(state(direction=None, level=2 ** 60)), "data.level",
     "whole number beyond"),
    ("a lone surrogate", json.dumps(contact(quote="\ud800")), "data.quote", "U+D800"),
    ("NaN as a level", '{"type": "StateObserved", "case": "ir-1", "data": {"variable": "trust", "level": NaN}}',
     None, "NaN is not a JSON number"),
    ("Infinity as a level", '{"type": "StateObserved", "case": "ir-1", "data": {"variable": "trust", '
     '"level": Infinity}}', None, "Infinity is not a JSON number"),
    ("Unicode digits in a date", json.dumps({**state(), "occurred": "\u0661\u0669\u0669\u0665"}), "occurred",
     "not a date"),
    ("a trailing newline in a case id", json.dumps({**OPEN, "case": "c1\n"}), "case", "invalid case id"),
    ("a trailing newline in a date", json.dumps({**state(), "occurred": "1995\n"}), "occurred", "not a date"),
    ("a trailing newline in a ref", json.dumps(state(because=["ir-1#2\n"])), "data.because[0]", "not an event ref"),
    ("a trailing newline in a key", json.dumps(state(variable="trust\n")), "data.variable", "unknown variable"),
    ("a control character in a quote", json.dumps(contact(quote="a\u0001b")), "data.quote", "U+0001"),
    ("a NUL in an outcome", json.dumps(contact(outcome="a\u0000b")), "data.outcome", "U+0000"),
    ("an ANSI escape in a reason", json.dumps({"type": "EventRetracted", "case": "ir-1",
                                                "data": {"ref": "ir-1#2", "reason": "\u001b[31mred"}}),
     "data.reason", "U+001B"),
    ("a control character in a coder's name", json.dumps({**state(), "recorded_by": "ann\nbob"}), "recorded_by",
     "U+000A"),
    ("a quote over the text limit", json.dumps(contact(quote="x" * 200_000)), "data.quote", "over the limit"),
    ("10,000 effects", json.dumps(contact(effects=[{"variable": "trust", "direction": "up"}] * 10_000)),
     "data.effects", "over the limit of 50"),
    ("a cause that was retracted", json.dumps(state(because=["ir-1#4"])), "data.because[0]", "was retracted"),
    ("a cause with no effect", json.dumps(state(because=["ir-1#3"])), "data.because[0]", "carries no effect"),
    ("a cause dated after its effect", json.dumps({**state(because=["ir-1#2"]), "occurred": "1994"}),
     "data.because[0]", "causes come first"),
    ("retracting a retraction", json.dumps({"type": "EventRetracted", "case": "ir-1",
                                             "data": {"ref": "ir-1#5", "reason": "oops"}}),
     "data.ref", "is itself a retraction, and a retraction cannot be retracted"),
    ("retracting a retracted event", json.dumps({"type": "EventRetracted", "case": "ir-1",
                                                 "data": {"ref": "ir-1#4", "reason": "again"}}),
     "data.ref", "already retracted"),
]


@pytest.fixture
def seeded(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "seed.jsonl", SEED)))
    return cli.log()


@pytest.mark.parametrize("workers", ["1", "2"], ids=["one process", "workers"])
@pytest.mark.parametrize("name, bad_line, field, reason", BAD_JSONL, ids=[row[0] for row in BAD_JSONL])
def test_bad_jsonl_line(cli, tmp_path, seeded, name, bad_line, field, reason, workers, monkeypatch):
    # With workers, the lines are parsed and checked in other processes (events/pipeline.py): the
    # refusal must be the same, found at the same point.
    monkeypatch.setenv("PATHWAYS_WORKERS", workers)
    monkeypatch.setenv("PATHWAYS_PARALLEL_MIN", "0")
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


def test_a_wrong_expected_version_is_a_conflict_exit_1(cli, tmp_path, seeded):
    result = cli.run("import", str(write_jsonl(tmp_path / "v.jsonl", [CONTACT, {**state(), "version": 9}])))
    assert result.exit_code == 1
    assert "line 2, field 'version': expected case:ir-1 at version 8, but it is at 6" in result.stderr
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
    (["add", "state", "ir-1", "--variable", "trust", "--because", "#9"], "--because"),
    (["case", "open", "bad id", "--origin", "IR", "--motive", "asylum"], "case"),
    (["add", "state", "ir-1", "--variable", "trust", "--occurred", "1995-6"], "occurred"),
])
def test_bad_flags(cli, seeded, args, field):
    result = cli.run(*args)
    assert result.exit_code == 2
    assert f"field '{field}'" in result.stderr
    assert cli.log() == seeded
