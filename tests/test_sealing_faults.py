"""Sealing faults (issue 29): what a sealed database does when its key file is missing, another
database's, behind a symlink or locked, when a forget was cut short or the disk filled during it, and
what `verify` says of payloads forged in clear. Each through the command line, as a user meets it."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from events.sealing.keyfile import key_path

from .conftest import Cli, write_jsonl

NOTES = "Brackenfold-notes: met at the station"


def _open(cli: Cli, case: str) -> None:
    cli.ok("case", "open", case, "--origin", "IR", "--arrival", "1995", "--motive", "asylum", "--notes", NOTES)


def _keys(db: Path) -> dict:
    return json.loads(key_path(db).read_text())


# -- item 3: a missing key file ----------------------------------------------------------------------

def test_a_missing_key_file_refuses_every_write_and_no_new_one_is_made(cli: Cli, tmp_path: Path):
    cli.ok("init")
    _open(cli, "c-1")
    away = tmp_path / "away.keys"
    key_path(cli.db).rename(away)
    for command in (("case", "open", "c-2", "--origin", "IR", "--motive", "asylum"),
                    ("add", "state", "c-1", "--variable", "trust", "--direction", "up"),
                    ("catalogue", "add", "actor", "mayor-office", "--label", "Mayor's office"),
                    ("forget", "c-1", "--reason", "consent withdrawn")):
        refused = cli.run(*command)
        assert refused.exit_code == 3, (command, refused.output)
        assert len(refused.stderr.strip().splitlines()) == 1 and "keys are not at" in refused.stderr, command
        assert not key_path(cli.db).exists(), command
    assert cli.run("export", "--format", "jsonl", "--pseudonymise").exit_code == 3
    assert not key_path(cli.db).exists()  # not even a project secret in a new file
    away.rename(key_path(cli.db))  # as the message advises: every case is readable again
    assert NOTES in cli.ok("show", "c-1", "--json")
    assert [e["case"] for e in cli.log()] == ["c-1"]
    _open(cli, "c-2")
    assert set(_keys(cli.db)["cases"]) == {"c-1", "c-2"}


# -- item 4: another database's key file -------------------------------------------------------------

def _two(tmp_path: Path) -> tuple[Cli, Cli]:
    first, second = Cli(tmp_path / "a.db"), Cli(tmp_path / "b.db")
    for cli in (first, second):
        cli.ok("init")
        _open(cli, "c-1")  # the same case id in both: the other file's key looks like the right one
    return first, second


def _one_error(result, *words: str) -> None:
    assert result.exit_code == 3, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and all(word in result.stderr for word in words), result.stderr


def test_another_databases_key_file_is_refused_for_reads_and_writes(tmp_path: Path):
    first, second = _two(tmp_path)
    first.ok("keys", "backup", str(tmp_path / "first.backup"))
    shutil.copy(key_path(second.db), key_path(first.db))
    for command in (("show", "c-1"), ("verify",), ("add", "state", "c-1", "--variable", "trust", "--direction", "up"),
                    ("case", "open", "c-2", "--origin", "IR", "--motive", "asylum"), ("keys", "backup", str(tmp_path / "k"))):
        _one_error(first.run(*command), str(key_path(first.db)), "another database")
    assert [e["version"] for e in first.log()] == [1]  # nothing was appended under the wrong key
    assert not (tmp_path / "k").exists()
    assert _keys(first.db) == _keys(second.db)  # and the file was not changed
    _one_error(first.run("keys", "restore", str(tmp_path / "first.backup")), "move it away")
    key_path(first.db).unlink()  # as the message says: then its own keys come back
    first.ok("keys", "restore", str(tmp_path / "first.backup"))
    assert NOTES in first.ok("show", "c-1", "--json")


def _unbind(cli: Cli) -> None:
    """As a database and key file written before the binding were."""
    content = _keys(cli.db)
    content.pop("database")
    key_path(cli.db).write_text(json.dumps(content))
    with sqlite3.connect(cli.db) as conn:
        conn.execute("DELETE FROM log_settings WHERE name = 'database_id'")


def test_an_old_key_file_is_proved_by_its_keys_and_bound_on_first_use(tmp_path: Path):
    first, second = _two(tmp_path)
    _unbind(first)
    _unbind(second)
    foreign = tmp_path / "b.keys.saved"
    shutil.copy(key_path(second.db), foreign)
    assert NOTES in first.ok("show", "c-1", "--json")  # its own old key file opens its cases: bound now
    identity = sqlite3.connect(first.db).execute("SELECT value FROM log_settings WHERE name = 'database_id'").fetchone()
    assert identity is not None and _keys(first.db)["database"] == identity[0]
    assert oct(key_path(first.db).stat().st_mode & 0o777) == "0o600"
    shutil.copy(foreign, key_path(first.db))  # an old, unbound file of the other database
    _one_error(first.run("show", "c-1"), str(key_path(first.db)), "does not open that case's events")
    _one_error(first.run("add", "state", "c-1", "--variable", "trust", "--direction", "up"), "another database")


# -- item 5: symlinks ----------------------------------------------------------------------------------

def test_the_key_file_is_found_beside_the_real_database_file(tmp_path: Path):
    real = tmp_path / "real.db"
    (tmp_path / "other").mkdir()
    (tmp_path / "link.db").symlink_to(real)
    (tmp_path / "other" / "l2.db").symlink_to("../real.db")
    Cli(tmp_path / "link.db").ok("init")
    _open(Cli(tmp_path / "link.db"), "c-1")
    _open(Cli(tmp_path / "other" / "l2.db"), "c-2")
    assert sorted(path.name for path in tmp_path.rglob("*.keys")) == ["real.db.keys"]
    assert set(_keys(real)["cases"]) == {"c-1", "c-2"}
    for where in (real, tmp_path / "link.db", tmp_path / "other" / "l2.db"):
        assert NOTES in Cli(where).ok("show", "c-2", "--json")


def test_init_through_a_dangling_symlink_makes_private_files(tmp_path: Path):
    (tmp_path / "store").mkdir()
    (tmp_path / "new.db").symlink_to(tmp_path / "store" / "made.db")
    before = os.umask(0o022)  # SQLite's own default would make 0644
    try:
        Cli(tmp_path / "new.db").ok("init")
    finally:
        os.umask(before)
    made = tmp_path / "store" / "made.db"
    assert made.is_file() and not made.is_symlink() and (tmp_path / "new.db").is_symlink()
    assert oct(made.stat().st_mode & 0o777) == "0o600"
    assert oct(key_path(made).stat().st_mode & 0o777) == "0o600"


def test_a_symlinked_key_file_is_written_through_its_target(cli: Cli, tmp_path: Path):
    cli.ok("init")
    _open(cli, "c-1")
    drive = tmp_path / "drive"
    drive.mkdir()
    target = drive / "project.keys"
    key_path(cli.db).rename(target)
    target.chmod(0o644)
    key_path(cli.db).symlink_to(target)
    _open(cli, "c-2")
    cli.ok("forget", "c-1", "--reason", "consent withdrawn")
    assert key_path(cli.db).is_symlink() and Path(os.readlink(key_path(cli.db))) == target
    assert set(json.loads(target.read_text())["cases"]) == {"c-2"}
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert sorted(path.name for path in drive.iterdir()) == [".project.keys.lock", "project.keys"]  # no partial left
    assert NOTES in cli.ok("show", "c-2", "--json")


# -- item 1: verify and the payloads of a sealed database -------------------------------------------

FIELDS = ("event_id", "stream", "version", "type", "schema_version", "occurred", "recorded_at", "recorded_by",
          "data", "meta")


def _rehash(conn: sqlite3.Connection) -> None:
    """Every hash recomputed in order: what a forger does after changing a row."""
    from events.hashing import GENESIS, chain_hash

    conn.execute("DROP TRIGGER IF EXISTS events_no_update")  # a writer that opens the file puts it back
    prev = GENESIS
    for row in conn.execute(f"SELECT position, {', '.join(FIELDS)} FROM events ORDER BY position").fetchall():
        fresh = chain_hash(prev, **dict(zip(FIELDS, row[1:])))
        conn.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE position = ?", (prev, fresh, row[0]))
        prev = fresh


def _forge(db: Path, position: int, data: str, meta: str = "{}") -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER IF EXISTS events_no_update")
    conn.execute("UPDATE events SET data = ?, meta = ? WHERE position = ?", (data, meta, position))
    _rehash(conn)
    conn.close()


def _broken(cli: Cli, position: int, *words: str) -> None:
    result = cli.run("verify")
    assert result.exit_code == 1, result.output
    assert f"position {position}:" in result.stderr and all(word in result.stderr for word in words), result.stderr


FORGED = json.dumps({"origin": "IR", "motive": "asylum", "notes": "FORGED NOTES"}, separators=(",", ":"))


def test_verify_names_a_clear_payload_forged_into_a_sealed_case(cli: Cli, tmp_path: Path):
    cli.ok("init")
    _open(cli, "c-1")
    cli.ok("add", "state", "c-1", "--variable", "trust", "--direction", "up")
    _forge(cli.db, 1, FORGED)
    assert sqlite3.connect(cli.db).execute("SELECT data FROM events WHERE position = 1").fetchone()[0] == FORGED
    _broken(cli, 1, "stored in clear in a sealed database")
    for command in (("show", "c-1"), ("log",), ("rebuild",)):
        shown = cli.run(*command)
        assert shown.exit_code == 1 and "FORGED" not in shown.output, command
        assert len(shown.stderr.strip().splitlines()) == 1 and "stored in clear" in shown.stderr, command
    key_path(cli.db).rename(tmp_path / "away.keys")  # without the keys it is seen all the same
    _broken(cli, 1, "stored in clear")


def test_verify_checks_an_erased_cases_payloads_stay_sealed_and_nothing_follows_its_erasure(cli: Cli):
    cli.ok("init")
    _open(cli, "c-1")
    _open(cli, "c-2")
    cli.ok("forget", "c-1", "--reason", "consent withdrawn")
    assert cli.ok("verify").startswith("ok: 3 events")
    _forge(cli.db, 1, FORGED)  # the erased case's opening, now in clear: no key is needed to see it
    _broken(cli, 1, "stored in clear")
    _forge(cli.db, 1, '"aesgcm1:not-base64!"', '"sealed"')
    _broken(cli, 1, "not a sealed payload")

    sealed_other = sqlite3.connect(cli.db).execute("SELECT data FROM events WHERE position = 2").fetchone()[0]
    _forge(cli.db, 1, sealed_other, '"sealed"')  # any well-formed ciphertext: unopenable, as an erased case's is
    assert cli.ok("verify").startswith("ok: 3 events")
    conn = sqlite3.connect(cli.db, isolation_level=None)
    conn.execute("DROP TRIGGER IF EXISTS events_append_only")
    conn.execute("INSERT INTO events VALUES (4, 'e-after', 'case:c-1', 3, 'StateObserved', 1, '1999', "
                 "'2026-01-01T00:00:00Z', NULL, ?, '\"sealed\"', '', '')", (sealed_other,))
    _rehash(conn)
    conn.close()
    _broken(cli, 4, "e-after", "follows the case's CaseForgotten")


# -- item 7: a forget cut short ------------------------------------------------------------------------

def _cut_short(cli: Cli, monkeypatch, case: str) -> None:
    """`forget` as if killed after CaseForgotten was committed, before the key was destroyed."""
    from events.log import EventLog

    with monkeypatch.context() as patch:
        patch.setattr(EventLog, "destroy_forgotten_keys", lambda self, waiting=None: setattr(self, "_forgotten", None))
        patch.setattr("pathways.application.service.Projector.drop_case", lambda self, case: None)
        cli.ok("forget", case, "--reason", "consent withdrawn")
    assert case in _keys(cli.db)["cases"]  # the state a SIGKILL at that moment leaves


def test_keys_backup_finishes_a_forget_cut_short_first(cli: Cli, tmp_path: Path, monkeypatch):
    cli.ok("init")
    _open(cli, "c-1")
    _open(cli, "c-2")
    erased_key = _keys(cli.db)["cases"]["c-1"]
    _cut_short(cli, monkeypatch, "c-1")
    done = cli.run("keys", "backup", str(tmp_path / "keys.backup"))
    assert done.exit_code == 0 and "wrote 1 case key" in done.stdout
    assert "case c-1 erased by a forget cut short" in done.stderr and "destroyed now" in done.stderr
    assert erased_key not in (tmp_path / "keys.backup").read_text()
    assert set(_keys(cli.db)["cases"]) == {"c-2"}
    assert erased_key.encode() not in key_path(cli.db).read_bytes()


def test_keys_backup_leaves_out_a_key_it_cannot_destroy_and_says_so(cli: Cli, tmp_path: Path, monkeypatch):
    from events.errors import StorageError
    from events.sealing.keyfile import KeyFile

    cli.ok("init")
    _open(cli, "c-1")
    _open(cli, "c-2")
    erased_key = _keys(cli.db)["cases"]["c-1"]
    _cut_short(cli, monkeypatch, "c-1")

    def refused(self, cases, waiting=None):
        raise StorageError(f"cannot write the key file {self.path}: Read-only file system")

    monkeypatch.setattr(KeyFile, "destroy", refused)
    done = cli.run("keys", "backup", str(tmp_path / "keys.backup"))
    assert done.exit_code == 0 and "wrote 1 case key" in done.stdout
    assert "case c-1 erased, but its key is still held" in done.stderr and "left out" in done.stderr
    assert erased_key not in (tmp_path / "keys.backup").read_text()


def test_copy_finishes_a_forget_cut_short_and_never_carries_the_erased_key(cli: Cli, tmp_path: Path, monkeypatch):
    cli.ok("init")
    _open(cli, "c-1")
    _open(cli, "c-2")
    erased_key = _keys(cli.db)["cases"]["c-1"]
    _cut_short(cli, monkeypatch, "c-1")
    copied = cli.runner.invoke(__import__("cli").app, ["copy", str(cli.db), str(tmp_path / "copy.db")])
    assert copied.exit_code == 0, copied.output
    assert "case c-1 erased by a forget cut short" in copied.stderr
    assert set(_keys(tmp_path / "copy.db")["cases"]) == {"c-2"}
    assert erased_key.encode() not in key_path(tmp_path / "copy.db").read_bytes()
    assert set(_keys(cli.db)["cases"]) == {"c-2"}
    assert Cli(tmp_path / "copy.db").run("show", "c-1").exit_code == 1


def test_a_forget_waiting_for_the_key_files_lock_says_so(cli: Cli):
    import fcntl
    import threading

    cli.ok("init")
    _open(cli, "c-1")
    lock = key_path(cli.db).with_name(f".{key_path(cli.db).name}.lock")
    descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(descriptor, fcntl.LOCK_EX)  # another process's read-modify-write of the key file
    threading.Timer(2.0, os.close, (descriptor,)).start()
    done = cli.run("forget", "c-1", "--reason", "consent withdrawn")
    assert done.exit_code == 0, done.output
    assert done.stderr.startswith(f"waiting for the lock of the key file {key_path(cli.db)}")
    assert "1 key destroyed" in done.stdout and "c-1" not in _keys(cli.db)["cases"]


# -- item 8: a full disk during forget -----------------------------------------------------------------

def _no_space(*args):
    import errno

    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_when_the_key_is_destroyed_says_what_was_committed(cli: Cli, monkeypatch):
    cli.ok("init")
    _open(cli, "c-1")
    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", _no_space)  # the key file's new copy cannot be written
        stopped = cli.run("forget", "c-1", "--reason", "consent withdrawn")
    assert stopped.exit_code == 3 and len(stopped.stderr.strip().splitlines()) == 1
    line = stopped.stderr
    assert "CaseForgotten is committed (position 2)" in line and "its key is still in" in line, line
    assert "No space left on device" in line and "again to finish it" in line and "nothing was written" not in line
    assert "c-1" in _keys(cli.db)["cases"]
    again = cli.run("forget", "c-1", "--reason", "consent withdrawn")
    assert again.exit_code == 0 and "already erased" in again.stdout and "1 key destroyed" in again.stdout
    assert "c-1" not in _keys(cli.db)["cases"] and cli.ok("verify").startswith("ok: 2 events")


def test_a_full_disk_after_the_key_is_destroyed_says_so_and_not_that_nothing_was_written(cli: Cli, monkeypatch):
    cli.ok("init")
    _open(cli, "c-1")
    cli.ok("summary")  # the projection tables hold the case
    with monkeypatch.context() as patch:
        def full(self, case):
            raise sqlite3.OperationalError("database or disk is full")

        patch.setattr("pathways.application.service.Projector.drop_case", full)
        stopped = cli.run("forget", "c-1", "--reason", "consent withdrawn")
    assert stopped.exit_code == 3
    line = stopped.stderr
    assert "CaseForgotten is committed (position 2) and its key is destroyed" in line, line
    assert "removing its rows from the projection tables failed: database or disk is full" in line
    assert "nothing was written" not in line and "again to finish it" in line
    again = cli.run("forget", "c-1", "--reason", "consent withdrawn")
    assert again.exit_code == 0 and "already erased" in again.stdout


def test_a_database_sqlite_cannot_open_to_write_is_not_called_read_only(cli: Cli, monkeypatch):
    cli.ok("init")
    _open(cli, "c-1")
    import events.backends.sqlite as backend

    connect = backend.sqlite3.connect

    def full_disk(database, *args, **kwargs):  # what a full disk does to opening for writing (its -shm)
        if "mode=ro" not in str(database):
            raise sqlite3.OperationalError("disk I/O error")
        return connect(database, *args, **kwargs)

    monkeypatch.setattr(backend.sqlite3, "connect", full_disk)
    refused = cli.run("forget", "c-1", "--reason", "consent withdrawn")
    assert refused.exit_code == 3 and "read-only" not in refused.stderr, refused.stderr
    assert "could not be opened for writing although the file is writable" in refused.stderr
    assert "disk I/O error" in refused.stderr and "nothing was written" in refused.stderr


def test_a_key_file_made_beside_a_link_by_an_earlier_version_is_pointed_to(tmp_path: Path):
    real, link = tmp_path / "real.db", tmp_path / "link.db"
    Cli(real).ok("init")
    _open(Cli(real), "c-1")
    link.symlink_to(real)
    key_path(real).rename(key_path(link))  # where an earlier version kept it
    refused = Cli(link).run("show", "c-1")
    assert refused.exit_code == 3 and f"{key_path(link)} beside the link" in refused.stderr
    assert "move it there" in refused.stderr and str(key_path(real)) in refused.stderr
    key_path(link).rename(key_path(real))
    assert NOTES in Cli(link).ok("show", "c-1", "--json")
