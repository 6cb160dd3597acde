"""The log on a real PostgreSQL server (the throwaway cluster of conftest): the same commands, the
guarantees on a server: a killed import, a busy writer, roles, copy (four concurrent writers run
for both backends in test_concurrency)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from events.store import EventStore

from .processes import all_gone, children

from .conftest import write_jsonl
from .figures import FIGURES
from .test_killed_import import _big_import

ROOT = Path(__file__).resolve().parent.parent


def run(url: str, *args: str):
    return CliRunner().invoke(app, [*args, "--db", url], env={"COLUMNS": "150"})


def test_the_commands_work_the_same_on_a_server(pg_url, tmp_path):
    assert run(pg_url, "init", "--open").exit_code == 0  # open on both ends: the same stored text, the same hashes
    source = write_jsonl(tmp_path / "f.jsonl", [r for case in FIGURES.values() for r in case])
    assert run(pg_url, "import", str(source)).exit_code == 0
    exported = tmp_path / "log.jsonl"
    exported.write_text(run(pg_url, "log", "--json").stdout)
    assert run(pg_url, "import", str(exported)).stdout.startswith("imported 0 events")  # idempotent
    assert run(pg_url, "verify").stdout.startswith("ok")
    loops = json.loads(run(pg_url, "loops", "--json").stdout)
    file_db = tmp_path / "same.db"
    assert CliRunner().invoke(app, ["init", "--open", "--db", str(file_db)]).exit_code == 0
    assert CliRunner().invoke(app, ["import", str(exported), "--db", str(file_db)]).exit_code == 0  # a server's log to a file
    on_file = json.loads(CliRunner().invoke(app, ["loops", "--json", "--db", str(file_db)]).stdout)
    assert loops == on_file and len(loops) == 6
    assert json.loads(run(pg_url, "show", "fig1", "--json").stdout)["loops"][0]["id"] == "D1"
    assert json.loads(run(pg_url, "loops", "fig1", "--as-of", "1995-12", "--json").stdout) == []  # time travel
    assert json.loads(run(pg_url, "loops", "fig1", "--account", "migrant", "--json").stdout)[0]["id"] == "D1"
    assert run(pg_url, "summary").exit_code == 0
    log = [json.loads(line) for line in run(pg_url, "log", "--json").stdout.splitlines()]
    assert [e["hash"] for e in log] == [
        json.loads(line)["hash"] for line in CliRunner().invoke(app, ["log", "--json", "--db", str(file_db)]).stdout.splitlines()]
    bad = run(pg_url.rsplit("/", 1)[0] + "/no_such_database", "verify")
    assert bad.exit_code == 3 and "cannot connect" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_sigkill_mid_import_on_a_server_leaves_nothing_of_it(pg_url, tmp_path):
    assert run(pg_url, "init").exit_code == 0  # recording never makes the log (issue 29, item 18)
    assert run(pg_url, "case", "open", "before", "--origin", "IR", "--motive", "asylum").exit_code == 0
    source = tmp_path / "big.jsonl"
    _big_import(source, 20_000)
    process = subprocess.Popen([sys.executable, "-c", "import cli; cli.main()", "import", str(source),
                                "--db", pg_url], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, "PATHWAYS_WORKERS": "2"})  # a writer and a worker
    time.sleep(4)  # well into the 200,000 events
    assert process.poll() is None, "the import finished before it could be killed; make the file bigger"
    workers = children(process.pid)
    assert workers, "the import runs its lines through a worker process"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    # A forked worker holds a copy of the writer's session: while it lived, the server would keep the
    # killed transaction open and its lock held. It must end, and the next writer get the lock.
    assert all_gone(workers), "a worker outlived its killed writer"
    with EventStore(pg_url) as store:
        report = store.verify()
        assert report.ok and report.checked == 1 and store.last_position() == 1
    after = CliRunner().invoke(app, ["add", "state", "before", "--variable", "trust", "--direction", "up",
                                     "--db", pg_url], env={"PATHWAYS_BUSY_SECONDS": "5"})
    assert after.exit_code == 0, after.stderr


def test_a_writer_waits_for_the_advisory_lock_then_stops_with_one_line(pg_url):
    import psycopg

    from events.backends.postgres import LOCK

    assert run(pg_url, "init").exit_code == 0  # recording never makes the log (issue 29, item 18)
    assert run(pg_url, "case", "open", "c", "--origin", "IR", "--motive", "asylum").exit_code == 0
    with psycopg.connect(pg_url, autocommit=True) as holder:
        holder.execute("BEGIN")
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK,))
        result = CliRunner().invoke(app, ["add", "state", "c", "--variable", "trust", "--direction", "up",
                                          "--db", pg_url], env={"PATHWAYS_BUSY_SECONDS": "2"})
        assert result.exit_code == 1 and "locked by another writer" in result.stderr.strip().splitlines()[-1]
        assert json.loads(run(pg_url, "loops", "--json").stdout) == []  # a reader does not wait
        holder.execute("ROLLBACK")
    assert run(pg_url, "add", "state", "c", "--variable", "trust", "--direction", "up").exit_code == 0


def test_projection_tables_on_a_server_catch_up_and_rebuild_alike(pg_url, tmp_path):
    import psycopg

    records = [r for case in FIGURES.values() for r in case]
    assert run(pg_url, "import", str(write_jsonl(tmp_path / "a.jsonl", records[:12]))).exit_code == 0
    assert run(pg_url, "summary").exit_code == 0  # the tables are built
    assert run(pg_url, "import", str(write_jsonl(tmp_path / "b.jsonl", records[12:]))).exit_code == 0
    caught_up = json.loads(run(pg_url, "loops", "--json").stdout)  # caught up from the checkpoint
    with psycopg.connect(pg_url) as conn:
        stored = conn.execute('SELECT count(*) FROM loops').fetchone()[0]
        position = conn.execute("SELECT position FROM projection_state").fetchone()[0]
    assert stored == len(caught_up) == 6 and position == len(records)
    assert run(pg_url, "rebuild").exit_code == 0
    assert json.loads(run(pg_url, "loops", "--json").stdout) == caught_up
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP TABLE loops")
    assert json.loads(run(pg_url, "summary", "--json").stdout)["loops"] == 6  # damaged: rebuilt, not read as empty


@pytest.mark.parametrize("password_url", ["postgresql://pathways:secret@127.0.0.1:1/x"])
def test_a_password_never_shows_in_a_message(password_url):
    result = run(password_url, "verify")
    assert result.exit_code == 3 and "secret" not in result.stderr and "***" in result.stderr


def test_copy_a_file_to_a_server_and_back_with_identical_hashes(pg_url, tmp_path):
    source = tmp_path / "a.db"
    records = [r for case in FIGURES.values() for r in case]
    assert CliRunner().invoke(app, ["import", str(write_jsonl(tmp_path / "f.jsonl", records)), "--db", str(source)]
                              ).exit_code == 0
    to_server = CliRunner().invoke(app, ["copy", str(source), pg_url])
    assert to_server.exit_code == 0 and "both ends verify" in to_server.stdout
    back = tmp_path / "b.db"
    assert CliRunner().invoke(app, ["copy", pg_url, str(back)]).exit_code == 0
    hashes = [[json.loads(line)["hash"] for line in CliRunner().invoke(app, ["log", "--json", "--db", str(db)]
                                                                     ).stdout.splitlines()] for db in (source, back)]
    assert hashes[0] == hashes[1] and len(hashes[0]) == len(records)
    again = CliRunner().invoke(app, ["copy", str(source), pg_url, "--json"])  # a prefix (the whole): nothing to add
    assert again.exit_code == 0 and json.loads(again.stdout)["copied"] == 0


def test_copy_continues_a_prefix_and_refuses_another_log(pg_url, tmp_path):
    source, other = tmp_path / "a.db", tmp_path / "other.db"
    half = [r for case in ("fig1", "fig2") for r in FIGURES[case]]
    assert CliRunner().invoke(app, ["import", str(write_jsonl(tmp_path / "h.jsonl", half)), "--db", str(source)]
                              ).exit_code == 0
    assert CliRunner().invoke(app, ["copy", str(source), pg_url]).exit_code == 0
    rest = [r for case in ("fig3", "fig4") for r in FIGURES[case]]
    assert CliRunner().invoke(app, ["import", str(write_jsonl(tmp_path / "r.jsonl", rest)), "--db", str(source)]
                              ).exit_code == 0
    grown = CliRunner().invoke(app, ["copy", str(source), pg_url, "--json"])
    assert grown.exit_code == 0 and json.loads(grown.stdout)["copied"] == len(rest)
    assert CliRunner().invoke(app, ["import", str(write_jsonl(tmp_path / "o.jsonl", rest)), "--db", str(other)]
                              ).exit_code == 0
    refused = CliRunner().invoke(app, ["copy", str(other), pg_url])
    assert refused.exit_code == 1 and "not the start of" in refused.stderr


def test_the_roles_of_the_readme_keep_readers_from_writing(pg_url, tmp_path):
    import uuid

    import psycopg

    text = (ROOT / "README.md").read_text()
    sql = text.split("<!-- roles -->", 1)[1].split("```sql\n", 1)[1].split("```", 1)[0]
    suffix = uuid.uuid4().hex[:8]
    sql = (sql.replace("pathways_writer", f"writer_{suffix}").replace("pathways_reader", f"reader_{suffix}")
           .replace("pathways_auditor", f"auditor_{suffix}"))
    assert run(pg_url, "init").exit_code == 0  # recording never makes the log (issue 29, item 18)
    assert run(pg_url, "case", "open", "c", "--origin", "IR", "--motive", "asylum").exit_code == 0  # as the owner
    with psycopg.connect(pg_url, autocommit=True) as owner:
        owner.execute(sql)
    base, database = pg_url.rsplit("/", 1)
    writer = base.replace("pathways@", f"writer_{suffix}@") + "/" + database
    reader = base.replace("pathways@", f"reader_{suffix}@") + "/" + database
    assert run(writer, "add", "state", "c", "--variable", "trust", "--direction", "up").exit_code == 0
    assert run(reader, "log", "--json").stdout.count("\n") == 2 and run(reader, "verify").exit_code == 0
    assert json.loads(run(reader, "show", "c", "--json").stdout)["steps"]
    refused = run(reader, "add", "state", "c", "--variable", "trust", "--direction", "up")
    assert refused.exit_code == 3 and "may not" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    for role in (writer, reader):
        with psycopg.connect(role, autocommit=True) as conn:
            for statement in ("UPDATE events SET type = 'X'", "DELETE FROM events"):
                with pytest.raises(psycopg.Error):
                    conn.execute(statement)
    assert run(pg_url, "verify").stdout.startswith("ok: 2 events")
    auditor = base.replace("pathways@", f"auditor_{suffix}@") + "/" + database
    assert run(auditor, "verify").exit_code == 0 and '"sealed": "sealed"' in run(auditor, "log", "--json").stdout
    shut = run(auditor, "show", "c")
    assert shut.exit_code == 3 and "case_keys" in shut.stderr and len(shut.stderr.strip().splitlines()) == 1
    backup = run(auditor, "keys", "backup", str(tmp_path / "keys.json"))  # the keys are there: it may not read them
    assert backup.exit_code == 3 and len(backup.stderr.strip().splitlines()) == 1, backup.stderr
    assert "may not read" in backup.stderr and "nothing to back up" not in backup.stderr
    assert not (tmp_path / "keys.json").exists()
    assert run(pg_url, "keys", "backup", str(tmp_path / "keys.json")).exit_code == 0  # the owner may
