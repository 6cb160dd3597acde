"""A big JSON Lines import (or `append` of a big list) is parsed and checked by worker processes
(events/pipeline.py) while the writer appends: it must store exactly what one process stores, and
refuse exactly what it refuses."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import attrs
import pytest

from events.ingest import pipeline
from events.envelope import COLUMNS, NewEvent
from events.store import EventStore

from .conftest import write_jsonl

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
import synth  # noqa: E402

OPEN = {"type": "CaseOpened", "case": "p-1", "data": {"origin": "IR", "motive": "asylum", "arrival": "1995"}}


def contact(**data):
    return {"type": "ContactRecorded", "case": "p-1", "occurred": "1996",
            "data": {"actor": "coa", "kind": "counselling", "effects": [{"variable": "trust", "direction": "down"}],
                     **data}}


def panel(path: Path, cases: int = 200, *, tail: bool = True) -> Path:
    """Synthetic cases, a catalogue definition used later in the same file (its key is unknown to the
    workers' catalogue), and (`tail`) a retraction and a cause cited by event id; every time given."""
    records = [json.loads(line) for line in synth_lines(cases)]
    records.insert(100, {"type": "VariableDefined", "stream": "catalogue",
                         "data": {"key": "courage", "desirability": 1}})
    cited = records[1]
    if tail:
        records += [{"type": "StateObserved", "case": cited["case"],
                     "data": {"variable": "courage", "direction": "up", "because": [cited["event_id"]]}},
                    {"type": "EventRetracted", "case": cited["case"], "data": {"ref": f"{cited['case']}#3",
                                                                                "reason": "coded twice"}},
                    # floats the two JSON libraries write differently, and a meta holding more of them
                    {"type": "StateObserved", "case": cited["case"], "meta": {"weights": [1e-05, 2.5e-07, 1e16],
                                                                               "big": 2 ** 50, "note": "é\u2028"},
                     "data": {"variable": "trust", "direction": "none", "level": 1e-05}}]
    for index, record in enumerate(records):
        record["recorded_at"] = f"2026-01-01T00:00:{index % 60:02d}Z"
        record.setdefault("event_id", f"00000000-0000-4000-8000-{index:012d}")
    return write_jsonl(path, records)


def synth_lines(cases: int) -> list[str]:
    import io

    out = io.StringIO()
    synth.write(cases, out, seed=11)
    return out.getvalue().splitlines()


def imported(db: Path, source: Path, workers: str, monkeypatch, *, seal: bool = False) -> EventStore:
    monkeypatch.setenv("PATHWAYS_WORKERS", workers)
    monkeypatch.setenv("PATHWAYS_PARALLEL_MIN", "0")
    store = EventStore(db, seal=seal)
    store.import_file(source)
    return store


def test_workers_store_exactly_what_one_process_stores(tmp_path, monkeypatch):
    source = panel(tmp_path / "panel.jsonl")
    monkeypatch.setattr(pipeline, "LINES", 97)  # many chunks, ending mid-case
    with imported(tmp_path / "one.db", source, "1", monkeypatch) as one, \
            imported(tmp_path / "two.db", source, "2", monkeypatch) as two:
        rows = f"SELECT {COLUMNS} FROM events ORDER BY position"
        expected = one.conn.execute(rows).fetchall()
        assert len(expected) > 4000
        assert two.conn.execute(rows).fetchall() == expected  # same ids, payloads, times: same hashes
        assert two.verify().ok


def test_workers_on_a_sealed_log_store_the_same_events(tmp_path, monkeypatch):
    source = panel(tmp_path / "panel.jsonl", cases=60)
    with imported(tmp_path / "one.db", source, "1", monkeypatch, seal=True) as one, \
            imported(tmp_path / "two.db", source, "2", monkeypatch, seal=True) as two:
        def events(store):
            return [{k: v for k, v in event.envelope().items() if k not in ("hash", "prev_hash")}
                    for event in store.read()]
        assert events(two) == events(one)
        assert two.verify().ok


def lines_with(tmp_path: Path, bad: dict[int, str], total: int = 12) -> Path:
    """A file of `total` good lines (a case opened, then contacts) with some lines replaced."""
    lines = [json.dumps(OPEN)] + [json.dumps(contact()) for _ in range(total - 1)]
    for number, text in bad.items():
        lines[number - 1] = text
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("bad, line, reason", [
    ({3: json.dumps(contact(because=["p-1#9"])), 9: '{"type": '}, 3, "later event"),
    ({3: '{"type": ', 9: json.dumps(contact(because=["p-1#9"]))}, 3, "malformed JSON"),
    ({4: json.dumps({**contact(), "version": 9}), 8: json.dumps({**contact(), "occurred": "1995-13"})}, 4,
     "expected case:p-1 at version 8"),
    ({4: json.dumps({**contact(), "occurred": "1995-13"}), 8: json.dumps({**contact(), "version": 2})}, 4,
     "no month 13"),
])
def test_the_first_bad_line_in_file_order_is_reported_whichever_worker_saw_it(cli, tmp_path, monkeypatch, bad,
                                                                                line, reason):
    monkeypatch.setattr(pipeline, "LINES", 2)  # each bad line in another worker's chunk
    monkeypatch.setenv("PATHWAYS_WORKERS", "2")
    monkeypatch.setenv("PATHWAYS_PARALLEL_MIN", "0")
    path = lines_with(tmp_path, bad)
    result = cli.run("import", str(path))
    assert result.exit_code in (1, 2), result.output
    assert f"{path}, line {line}" in result.stderr and reason in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert cli.log() == []


def test_a_file_that_is_not_utf8_is_refused_with_nothing_written(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "LINES", 2)
    monkeypatch.setenv("PATHWAYS_WORKERS", "2")
    monkeypatch.setenv("PATHWAYS_PARALLEL_MIN", "0")
    path = lines_with(tmp_path, {})
    path.write_bytes(path.read_bytes() + b'{"type": "\xff\xfe"}\n')
    result = cli.run("import", str(path))
    assert result.exit_code == 2
    assert "not UTF-8" in result.stderr and str(path) in result.stderr
    assert cli.log() == []


def test_the_catalogue_in_force_is_the_writers_not_the_workers(cli, tmp_path, monkeypatch):
    # The workers settle keys their catalogue (taken when the import began) knows; a key defined
    # earlier in the same file is unknown to them and must be left to the writer, which knows it.
    monkeypatch.setenv("PATHWAYS_WORKERS", "2")
    monkeypatch.setenv("PATHWAYS_PARALLEL_MIN", "0")
    defined = {"type": "ActorDefined", "stream": "catalogue", "data": {"key": "ngo-x", "label": "an NGO"}}
    path = write_jsonl(tmp_path / "defs.jsonl", [defined, OPEN, contact(actor="ngo-x")])
    cli.ok("import", str(path))
    assert [event["type"] for event in cli.log()] == ["ActorDefined", "CaseOpened", "ContactRecorded"]
    unknown = write_jsonl(tmp_path / "unknown.jsonl", [contact(actor="ngo-y")])
    result = cli.run("import", str(unknown))
    assert result.exit_code == 2 and "unknown actor 'ngo-y'" in result.stderr


def test_workers_import_into_either_backend_and_leave_its_connection_working(target, tmp_path, monkeypatch):
    # The workers are forked with the writer's connection open (a SQLite file, or a PostgreSQL
    # session): they must never touch or close it.
    source = panel(tmp_path / "panel.jsonl", cases=40)
    monkeypatch.setattr(pipeline, "LINES", 50)
    with imported(tmp_path / "one.db", source, "1", monkeypatch) as one:
        expected = [(e.event_id, e.stream, e.version, e.type, e.data, e.recorded_at) for e in one.read()]
    with imported(target, source, "2", monkeypatch, seal=True) as store:
        assert [(e.event_id, e.stream, e.version, e.type, e.data, e.recorded_at) for e in store.read()] == expected
        assert store.verify().ok
        store.append([NewEvent(stream=expected[1][1], type="StateObserved",
                               data={"variable": "trust", "direction": "up"})])
        assert store.last_position() == len(expected) + 1


def test_workers_import_again_skips_every_stored_event_and_a_dry_run_writes_nothing(tmp_path, monkeypatch):
    source = panel(tmp_path / "panel.jsonl", cases=40, tail=False)
    monkeypatch.setattr(pipeline, "LINES", 50)
    with imported(tmp_path / "log.db", source, "2", monkeypatch, seal=True) as store:
        events = store.last_position()
        again = store.import_file(source)
        assert (again.appended, again.skipped) == (0, events)  # idempotent: every line already stored
        more = panel(tmp_path / "more.jsonl", cases=45, tail=False)  # the same 40 cases, then five more
        trial = store.import_file(more, dry_run=True)
        assert trial.dry_run and trial.appended > 0 and trial.skipped == events
        assert store.last_position() == events and store.verify().ok


def appended(db: Path, events: list[NewEvent], workers: str, monkeypatch) -> EventStore:
    monkeypatch.setenv("PATHWAYS_WORKERS", workers)
    monkeypatch.setenv("PATHWAYS_PARALLEL_MIN", "0")
    store = EventStore(db, seal=False)  # clear: the same rows to the byte (sealed ones differ by key)
    store.append(events)
    return store


def test_appending_a_big_list_on_workers_stores_what_one_process_stores(tmp_path, monkeypatch):
    from events.ingest.readers import read_events

    events = list(read_events(panel(tmp_path / "panel.jsonl", cases=60)))
    monkeypatch.setattr(pipeline, "LINES", 97)  # many slices, ending mid-case
    pooled = []
    real = pipeline.prepared_events
    monkeypatch.setattr(pipeline, "prepared_events", lambda *args: pooled.append(args[-1]) or real(*args))
    with appended(tmp_path / "one.db", events, "1", monkeypatch) as one, \
            appended(tmp_path / "two.db", events, "2", monkeypatch) as two:
        rows = f"SELECT {COLUMNS} FROM events ORDER BY position"
        expected = one.conn.execute(rows).fetchall()
        assert len(expected) == len(events)
        assert two.conn.execute(rows).fetchall() == expected
        assert two.verify().ok
    assert pooled == [1]  # the second went through a worker beside the writer


def test_a_bad_event_in_a_big_list_is_refused_as_one_process_refuses_it_and_nothing_is_written(tmp_path,
                                                                                               monkeypatch):
    from events.errors import InvalidEvent

    events = [NewEvent(stream="case:p-1", type="CaseOpened", data=OPEN["data"])]
    events += [NewEvent(stream="case:p-1", type="ContactRecorded", occurred="1996", data=contact()["data"])
               for _ in range(300)]
    events[250] = attrs.evolve(events[250], occurred="1996-13")
    monkeypatch.setattr(pipeline, "LINES", 7)
    reasons = []
    for workers in ("1", "2"):
        monkeypatch.setenv("PATHWAYS_WORKERS", workers)
        monkeypatch.setenv("PATHWAYS_PARALLEL_MIN", "0")
        with EventStore(tmp_path / f"{workers}.db") as store:
            with pytest.raises(InvalidEvent) as refused:
                store.append(events)
            assert store.last_position() == 0
            reasons.append(str(refused.value))
    assert reasons[0] == reasons[1] and "no month 13" in reasons[1]
