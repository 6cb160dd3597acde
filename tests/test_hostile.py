"""Faults and hostile input (issue 15): each item as it was reproduced, now refused or survived."""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import events.append.batch as batch_module
import events.append.refs as refs_module
import events.store as store_module
from events.envelope import NewEvent
from events.sealing.keyfile import key_path
from events.store import EventStore

from .conftest import write_jsonl
from .figures import FIGURES

PATHWAYS = [sys.executable, "-c", "import cli; cli.main()"]
ROOT = Path(__file__).resolve().parent.parent
OPEN = {"type": "CaseOpened", "case": "c", "data": {"origin": "IR", "motive": "asylum", "arrival": "1995"}}


def run(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    """The real program in a process of its own (as a user runs it)."""
    return subprocess.run([*PATHWAYS, *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, **kwargs)


def one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def chain(count: int) -> list[dict]:
    """A case whose every contact cites the three events before it."""
    records = [OPEN]
    for version in range(2, count + 2):
        because = [f"c#{v}" for v in range(max(2, version - 3), version)]
        records.append({"type": "StateObserved", "case": "c", "occurred": "2000",
                        "data": {"variable": "effort", "direction": "up", **({"because": because} if because else {})}})
    return records


def test_a_large_import_citing_recent_events_is_accepted_past_the_ref_cache(db, tmp_path, monkeypatch):
    # The cache used to be cleared at 50,000 refs, losing rows still waiting in the chunk; a small
    # cache shows the same path in a test-sized import (2,000-event chunks, cleared mid-chunk).
    monkeypatch.setattr(refs_module, "REF_CACHE", 700)
    path = write_jsonl(tmp_path / "chain.jsonl", chain(6_005))
    with EventStore(db) as store:
        report = store.append(__import__("events.ingest.readers", fromlist=["read_events"]).read_events(path))
        assert report.appended == 6_006 and store.verify().ok


def dense_case(cli, tmp_path, variables: int = 30):
    keys = [item["key"] for item in json.loads((ROOT / "schemas/catalogue/variables.json").read_text())["items"]]
    extra = [{"type": "VariableDefined", "stream": "catalogue", "data": {"key": f"v{i}", "desirability": 1}}
             for i in range(max(0, variables - len(keys)))]
    names = (keys + [f"v{i}" for i in range(len(extra))])[:variables]
    links = [{"type": "LinkCoded", "case": "dense", "data": {"from": a, "to": b, "sign": "+"}}
             for a, b in itertools.permutations(names, 2)]
    cli.ok("import", str(write_jsonl(tmp_path / "dense.jsonl", extra + [{**OPEN, "case": "dense"}] + links)))


def test_a_dense_case_stops_at_the_loop_budget_and_says_it_is_a_floor(cli, tmp_path):
    dense_case(cli, tmp_path)
    cli.ok("import", str(write_jsonl(tmp_path / "fig.jsonl", FIGURES["fig1"])))
    result = cli.runner.invoke(__import__("cli").app, ["loops", "--json", "--db", str(cli.db)],
                               env={"PATHWAYS_LOOP_BUDGET": "300"})
    assert result.exit_code == 0, result.output
    loops = json.loads(result.stdout)
    dense = [loop for loop in loops if loop["case"] == "dense"]
    assert len(dense) == 300 and not any(loop["loops_complete"] for loop in dense)
    assert [loop["loops_complete"] for loop in loops if loop["case"] == "fig1"] == [True]  # the others still answer
    shown = cli.runner.invoke(__import__("cli").app, ["show", "dense", "--db", str(cli.db)],
                              env={"PATHWAYS_LOOP_BUDGET": "300", "COLUMNS": "200"})
    assert "at least 300" in shown.stdout and "--loop-bound" in shown.stdout


def test_repeated_effects_in_a_because_chain_are_not_quadratic(cli, tmp_path):
    effects = [{"variable": v, "direction": d} for v in ("effort", "trust", "stress", "pressure", "language")
               for d in ("up", "down")] * 5
    records = [OPEN, {"type": "ContactRecorded", "case": "c", "occurred": "1996",
                      "data": {"actor": "coa", "kind": "meeting", "effects": effects}},
               {"type": "ContactRecorded", "case": "c", "occurred": "1997",
                "data": {"actor": "coa", "kind": "meeting", "effects": effects, "because": ["c#2"] * 50}}]
    cli.ok("import", str(write_jsonl(tmp_path / "q.jsonl", records)))
    edges = cli.json("show", "c")["edges"]
    assert len(edges) == 25 and all(edge["ambiguous"] for edge in edges)  # each pair once, both signs seen


@pytest.fixture
def locked(cli, tmp_path):
    """A database whose write lock another connection holds (as a long import does)."""
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig1"])))
    cli.ok("summary")  # tables caught up
    cli.ok("import", str(write_jsonl(tmp_path / "g.jsonl", FIGURES["fig2"])))  # tables now behind
    holder = sqlite3.connect(cli.db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield cli
    holder.execute("ROLLBACK")
    holder.close()


def test_readers_do_not_wait_on_a_writer_and_see_what_is_committed(locked):
    loops = locked.json("loops")
    assert {loop["case"] for loop in loops} == {"fig1", "fig2"}
    assert locked.json("show", "fig2")["loops"]
    assert locked.json("summary")["cases"] == 2


def test_a_writer_waiting_on_a_writer_stops_with_one_line(locked):
    result = locked.runner.invoke(__import__("cli").app, ["add", "state", "fig1", "--variable", "trust",
                                                         "--direction", "up", "--db", str(locked.db)],
                                  env={"PATHWAYS_BUSY_SECONDS": "1.5"})
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("waiting for another writer")
    assert lines[-1].startswith("error: ") and "locked by another writer" in lines[-1]
    assert "Traceback" not in result.stderr


def test_replace_into_and_inserts_at_or_below_the_head_are_refused(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig1"])))
    row = cli.log()[1]
    conn = sqlite3.connect(cli.db)
    columns = ", ".join(batch_module.COLUMNS.split(", "))
    values = [row[c.strip()] if c.strip() not in ("data", "meta") else json.dumps(row[c.strip()])
              for c in columns.split(",")]
    for sql in (f"REPLACE INTO events ({columns}) VALUES ({','.join('?' * 13)})",
                f"INSERT INTO events ({columns}) VALUES ({','.join('?' * 13)})"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(sql, values)
    conn.close()
    assert cli.ok("verify").startswith("ok")


def test_truncation_is_seen_against_a_recorded_head(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig1"] + FIGURES["fig2"])))
    head = cli.ok("head").strip()
    assert cli.ok("verify", "--head", head).startswith("ok")
    conn = sqlite3.connect(cli.db, isolation_level=None)
    conn.executescript("DROP TRIGGER events_no_delete; DELETE FROM events WHERE position > 5;")
    conn.close()
    with EventStore(cli.db):  # a writer opening it puts the dropped trigger back
        pass
    assert cli.run("verify").exit_code == 0  # the chain of what is left is intact...
    result = cli.run("verify", "--head", head)
    assert result.exit_code == 1 and "truncated" in result.stderr  # ...but the head is gone


def test_a_dropped_projection_table_is_rebuilt_not_read_as_empty(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", [r for case in FIGURES.values() for r in case])))
    before = cli.json("summary")["loops"]
    assert before > 0
    for damage in ("DROP TABLE loops", "DELETE FROM case_profiles WHERE \"case\" = 'fig1'",
                   "ALTER TABLE causal_edges ADD COLUMN junk TEXT"):
        conn = sqlite3.connect(cli.db, isolation_level=None)
        conn.execute(damage)
        conn.close()
        assert cli.json("summary")["loops"] == before, damage


def test_reset_years_beyond_the_limit_is_refused(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig1"])))
    result = cli.run("summary", "--reset-years", "100000")
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_csv_export_defuses_formulas_and_round_trips(cli, tmp_path):
    formula = '=HYPERLINK("http://example.invalid","x")'
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", [{**OPEN, "recorded_by": formula}])))
    out = tmp_path / "out.csv"
    cli.ok("export", "--format", "csv", "--out", str(out))
    assert "'" + formula.replace('"', '""') in out.read_text()
    again = type(cli)(tmp_path / "again.db")
    again.ok("import", str(out))
    assert again.log()[0]["recorded_by"] == formula and again.log()[0]["data"] == cli.log()[0]["data"]


def test_a_large_payload_exported_to_csv_imports_again(cli, tmp_path):
    meta = {f"segment-{i}": "x" * 19_000 for i in range(8)}  # a 150 KB cell, over csv's default limit
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", [{**OPEN, "meta": meta}])))
    out = tmp_path / "out.csv"
    cli.ok("export", "--format", "csv", "--out", str(out))
    again = type(cli)(tmp_path / "again.db")
    again.ok("import", str(out))
    assert again.log()[0]["meta"] == cli.log()[0]["meta"] == meta


@pytest.mark.parametrize("make, code, words", [
    (lambda p: p.write_bytes(b"this is not a database, just text" * 100), 2, "not a pathways database"),
    (lambda p: p.mkdir(), 3, "is a folder"),
    (lambda p: None, 3, "no folder"),
    (lambda p: sqlite3.connect(p).execute("CREATE TABLE events (id INTEGER, body TEXT)").connection.commit(), 2,
     "another layout"),
])
def test_a_database_that_is_not_ours_is_one_line(tmp_path, make, code, words):
    path = tmp_path / "x.db"
    if words == "no folder":
        path = tmp_path / "missing" / "x.db"
    else:
        make(path)
    for command in (["summary"], ["add", "state", "c", "--variable", "trust", "--direction", "up"]):
        result = run(*command, "--db", str(path))
        assert result.returncode == (2 if words == "no folder" else code), result.stderr  # recording makes no database
        line = one_line(result)
        assert words in line or (words == "no folder" and "no database" in line)


def test_a_full_disk_is_one_line(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig1"])))
    with open("/dev/full", "w") as full:
        result = subprocess.run([*PATHWAYS, "export", "--format", "jsonl", "--db", str(cli.db)], stdout=full,
                                stderr=subprocess.PIPE, text=True, cwd=ROOT,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 3
    assert "No space left on device" in one_line(result)


def test_storage_errors_translate_to_one_line():
    for text, code in (("database or disk is full", 3), ("database is locked", 1), ("disk I/O error", 3),
                       ("attempt to write a readonly database", 3), ("file is not a database", 2)):
        error = store_module.translate(sqlite3.OperationalError(text), "x.db")
        assert error is not None and error.exit_code == code, text


@pytest.fixture
def read_only(cli, tmp_path):
    """A database its user can only read (as another user's file, or a read-only mount, would be)."""
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig1"] + FIGURES["fig2"])))
    cli.ok("summary")
    cli.ok("import", str(write_jsonl(tmp_path / "g.jsonl", FIGURES["fig3"])))  # tables behind
    folder = Path(tempfile.mkdtemp())
    path = folder / "ro.db"
    path.write_bytes(cli.db.read_bytes())
    key_path(path).write_bytes(key_path(cli.db).read_bytes())  # a sealed log's keys travel with it here
    path.chmod(0o444)
    folder.chmod(0o555)
    yield path
    folder.chmod(0o755)
    path.chmod(0o644)
    path.unlink()
    key_path(path).unlink()
    folder.rmdir()


def _as_reader(*args: str, folder: Path) -> subprocess.CompletedProcess:
    """Root may write any file whatever its mode: for root, the folder is mounted read-only in a
    mount namespace of the command's own (gone when it ends), as a read-only mount would be."""
    if os.geteuid() != 0:
        return run(*args)
    script = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"'
    return subprocess.run(["unshare", "-m", "sh", "-c", script, str(folder), *PATHWAYS, *args], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})


def _can_mount() -> bool:
    if os.geteuid() != 0:
        return True
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount --bind /tmp /tmp"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount(), reason="root without mount namespaces cannot make a file read-only")
def test_read_commands_work_on_a_read_only_database(read_only):
    folder = read_only.parent
    assert _as_reader("verify", "--db", str(read_only), folder=folder).stdout.startswith("ok")
    assert _as_reader("log", "--json", "--db", str(read_only), folder=folder).stdout.count("\n") > 5
    loops = json.loads(_as_reader("loops", "--json", "--db", str(read_only), folder=folder).stdout)
    assert {loop["case"] for loop in loops} == {"fig1", "fig2", "fig3"}
    result = _as_reader("add", "state", "fig1", "--variable", "trust", "--direction", "up", "--db", str(read_only), folder=folder)
    assert result.returncode == 3 and "read-only" in one_line(result)


def test_dry_run_creates_no_database(cli, tmp_path):
    result = cli.run("import", "--dry-run", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig1"])))
    assert result.exit_code == 0 and "would import" in result.stdout
    assert not cli.db.exists()


def test_export_out_keeps_the_mode_of_the_file_it_replaces(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig1"])))
    out = tmp_path / "shared.jsonl"
    out.write_text("old")
    out.chmod(0o640)
    cli.ok("export", "--format", "jsonl", "--out", str(out))
    assert out.stat().st_mode & 0o777 == 0o640 and "CaseOpened" in out.read_text()


def test_reimport_under_another_coder_is_said(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", [{**OPEN, "event_id": "8f14e45f-ceea-4e7a-9b0b-1e2f3a4b5c6d",
                                                             "recorded_by": "ann"}])))
    again = write_jsonl(tmp_path / "g.jsonl", [{**OPEN, "event_id": "8f14e45f-ceea-4e7a-9b0b-1e2f3a4b5c6d",
                                                "recorded_by": "bob"}])
    assert "1 of them stored under another recorded_by" in cli.ok("import", str(again))


def test_malformed_json_names_the_column_once(cli, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"type": "Case\x01Opened"}\n')
    message = one_line(cli.run("import", str(path)))
    assert "at column 15" in message and "at at" not in message


def test_a_bug_is_one_line_with_its_own_exit_code(cli, tmp_path, monkeypatch):
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig1"])))

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("pathways.analysis.patterns.Tally.result", broken)
    result = cli.run("summary")
    assert result.exit_code == 4
    assert "internal error (a bug in pathways)" in one_line(result) and "--debug" in result.stderr
    with pytest.raises(ZeroDivisionError):
        cli.runner.invoke(__import__("cli").app, ["--debug", "summary", "--db", str(cli.db)], catch_exceptions=False)
    os.environ.pop("PATHWAYS_DEBUG", None)


def test_db_before_the_command(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig1"])))
    result = run("--db", str(cli.db), "loops", "--json")
    assert result.returncode == 0 and json.loads(result.stdout)[0]["case"] == "fig1"


def test_an_append_through_the_store_at_a_stale_head_cannot_bypass_the_chain(db):
    with EventStore(db) as store:
        store.append([NewEvent(stream="case:c", type="CaseOpened", data=OPEN["data"])])
        with pytest.raises(sqlite3.IntegrityError):
            store.conn.execute(f"INSERT INTO events ({batch_module.COLUMNS}) VALUES "
                               "(7,'x','case:c',2,'StateObserved',1,NULL,'t',NULL,'{}','{}','p','h')")
