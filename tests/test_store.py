import json

import pytest

from events.envelope import NewEvent
from events.errors import Conflict, InvalidEvent
from events.store import EventStore
from events.rules.validate import Registry


def opened(case="ir-1", **extra):
    return NewEvent(stream=f"case:{case}", type="CaseOpened",
                    data={"origin": "IR", "motive": "asylum", "arrival": "1995"}, **extra)


def contact(case="ir-1", **extra):
    return NewEvent(stream=f"case:{case}", type="ContactRecorded", occurred="1995-06",
                    data={"actor": "coa", "kind": "counselling",
                          "effects": [{"variable": "trust", "direction": "down"}]}, **extra)


def test_versions_count_per_stream_and_positions_globally(target):
    with EventStore(target) as store:
        store.append([opened("a"), opened("b"), contact("a"), contact("b"), contact("a")])
        events = list(store.read())
    assert [(e.case, e.version, e.position) for e in events] == [
        ("a", 1, 1), ("b", 1, 2), ("a", 2, 3), ("b", 2, 4), ("a", 3, 5)]
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]


def test_the_log_refuses_update_and_delete(target):
    with EventStore(target) as store:
        store.append([opened()])
        statements = ["UPDATE events SET type = 'X'", "DELETE FROM events"]
        if store.log.kind == "postgresql":
            statements.append("TRUNCATE events")
        for sql in statements:
            with pytest.raises(Exception, match="append-only"):
                store.conn.execute(sql)
        assert store.last_position() == 1 and store.verify().ok


def test_the_database_runs_in_wal_mode(db):
    with EventStore(db) as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_same_event_id_same_content_is_a_no_op(target):
    event_id = "6f1c1f8e-6c1f-4d53-9d9e-3f0c8c2f6d11"
    with EventStore(target) as store:
        store.append([opened(event_id=event_id)])
        report = store.append([opened(event_id=event_id)])
        assert (report.appended, report.skipped) == (0, 1)
        assert store.last_position() == 1


def test_same_event_id_other_content_is_a_conflict_and_writes_nothing(target):
    event_id = "6f1c1f8e-6c1f-4d53-9d9e-3f0c8c2f6d11"
    with EventStore(target) as store:
        store.append([opened(event_id=event_id)])
        changed = NewEvent(stream="case:ir-1", type="CaseOpened", event_id=event_id,
                           data={"origin": "MA", "motive": "family"})
        with pytest.raises(Conflict, match="different content"):
            store.append([opened("b"), changed])
        assert store.last_position() == 1


def test_expected_version_mismatch_writes_nothing(target):
    with EventStore(target) as store:
        store.append([opened()])
        store.append([contact(expected_version=1)])
        with pytest.raises(Conflict, match="it is at 2"):
            store.append([contact(expected_version=1)])
        assert store.head("case:ir-1") == 2


def test_a_failed_batch_writes_nothing(target):
    with EventStore(target) as store:
        store.append([opened()])
        bad = NewEvent(stream="case:ir-1", type="StateObserved", data={"variable": "nonsense"})
        with pytest.raises(InvalidEvent):
            store.append([contact(), contact(), bad])
        assert store.last_position() == 1


def test_refs_resolve_within_a_batch_and_across_batches(target):
    with EventStore(target) as store:
        store.append([opened(), contact()])
        second = NewEvent(stream="case:ir-1", type="StateObserved", data={
            "variable": "effort", "direction": "down", "because": ["ir-1#2:trust"]})
        store.append([second, NewEvent(stream="case:ir-1", type="StateObserved", data={
            "variable": "trust", "direction": "down", "because": ["ir-1#3", "ir-1#2"]})])
        event_id = list(store.read())[1].event_id
        store.append([NewEvent(stream="case:ir-1", type="EventRetracted",
                               data={"ref": event_id, "reason": "double"})])
        assert store.head("case:ir-1") == 5


def test_refs_never_point_into_another_case(target):
    with EventStore(target) as store:
        store.append([opened("a"), contact("a"), opened("b")])
        with pytest.raises(InvalidEvent, match="another case"):
            store.append([NewEvent(stream="case:b", type="StateObserved",
                                   data={"variable": "trust", "because": ["a#2"]})])


def test_catalogue_events_extend_the_keys_a_case_may_use(target):
    with EventStore(target) as store:
        store.append([opened()])
        use = NewEvent(stream="case:ir-1", type="StateObserved", data={"variable": "homesickness", "direction": "up"})
        with pytest.raises(InvalidEvent, match="unknown variable 'homesickness'"):
            store.append([use])
        store.append([NewEvent(stream="catalogue", type="VariableDefined",
                               data={"key": "homesickness", "desirability": -1}), use])
        assert store.catalogue().desirability("homesickness") == -1


def test_a_stored_v1_event_is_read_as_v2_through_its_upcaster(db):
    note_v1 = {"type": "object", "additionalProperties": False, "required": ["text"],
               "properties": {"text": {"type": "string"}}}
    note_v2 = {"type": "object", "additionalProperties": False, "required": ["body", "language"],
               "properties": {"body": {"type": "string"}, "language": {"type": "string"}}}
    registry = Registry()
    registry.add_schema("TestNote", 1, note_v1)
    with EventStore(db, registry=registry, seal=False) as store:  # the stored text is read back below
        store.append([opened(), NewEvent(stream="case:ir-1", type="TestNote", data={"text": "hello"})])

    registry.add_schema("TestNote", 2, note_v2, upcaster=lambda d: {"body": d["text"], "language": "en"})
    with EventStore(db, registry=registry) as store:
        note = list(store.read())[1]
        stored = store.conn.execute("SELECT schema_version, data FROM events WHERE position = 2").fetchone()
        assert store.verify().ok
    assert (note.schema_version, note.data) == (2, {"body": "hello", "language": "en"})
    assert (stored[0], json.loads(stored[1])) == (1, {"text": "hello"})


def test_a_new_version_without_an_upcaster_is_refused():
    with pytest.raises(ValueError, match="upcaster"):
        Registry().add_schema("CaseOpened", 2, {"type": "object"})


def test_verify_pins_a_row_changed_behind_the_triggers_back(db):
    with EventStore(db, seal=False) as store:  # a sealed row changed the same way: tests/test_sealing.py
        store.append([opened(), contact(), contact(), contact()])
        store.conn.execute("DROP TRIGGER events_no_update")
        store.conn.execute("UPDATE events SET data = replace(data, 'down', 'up') WHERE position = 3")
        report = store.verify()
    assert (report.ok, report.broken_position, report.checked) == (False, 3, 2)


def test_verify_finds_a_deleted_row_at_the_next_position(db):
    with EventStore(db) as store:
        store.append([opened(), contact(), contact(), contact()])
        store.conn.execute("DROP TRIGGER events_no_delete")
        store.conn.execute("DELETE FROM events WHERE position = 2")
        report = store.verify()
    assert (report.ok, report.broken_position) == (False, 3)


def test_verify_reports_missing_triggers(db):
    with EventStore(db) as store:
        store.append([opened()])
        store.conn.execute("DROP TRIGGER events_no_delete")
        report = store.verify()
    assert not report.ok and "events_no_delete" in report.reason
