"""The event log: opening it on its backend, the append sink, reading, erasure of a case's key."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from events import collector
from events.append.prepare import Prepared, prepare
from events.append.transaction import append_prepared
from events.backends import open_backend, translate
from events.copying import copy_log
from events.envelope import CATALOGUE_STREAM, Event, NewEvent, case_of, case_stream, is_case_id
from events.errors import Erased, PathwaysError, UnknownCase
from events.hashing import GENESIS
from events.reading import read_events
from events.reports import AppendReport, Forgotten, Head, Kept, VerifyReport
from events.rules import catalogue as catalogue_mod
from events.rules.validate import Registry
from events.sealing.cipher import KeyMissing, Sealer, is_sealed
from events.verify import verify_log

BUSY_TIMEOUT_S = 60.0
"""How long a writer waits for another writer's lock (PATHWAYS_BUSY_SECONDS overrides)."""
__all__ = ["EventLog", "translate"]


def _busy_seconds() -> float:
    import os

    try:
        return float(os.environ.get("PATHWAYS_BUSY_SECONDS", BUSY_TIMEOUT_S))
    except ValueError:
        return BUSY_TIMEOUT_S


class EventLog:
    """The append-only `events` table (and, beside it, the projections): the sink every append ends in
    (validation against what is stored, concurrency, idempotency and the hash chain: `append/`), and
    reading; the connection, schema and locking in the log's backend (`backends/`)."""

    def __init__(self, path: str | Path, *, registry: Registry | None = None, create: bool = True,
                 seal: bool = True) -> None:
        """Open a log, making it when `create` and it is not there: sealed (each case's payload
        encrypted under its own key, kept apart from the log), or open with seal=False."""
        self.registry = registry or _default_registry()
        self._db: Any = None
        self.busy_seconds = _busy_seconds()
        self.log: Any = open_backend(path, create=create, busy_seconds=self.busy_seconds)
        self.path = self.log.path
        self.conn = self.log.conn
        self.read_only = self.log.read_only
        if self.log.created and seal:
            self.log.set_setting("sealed", "1")
        self.sealed = self.log.setting("sealed") == "1"
        if self.sealed:
            self.log.prepare_keys()  # the log's id, and a new log's key file bound to it
        self._sealer: Sealer | None = None
        self._forgotten: dict[str, Forgotten] | None = None
        self.kept = Kept()
        """Events this object has committed to the log: what an interrupted command kept."""

    @property
    def sealer(self) -> Sealer:
        """The keys of this log's sealed cases (read on first use: an open log never loads them)."""
        if self._sealer is None:
            self._sealer = Sealer(self.log.keyring())
        return self._sealer

    def forgotten(self) -> dict[str, Forgotten]:
        """The erased cases, by case id (one index lookup: CaseForgotten has a partial index)."""
        if self._forgotten is None:
            rows = self.conn.execute("SELECT stream, position, recorded_at, data FROM events "
                                     "WHERE type = 'CaseForgotten'").fetchall()
            self._forgotten = {case_of(stream): Forgotten(case_of(stream), position, recorded_at,
                                                          json.loads(data)["reason"])
                               for stream, position, recorded_at, data in rows}
        return self._forgotten

    def open_payload(self, stream: str, version: int, event_id: str, data: str, meta: str) -> tuple[str, str]:
        """The clear `data` and `meta` JSON of a stored row (decrypted when sealed)."""
        if not is_sealed(data):
            return data, meta
        return self.open_sealed(stream, version, event_id, data)

    def open_sealed(self, stream: str, version: int, event_id: str, data: str) -> tuple[str, str]:
        case = case_of(stream)
        forgotten = self.forgotten().get(case)
        if forgotten is not None:
            raise Erased(f"case '{case}' was erased at {forgotten.recorded_at[:10]} (position {forgotten.position}): "
                         "its events can no longer be read", field="CASE")
        return self.sealer.open(case, stream, version, event_id, data)

    def forget(self, case: str, reason: str, *, recorded_by: str | None = None,
               waiting: Callable[[float], None] | None = None) -> AppendReport:
        """Erase a case: append CaseForgotten, then destroy its key (see `append`)."""
        if not self.sealed:
            raise PathwaysError(f"{self.path} is an open database (made with `init --open`): its events are stored "
                                "in clear and cannot be erased; `forget` needs a sealed database", field="CASE")
        stream = self.require_case(case, field="CASE")
        event = NewEvent(stream=stream, type="CaseForgotten", data={"reason": reason}, recorded_by=recorded_by)
        return self.append_prepared([prepare(self.registry, event)], waiting=waiting)

    def require_keys(self) -> None:
        """A write to a sealed log whose keys are missing is refused (KeyMissing, exit 3)."""
        if self.sealed:
            _require_keys(self.log.keyring())

    def destroy_forgotten_keys(self, waiting: Callable[..., None] | None = None) -> int:
        """Destroy the keys of every erased case still held (after a forget, or a restored backup:
        the CaseForgotten events in the log win); how many were destroyed. `waiting(seconds, what)`
        hears of a wait for another process's lock on the key place."""
        self._forgotten = None
        cases = set(self.forgotten())
        if not cases or not self.sealed:
            return 0
        destroyed = self.log.keyring().destroy(cases, waiting)
        self.sealer.forget_cached(cases)
        return destroyed

    def scrub(self, tables: Sequence[str] = ()) -> str | None:
        """Leave no deleted bytes in the storage's side files (WAL) nor, on a server, in the files of
        the key table and these tables (those this role may rewrite); a note when it could not yet."""
        return self.log.scrub(tables)

    def begin_write(self, waiting: Callable[[float], None] | None = None, *, wait: bool = True) -> None:
        """Take the log's write lock, waiting up to `busy_seconds` for another writer (calling `waiting`
        with the seconds waited, about once a second); Busy at the limit, or at once with wait=False."""
        self.log.begin_write(waiting, wait=wait)

    @property
    def db(self) -> Any:
        """The sqlite-utils view of the same connection (imported on first use: it costs start-up time)."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    def close(self) -> None:
        self.log.close()

    def __enter__(self) -> "EventLog":
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None:  # an interrupt may have landed just after a COMMIT: ask the log
            self.kept.settle(self.hash_at, self.log.rollback)
        self.close()

    # -- writing -------------------------------------------------------------------------------

    def append_prepared(self, events: Iterable[Prepared], *, file: str | None = None, dry_run: bool = False,
                        progress: Callable[[int], None] | None = None,
                        waiting: Callable[[float], None] | None = None) -> AppendReport:
        """Append events already prepared (`append/prepare.py`), in order, in one transaction."""
        with collector.paused():
            return append_prepared(self, events, file=file, dry_run=dry_run, progress=progress, waiting=waiting)

    # -- reading -------------------------------------------------------------------------------

    def last_position(self) -> int:
        row = self.conn.execute("SELECT max(position) FROM events").fetchone()
        return row[0] or 0

    def last(self) -> Head:
        """Position and hash of the last event (0 and the genesis hash for an empty log)."""
        row = self.conn.execute("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1").fetchone()
        return Head(*row) if row else Head(0, GENESIS)

    def hash_at(self, position: int) -> str | None:
        """The hash of the event at a position (None: the log holds no such position)."""
        row = self.conn.execute("SELECT hash FROM events WHERE position = ?", (position,)).fetchone()
        return row[0] if row else None

    def head(self, stream: str) -> int:
        row = self.conn.execute("SELECT max(version) FROM events WHERE stream = ?", (stream,)).fetchone()
        return row[0] or 0

    def streams_after(self, position: int, until: int) -> set[str]:
        """The streams that received events in (position, until]: what a catch-up must recompute."""
        rows = self.conn.execute("SELECT DISTINCT stream FROM events WHERE position > ? AND position <= ?",
                                 (position, until))
        return {stream for (stream,) in rows}

    def require_case(self, case: str, *, field: str, erased_ok: bool = False) -> str:
        """The stream of an opened case; UnknownCase (naming `field`) otherwise, and Erased for an
        erased case unless `erased_ok`."""
        stream = case_stream(case)
        if not is_case_id(case) or self.head(stream) == 0:
            raise UnknownCase(f"no case '{case}' in {self.path}", field=field)
        forgotten = self.forgotten().get(case)
        if forgotten is not None and not erased_ok:
            raise Erased(f"case '{case}' was erased at {forgotten.recorded_at[:19].replace('T', ' ')} UTC "
                         f"(position {forgotten.position}; reason: {forgotten.reason})", field=field)
        return stream

    def streams_holding(self, type_: str) -> list[str]:
        """The streams holding an event of this type (types are stored in clear), in stream order."""
        rows = self.conn.execute("SELECT DISTINCT stream FROM events WHERE type = ? ORDER BY stream", (type_,))
        return [stream for (stream,) in rows]

    def cases(self) -> list[str]:
        rows = self.conn.execute("SELECT DISTINCT stream FROM events WHERE stream LIKE 'case:%' ORDER BY stream")
        return [case_of(stream) for (stream,) in rows]

    def coders(self) -> dict[str, set[str]]:
        """Case -> the coders (`recorded_by`) of its events that code the story (not its opening, an
        erasure, a correction, a retraction, a kept transcript); events without a coder name none."""
        rows = self.conn.execute("SELECT DISTINCT stream, recorded_by FROM events WHERE stream LIKE 'case:%' "
                                 "AND recorded_by IS NOT NULL AND type NOT IN "
                                 "('CaseOpened', 'CaseForgotten', 'EventAmended', 'EventRetracted', 'SourceText')")
        found: dict[str, set[str]] = {}
        for stream, coder in rows:
            found.setdefault(case_of(stream), set()).add(coder)
        return found

    def read(self, *, streams: Sequence[str] | None = None, after: int = 0, until: int | None = None,
             recorded_before: str | None = None, by_stream: bool = False, raw: bool = False,
             keyless: bool = False, live: bool = False) -> Iterator[Event]:
        """Events, filtered, in log order or grouped by stream (`reading.read_events` says how)."""
        return read_events(self, streams=streams, after=after, until=until, recorded_before=recorded_before,
                           by_stream=by_stream, raw=raw, keyless=keyless, live=live)

    def copy_to(self, target: "EventLog", progress: Callable[[int], None] | None = None) -> AppendReport:
        """Every row of this log, as stored, appended to `target` in one transaction (`copying.py`)."""
        return copy_log(self, target, progress)

    def catalogue(self) -> catalogue_mod.Catalogue:
        """The catalogue in force: shipped keys plus every stored catalogue event."""
        return catalogue_mod.build((event.type, event.data)
                                   for event in self.read(streams=[CATALOGUE_STREAM]))

    def verify(self, head: Head | None = None) -> VerifyReport:
        """Recompute the hash chain and stream versions; name the first broken position (`verify.py`)."""
        return verify_log(self, head)


_REGISTRY: Registry | None = None


def _require_keys(keyring: Any) -> None:
    """KeyMissing unless the keys are there: a new case would get its key in a new key file, lost when
    the old one came back."""
    if keyring.exists():
        return
    try:
        keyring.keys()
    except PathwaysError as error:  # a key place this role may not read
        raise KeyMissing(error.reason) from None
    raise KeyMissing(f"the log is sealed and its keys are not at {keyring.where}: nothing is written "
                     "to it until they are back (bring the key file back, or `pathways keys restore BACKUP`); "
                     "no new key file is made")


def _default_registry() -> Registry:
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = Registry()
    return _REGISTRY


