"""Command-line faults of issue 29: usage errors in one line of our words, a special file as the
database, and no database made by a command that only reads or records into one."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app

from .conftest import write_jsonl

ROOT = Path(__file__).resolve().parent.parent
HUGE = "1" * 5001
"""A number of 5,001 digits: past Python's 4,300-digit limit for reading an integer from text."""


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})


def one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


# -- item 16: usage errors -------------------------------------------------------------------------

@pytest.mark.parametrize("args, says", [
    (["show", "c", "--reset-years", "51"], "pathways show: --reset-years: 51 is out of range: give a whole number from 0 to 50"),
    (["show", "c", "--bogus"], "pathways show: no option --bogus"),
    (["bogus"], "pathways: no command 'bogus'"),
    (["add", "bogus"], "pathways add: no command 'bogus'"),
    (["add", "state", "c"], "pathways add state: --variable is required"),
    (["case", "open"], "pathways case open: CASE is required"),
    (["show", "a", "b"], "pathways show: unexpected argument b"),
    (["show", "a", "b", "c"], "pathways show: unexpected arguments b c"),
    (["discretion", "--cut", "x"], "pathways discretion: --cut: 'x' is not a number from 0.0 to 1.0"),
    (["show", "c", "--hlp"], "did you mean --help?"),
    (["log", "--limit", HUGE], "pathways log: --limit: '11111111111111111111...(5,001 characters)' is not a whole number"),
    (["add", "state", "c", "--variable", "trust", "--expect-version", HUGE], "(5,001 characters)' is not a whole number"),
])
def test_a_usage_error_is_one_line_in_our_words_and_exit_2(tmp_path, args, says):
    result = invoke(*args, "--db", str(tmp_path / "p.db"))
    line = one_line(result)
    assert result.exit_code == 2 and line.startswith("error: ") and says in line, line
    assert "╭" not in result.output + result.stderr and "Usage:" not in result.stderr and len(line) < 200
    assert not (tmp_path / "p.db").exists()


def test_a_bad_value_from_the_environment_names_its_variable(tmp_path):
    result = invoke("show", "c", "--db", str(tmp_path / "p.db"), env={"PATHWAYS_RESET_YEARS": "77"})
    assert result.exit_code == 2
    assert one_line(result) == ("error: pathways show: --reset-years (from $PATHWAYS_RESET_YEARS): 77 is out of range: "
                                "give a whole number from 0 to 50")


def test_help_and_no_arguments_still_show_the_help(tmp_path):
    assert invoke("--help").exit_code == 0 and "Usage" in invoke("--help").stdout
    bare = invoke("add")
    assert "Usage" in bare.output and "state" in bare.output and bare.exit_code in (0, 2)
    assert invoke("head", "--help").exit_code == 0


def test_a_number_of_5001_digits_is_refused_in_our_words(cli, tmp_path):
    cli.ok("case", "open", "c", "--origin", "IR", "--motive", "asylum")
    refused = [
        cli.run("add", "state", "c", "--variable", "trust", "--direction", "up", "--because", f"c#{HUGE}"),
        cli.run("amend", "c", f"#{HUGE}", "--reason", "r"),
        cli.run("retract", "c", f"c#{HUGE}", "--reason", "r"),
    ]
    big = tmp_path / "big.jsonl"
    big.write_text(f'{{"case": "c", "type": "StateObserved", "data": {{"variable": "trust", "n": {HUGE}}}}}\n')
    refused.append(cli.run("import", str(big)))
    sheet = tmp_path / "big.csv"
    sheet.write_text(f"case,type,version,data\nc,StateObserved,{HUGE},{{}}\n")
    refused.append(cli.run("import", str(sheet)))
    refused.append(CliRunner().invoke(app, ["show", "c", "--db", str(cli.db)], env={"PATHWAYS_LOOP_BUDGET": HUGE}))
    for result in refused:
        line = one_line(result)
        assert result.exit_code == 2, line
        assert "set_int_max_str_digits" not in line and "4300 digits" not in line and HUGE not in line, line
        assert "5,001" in line, line
    assert len(cli.log()) == 1


# -- item 16: the auditor's keys backup is on the server: tests/test_postgres.py ----------------------

# -- item 12: a special file as the database -------------------------------------------------------

def _special(kind: str, where: Path) -> tuple[Path, object]:
    if kind == "fifo":
        path = where / "fifo.db"
        os.mkfifo(path)
        return path, None
    if kind == "socket":
        path = where / "sock.db"
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        return path, server
    return Path("/dev/null"), None


@pytest.mark.parametrize("kind, says", [("fifo", "is a named pipe (FIFO), not a database file"),
                                        ("socket", "is a socket, not a database file"),
                                        ("device", "is a character device, not a database file")])
@pytest.mark.parametrize("command", [["init"], ["show", "c"], ["log"], ["case", "open", "c", "--origin", "IR",
                                                                        "--motive", "asylum"]])
def test_a_special_file_as_the_database_is_refused_in_one_line(tmp_path, kind, says, command):
    path, holder = _special(kind, tmp_path)
    try:  # in a process of its own: a hang (SQLite opening a FIFO blocks) fails the test instead of the run
        result = subprocess.run([sys.executable, "-c", "import cli; cli.main()", *command, "--db", str(path)],
                                capture_output=True, text=True, cwd=ROOT, timeout=60,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
    except subprocess.TimeoutExpired:
        pytest.fail(f"pathways {' '.join(command)} hangs on a {kind} as the database")
    finally:
        if holder is not None:
            holder.close()
    assert result.returncode == 3 and one_line(result) == f"error: {path} {says}"
    assert not Path(f"{path}.keys").exists()


# -- item 18: no database made by a command that may not make one ----------------------------------

RECORDING = [
    ["case", "open", "c", "--origin", "IR", "--motive", "asylum"],
    ["add", "state", "c", "--variable", "trust", "--direction", "up"],
    ["add", "contact", "c", "--kind", "intake", "--actor", "caseworker"],
    ["catalogue", "add", "variable", "hope", "--definition", "what is hoped for", "--desirability", "1"],
    ["forget", "c", "--reason", "asked"],
    ["show", "c"], ["loops"], ["summary"], ["log"], ["head"], ["verify"], ["rebuild"],
    ["keys", "backup", "k.json"], ["export", "--format", "jsonl"], ["report", "--out", "site"],
    ["render", "--all", "--out", "diagrams"],
]


@pytest.mark.parametrize("command", RECORDING, ids=lambda c: " ".join(c[:2]))
def test_a_command_on_a_missing_database_creates_nothing(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, command, env={"COLUMNS": "200", "PATHWAYS_DB": None})
    assert result.exit_code != 0
    assert one_line(result) == "error: no database at pathways.db (run `pathways init` or import into it first)"
    assert sorted(path.name for path in tmp_path.iterdir()) == []


def test_init_import_and_copy_still_make_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = write_jsonl(tmp_path / "c.jsonl", [{"type": "CaseOpened", "case": "c",
                                                "data": {"origin": "IR", "motive": "asylum"}}])
    assert invoke("import", str(source), "--db", "imported.db").exit_code == 0
    assert invoke("copy", "imported.db", "copied.db").exit_code == 0
    assert invoke("init", "--db", "made.db").exit_code == 0
    assert {"imported.db", "copied.db", "made.db"} <= {path.name for path in tmp_path.iterdir()}
    assert json.loads(invoke("head", "--json", "--db", "copied.db").stdout)["position"] == 1


# -- item 17: a re-written output folder holds no file of an erased case -----------------------------

QUOTE = "I told the officer about Elm Street 5"


def _two_cases(cli, tmp_path: Path) -> None:
    from .figures import FIGURES

    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig1"] + FIGURES["fig3"])))
    cli.ok("add", "state", "fig3", "--variable", "trust", "--direction", "down", "--quote", QUOTE)


def _files(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}


def test_a_report_written_again_after_forget_keeps_no_page_of_the_erased_case(cli, tmp_path):
    _two_cases(cli, tmp_path)
    out = tmp_path / "report"
    cli.ok("report", "--out", str(out))
    assert QUOTE in (out / "cases" / "fig3.html").read_text()
    (out / "notes.txt").write_text("mine")  # the user's own files beside the report
    (out / "cases" / "fig3-notes.html").write_text("mine too")
    cli.ok("forget", "fig3", "--reason", "consent withdrawn")
    said = cli.ok("report", "--out", str(out), "--force")
    assert not any(name.startswith("cases/fig3") and name != "cases/fig3-notes.html" for name in _files(out))
    assert QUOTE not in " ".join(path.read_text(errors="replace") for path in out.rglob("*") if path.is_file())
    assert (out / "notes.txt").read_text() == "mine" and (out / "cases" / "fig3-notes.html").read_text() == "mine too"
    assert "cases/fig1.html" in _files(out) and "removed 3 files an earlier run wrote there" in said


def test_render_all_written_again_after_forget_keeps_no_figure_of_the_erased_case(cli, tmp_path):
    _two_cases(cli, tmp_path)
    out = tmp_path / "diagrams"
    cli.ok("render", "--all", "--out", str(out))
    assert {"fig3-pathway.svg", "fig3-loops.svg", "fig1-loops.svg"} <= _files(out)
    (out / "fig3-sketch.svg").write_text("<svg/>")  # not pathways': never removed
    cli.ok("forget", "fig3", "--reason", "consent withdrawn")
    refused = cli.run("render", "--all", "--out", str(out))  # without --force nothing of the earlier run goes
    assert refused.exit_code == 2 and "--force" in one_line(refused) and "fig3-pathway.svg" in _files(out)
    cli.ok("render", "--all", "--out", str(out), "--force")
    assert not {"fig3-pathway.svg", "fig3-loops.svg"} & _files(out)
    assert {"fig1-pathway.svg", "fig1-loops.svg", "fig3-sketch.svg"} <= _files(out)


def test_render_of_one_case_removes_nothing_and_a_hostile_manifest_removes_nothing_outside(cli, tmp_path):
    _two_cases(cli, tmp_path)
    out = tmp_path / "diagrams"
    cli.ok("render", "--all", "--out", str(out))
    cli.ok("render", "fig1", "--out", str(out), "--force")  # one case drawn: the other's figures stay
    assert {"fig3-pathway.svg", "fig3-loops.svg"} <= _files(out)
    outside = tmp_path / "precious.txt"
    outside.write_text("keep")
    manifest = out / ".pathways-manifest.json"
    document = json.loads(manifest.read_text())
    document["files"]["render"] += ["../precious.txt", str(outside), "", "."]
    manifest.write_text(json.dumps(document))
    cli.ok("render", "--all", "--out", str(out), "--force")
    assert outside.read_text() == "keep"


# -- item 11: an interrupt just after an import's COMMIT -------------------------------------------

def _commit_then_interrupt(original):
    def commit(self) -> None:
        original(self)
        raise KeyboardInterrupt  # Ctrl-C landing the moment COMMIT returned, before anything counted it
    return commit


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_interrupt_the_moment_the_commit_returned_reports_what_was_committed(backend, tmp_path, monkeypatch, request):
    from events.backends.postgres import PostgresLog
    from events.backends.sqlite import SQLiteLog

    from .test_killed_import import _big_import

    target = str(tmp_path / "p.db") if backend == "sqlite" else request.getfixturevalue("pg_url")
    log_class = SQLiteLog if backend == "sqlite" else PostgresLog
    assert invoke("init", "--db", target).exit_code == 0
    source = tmp_path / "small.jsonl"
    _big_import(source, 1)  # one case: CaseOpened and nine contacts
    monkeypatch.setattr(log_class, "commit", _commit_then_interrupt(log_class.commit))
    result = invoke("import", str(source), "--db", target)
    monkeypatch.undo()
    assert result.exit_code == 130
    assert one_line(result) == ("interrupted after 10 events were committed: they are kept (see `pathways log`); "
                                "nothing after them was written")
    assert invoke("log", "--json", "--db", target).stdout.count("\n") == 10


def test_an_interrupt_the_moment_a_copy_committed_reports_it(tmp_path, monkeypatch):
    from events.backends.sqlite import SQLiteLog

    from .test_killed_import import _big_import

    source = tmp_path / "small.jsonl"
    _big_import(source, 1)
    assert invoke("import", str(source), "--db", str(tmp_path / "a.db")).exit_code == 0
    monkeypatch.setattr(SQLiteLog, "commit", _commit_then_interrupt(SQLiteLog.commit))
    result = invoke("copy", str(tmp_path / "a.db"), str(tmp_path / "b.db"))
    monkeypatch.undo()
    assert result.exit_code == 130 and one_line(result).startswith("interrupted after 10 events were committed")


def test_a_commit_that_did_not_happen_is_not_counted(tmp_path, monkeypatch):
    from events.backends.sqlite import SQLiteLog

    from .test_killed_import import _big_import

    assert invoke("init", "--db", str(tmp_path / "p.db")).exit_code == 0
    source = tmp_path / "small.jsonl"
    _big_import(source, 1)

    def interrupted_commit(self) -> None:
        raise KeyboardInterrupt  # before COMMIT ran: the transaction is rolled back when the connection closes

    monkeypatch.setattr(SQLiteLog, "commit", interrupted_commit)
    result = invoke("import", str(source), "--db", str(tmp_path / "p.db"))
    monkeypatch.undo()
    assert result.exit_code == 130
    assert one_line(result) == "interrupted: nothing of the unfinished command was written"
    assert invoke("log", "--json", "--db", str(tmp_path / "p.db")).stdout == ""


def test_a_refused_import_or_copy_into_a_new_path_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"type": "Bogus", "case": "c", "data": {}}])
    refused = invoke("import", str(bad), "--db", "new.db")
    assert refused.exit_code == 2 and "unknown event type 'Bogus'" in one_line(refused)
    broken = tmp_path / "broken.db"
    good = write_jsonl(tmp_path / "good.jsonl", [{"type": "CaseOpened", "case": "c",
                                                  "data": {"origin": "IR", "motive": "asylum"}}])
    assert invoke("import", str(good), "--db", str(broken)).exit_code == 0
    import sqlite3

    with sqlite3.connect(broken) as conn:  # a source that does not verify: copy refuses it
        conn.execute("DROP TRIGGER IF EXISTS events_no_update")
        conn.execute("UPDATE events SET hash = 'x' || substr(hash, 2)")
    copied = invoke("copy", str(broken), "copy.db")
    assert copied.exit_code != 0 and "does not verify" in one_line(copied)
    assert sorted(path.name for path in tmp_path.iterdir() if "broken" not in path.name) == [
        "bad.jsonl", "good.jsonl"]
    kept = tmp_path / "kept.db"  # a database that was there already stays, whatever is refused
    assert invoke("init", "--db", str(kept)).exit_code == 0
    assert invoke("import", str(bad), "--db", str(kept)).exit_code == 2 and kept.exists()


def test_a_report_written_into_a_folder_of_diagrams_removes_none_of_them(cli, tmp_path):
    _two_cases(cli, tmp_path)
    out = tmp_path / "shared"
    cli.ok("render", "--all", "--out", str(out))
    drawn = _files(out)
    cli.ok("report", "--out", str(out))
    cli.ok("report", "--out", str(out), "--force")
    assert drawn <= _files(out) and "index.html" in _files(out)


def test_recording_into_an_empty_server_database_makes_no_log(pg_url):
    import psycopg

    refused = invoke("case", "open", "c", "--origin", "IR", "--motive", "asylum", "--db", pg_url)
    assert refused.exit_code == 2 and "holds no pathways event log (run `pathways init` on it)" in one_line(refused)
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT to_regclass('events')").fetchone()[0] is None
    assert invoke("init", "--db", pg_url).exit_code == 0
    assert invoke("case", "open", "c", "--origin", "IR", "--motive", "asylum", "--db", pg_url).exit_code == 0


def test_a_recording_commands_error_names_the_option_typed(cli):
    cli.ok("case", "open", "op", "--origin", "IR", "--motive", "asylum")
    refused = cli.run("add", "contact", "op", "--actor", "ind", "--kind", "permit-decision", "--perceived", "great")
    assert refused.exit_code == 2 and "field '--perceived'" in refused.stderr and "data." not in refused.stderr
    cli.ok("add", "contact", "op", "--actor", "ind", "--kind", "permit-decision")
    refused = cli.run("amend", "op", "#2", "--reason", "r", "--role", "nonsense-role")
    assert refused.exit_code == 2 and "field '--role'" in refused.stderr and "data." not in refused.stderr
    again = cli.run("case", "open", "op", "--origin", "IR", "--motive", "asylum")
    assert again.exit_code == 1
    assert again.stderr.strip() == "error: field 'CASE': case 'op' is already open (a case is opened once; " \
                                   "`pathways show` gives it)"
