"""The SQLite event log: create, append (validation, concurrency, idempotency), read, verify."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from events.rules import catalogue as catalogue_mod
from events import collector
from events.append.batch import INSERT, Batch, VersionConflict
from events.envelope import CATALOGUE_STREAM, COLUMNS, Event, NewEvent, case_of, case_stream, is_case_id
from events.errors import Conflict, Erased, InvalidEvent, PathwaysError, UnknownCase
from events.hashing import GENESIS, chain_hash
from events.jsontext import load_stored
from events.append.prepare import Prepared, prepare
from events.sealing.cipher import KeyMissing, Sealer, Tampered, is_sealed
from events.timestamps import format_timestamp, parse_timestamp, utc_now
from events.rules.validate import Registry


CHUNK = 2000
BUSY_TIMEOUT_S = 60.0
"""How long a writer waits for another writer's lock (PATHWAYS_BUSY_SECONDS overrides)."""
__all__ = ["AppendReport", "Erased", "EventStore", "Forgotten", "Head", "VersionConflict", "VerifyReport",
           "format_timestamp", "parse_timestamp", "utc_now"]


@attrs.frozen
class AppendReport:
    appended: int
    skipped: int
    first_position: int | None
    last_position: int | None
    dry_run: bool = False
    other_coder: int = 0
    """Of the skipped: events stored before under the same id and content but another `recorded_by`."""


@attrs.frozen
class Forgotten:
    """A case erased by `CaseForgotten`: where and when, and the reason (in clear, naming no person)."""

    case: str
    position: int
    recorded_at: str
    reason: str


@attrs.frozen
class VerifyReport:
    ok: bool
    checked: int
    broken_position: int | None = None
    reason: str | None = None


@attrs.frozen
class Head:
    """The last event of the log: what `verify --head` later proves is still there, unchanged."""

    position: int
    hash: str

    def __str__(self) -> str:
        return f"{self.position}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> "Head":
        position, sep, hash_ = text.partition(":")
        if not sep or not position.isascii() or not position.isdigit() or not re.fullmatch(r"[0-9a-f]{64}", hash_):
            raise InvalidEvent(f"'{text}' is not POSITION:HASH (as `pathways head` prints it)", field="--head")
        return cls(int(position), hash_)


def translate(error: BaseException, where: str) -> PathwaysError | None:
    """The one place where a backend's errors become ours (None: not a storage error we know)."""
    from events.backends.postgres import translate as from_postgres
    from events.backends.sqlite import translate as from_sqlite

    return from_sqlite(error, where) or from_postgres(error, where)


def _busy_seconds() -> float:
    import os

    try:
        return float(os.environ.get("PATHWAYS_BUSY_SECONDS", BUSY_TIMEOUT_S))
    except ValueError:
        return BUSY_TIMEOUT_S


class EventStore:
    """The append-only `events` table (and, beside it, the projections): validation, concurrency,
    idempotency and the hash chain here; the connection, schema and locking in the log's backend."""

    def __init__(self, path: str | Path, *, registry: Registry | None = None, create: bool = True,
                 seal: bool = True) -> None:
        """Open a log, making it when `create` and it is not there: sealed (each case's payload
        encrypted under its own key, kept apart from the log), or open with seal=False."""
        from events.backends.postgres import PostgresLog, is_url
        from events.backends.sqlite import SQLiteLog

        self.registry = registry or _default_registry()
        self._db: Any = None
        self.busy_seconds = _busy_seconds()
        self.log: Any = (PostgresLog(path, create=create, busy_seconds=self.busy_seconds) if is_url(path)
                         else SQLiteLog(Path(path), create=create, busy_seconds=self.busy_seconds))
        self.path = self.log.path
        self.conn = self.log.conn
        self.read_only = self.log.read_only
        if self.log.created and seal:
            self.log.set_setting("sealed", "1")
        self.sealed = self.log.setting("sealed") == "1"
        self._sealer: Sealer | None = None
        self._forgotten: dict[str, Forgotten] | None = None
        self.committed_events = 0
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
        return self._open_sealed(stream, version, event_id, data)

    def _open_sealed(self, stream: str, version: int, event_id: str, data: str) -> tuple[str, str]:
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
        return self.append([NewEvent(stream=stream, type="CaseForgotten", data={"reason": reason},
                                     recorded_by=recorded_by)], waiting=waiting)

    def destroy_forgotten_keys(self) -> int:
        """Destroy the keys of every erased case still held (after a forget, or a restored backup:
        the CaseForgotten events in the log win); how many were destroyed."""
        self._forgotten = None
        cases = set(self.forgotten())
        if not cases or not self.sealed:
            return 0
        destroyed = self.log.keyring().destroy(cases)
        self.sealer.forget_cached(cases)
        return destroyed

    def scrub(self) -> str | None:
        """Leave no deleted bytes in the storage's side files (WAL); a note when it could not yet."""
        return self.log.scrub()

    def _missing_triggers(self) -> set[str]:
        return self.log.missing_triggers()

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

    def __enter__(self) -> "EventStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------------

    def append(self, events: Iterable[NewEvent], *, file: str | None = None, dry_run: bool = False,
               progress: Callable[[int], None] | None = None,
               waiting: Callable[[float], None] | None = None) -> AppendReport:
        """Append a batch in one transaction: all of it, or (on any error) nothing. A big list is
        checked on every core (`pipeline.py`), with the same result."""
        from events.ingest import pipeline

        registry = self.registry
        workers = pipeline.processes(len(events), busy_writer=True) if isinstance(events, (list, tuple)) else 0
        if not workers:
            return self.append_prepared((prepare(registry, event) for event in events), file=file, dry_run=dry_run,
                                        progress=progress, waiting=waiting)
        with pipeline.prepared_events(events, registry, self.catalogue(), workers) as prepared:
            return self.append_prepared(prepared, file=file, dry_run=dry_run, progress=progress, waiting=waiting)

    def import_file(self, path: str | Path, fmt: str | None = None, *, dry_run: bool = False,
                    progress: Callable[[int], None] | None = None,
                    waiting: Callable[[float], None] | None = None) -> AppendReport:
        """Append the events of an import file in one transaction. A big JSON Lines file is parsed and
        checked on every core (`pipeline.py`); the result, and any refusal, is the same."""
        from events.ingest import pipeline
        from events.ingest.readers import count_records, detect_format, read_events

        workers = pipeline.processes(count_records(path), busy_writer=True) if detect_format(path, fmt) == "jsonl" and \
            Path(path).is_file() else 0
        if not workers:
            return self.append(read_events(path, fmt), file=str(path), dry_run=dry_run, progress=progress,
                               waiting=waiting)
        with pipeline.prepared_jsonl(path, self.registry, self.catalogue(), workers) as prepared:
            return self.append_prepared(prepared, file=str(path), dry_run=dry_run, progress=progress,
                                        waiting=waiting)

    def append_prepared(self, events: Iterable[Prepared], *, file: str | None = None, dry_run: bool = False,
                        progress: Callable[[int], None] | None = None,
                        waiting: Callable[[float], None] | None = None) -> AppendReport:
        """`append` of events already prepared (`prepare.py`), in order."""
        with collector.paused():
            return self._append_prepared(events, file=file, dry_run=dry_run, progress=progress, waiting=waiting)

    def _append_prepared(self, events: Iterable[Prepared], *, file: str | None, dry_run: bool,
                         progress: Callable[[int], None] | None, waiting: Callable[[float], None] | None
                         ) -> AppendReport:
        self.begin_write(waiting)
        try:
            batch = Batch(self, file=file)
            chunk: list[Prepared] = []
            for event in events:
                chunk.append(event)
                if len(chunk) >= CHUNK:
                    batch.add_chunk(chunk)
                    if progress:
                        progress(len(chunk))
                    chunk = []
            batch.add_chunk(chunk)
            if progress and chunk:
                progress(len(chunk))
        except BaseException:
            self.log.rollback()
            self._unlearn(locals().get("batch"))
            raise
        if dry_run:
            self.log.rollback()
            self._unlearn(batch)
        else:
            try:
                if batch.new_keys:  # durable before the events they seal
                    self.log.keyring().add(batch.new_keys)
            except BaseException:
                self.log.rollback()
                self._unlearn(batch)
                raise
            self.log.commit()
            self.committed_events += batch.appended
            if batch.forgets:
                self.destroy_forgotten_keys()
        return AppendReport(batch.appended, batch.skipped, batch.first_position,
                            batch.last_position if batch.appended else None, dry_run, batch.other_coder)

    def _unlearn(self, batch: Batch | None) -> None:
        """Keys made by a batch that did not commit were never kept: they must not be used later."""
        if batch is not None and batch.new_keys and self._sealer is not None:
            self._sealer.forget_cached(set(batch.new_keys))

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

    def cases(self) -> list[str]:
        rows = self.conn.execute("SELECT DISTINCT stream FROM events WHERE stream LIKE 'case:%' ORDER BY stream")
        return [case_of(stream) for (stream,) in rows]

    def read(self, *, streams: Sequence[str] | None = None, after: int = 0, until: int | None = None,
             recorded_before: str | None = None, by_stream: bool = False, raw: bool = False,
             keyless: bool = False, live: bool = False) -> Iterator[Event]:
        """Events (upcast to their newest schema, or with `raw` in their stored schema version: what an
        export must carry so that it imports again with the same hashes), optionally filtered; in log
        order, or with `by_stream` grouped by stream in version order (one index scan, for projections).
        Sealed payloads are decrypted; with `keyless`, one that cannot be (an erased case, or no key
        file) comes as an event marked `sealed` with empty data instead of an error; with `live`, the
        events of erased cases are left out."""
        skip = frozenset(case_stream(case) for case in self.forgotten()) if live else frozenset()
        if streams is not None:
            streams = [stream for stream in streams if stream not in skip]
            for start in range(0, len(streams), 500):
                part = list(streams[start:start + 500])
                yield from self._read(f"stream IN ({','.join('?' * len(part))})", part,
                                      after, until, recorded_before, by_stream, raw, keyless)
        else:
            yield from self._read(None, [], after, until, recorded_before, by_stream, raw, keyless, skip)

    def _read(self, clause: str | None, params: list[Any], after: int, until: int | None,
              recorded_before: str | None, by_stream: bool = False, raw: bool = False,
              keyless: bool = False, skip: frozenset[str] = frozenset()) -> Iterator[Event]:
        where = ["position > ?"]
        params = [after, *params]
        if clause:
            where.append(clause)
        if until is not None:
            where.append("position <= ?")
            params.append(until)
        if recorded_before is not None:
            where.append("recorded_at < ?")
            params.append(recorded_before)
        order = "stream, version" if by_stream else "position"
        sql = f"SELECT {COLUMNS} FROM events WHERE {' AND '.join(where)} ORDER BY {order}"
        for row in self.log.stream(sql, params):
            if row[2] not in skip:
                yield self._event(row, raw, keyless)

    def _event(self, row: Sequence[Any], raw: bool = False, keyless: bool = False) -> Event:
        type_, version, data, meta = row[4], row[5], row[9], row[10]
        if is_sealed(data):
            try:
                data, meta = self._open_sealed(row[2], row[3], row[1], data)
            except (Erased, KeyMissing):
                if not keyless:
                    raise
                erased = case_of(row[2]) in self.forgotten()
                return Event(*row[:9], {}, {}, row[11], row[12], sealed="erased" if erased else "sealed")
        data = load_stored(data)
        if not raw:
            version, data = self.registry.upcast(type_, version, data)
        return Event(row[0], row[1], row[2], row[3], type_, version, row[6], row[7], row[8],
                     data, {} if meta == "{}" else load_stored(meta), row[11], row[12])

    def copy_to(self, target: "EventStore", progress: Callable[[int], None] | None = None) -> AppendReport:
        """Every row of this log, as stored, appended to `target` in one transaction: the same ids,
        times, payloads (sealed ones as ciphertext, with their cases' keys) and so the same hashes.
        The source is verified first, so its rows are taken as they are. A target that already holds
        events must hold this log's first events (a copy broken off, or an earlier copy of a log that
        has grown); it then continues."""
        check = self.verify()
        if not check.ok:
            raise Conflict(f"{self.path} does not verify at position {check.broken_position}: {check.reason}",
                           field="SOURCE")
        target.begin_write()
        try:
            held = target.last()
            if held.position and self.hash_at(held.position) != held.hash:
                raise Conflict(f"{target.path} already holds {held.position} events that are not the start of "
                               f"{self.path}: copy into an empty database", field="TARGET")
            if held.position and target.sealed != self.sealed:
                raise Conflict(f"{target.path} is {'sealed' if target.sealed else 'open'} and {self.path} is not: "
                               "copy into an empty database", field="TARGET")
            target.log.set_setting("sealed", "1" if self.sealed else "0")
            rows = self.conn.execute(f"SELECT {COLUMNS} FROM events WHERE position > ? ORDER BY position",
                                     (held.position,))
            copied = 0
            while chunk := rows.fetchmany(CHUNK):
                target.conn.executemany(INSERT, chunk)
                copied += len(chunk)
                if progress:
                    progress(len(chunk))
            source_keys, target_keys = self.log.keyring(), target.log.keyring()
            if self.sealed and source_keys.exists():  # a key the target holds already wins
                target_keys.restore({**source_keys.dump(), **(target_keys.dump() if target_keys.exists() else {})})
        except BaseException:
            target.log.rollback()
            raise
        target.log.commit()
        target.committed_events += copied
        target.sealed = self.sealed
        target._sealer = None
        last = target.last()
        return AppendReport(copied, 0, held.position + 1 if copied else None, last.position if copied else None)

    def catalogue(self) -> catalogue_mod.Catalogue:
        """The catalogue in force: shipped keys plus every stored catalogue event."""
        return catalogue_mod.build((event.type, event.data)
                                   for event in self.read(streams=[CATALOGUE_STREAM]))

    # -- checking ------------------------------------------------------------------------------

    def verify(self, head: Head | None = None) -> VerifyReport:
        """Recompute the hash chain and stream versions; name the first broken position. With `head`
        (an earlier `pathways head`), also prove the log still holds that event: truncation or a
        rewrite of the log from there on is then seen even though the rest chains up."""
        missing = self._missing_triggers()
        prev, checked, heads = GENESIS, 0, {}
        opener = self.sealer if self.sealed and self.log.keyring().exists() else None
        expected_position = 1
        for row in self.conn.execute(f"SELECT {COLUMNS} FROM events ORDER BY position"):
            position, event_id, stream, version, type_, schema_version, occurred, recorded_at, \
                recorded_by, data, meta, prev_hash, hash_ = row
            if position != expected_position:
                return VerifyReport(False, checked, position, f"position {expected_position} is missing")
            expected_position += 1
            if prev_hash != prev:
                return VerifyReport(False, checked, position, "prev_hash does not match the hash of the event before it")
            expected = chain_hash(prev, event_id=event_id, stream=stream, version=version, type=type_,
                                  schema_version=schema_version, occurred=occurred,
                                  recorded_at=recorded_at, recorded_by=recorded_by, data=data, meta=meta)
            if expected != hash_:
                return VerifyReport(False, checked, position, "the stored event does not match its hash (changed after it was written)")
            if version != heads.get(stream, 0) + 1:
                return VerifyReport(False, checked, position, f"version {version} of {stream} does not follow {heads.get(stream, 0)}")
            heads[stream] = version
            prev = hash_
            checked += 1
            if is_sealed(data) and opener is not None:
                try:
                    self._check_seal(opener, stream, version, event_id, data)
                except Tampered as error:
                    return VerifyReport(False, checked - 1, position, error.reason)
        if head is not None and head.position > 0:
            held = self.hash_at(head.position)
            if held is None:
                return VerifyReport(False, checked, head.position,
                                    f"the log ends at {checked}: the recorded head {head.position} is gone (truncated)")
            if held != head.hash:
                return VerifyReport(False, checked, head.position,
                                    "the event at the recorded head has another hash: the log was rewritten from there")
        if missing:
            return VerifyReport(False, checked, None, f"append-only trigger(s) missing: {', '.join(sorted(missing))}")
        return VerifyReport(True, checked)

    def _check_seal(self, sealer: Sealer, stream: str, version: int, event_id: str, data: str) -> None:
        """With the keys at hand, a sealed payload must also decrypt: a forgery re-hashed from the
        first changed event on would pass the chain, never the cipher's tag (Tampered names it)."""
        case = case_of(stream)
        if case in self.forgotten() or not sealer.has_key(case):
            return
        sealer.open(case, stream, version, event_id, data)


_REGISTRY: Registry | None = None


def _default_registry() -> Registry:
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = Registry()
    return _REGISTRY


