"""The event log in one SQLite file: opening it (read-write, or read-only on a read-only file or
mount), its schema and append-only triggers, the write lock, and SQLite's errors turned into ours."""

from __future__ import annotations

import os
import sqlite3
import stat
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any
from pathlib import Path

from events.envelope import COLUMNS, EVENTS_TABLE, FORGOTTEN_INDEX, SETTINGS_TABLE
from events.errors import Busy, PathwaysError, StorageError

SCHEMA = EVENTS_TABLE.format(position="INTEGER") + """
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only: DELETE refused'); END;
CREATE TRIGGER IF NOT EXISTS events_append_only BEFORE INSERT ON events
WHEN NEW.position IS NOT (SELECT coalesce(max(position), 0) + 1 FROM events)
  OR EXISTS (SELECT 1 FROM events WHERE event_id = NEW.event_id)
  OR EXISTS (SELECT 1 FROM events WHERE stream = NEW.stream AND version = NEW.version)
BEGIN SELECT RAISE(ABORT, 'the event log is append-only: an insert must add the next position'); END;
"""
WRITE_CACHE_KIB = 64 * 1024
"""The page cache of a connection that writes (see `begin_write`)."""
IDENTITY = "database_id"
"""The log's random id, kept in its settings and in its key file (`sealing/keyfile.py`)."""
TRIGGERS = ("events_no_update", "events_no_delete", "events_append_only")
"""The insert trigger closes `REPLACE INTO` (a delete in disguise, which fires no delete trigger) and
any insert at or below the head: the log only grows, one position at a time."""

def translate(error: BaseException, where: str) -> PathwaysError | None:
    """SQLite's errors as ours (None: not a storage error we know)."""
    if not isinstance(error, sqlite3.Error):
        return None
    text = str(error)
    if "locked" in text or "busy" in text:
        return Busy(f"{where} is locked by another writer; try again when it is done")
    if "disk is full" in text or "database or disk is full" in text:
        return StorageError(f"{where}: the disk is full; nothing was written")
    if "readonly" in text or "read-only" in text:
        return StorageError(f"{where} is read-only: this command writes; read commands work on it")
    if "not a database" in text or "malformed" in text:
        return PathwaysError(f"{where} is not a pathways database (not an SQLite file, or a damaged one)")
    if "disk I/O" in text or "unable to open" in text:
        return StorageError(f"{where}: {text}")
    return None



def _special_file(path: Path) -> str | None:
    """What a path is when it exists and is not a regular file (after symlinks), else None."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    kinds = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))
    return next((kind for test, kind in kinds if test(mode)), None)


class SQLiteLog:
    """The connection to one SQLite file (autocommit: transactions are explicit)."""

    kind = "sqlite"
    """The projection tables live beside the log, in the same file."""

    def __init__(self, path: Path, *, create: bool, busy_seconds: float) -> None:
        self.path = path
        self.real = path if str(path) == ":memory:" else path.resolve()  # symlinks resolved once: the file
        # opened and made, and the key file beside it (not beside a link to it)
        self.busy_seconds = busy_seconds
        self.read_only = False
        self.made_file, self.keys_before = False, True
        """Whether this connection created the file (so a refused import may remove it again,
        `EventStore.abandon`), and whether a key file was there before (else it goes with the file)."""
        self.write_refused: str | None = None
        self.conn = self._connect(create)
        try:
            self._prepare(create)
        except sqlite3.Error as error:
            self.conn.close()
            raise translate(error, str(self.path)) or error

    def _connect(self, create: bool) -> sqlite3.Connection:
        """Open the file, read-write where possible, else read-only (a read-only file or mount)."""
        path, real = self.path, self.real  # `path` as given, for messages; `real` for the file itself
        if str(path) == ":memory:":  # a scratch log (a dry run with no database yet)
            return sqlite3.connect(":memory:", isolation_level=None)
        made = _checked_or_made(path, real, create)
        if made is not None:
            self.made_file, self.keys_before = True, made
        writable = not real.exists() or (os.access(real, os.W_OK) and os.access(real.parent, os.W_OK))
        attempts = [("", False)] if writable else []
        attempts += [("?mode=ro", True), ("?mode=ro&immutable=1", True)] if real.exists() else []
        if not attempts:
            raise StorageError(f"cannot create {path}: the folder is not writable")
        from urllib.parse import quote

        last: sqlite3.Error | None = None
        for query, read_only in attempts:
            try:
                conn = sqlite3.connect(f"file:{quote(str(real))}{query}", uri=True,
                                       timeout=self.busy_seconds, isolation_level=None, check_same_thread=False)
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                if not read_only:
                    conn.execute(f"PRAGMA busy_timeout = {int(self.busy_seconds * 1000)}")
                    conn.execute("PRAGMA journal_mode = WAL")
                    conn.execute("PRAGMA synchronous = NORMAL")
                    conn.execute("PRAGMA secure_delete = ON")  # deleted rows are zeroed, not left in free pages
            except sqlite3.Error as error:
                last = error
                if "not a database" in str(error) or "malformed" in str(error):
                    break
                if not read_only:  # a writable file SQLite could not open to write: said if a write is asked
                    self.write_refused = str(error)
                continue
            self.read_only = read_only
            return conn
        assert last is not None
        raise translate(last, str(path)) or last

    def _prepare(self, create: bool) -> None:
        columns = [row[1] for row in self.conn.execute("PRAGMA table_info(events)")]
        self.created = not columns
        if not columns:
            if self.read_only or not create:
                raise PathwaysError(f"{self.path} holds no pathways event log")
            self.conn.executescript(SCHEMA + SETTINGS_TABLE + ";" + FORGOTTEN_INDEX + ";")
        elif ", ".join(columns) != COLUMNS:
            raise PathwaysError(f"{self.path} has an `events` table of another layout: not a pathways database")
        elif not self.read_only and self.missing_triggers():
            self.conn.executescript(SCHEMA)  # a log made before a trigger was added gets it
        if not self.read_only and self.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'events_forgotten'").fetchone() is None:
            self.conn.execute(FORGOTTEN_INDEX)  # a log made before erasure gets it

    def missing_triggers(self) -> set[str]:
        present = {name for (name,) in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'")}
        return set(TRIGGERS) - present

    def begin_write(self, waiting: Callable[[float], None] | None = None, *, wait: bool = True) -> None:
        """BEGIN IMMEDIATE, waiting up to `busy_seconds` for another writer (calling `waiting` with
        the seconds waited, about once a second); Busy at the limit, or at once with wait=False."""
        if self.read_only and self.write_refused is not None:
            raise StorageError(f"{self.path} could not be opened for writing although the file is writable (SQLite: "
                               f"{self.write_refused}; a full disk?): nothing was written")
        if self.read_only:
            raise StorageError(f"{self.path} is read-only: this command writes; read commands work on it")
        started = time.monotonic()
        # A writer's page cache: SQLite's default of 2 MiB thrashes on the event-id index of a big log
        # (random ids), and spills a big transaction's pages early. Pages are taken as used, up to this.
        self.conn.execute(f"PRAGMA cache_size = -{WRITE_CACHE_KIB}")
        self.conn.execute(f"PRAGMA busy_timeout = {1000 if wait else 0}")
        try:
            while True:
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as error:
                    waited = time.monotonic() - started
                    if "locked" not in str(error) and "busy" not in str(error):
                        raise
                    if not wait or waited >= self.busy_seconds:
                        raise Busy(f"{self.path} is locked by another writer"
                                   + (f" (waited {waited:.0f}s)" if wait else "")
                                   + "; try again when it is done") from None
                    if waiting:
                        waiting(waited)
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {int(self.busy_seconds * 1000)}")

    # -- the projection tables beside the log (sqlite-utils keeps their DDL) ----------------------

    def table_columns(self, names: list[str]) -> dict[str, list[str]]:
        """The columns of each of these tables that exists."""
        marks = ",".join("?" * len(names))
        found = [name for (name,) in self.conn.execute(
            f"SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ({marks})", names)]
        return {name: [row[1] for row in self.conn.execute(f"PRAGMA table_info([{name}])")] for name in found}

    def create_table(self, name: str, columns: dict[str, type], pk: str | tuple[str, ...]) -> None:
        import sqlite_utils

        sqlite_utils.Database(self.conn)[name].create(columns, pk=pk)

    def drop_table(self, name: str) -> None:
        self.conn.execute(f"DROP TABLE IF EXISTS [{name}]")

    def create_index(self, name: str, columns: list[str]) -> None:
        import sqlite_utils

        sqlite_utils.Database(self.conn)[name].create_index(columns, if_not_exists=True)

    def begin_read(self) -> None:
        """One read snapshot (WAL): later commits of other writers stay out of it."""
        self.conn.execute("BEGIN")

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.conn.close()

    def stream(self, sql: str, params: Any = ()) -> Any:
        """Rows as SQLite steps through them (its cursor is lazy already)."""
        return self.conn.execute(sql, params)

    @property
    def target(self) -> str | None:
        """What another process opens to read this log (None: a scratch log only this one sees)."""
        return None if str(self.path) == ":memory:" else str(self.path)

    # -- sealing ----------------------------------------------------------------------------------

    def setting(self, name: str) -> str | None:
        try:
            row = self.conn.execute("SELECT value FROM log_settings WHERE name = ?", (name,)).fetchone()
        except sqlite3.OperationalError:  # a log made before settings
            return None
        return row[0] if row else None

    def set_setting(self, name: str, value: str) -> None:
        self.conn.execute(SETTINGS_TABLE)
        self.conn.execute("INSERT OR REPLACE INTO log_settings (name, value) VALUES (?, ?)", (name, value))

    def keyring(self) -> Any:
        from events.sealing.cipher import MemoryKeys

        return MemoryKeys() if str(self.path) == ":memory:" else _key_file(self)

    def prepare_keys(self) -> None:
        if not self.read_only and str(self.path) != ":memory:":
            _prepare_keys(self)

    def not_ours(self, tables: Sequence[str]) -> dict[str, str]:
        """Nothing: whoever may write the file may rewrite every table in it."""
        return {}

    def scrub(self, tables: Sequence[str] = ()) -> str | None:
        """After keys were destroyed and rows deleted (zeroed: secure_delete): fold the WAL into the
        file and truncate it, so that no old page of the case stays in the -wal file (every table is
        in the one file: `tables` needs nothing more)."""
        busy, _, _ = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            return (f"another process is reading {self.path}, so its WAL could not be emptied yet; "
                    "`pathways forget` again when it is done finishes the job")
        return None


def _first_sealed(conn: sqlite3.Connection, case: str) -> tuple[str, int, str, str] | None:
    """A case's first event as stored, when it is sealed: what proves a key file belongs to the log."""
    row = conn.execute("SELECT stream, version, event_id, data FROM events WHERE stream = ? ORDER BY version LIMIT 1",
                       (f"case:{case}",)).fetchone()
    return None if row is None or not row[3].startswith('"') else (row[0], row[1], row[2], row[3])


def _prepare_keys(log: SQLiteLog) -> None:
    """A sealed log that may be written: its id (made once, the first writer's kept), and the key
    file of a log that holds no case yet (made now, bound to it; never again once it has cases)."""
    if log.setting(IDENTITY) is None:  # once; a writer holding the lock now leaves it to the next open
        log.conn.execute("PRAGMA busy_timeout = 0")  # a reader never waits for it
        try:
            log.conn.execute("INSERT OR IGNORE INTO log_settings (name, value) VALUES (?, ?)",
                             (IDENTITY, uuid.uuid4().hex))
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
        finally:
            log.conn.execute(f"PRAGMA busy_timeout = {int(log.busy_seconds * 1000)}")
    keyring = log.keyring()
    if not keyring.exists() and log.conn.execute(
            "SELECT 1 FROM events WHERE stream >= 'case:' AND stream < 'case;' LIMIT 1").fetchone() is None:
        keyring.create()


def _key_file(log: SQLiteLog) -> Any:
    """The key file beside the real file, bound to the log."""
    from events.sealing.keyfile import Binding, KeyFile, key_path

    keys = KeyFile(key_path(log.real), Binding(str(log.path), log.setting(IDENTITY),
                                               lambda case: _first_sealed(log.conn, case)), patience=log.busy_seconds,
                   open_log=log.setting("sealed") != "1")
    stray = key_path(Path(os.path.abspath(log.path)))
    if stray != keys.path and stray.exists() and not keys.exists():  # made beside a link by an older version
        keys.where += f" (the key file {stray} beside the link was made by an earlier version: move it there)"
    return keys


def _checked_or_made(path: Path, real: Path, create: bool) -> bool | None:
    """Refuse what is no database file (a folder, a FIFO, a device, a socket, an unreadable file) and
    make a missing one (0600, before SQLite writes a byte; its -wal and -shm take the same mode) where
    `create`: None when the file was there, else whether a key file was there before it."""
    if real.is_dir():
        raise StorageError(f"{path} is a folder, not a database file")
    special = _special_file(real)
    if special is not None:  # SQLite would block on a FIFO, read a device, fail obscurely on a socket
        raise StorageError(f"{path} is {special}, not a database file")
    if not real.exists():
        if not create:
            raise PathwaysError(f"no database at {path} (run `pathways init` or import into it first)")
        if not real.parent.is_dir():
            raise StorageError(f"cannot create {path}: no folder {real.parent}")
        try:  # made private (0600) before SQLite writes a byte; its -wal and -shm take the same mode
            os.close(os.open(real, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            return _key_file_of(real).exists()
        except FileExistsError:
            pass
        except OSError as error:
            raise StorageError(f"cannot create {path}: {error.strerror}") from None
    elif not os.access(real, os.R_OK):
        raise StorageError(f"cannot read {path}: permission denied")
    return None


def _key_file_of(real: Path) -> Path:
    from events.sealing.keyfile import key_path

    return key_path(real)
