"""An import killed with SIGKILL half-way leaves the log verified and without any of that import,
and no worker process behind."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from events.store import EventStore

from .processes import all_gone, children, running


def _big_import(path: Path, cases: int) -> None:
    with path.open("w") as out:
        for index in range(cases):
            case = f"k{index}"
            out.write(json.dumps({"type": "CaseOpened", "case": case,
                                  "data": {"origin": "TR", "motive": "family", "arrival": "1980"}}) + "\n")
            for step in range(9):
                out.write(json.dumps({"type": "ContactRecorded", "case": case, "occurred": f"{1981 + step}",
                                      "data": {"actor": "municipality", "kind": "obligation-letter",
                                               "effects": [{"variable": "pressure", "direction": "up"}],
                                               **({"because": [f"{case}#{step + 1}"]} if step else {})}}) + "\n")


def _import_under_way(db: Path, tmp_path: Path, **popen) -> tuple[subprocess.Popen, list[int]]:
    """A big import started in its own process (a writer and a worker), once it has written 2 MB
    into the WAL: the process and its worker(s)."""
    source = tmp_path / "big.jsonl"
    _big_import(source, 20_000)
    process = subprocess.Popen([sys.executable, "-c", "import cli; cli.main()", "import", str(source),
                                "--db", str(db)], cwd=Path(__file__).parent.parent,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, "PATHWAYS_WORKERS": "2"}, **popen)
    wal = Path(f"{db}-wal")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not wal.exists() or wal.stat().st_size < 2_000_000):
        time.sleep(0.02)
    assert process.poll() is None, "the import finished before it could be stopped; make the file bigger"
    assert wal.stat().st_size >= 2_000_000, "the import wrote nothing before the deadline"
    workers = children(process.pid)
    assert workers, "the import runs its lines through a worker process"
    return process, workers


def test_sigkill_mid_import_leaves_nothing_of_it(db, tmp_path, cli):
    cli.ok("case", "open", "before", "--origin", "IR", "--motive", "asylum")
    before = cli.log()
    process, workers = _import_under_way(db, tmp_path)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    # the worker sees its writer gone and ends, never waits forever
    assert all_gone(workers), "a worker outlived its killed writer"

    with EventStore(db) as store:
        report = store.verify()
    assert report.ok and report.checked == len(before)
    assert cli.log() == before


def test_ctrl_c_mid_import_stops_it_in_one_line_with_nothing_written(db, tmp_path, cli):
    # Ctrl-C at a terminal interrupts every process of its group, the workers too: only the writer
    # may speak (one line, exit 130); the workers stop quietly, and nothing of the import stays.
    cli.ok("case", "open", "before", "--origin", "IR", "--motive", "asylum")
    before = cli.log()
    process, workers = _import_under_way(db, tmp_path, start_new_session=True, text=True)
    os.killpg(process.pid, signal.SIGINT)  # what the terminal does
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines() == ["interrupted: nothing of the unfinished command was written"]
    assert not any(map(running, workers))
    assert cli.log() == before


def _small_import(tmp_path: Path) -> Path:
    source = tmp_path / "small.jsonl"
    _big_import(source, 1)  # one case: CaseOpened and nine contacts
    return source


def _interrupt(*args, **kwargs):
    """Stands in for a step of the import: Ctrl-C lands while it runs."""
    raise KeyboardInterrupt


def test_an_interrupt_after_the_commit_says_what_was_kept(db, tmp_path, cli, monkeypatch):
    # Ctrl-C can land after the import committed (while its workers stop, or its report is built):
    # then "nothing was written" would be false, and a second import of a file without event ids
    # would append every event again.
    import events.append.transaction

    cli.ok("case", "open", "before", "--origin", "IR", "--motive", "asylum")
    monkeypatch.setattr(events.append.transaction, "AppendReport", _interrupt)  # the first thing after the commit
    result = cli.run("import", str(_small_import(tmp_path)))
    monkeypatch.undo()
    assert result.exit_code == 130
    assert result.stderr.strip().splitlines() == [
        "interrupted after 10 events were committed: they are kept (see `pathways log`); nothing after them was written"]
    assert len(cli.log()) == 11


def test_an_interrupt_before_the_commit_says_nothing_was_written(db, tmp_path, cli, monkeypatch):
    import events.append.batch

    cli.ok("case", "open", "before", "--origin", "IR", "--motive", "asylum")
    before = cli.log()
    monkeypatch.setattr(events.append.batch.Batch, "add_chunk", _interrupt)
    result = cli.run("import", str(_small_import(tmp_path)))
    monkeypatch.undo()
    assert result.exit_code == 130
    assert result.stderr.strip().splitlines() == ["interrupted: nothing of the unfinished command was written"]
    assert cli.log() == before
