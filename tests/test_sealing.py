"""Sealed cases: encrypted at rest under per-case keys, erased by destroying the key, on both backends."""

from __future__ import annotations

import base64
import json
import multiprocessing
import re
import shutil
import sqlite3
import uuid
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.envelope import NewEvent
from events.hashing import chain_hash
from events.ingest.readers import to_new_event
from events.sealing.keyfile import key_path
from events.store import Erased, EventStore
from pathways.application import service
from pathways.analysis.pathway import Settings
from pathways.projections.runner import Projector

from typer.testing import CliRunner

from cli import app

from .conftest import Cli, write_jsonl
from .strategies import logs

QUOTE = "Zarrinkafsh-quote: they laughed at my papers in Zwolle"
NOTE = "Kestrelbrook-note: interview 3, tape B"
STATEMENT = "Quillonmarsh-statement: the coach will find me work"


def _records(case: str = "fa-1") -> list[dict]:
    return [
        {"type": "CaseOpened", "case": case, "data": {"origin": "IR", "arrival": "1995", "motive": "asylum",
                                                       "notes": NOTE}},
        {"type": "ContactRecorded", "case": case, "occurred": "1996-02", "data": {
            "actor": "ind", "role": "officer", "kind": "permit-decision", "outcome": "refused",
            "perceived": "unfavourable", "quote": QUOTE,
            "effects": [{"variable": "resentment", "direction": "up"}]}},
        {"type": "ExpectationFormed", "case": case, "occurred": "1996-03", "data": {
            "statement": STATEMENT, "links": [{"from": "effort", "to": "employment", "sign": "+"}]}},
        {"type": "StateObserved", "case": case, "occurred": "1997", "data": {
            "variable": "pressure", "direction": "up", "because": [f"{case}#2"]}},
    ]


def _other(case: str = "other-1") -> list[dict]:
    return [{"type": "CaseOpened", "case": case, "data": {"origin": "MA", "motive": "labour"}},
            {"type": "StateObserved", "case": case, "occurred": "2001", "data": {"variable": "trust", "direction": "up"}}]


def _files(db: Path) -> list[Path]:
    return [path for path in db.parent.iterdir() if path.name.startswith(db.name) or path.name.startswith(f".{db.name}")]


def _needles(key: bytes) -> list[bytes]:
    texts = [QUOTE, NOTE, STATEMENT, "Zarrinkafsh", "Kestrelbrook", "Quillonmarsh"]
    return ([text.encode() for text in texts] + [text.encode("utf-16-le") for text in texts]
            + [key, key.hex().encode(), base64.b64encode(key)])


def test_a_sealed_database_keeps_no_free_text_in_clear(cli: Cli, tmp_path: Path):
    cli.ok("init")
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", _records())))
    shown = cli.ok("show", "fa-1", "--json")
    assert QUOTE in shown and NOTE in shown  # the command that shows it decrypts
    cli.ok("summary")
    for path in _files(cli.db):
        content = path.read_bytes()
        if path.name.endswith(".keys"):
            continue
        assert b"Zarrinkafsh" not in content and b"Kestrelbrook" not in content and b"Quillonmarsh" not in content, path
    assert oct(cli.db.stat().st_mode & 0o777) == "0o600" and oct(key_path(cli.db).stat().st_mode & 0o777) == "0o600"
    row = sqlite3.connect(cli.db).execute("SELECT data, meta FROM events WHERE type = 'ContactRecorded'").fetchone()
    assert row[0].startswith('"aesgcm1:') and row[1] == '"sealed"'


def _names_case(text: str, case: str) -> bool:
    """Whether `text` holds the case id as an id, not as characters inside a random event id
    (`fa-1` in "...2bfa-1c4e...")."""
    return re.search(rf"(?<![0-9a-f]){re.escape(case)}(?![0-9a-f])", text) is not None


def test_forget_leaves_no_copy_of_the_text_or_the_key_in_any_file(cli: Cli, tmp_path: Path):
    cli.ok("init")
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", _records() + _other())))
    cli.ok("loops")
    key = EventStore(cli.db).sealer.keys["fa-1"]
    assert any(key.hex().encode() in path.read_bytes() for path in _files(cli.db))  # the scan can find it

    out = cli.ok("forget", "fa-1", "--reason", "consent withdrawn")
    assert "erased case fa-1" in out and "1 key destroyed" in out
    for path in _files(cli.db):
        content = path.read_bytes()
        for needle in _needles(key):
            assert needle not in content, (path.name, needle[:20])
    assert cli.ok("verify").startswith("ok: 7 events")
    log = cli.log()
    assert [e.get("sealed") for e in log if e["case"] == "fa-1"] == ["erased"] * 4 + [None]
    assert log[-1]["type"] == "CaseForgotten" and log[-1]["data"] == {"reason": "consent withdrawn"}
    # gone from every projection, summary and export; show and loops say when
    assert [loop["case"] for loop in cli.json("loops")] == []
    assert "fa-1" not in cli.ok("summary", "--json")
    for fmt in ("jsonl", "csv", "xes", "spell", "sts", "graphml", "xmile"):
        assert not _names_case(cli.ok("export", "--format", fmt), "fa-1"), fmt
    for command in (("show", "fa-1"), ("loops", "fa-1"), ("render", "fa-1", "--out", str(tmp_path / "d"))):
        result = cli.run(*command)
        assert result.exit_code == 1 and "was erased at" in result.stderr and "consent withdrawn" in result.stderr
    refused = cli.run("add", "state", "fa-1", "--variable", "trust", "--direction", "up")
    assert refused.exit_code == 1 and "erased" in refused.stderr
    assert cli.run("import", str(write_jsonl(tmp_path / "g.jsonl", _records()[:1]))).exit_code == 1
    again = cli.ok("forget", "fa-1", "--reason", "consent withdrawn")
    assert "already erased" in again


def test_a_sealed_log_copied_without_its_keys_verifies_and_lists_but_does_not_analyse(cli: Cli, tmp_path: Path):
    cli.ok("init")
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", _records())))
    archive = tmp_path / "archive"
    archive.mkdir()
    shutil.copy(cli.db, archive / "copy.db")
    copied = Cli(archive / "copy.db")
    assert copied.ok("verify").startswith("ok: 4 events")
    assert [e.get("sealed") for e in copied.log()] == ["sealed"] * 4
    assert "(sealed)" in copied.ok("log")
    for command in (("show", "fa-1"), ("loops",), ("summary",), ("export", "--format", "jsonl")):
        result = copied.run(*command)
        assert result.exit_code == 3, command
        assert len(result.stderr.strip().splitlines()) == 1 and "keys are not at" in result.stderr
        assert "Zarrinkafsh" not in result.output


def _tamper(db: Path, position: int, change) -> None:
    """Change a stored row behind the log's back (dropping the trigger that forbids it)."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER events_no_update")
    data = conn.execute("SELECT data FROM events WHERE position = ?", (position,)).fetchone()[0]
    conn.execute("UPDATE events SET data = ? WHERE position = ?", (change(data), position))
    conn.close()


def _flip(data: str) -> str:
    body = bytearray(base64.b64decode(json.loads(data)[len("aesgcm1:"):]))
    body[20] ^= 1
    return json.dumps("aesgcm1:" + base64.b64encode(bytes(body)).decode())


def test_a_changed_ciphertext_is_caught_by_verify_and_by_decryption(cli: Cli, tmp_path: Path):
    cli.ok("init")
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", _records())))
    _tamper(cli.db, 2, _flip)
    result = cli.run("verify")
    assert result.exit_code == 1 and "position 2" in result.output + result.stderr

    # A forger who also rewrites the hashes from there on passes the chain, never the cipher's tag.
    conn = sqlite3.connect(cli.db, isolation_level=None)
    conn.execute("DROP TRIGGER events_no_update")  # `verify` put it back
    rows = conn.execute("SELECT * FROM events ORDER BY position").fetchall()
    columns = [c[1] for c in conn.execute("PRAGMA table_info(events)")]
    prev = rows[0][columns.index("hash")]
    for row in rows[1:]:
        values = dict(zip(columns, row))
        fresh = chain_hash(prev, **{k: values[k] for k in ("event_id", "stream", "version", "type", "schema_version",
                                                            "occurred", "recorded_at", "recorded_by", "data", "meta")})
        conn.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE position = ?", (prev, fresh, values["position"]))
        prev = fresh
    conn.close()
    event_id = dict(zip(columns, rows[1]))["event_id"]
    result = cli.run("verify")
    assert result.exit_code == 1 and event_id in result.output + result.stderr and "does not decrypt" in result.output + result.stderr
    shown = cli.run("rebuild")
    assert shown.exit_code == 1 and event_id in shown.stderr and len(shown.stderr.strip().splitlines()) == 1


def _append_until_refused(path: str, case: str, ready, results) -> None:
    import time

    with EventStore(path) as store:
        ready.set()
        appended = 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.002)  # a coder's pace, fast: the forget must find a moment between appends
            try:
                store.append([NewEvent(stream=f"case:{case}", type="StateObserved",
                                       data={"variable": "trust", "direction": "up", "quote": QUOTE})])
                appended += 1
            except Erased:
                results.put(("refused", appended))
                return
        results.put(("finished", appended))


def test_forget_racing_an_append_leaves_no_readable_orphan(target, tmp_path: Path):
    with EventStore(target) as store:
        store.append(to_new_event(record, line=line) for line, record in enumerate(_records(), 1))
    context = multiprocessing.get_context("spawn")
    ready, results = context.Event(), context.Queue()
    writer = context.Process(target=_append_until_refused, args=(str(target), "fa-1", ready, results))
    writer.start()
    ready.wait(30)
    with EventStore(target) as store:
        while store.head("case:fa-1") < 20:  # let the race begin
            pass
        service.forget(store, "fa-1", "consent withdrawn")
    writer.join(120)
    outcome, appended = results.get(timeout=10)
    assert outcome == "refused" and appended >= 16
    with EventStore(target) as store:
        events = [e for e in store.read(keyless=True) if e.case == "fa-1"]
        assert events[-1].type == "CaseForgotten"  # nothing landed after it
        assert all(e.sealed == "erased" for e in events[:-1]) and len(events) == 4 + appended + 1
        assert store.verify().ok
        assert "fa-1" not in store.sealer.keys


def test_sealed_export_and_import_round_trip(cli: Cli, tmp_path: Path):
    cli.ok("init")
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", _records() + _other())))
    exported = tmp_path / "out.jsonl"
    cli.ok("export", "--format", "jsonl", "--out", str(exported))
    assert QUOTE in exported.read_text()  # an export that is not pseudonymised shows what it holds
    again = Cli(tmp_path / "again.db")
    again.ok("init")
    again.ok("import", str(exported))
    fields = ("event_id", "case", "version", "type", "occurred", "data", "meta")
    assert [{k: e[k] for k in fields} for e in again.log()] == [{k: e[k] for k in fields} for e in cli.log()]
    assert again.json("loops") == cli.json("loops")
    assert again.ok("show", "fa-1", "--json") == cli.ok("show", "fa-1", "--json")
    pseudonymised = cli.ok("export", "--format", "jsonl", "--pseudonymise")
    assert not _names_case(pseudonymised, "fa-1") and "Zarrinkafsh" not in pseudonymised and "Kestrelbrook" not in pseudonymised


def test_an_open_database_stores_in_clear_and_cannot_forget(cli: Cli, tmp_path: Path):
    assert "open" in cli.ok("init", "--open")
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", _records())))
    assert any(b"Zarrinkafsh" in path.read_bytes() for path in _files(cli.db))
    assert not key_path(cli.db).exists()
    result = cli.run("forget", "fa-1", "--reason", "consent withdrawn")
    assert result.exit_code == 2 and "open database" in result.stderr
    refused = cli.run("import", str(write_jsonl(tmp_path / "g.jsonl", [
        {"type": "CaseForgotten", "case": "fa-1", "data": {"reason": "x"}}])))
    assert refused.exit_code == 2 and "cannot be erased" in refused.stderr


def test_keys_backup_and_restore_never_bring_back_a_forgotten_case(cli: Cli, tmp_path: Path):
    cli.ok("init")
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", _records() + _other())))
    backup = tmp_path / "keys.backup"
    assert "2 case keys" in cli.ok("keys", "backup", str(backup))
    assert oct(backup.stat().st_mode & 0o777) == "0o600"
    assert cli.run("keys", "backup", str(backup)).exit_code == 2  # never written over
    cli.ok("forget", "fa-1", "--reason", "consent withdrawn")
    key_path(cli.db).unlink()  # the key file is lost
    lost = cli.run("show", "other-1")
    assert lost.exit_code == 3 and "keys restore" in lost.stderr
    out = cli.ok("keys", "restore", str(backup))
    assert "restored 2 case keys" in out and "1 belonged to cases erased since the backup" in out
    assert "other-1" in cli.ok("show", "other-1")
    assert set(json.loads(key_path(cli.db).read_text())["cases"]) == {"other-1"}
    assert cli.run("show", "fa-1").exit_code == 1
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert cli.run("keys", "restore", str(bad)).exit_code == 2


def test_sealed_on_postgresql_forget_and_copy_both_ways(pg_url, tmp_path: Path):
    source = Cli(tmp_path / "source.db")
    source.ok("init")
    source.ok("import", str(write_jsonl(tmp_path / "f.jsonl", _records() + _other())))
    server = Cli(pg_url)  # type: ignore[arg-type]
    assert CliRunner().invoke(app, ["copy", str(source.db), pg_url]).exit_code == 0
    assert server.ok("show", "fa-1", "--json") == source.ok("show", "fa-1", "--json")
    with EventStore(pg_url) as store:
        assert store.sealed
        raw = store.conn.execute("SELECT data FROM events WHERE type = 'ContactRecorded'").fetchone()[0]
        assert raw.startswith('"aesgcm1:')
    server.ok("forget", "fa-1", "--reason", "consent withdrawn")
    with EventStore(pg_url) as store:
        assert store.conn.execute("SELECT count(*) FROM case_keys WHERE name = 'case:fa-1'").fetchone()[0] == 0
        assert store.verify().ok
    assert [loop["case"] for loop in server.json("loops")] == []
    back = tmp_path / "back.db"
    assert CliRunner().invoke(app, ["copy", pg_url, str(back)]).exit_code == 0
    assert Cli(back).ok("verify").startswith("ok: 7 events")
    assert Cli(back).run("show", "fa-1").exit_code == 1
    assert "other-1" in Cli(back).ok("show", "other-1")


def _analyses(store: EventStore, keep: set[str]) -> dict:
    return {a.case: a for a in Projector(store, Settings()).current() if a.case in keep}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(records=logs(max_cases=3, max_steps=8), data=st.data())
def test_forgetting_a_case_gives_the_projections_of_a_log_that_never_had_it(tmp_path_factory, records, data):
    folder = tmp_path_factory.mktemp("forget")
    for record in records:
        record["event_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{record['case']}/{id(record)}"))
    cases = sorted({record["case"] for record in records})
    erased = data.draw(st.sampled_from(cases))
    with EventStore(folder / "with.db") as store:
        store.append(to_new_event(record, line=line) for line, record in enumerate(records, 1))
        Projector(store, Settings()).catch_up()  # tables current before the forget: catch-up after it
        service.forget(store, erased, "consent withdrawn")
        after = _analyses(store, set(cases))
        Projector(store, Settings()).rebuild()
        rebuilt = _analyses(store, set(cases))
    with EventStore(folder / "without.db") as store:
        store.append(to_new_event(record, line=line) for line, record in enumerate(records, 1) if record["case"] != erased)
        never = _analyses(store, set(cases))
    assert erased not in after and after == never == rebuilt


def test_nonces_never_repeat_within_a_process_nor_between_it_and_a_forked_child():
    # AES-GCM under one key must never see a nonce twice: a forked child (a rebuild or import
    # worker sealing under the same case keys) draws a fresh seed instead of replaying the parent's.
    import os

    from events.sealing.cipher import _NONCES

    mine = [_NONCES.take() for _ in range(1000)]
    assert len(set(mine)) == 1000 and all(len(nonce) == 12 for nonce in mine)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(write, b"".join(_NONCES.take() for _ in range(1000)))
        os._exit(0)
    os.close(write)
    theirs = b""
    while len(theirs) < 12_000:
        theirs += os.read(read, 12_000 - len(theirs))
    os.close(read)
    os.waitpid(child, 0)
    theirs_set = {theirs[i:i + 12] for i in range(0, 12_000, 12)}
    more = [_NONCES.take() for _ in range(1000)]  # the parent goes on counting where the child also began
    assert not theirs_set & set(mine + more)


def test_a_step_keeps_its_payload_out_of_its_repr_equality_and_hash():
    # A step carries the event's payload while a case is analysed; a repr in a traceback or a debug
    # line must not show it (interview text), and the tables' steps (without it) equal the analysed ones.
    from pathways.analysis.pathway import Step

    bare = Step("p-1", 1, "p-1#2", "e-1", 2, "ContactRecorded", "1996", "1996", "reset", None, quote="x")
    analysed = bare._replace(data={"quote": "what she told us in confidence"})
    assert analysed == bare and not analysed != bare and hash(analysed) == hash(bare)
    assert "confidence" not in repr(analysed) and "quote='x'" in repr(analysed)
    assert analysed != bare._replace(quote="y")
