"""The event log on a PostgreSQL server (psycopg 3): the same `events` table and rules as in SQLite.

Append-only by trigger (no update, delete or truncate; an insert only at the next position) and,
with the roles the README gives, by privilege. Appends are serialised by a transaction-scoped
advisory lock, so that each append reads the chain's tip and the next position with no other writer
between: positions stay contiguous and the hash chain whole under concurrent writers. Data and meta
are kept as the canonical JSON text that was hashed (TEXT, not jsonb, which would reformat it).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from events.envelope import COLUMNS, EVENTS_TABLE, FORGOTTEN_INDEX, SETTINGS_TABLE
from events.errors import Busy, PathwaysError, StorageError

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION pathways_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.position IS DISTINCT FROM (SELECT coalesce(max(position), 0) + 1 FROM events) THEN
    RAISE EXCEPTION 'the event log is append-only: an insert must add the next position';
  END IF;
  IF NEW.stream LIKE 'case:%' THEN
    IF EXISTS (SELECT 1 FROM events WHERE stream = NEW.stream AND type = 'CaseForgotten') THEN
      RAISE EXCEPTION 'case % was erased: nothing may follow its CaseForgotten', substr(NEW.stream, 6);
    END IF;
    IF NEW.type <> 'CaseForgotten' AND left(NEW.data, 1) <> '"'
        AND EXISTS (SELECT 1 FROM log_settings WHERE name = 'sealed' AND value = '1') THEN
      RAISE EXCEPTION 'the log is sealed: a payload in clear is refused (case %)', substr(NEW.stream, 6);
    END IF;
  END IF;
  RETURN NEW;
END $$;
"""
"""An insert only at the next position; nothing after a case's CaseForgotten; in a sealed log, no case
payload in clear (CaseForgotten's reason is clear by design)."""
SCHEMA = EVENTS_TABLE.format(position="BIGINT") + """
CREATE OR REPLACE FUNCTION pathways_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the event log is append-only: % refused', TG_OP; END $$;
""" + APPEND_ONLY + """
CREATE OR REPLACE TRIGGER events_no_update BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION pathways_refuse();
CREATE OR REPLACE TRIGGER events_no_delete BEFORE DELETE ON events FOR EACH ROW EXECUTE FUNCTION pathways_refuse();
CREATE OR REPLACE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION pathways_refuse();
CREATE OR REPLACE TRIGGER events_append_only BEFORE INSERT ON events
  FOR EACH ROW EXECUTE FUNCTION pathways_append_only();
"""
KEYS_TABLE = "CREATE TABLE IF NOT EXISTS case_keys (name TEXT PRIMARY KEY, secret TEXT NOT NULL)"
"""The keys of sealed cases and the project's secret: a table of its own, with its own privileges."""
TRIGGERS = ("events_no_update", "events_no_delete", "events_no_truncate", "events_append_only")
LOCK = 7_207_104_411
"""The advisory lock key every appending transaction takes (any constant: ours alone)."""


def is_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def shown(url: str) -> str:
    """The URL without its password, for messages: `user:pw@` and a `password` query parameter
    (which libpq also takes percent-encoded, `pass%77ord=`) both become `***`."""
    from urllib.parse import unquote

    masked = re.sub(r"://([^:/@]+):[^@/]*@", r"://\1:***@", url)
    base, mark, query = masked.partition("?")
    if not mark:
        return masked
    fragment = ""
    if "#" in query:
        query, fragment = query.split("#", 1)
        fragment = "#" + fragment
    parts = []
    for part in query.split("&"):
        name, equals, _ = part.partition("=")
        parts.append(f"{name}=***" if equals and unquote(name).strip().lower() == "password" else part)
    return f"{base}?{'&'.join(parts)}{fragment}"


def translate(error: BaseException, where: str) -> PathwaysError | None:
    """psycopg's errors as ours (None: not one we know)."""
    try:
        import psycopg
    except ImportError:
        return None
    if not isinstance(error, psycopg.Error):
        return None
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if isinstance(error, (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected)):
        return Busy(f"{where} is locked by another writer; try again when it is done")
    if isinstance(error, psycopg.errors.InsufficientPrivilege):
        return StorageError(f"{where}: this role may not do that ({text})")
    if isinstance(error, psycopg.errors.DiskFull):
        return StorageError(f"{where}: the server's disk is full; nothing was written")
    if isinstance(error, psycopg.OperationalError):
        return StorageError(f"{where}: {text}")
    return None


class _Connection:
    """psycopg with the few calls the store makes of sqlite3: `?` placeholders, execute, executemany."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.raw.execute(self._sql(sql), params) if params else self.raw.execute(sql)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.raw.cursor() as cursor:
            cursor.executemany(self._sql(sql), rows)

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple]:
        """Rows fetched from the server a batch at a time (a server-side cursor), not all at once:
        a whole log read this way takes as little memory as one batch."""
        import psycopg

        if self.raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            with self.raw.transaction():
                yield from self._named(sql, params)
        else:
            yield from self._named(sql, params)

    def _named(self, sql: str, params: Sequence[Any]) -> Iterator[tuple]:
        with self.raw.cursor(name=f"pathways_{id(sql)}_{time.monotonic_ns()}") as cursor:
            cursor.itersize = 5000
            cursor.execute(self._sql(sql), params)
            yield from cursor

    def close(self) -> None:
        self.raw.close()



class PostgresLog:
    """The connection to one PostgreSQL database (autocommit: transactions are explicit)."""

    kind = "postgresql"

    def __init__(self, url: str, *, create: bool, busy_seconds: float) -> None:
        try:
            import psycopg
        except ImportError:
            raise StorageError("a postgresql:// database needs psycopg: pip install 'pathways[postgres]'") from None
        self.url, self.path, self.busy_seconds, self.read_only = url, shown(url), busy_seconds, False
        try:
            self.raw = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as error:
            raise StorageError(f"cannot connect to {self.path}: {str(error).strip().splitlines()[0]}") from None
        self.conn = _Connection(self.raw)
        try:
            self._prepare(create)
        except psycopg.Error as error:
            self.raw.close()
            raise translate(error, self.path) or error

    def _prepare(self, create: bool) -> None:
        columns = [row[0] for row in self.raw.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = 'events' ORDER BY ordinal_position")]
        self.created = not columns
        if not columns:
            if not create:
                raise PathwaysError(f"{self.path} holds no pathways event log (run `pathways init` on it)")
            self.raw.execute(SETTINGS_TABLE)
            self.raw.execute(SCHEMA)
            self.raw.execute(KEYS_TABLE)
            self.raw.execute(FORGOTTEN_INDEX)
        elif ", ".join(columns) != COLUMNS:
            raise PathwaysError(f"{self.path} has an `events` table of another layout: not a pathways database")
        else:
            self._upgrade_trigger()

    def _upgrade_trigger(self) -> None:
        """A log made before the insert trigger refused what follows an erasure gets it, when this
        role owns the function (the owner's next command does it otherwise)."""
        import psycopg

        source = self.raw.execute("SELECT prosrc FROM pg_proc WHERE proname = 'pathways_append_only'").fetchone()
        if source is None or "CaseForgotten" in source[0]:
            return
        try:
            with self.raw.transaction():
                self.raw.execute(SETTINGS_TABLE)
                self.raw.execute(APPEND_ONLY)
        except psycopg.errors.InsufficientPrivilege:
            pass

    def missing_triggers(self) -> set[str]:
        present = {name for (name,) in self.raw.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'events'::regclass AND NOT tgisinternal")}
        return set(TRIGGERS) - present

    def begin_write(self, waiting: Callable[[float], None] | None = None, *, wait: bool = True) -> None:
        """BEGIN and the advisory lock, waiting up to `busy_seconds` for another writer's transaction."""
        import psycopg

        started = time.monotonic()
        while True:
            self.raw.execute("BEGIN")
            try:
                if not wait:
                    if self.raw.execute("SELECT pg_try_advisory_xact_lock(%s)", (LOCK,)).fetchone()[0]:
                        return
                    raise Busy(f"{self.path} is locked by another writer; try again when it is done")
                self.raw.execute("SET LOCAL lock_timeout = '1s'")
                self.raw.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK,))
                self.raw.execute("SET LOCAL lock_timeout = 0")
                return
            except psycopg.errors.LockNotAvailable:
                self.raw.execute("ROLLBACK")
                waited = time.monotonic() - started
                if waited >= self.busy_seconds:
                    raise Busy(f"{self.path} is locked by another writer (waited {waited:.0f}s); "
                               "try again when it is done") from None
                if waiting:
                    waiting(waited)
            except BaseException:
                self.raw.execute("ROLLBACK")
                raise

    # -- projection tables ----------------------------------------------------------------------

    TYPES = {str: "TEXT", int: "BIGINT", float: "DOUBLE PRECISION"}

    def table_columns(self, names: list[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for table, column in self.raw.execute(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = ANY(%s) ORDER BY table_name, ordinal_position", (names,)):
            found.setdefault(table, []).append(column)
        return found

    def create_table(self, name: str, columns: dict[str, type], pk: str | tuple[str, ...]) -> None:
        keys = ", ".join(f'"{key}"' for key in ((pk,) if isinstance(pk, str) else pk))
        body = ", ".join(f'"{column}" {self.TYPES[kind]}' for column, kind in columns.items())
        self.raw.execute(f'CREATE TABLE "{name}" ({body}, PRIMARY KEY ({keys}))')

    def drop_table(self, name: str) -> None:
        self.raw.execute(f'DROP TABLE IF EXISTS "{name}"')

    def create_index(self, name: str, columns: list[str]) -> None:
        quoted = ", ".join(f'"{column}"' for column in columns)
        self.raw.execute(f'CREATE INDEX IF NOT EXISTS "{name}_{"_".join(columns)}" ON "{name}" ({quoted})')

    def begin_read(self) -> None:
        self.raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def commit(self) -> None:
        self.raw.execute("COMMIT")

    def rollback(self) -> None:
        self.raw.execute("ROLLBACK")

    def close(self) -> None:
        self.raw.close()

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple]:
        return self.conn.stream(sql, params)

    @property
    def target(self) -> str | None:
        """What another process opens to read this log."""
        return self.url

    def setting(self, name: str) -> str | None:
        if self.raw.execute("SELECT to_regclass('log_settings')").fetchone()[0] is None:
            return None  # a log made before settings
        row = self.raw.execute("SELECT value FROM log_settings WHERE name = %s", (name,)).fetchone()
        return row[0] if row else None

    def set_setting(self, name: str, value: str) -> None:
        self.raw.execute(SETTINGS_TABLE)
        self.raw.execute("INSERT INTO log_settings (name, value) VALUES (%s, %s) "
                         "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value", (name, value))

    def keyring(self) -> "TableKeys":
        return TableKeys(self)

    def prepare_keys(self) -> None:
        """Nothing to make: the keys live in `case_keys`, a table of this database (made with it)."""

    def not_ours(self, tables: Sequence[str]) -> dict[str, str]:
        """Of `case_keys` and these tables, the ones there that this role may not rewrite (VACUUM FULL
        takes the owner's rights), with their owner: what a `forget` by this role leaves to that one."""
        rows = self.raw.execute(
            "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.relname = ANY(%s) "
            "AND c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' "
            "AND NOT pg_has_role(current_user, c.relowner, 'USAGE')", (["case_keys", *tables],)).fetchall()
        return dict(rows)

    def scrub(self, tables: Sequence[str] = ()) -> str | None:
        """After keys were destroyed and rows deleted: rewrite `case_keys` and these tables so that the
        deleted rows' bytes leave their files (VACUUM FULL), those this role owns (`not_ours` names the
        others); what the server's own WAL and backups keep is the operator's to expire."""
        import psycopg

        theirs = self.not_ours(tables)
        present = [name for (name,) in self.raw.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relname = ANY(%s) AND c.relkind = 'r' "
            "AND c.relnamespace = current_schema()::regnamespace", (["case_keys", *tables],))]
        for name in present:
            if name not in theirs:
                try:
                    self.raw.execute(f'VACUUM FULL "{name}"')
                except psycopg.Error as error:
                    return f"VACUUM FULL {name} was refused ({str(error).strip().splitlines()[0]}): ask the table's owner to run it"
        return None


class TableKeys:
    """The `Keyring` of a PostgreSQL log (see events/sealing.py): rows of `case_keys`, readable only by
    the roles granted it, so that a role may verify and list the log without being able to read a case."""

    def __init__(self, log: PostgresLog) -> None:
        self.log, self.where = log, f"the case_keys table of {log.path}"

    def _rows(self) -> dict[str, str]:
        import psycopg

        try:
            with self.log.raw.transaction():
                return dict(self.log.raw.execute("SELECT name, secret FROM case_keys").fetchall())
        except psycopg.errors.UndefinedTable:
            return {}
        except psycopg.errors.InsufficientPrivilege:
            raise StorageError(f"this role may not read {self.where}: it can verify and list the log, "
                               "not analyse a sealed case") from None

    def exists(self) -> bool:
        try:
            self._rows()
        except StorageError:
            return False
        return True

    def keys(self) -> dict[str, bytes]:
        return {name[5:]: bytes.fromhex(value) for name, value in self._rows().items() if name.startswith("case:")}

    def _write(self, sql: str, rows: list[tuple]) -> None:
        """Inside the writer's transaction when there is one (the keys commit with the events)."""
        if self.log.raw.execute("SELECT to_regclass('case_keys')").fetchone()[0] is None:
            self.log.raw.execute(KEYS_TABLE)  # a log made before sealing
        with self.log.raw.cursor() as cursor:
            cursor.executemany(sql, rows)

    def add(self, keys: dict[str, bytes]) -> None:
        self._write("INSERT INTO case_keys (name, secret) VALUES (%s, %s) ON CONFLICT (name) DO NOTHING",
                    [(f"case:{case}", key.hex()) for case, key in keys.items()])

    def destroy(self, cases: set[str], waiting: Callable[..., None] | None = None) -> int:
        names = [f"case:{case}" for case in cases]
        row = self.log.raw.execute("DELETE FROM case_keys WHERE name = ANY(%s)", (names,))
        return row.rowcount

    def project_secret(self) -> bytes:
        import secrets

        held = self._rows().get("project")
        if held is None:
            self._write("INSERT INTO case_keys (name, secret) VALUES (%s, %s) ON CONFLICT (name) DO NOTHING",
                        [("project", secrets.token_hex(32))])
            held = self._rows()["project"]
        return bytes.fromhex(held)

    def dump(self) -> dict[str, str]:
        return self._rows()

    def restore(self, content: dict[str, str]) -> None:
        with self.log.raw.transaction():
            self.log.raw.execute(KEYS_TABLE)
            self.log.raw.execute("DELETE FROM case_keys")
            with self.log.raw.cursor() as cursor:
                cursor.executemany("INSERT INTO case_keys (name, secret) VALUES (%s, %s)", list(content.items()))
