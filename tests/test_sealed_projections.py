"""Sealed projection rows: in a sealed database no table row ties a case to what was coded about it
in clear (only what the envelope shows); `forget` leaves none of it in any file; a damaged row is
rebuilt from the log, never a crash. On both backends, through the command line."""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app
from events.sealing.keyfile import key_path
from events.store import EventStore
from pathways.projections.tables import SEALED, TABLES, DamagedRow, open_row, seal_row

from .conftest import Cli

ROOT = Path(__file__).resolve().parent.parent

# Needles of every coded field: free text, and the long keys of the shipped catalogue (which no
# database holds unless a case uses them). Case k is kept, case e is erased.
KEPT = {"notes": "NOTESECRET Kestrel 12", "outcome": "OUTCOMESECRET refused at desk 4",
        "quote": "QUOTESECRET they laughed", "source": "SOURCESECRET tape 9", "level": "LEVELSECRET Elm St 5",
        "statement": "STATEMENTSECRET the coach", "reading": "READINGSECRET my reading",
        "actor": "vluchtelingenwerk", "role": "trajectory-counsellor", "kind": "diploma-recognition",
        "first": "financial-security", "second": "desired-integration", "absent": "licensing-authority",
        "condition": "policy-assessment", "arrival": "1987-03-14"}
ERASED = {"notes": "ERASEDNOTE Heron 7", "outcome": "ERASEDOUTCOME lost the file",
          "quote": "ERASEDQUOTE nobody called", "source": "ERASEDSOURCE tape 2", "level": "ERASEDLEVEL Oak Lane 9",
          "statement": "ERASEDSTATEMENT a job soon", "reading": "ERASEDREADING a spiral",
          "actor": "diploma-evaluation", "role": "integration-teacher", "kind": "licence-recognition",
          "first": "legal-security", "second": "independence", "absent": "aliens-police",
          "condition": "distress", "arrival": "1979-11-23"}
WORDS = ["unfavourable", "dampening", "distancing"]  # enumerated values, long enough to find


def _record(cli: Cli, case: str, n: dict) -> None:
    cli.ok("case", "open", case, "--origin", "IR", "--motive", "asylum", "--arrival", n["arrival"], "--notes", n["notes"])
    cli.ok("add", "contact", case, "--actor", n["actor"], "--role", n["role"], "--kind", n["kind"],
           "--outcome", n["outcome"], "--perceived", "unfavourable", "--discretion", "distancing",
           "--condition", f"{n['condition']}={'negative' if n['condition'] == 'policy-assessment' else 'high'}",
           "--effect", f"{n['first']}:down", "--quote", n["quote"], "--source", n["source"], "--occurred", "1996-02")
    cli.ok("add", "state", case, "--variable", n["second"], "--level", n["level"], "--because", f"{case}#2",
           "--occurred", "1996-05")
    cli.ok("add", "expectation", case, "--link", f"{n['first']}:{n['second']}:+", "--statement", n["statement"],
           "--occurred", "1997")
    cli.ok("add", "link", case, "--from", n["second"], "--to", n["first"], "--sign", "-", "--evidence", f"{case}#3",
           "--occurred", "1998")
    cli.ok("add", "loop", case, "--variables", f"{n['first']},{n['second']}", "--polarity", "dampening",
           "--note", n["reading"], "--occurred", "1999")
    cli.ok("add", "absence", case, "--from", "2001", "--to", "2002", "--actor", n["absent"],
           "--effect", f"{n['first']}:down")


def _needles(*cases: dict) -> list[str]:
    return [value for case in cases for value in case.values()] + WORDS


def _in_files(db: Path, needles: list[str]) -> list[tuple[str, str]]:
    """Every (file, needle) of the database's own files (-wal and -shm included, not the key file)."""
    found = []
    for path in db.parent.iterdir():
        if path.name.startswith(db.name) and path != key_path(db):
            content = path.read_bytes()
            found += [(path.name, needle) for needle in needles if needle.encode() in content]
    return found


def _rows(conn) -> dict[str, list[tuple]]:
    return {name: conn.execute(f"SELECT * FROM {name}").fetchall() for name in TABLES}


def _clear_only_envelope(rows: dict[str, list[tuple]]) -> None:
    """Every row keeps in clear only its table's envelope columns; the rest is in `sealed`."""
    for name, table in rows.items():
        columns = list(TABLES[name]["columns"])
        for row in table:
            shown = {column for column, value in zip(columns, row) if value is not None and column != SEALED}
            assert shown <= set(TABLES[name]["clear"]), (name, shown - set(TABLES[name]["clear"]))
            assert row[-1].startswith("aesgcm1:"), name


def test_a_sealed_database_holds_no_coded_field_in_clear_in_any_file_before_or_after_forget(cli: Cli, tmp_path):
    cli.ok("init")
    _record(cli, "k-1", KEPT)
    _record(cli, "e-1", ERASED)
    shown = cli.ok("show", "k-1", "--json")
    assert KEPT["level"] in shown and KEPT["notes"] in shown and KEPT["actor"] in shown  # recorded, and decrypted
    assert len(cli.json("loops")) == 2
    cli.ok("summary")
    cli.ok("report", "--out", str(tmp_path / "report"))
    with sqlite3.connect(cli.db) as conn:
        rows = _rows(conn)
    assert all(rows.values()), "every table holds rows of both cases"
    _clear_only_envelope(rows)
    assert _in_files(cli.db, _needles(KEPT, ERASED)) == []

    cli.ok("forget", "e-1", "--reason", "consent withdrawn")
    assert _in_files(cli.db, _needles(KEPT, ERASED)) == []
    assert KEPT["level"] in cli.ok("show", "k-1", "--json")
    with sqlite3.connect(cli.db) as conn:
        assert {row[0] for table in _rows(conn).values() for row in table} == {"k-1"}


def test_an_open_database_keeps_its_rows_readable(cli: Cli):
    cli.ok("init", "--open")
    _record(cli, "k-1", KEPT)
    cli.ok("loops")
    with sqlite3.connect(cli.db) as conn:
        labels = [row[0] for row in conn.execute("SELECT label FROM pathway_steps WHERE type = 'StateObserved'")]
        assert labels == [f"{KEPT['second']} {KEPT['level']}"]
        assert conn.execute(f"SELECT count(*) FROM pathway_steps WHERE {SEALED} IS NOT NULL").fetchone()[0] == 0


# -- damaged rows -------------------------------------------------------------------------------

def _damage(db: Path, sql: str, *params) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute(sql, params).rowcount >= 1, sql


DAMAGE = {
    "a clear column given a ciphertext": ("UPDATE case_profiles SET notes = 'aesgcm1:abc' WHERE \"case\" = 'k-1'",),
    "a ciphertext cut short": ("UPDATE case_profiles SET sealed = 'aesgcm1:abc' WHERE \"case\" = 'k-1'",),
    "a ciphertext of another row": ("UPDATE pathway_steps SET sealed = (SELECT sealed FROM pathway_steps "
                                    "WHERE \"case\" = 'k-1' AND ord = 2) WHERE \"case\" = 'k-1' AND ord = 3",),
    "a ciphertext of another case": ("UPDATE causal_edges SET sealed = (SELECT sealed FROM causal_edges "
                                     "WHERE \"case\" = 'e-1' LIMIT 1) WHERE \"case\" = 'k-1'",),
    "a row in clear": ("UPDATE loops SET sealed = NULL, id = 'R1' WHERE \"case\" = 'k-1'",),
    "a ciphertext not base64": ("UPDATE loop_readings SET sealed = 'aesgcm1:%%%' WHERE \"case\" = 'k-1'",),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_a_damaged_row_is_rebuilt_from_the_log_for_show_and_report(cli: Cli, tmp_path: Path, damage: str):
    cli.ok("init")
    _record(cli, "k-1", KEPT)
    _record(cli, "e-1", ERASED)
    before = cli.json("show", "k-1")
    _damage(cli.db, *DAMAGE[damage])
    assert cli.json("show", "k-1") == before  # noticed, rebuilt from the log: no crash, the right answer
    with sqlite3.connect(cli.db) as conn:
        _clear_only_envelope(_rows(conn))  # the case's rows were written again
    _damage(cli.db, *DAMAGE[damage])
    result = cli.run("report", "--out", str(tmp_path / "report"))
    assert result.exit_code == 0, result.output
    assert KEPT["level"] in (tmp_path / "report" / "cases" / "k-1.html").read_text()
    assert cli.json("show", "k-1") == before


def test_a_damaged_row_is_read_from_the_log_while_another_writer_holds_the_lock(cli: Cli):
    cli.ok("init")
    _record(cli, "k-1", KEPT)
    before = cli.json("show", "k-1")
    _damage(cli.db, *DAMAGE["a ciphertext cut short"])
    holder = sqlite3.connect(cli.db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert cli.json("show", "k-1") == before
        assert [loop["case"] for loop in cli.json("loops")] == ["k-1"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_damaged_json_column_of_an_open_database_is_rebuilt(cli: Cli):
    cli.ok("init", "--open")
    _record(cli, "k-1", KEPT)
    before = cli.json("show", "k-1")
    _damage(cli.db, "UPDATE pathway_steps SET effects = 'abc' WHERE \"case\" = 'k-1'")
    assert cli.json("show", "k-1") == before
    with sqlite3.connect(cli.db) as conn:
        assert "abc" not in {row[0] for row in conn.execute("SELECT effects FROM pathway_steps")}


# -- the row codec ------------------------------------------------------------------------------

values = st.one_of(st.none(), st.integers(-2**53, 2**53), st.text(max_size=30))


class _Seal:
    """A stand-in sealer: reversible, case-bound, marked like the real one."""

    def seal(self, case: str, text: str | None) -> str | None:
        return None if text is None else "aesgcm1:" + json.dumps([case, text])

    def open(self, case: str, text: str | None) -> str | None:
        owner, plain = json.loads(text[len("aesgcm1:"):])
        if owner != case:
            raise DamagedRow(case, "another case's")
        return plain


@given(name=st.sampled_from(list(TABLES)), data=st.data())
def test_a_sealed_row_opens_to_itself_and_never_as_another_row(name, data):
    width = len(TABLES[name]["columns"]) - 1
    row = tuple(data.draw(st.lists(values, min_size=width, max_size=width)))
    row = (data.draw(st.text(min_size=1, max_size=8)), *row[1:])
    sealer = _Seal()
    stored = seal_row(name, row, sealer.seal)
    assert open_row(name, stored, sealer.open) == row
    clear_at = [list(TABLES[name]["columns"]).index(c) for c in TABLES[name]["clear"]]
    assert all(value is None for index, value in enumerate(stored[:-1]) if index not in clear_at)
    index = data.draw(st.sampled_from(clear_at))
    other = data.draw(values.filter(lambda value: value != row[index]))
    moved = tuple(other if i == index else value for i, value in enumerate(stored))
    with pytest.raises(DamagedRow):
        open_row(name, moved, sealer.open)


# -- PostgreSQL ---------------------------------------------------------------------------------

def _pg(url: str, *args: str):
    return CliRunner().invoke(app, [*args, "--db", url], env={"COLUMNS": "200"})


def test_on_postgresql_no_row_holds_a_coded_field_in_clear_nor_after_forget(pg_url):
    import psycopg

    server = Cli(pg_url)  # type: ignore[arg-type]
    server.ok("init")
    _record(server, "k-1", KEPT)
    _record(server, "e-1", ERASED)
    assert KEPT["level"] in server.ok("show", "k-1", "--json") and len(server.json("loops")) == 2
    with psycopg.connect(pg_url, autocommit=True) as conn:  # the cluster's superuser
        rows = _rows(conn)
        assert all(rows.values())
        _clear_only_envelope(rows)
        text = repr(rows)
        assert [needle for needle in _needles(KEPT, ERASED) if needle in text] == []
        key = conn.execute("SELECT secret FROM case_keys WHERE name = 'case:e-1'").fetchone()[0]
        files = [Path(conn.execute("SHOW data_directory").fetchone()[0], path) for (path,) in conn.execute(
            "SELECT pg_relation_filepath(c.oid) FROM pg_class c WHERE relname = ANY(%s)",
            (["case_keys", *TABLES],))]
    server.ok("forget", "e-1", "--reason", "consent withdrawn")  # as the owner: the whole erasure
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        assert {row[0] for table in _rows(conn).values() for row in table} == {"k-1"}
        now = [Path(conn.execute("SHOW data_directory").fetchone()[0], path) for (path,) in conn.execute(
            "SELECT pg_relation_filepath(c.oid) FROM pg_class c WHERE relname = ANY(%s)",
            (["case_keys", *TABLES],))]
    assert set(now).isdisjoint(files), "VACUUM FULL wrote every touched table anew"
    if all(os.access(path, os.R_OK) for path in now):  # the server's files, when this user may read them
        assert not any(key.encode() in path.read_bytes() for path in [*now, *files] if path.exists())


def test_forget_as_the_writer_role_on_postgresql_says_what_is_left_and_who_finishes_it(pg_url):
    import psycopg

    text = (ROOT / "README.md").read_text()
    sql = text.split("<!-- roles -->", 1)[1].split("```sql\n", 1)[1].split("```", 1)[0]
    suffix = uuid.uuid4().hex[:8]
    sql = (sql.replace("pathways_writer", f"writer_{suffix}").replace("pathways_reader", f"reader_{suffix}")
           .replace("pathways_auditor", f"auditor_{suffix}"))
    owner = Cli(pg_url)  # type: ignore[arg-type]
    owner.ok("init")
    _record(owner, "k-1", KEPT)
    _record(owner, "e-1", ERASED)
    owner.ok("loops")  # the projection tables, written by their owner
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql)
    base, database = pg_url.rsplit("/", 1)
    writer = base.replace("pathways@", f"writer_{suffix}@") + "/" + database

    result = _pg(writer, "forget", "e-1", "--reason", "consent withdrawn")
    assert result.exit_code == 3, result.output
    said = result.stderr.strip().splitlines()
    assert len(said) == 1 and result.stdout == ""
    assert "erased case e-1" in said[0] and "1 key destroyed" in said[0]
    assert "its rows stay in the projection tables" in said[0] and "case_keys" in said[0]
    assert "until their owner (pathways) runs `pathways forget e-1" in said[0]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM case_keys WHERE name = 'case:e-1'").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM pathway_steps WHERE \"case\" = 'e-1'").fetchone()[0] > 0
    assert [loop["case"] for loop in json.loads(_pg(writer, "loops", "--json").stdout)] == ["k-1"]

    finished = owner.ok("forget", "e-1", "--reason", "consent withdrawn")
    assert "already erased" in finished and "its rows removed from every table" in finished
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert {row[0] for table in _rows(conn).values() for row in table} == {"k-1"}


def test_rows_of_an_older_format_leave_no_clear_text_in_any_file_once_rebuilt(cli: Cli):
    cli.ok("init")
    _record(cli, "k-1", KEPT)
    cli.ok("show", "k-1")
    # As an older version left them: a step's label in clear, under the checkpoint of format 4.
    with sqlite3.connect(cli.db) as conn:
        conn.execute("UPDATE pathway_steps SET label = 'OLDFORMATSECRET Elm St 5' WHERE \"case\" = 'k-1'")
        conn.execute("UPDATE projection_state SET settings = replace(settings, '\"format\":', '\"format\":-')")
    assert _in_files(cli.db, ["OLDFORMATSECRET"]) != []
    assert KEPT["level"] in cli.ok("show", "k-1", "--json")  # rebuilt: the old rows are gone
    assert _in_files(cli.db, ["OLDFORMATSECRET"]) == []
    with sqlite3.connect(cli.db) as conn:
        _clear_only_envelope(_rows(conn))
