"""The projection runner: read-model tables beside the log, kept current from a checkpoint.

Every table is a function of the log. `rebuild` replays everything; `catch_up` recomputes only the
cases whose streams received events after the checkpoint (all cases when the catalogue changed or
the settings differ from the ones the tables were built with). Rows and the checkpoint are written
in one transaction, so a reader never sees tables ahead of or behind their checkpoint. The tables'
layout and rows are in `tables.py`; writing them in `writer.py`, reading them back in `reader.py`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator

import attrs

from events.envelope import CATALOGUE_STREAM, Event, case_of, case_stream
from events.errors import Busy, PathwaysError, StorageError
from events.rules.catalogue import Catalogue
from events.store import EventStore, translate

from pathways.analysis.case import CaseAnalysis
from pathways.analysis.pathway import Settings
from pathways.projections import parallel, writer
from pathways.projections.reader import TableReader
from pathways.projections.tables import (FORMAT, NAME, STATE_COLUMNS, STATE_TABLE, TABLES, Seal, assemble,
                                         case_rows, dumps, rows)
from pathways.projections.timetravel import time_travel

__all__ = ["CatchUp", "Projector", "STATE_TABLE", "TABLES", "time_travel"]


@attrs.frozen
class CatchUp:
    cases: int
    position: int
    rebuilt: bool


class Projector:
    """Keeps the read-model tables of one store current, and reads them back as result objects."""

    def __init__(self, store: EventStore, settings: Settings = Settings()) -> None:
        self.store, self.conn, self.settings = store, store.conn, settings
        # A sealed log's tables keep what was coded about a case only as ciphertext under the case's
        # key (`tables.py`): opened on read, gone with the key. None: an open log, rows as they are.
        self.seal: Seal | None = None
        self._open: Seal | None = None
        if store.sealed:
            self.seal, self._open = store.sealer.seal_text, store.sealer.open_text
        self.reading = False
        """Inside a reader's snapshot (`_in_memory`): nothing is written, damaged rows included."""
        self.stale = False
        """The last catch-up replaced rows of another layout or format: their freed pages are scrubbed."""
        self.tables = TableReader(self.conn, str(store.path), self._open, repair=lambda case: repaired(self, case))

    def _layout(self) -> dict[str, list[str]]:
        """The columns of every table of ours that exists."""
        return self.store.log.table_columns([*TABLES, STATE_TABLE])

    def _healthy(self, layout: dict[str, list[str]]) -> bool:
        """Every table there, in its layout, and as many case rows as the checkpoint wrote: a dropped,
        altered or emptied table is damage, to be rebuilt, never read as empty."""
        if any(layout.get(name) != list(spec["columns"]) for name, spec in TABLES.items()):
            return False
        if layout.get(STATE_TABLE) != list(STATE_COLUMNS):
            return False
        row = self.conn.execute(f"SELECT cases FROM {STATE_TABLE} WHERE name = ?", (NAME,)).fetchone()
        if row is None:
            return True  # never written: the first catch-up fills it
        return self.conn.execute("SELECT count(*) FROM case_profiles").fetchone()[0] == row[0]

    def _ensure_tables(self) -> bool:
        """Create the tables (inside the write transaction). Damaged ones, or ones of an older layout,
        are dropped with the checkpoint (they are derived); True when that happened: a rebuild follows."""
        layout = self._layout()
        if self._healthy(layout):
            return False
        tables = self.store.log
        existing = set(layout)
        self.stale = bool(existing & set(TABLES))
        for name in [*TABLES, STATE_TABLE]:
            if name in existing:
                tables.drop_table(name)
        for name, spec in TABLES.items():
            tables.create_table(name, spec["columns"], spec["pk"])
        tables.create_table(STATE_TABLE, STATE_COLUMNS, "name")
        tables.create_index("loops", ["polarity", "valence", "change"])
        return True

    # -- keeping current -----------------------------------------------------------------------

    def checkpoint(self) -> tuple[int, str | None]:
        row = self.conn.execute(f"SELECT position, settings FROM {STATE_TABLE} WHERE name = ?", (NAME,)).fetchone()
        return (row[0], row[1]) if row else (0, None)

    def current(self, case: str | None = None, progress: Callable[[int], None] | None = None) -> Iterator[CaseAnalysis]:
        """The analyses of one case or all, current with the log. Readers never wait on a writer:
        when another process holds the write lock (or the file is read-only), the tables are read
        as they are and the cases behind them are computed in memory, from one snapshot of the log."""
        try:
            self.catch_up(progress, wait=False)
        except Exception as error:  # noqa: BLE001 - a refusal of the storage, told apart from a bug below
            refusal = error if isinstance(error, PathwaysError) else translate(error, str(self.store.path))
            if not isinstance(refusal, (Busy, StorageError)):
                raise
            yield from self._in_memory(case)  # busy, read-only, or a role that may not write the tables
            return
        if case is not None:
            yield self.load(case)
        else:
            yield from self.load_all()

    def _in_memory(self, case: str | None) -> Iterator[CaseAnalysis]:
        self.store.log.begin_read()  # one read snapshot: the writer's later commits stay out of it
        self.reading = True
        try:
            last = self.store.last_position()
            position, settings = self.checkpoint() if self._healthy(self._layout()) else (0, None)
            behind: set[str] | None = None
            if settings == self._settings_text() and position <= last:
                streams = self.store.streams_after(position, last)
                if CATALOGUE_STREAM not in streams:
                    behind = {case_of(stream) for stream in streams}
            wanted = [case] if case is not None else None
            if behind is None:  # nothing usable stored: all of it in memory
                yield from time_travel(self.store, self.settings, cases=wanted)
                return
            stored = [c for c in (wanted if wanted is not None else self.cases()) if c not in behind]
            fresh = {a.case: a for a in time_travel(self.store, self.settings,
                                                    cases=sorted(behind if case is None else behind & {case}))}
            for name in sorted({*stored, *fresh}):
                yield fresh[name] if name in fresh else self.load(name)
        finally:
            self.reading = False
            self.store.log.commit()

    def catch_up(self, progress: Callable[[int], None] | None = None, *, wait: bool = True) -> CatchUp:
        """Apply what the log gained since the checkpoint; recompute only the touched cases."""
        self.store.begin_write(wait=wait)
        try:
            damaged = self._ensure_tables()
            last = self.store.last_position()
            position, settings = self.checkpoint()
            self.stale = self.stale if damaged else settings is not None and _format_of(settings) != FORMAT
            if damaged or settings != self._settings_text() or position > last:
                result = self._rebuild(last, progress)
            elif position == last:
                result = CatchUp(0, last, False)
            else:
                streams = self.store.streams_after(position, last)
                if CATALOGUE_STREAM in streams:
                    result = self._rebuild(last, progress)
                else:
                    cases = sorted(case_of(stream) for stream in streams)
                    writer.delete_cases(self.conn, cases)
                    catalogue = self.store.catalogue()
                    # No `until`: the write lock held since BEGIN IMMEDIATE keeps `last` the end of the log,
                    # and a position bound would make SQLite sort instead of walking the stream index.
                    events = self.store.read(streams=[case_stream(c) for c in cases], by_stream=True, live=True)
                    count = writer.write_cases(self.conn, self.case_rows(events, catalogue), progress)
                    self._save_checkpoint(last)
                    result = CatchUp(count, last, False)
        except BaseException:
            self.store.log.rollback()
            raise
        self.store.log.commit()
        if self.stale:  # rows of an older layout or format (an open text, say): none left in freed pages
            self.store.scrub(list(TABLES))
        return result

    def drop_case(self, case: str) -> bool:
        """Take an erased case out of every table now (`drop_case` below); False when there were no
        tables to take it out of, or this role may not change them."""
        return drop_case(self, case)

    def rebuild(self, progress: Callable[[int], None] | None = None) -> CatchUp:
        """Drop every projected row and replay the whole log."""
        self.store.begin_write()
        try:
            self._ensure_tables()
            result = self._rebuild(self.store.last_position(), progress)
        except BaseException:
            self.store.log.rollback()
            raise
        self.store.log.commit()
        return result

    def _rebuild(self, last: int, progress: Callable[[int], None] | None) -> CatchUp:
        processes = parallel.workers(last) if self.store.log.target else 0
        if processes:
            with parallel.started(self.store.log.target, self.settings, processes) as pool:
                writer.delete_all(self.conn)
                erased = self.store.forgotten()
                streams = [case_stream(case) for case in self.store.cases() if case not in erased]
                count = writer.write_cases(self.conn, parallel.analysed_rows(pool, streams), progress)
        else:
            writer.delete_all(self.conn)
            events = (e for e in self.store.read(by_stream=True, live=True)
                      if e.stream != CATALOGUE_STREAM)  # see catch_up
            count = writer.write_cases(self.conn, self.case_rows(events, self.store.catalogue()), progress)
        self._save_checkpoint(last)
        return CatchUp(count, last, True)

    def case_rows(self, events: Iterable[Event], catalogue: Catalogue) -> Iterator[tuple[dict[str, list[tuple]], int]]:
        """For each case of `events`: its rows for every table and its number of events (`tables.py`)."""
        return case_rows(events, catalogue, self.settings, self.seal)

    def _settings_text(self) -> str:
        return dumps({"format": FORMAT, **attrs.asdict(self.settings)})

    def _save_checkpoint(self, position: int) -> None:
        cases = self.conn.execute("SELECT count(*) FROM case_profiles").fetchone()[0]
        self.conn.execute(f"DELETE FROM {STATE_TABLE} WHERE name = ?", (NAME,))
        self.conn.execute(f"INSERT INTO {STATE_TABLE} (name, position, settings, cases) VALUES (?, ?, ?, ?)",
                          (NAME, position, self._settings_text(), cases))

    # -- reading back --------------------------------------------------------------------------

    def cases(self) -> list[str]:
        return self.tables.cases()

    def load(self, case: str) -> CaseAnalysis:
        """One case's analysis as stored; UnknownCase if the tables hold no such case."""
        return self.tables.load(case)

    def load_all(self) -> Iterator[CaseAnalysis]:
        return self.tables.load_all()


def repaired(projector: Projector, case: str) -> CaseAnalysis | None:
    """A case whose stored rows are damaged (changed behind the log's back): its analysis from the
    log, as the tables give it, and its rows written again, unless this process may not write now
    (inside a reader's snapshot, another writer busy, a read-only file, a role without the tables):
    then from the log in memory only. None: the case is no longer in the log."""
    store = projector.store
    if not projector.reading:
        try:
            store.begin_write(wait=False)
        except Exception as error:  # noqa: BLE001 - a refusal of the storage, told apart from a bug
            _refusal(error, store)
        else:
            try:
                fresh = list(time_travel(store, projector.settings, cases=[case]))
                writer.delete_cases(projector.conn, [case])
                writer.write_cases(projector.conn, ((rows(a, projector.seal), a.pathway.profile.events)
                                                    for a in fresh), None)
                projector.conn.execute(f"UPDATE {STATE_TABLE} SET cases = (SELECT count(*) FROM case_profiles) "
                                       "WHERE name = ?", (NAME,))
            except BaseException as error:
                store.log.rollback()
                if not isinstance(error, Exception):
                    raise
                _refusal(error, store)
            else:
                store.log.commit()
                return next((_as_stored(a) for a in fresh), None)
    return next((_as_stored(a) for a in time_travel(store, projector.settings, cases=[case])), None)


def drop_case(projector: Projector, case: str) -> bool:
    """Take an erased case out of every table now (rows deleted are zeroed by the storage), keeping
    the checkpoint: the next catch-up recomputes the stream and finds nothing to write. False when
    there were no tables to take it out of, or this role may not change them."""
    store = projector.store
    store.begin_write()
    try:
        dropped = set(projector._layout()) >= {*TABLES, STATE_TABLE}
        if dropped:
            writer.delete_cases(projector.conn, [case])
            projector.conn.execute(f"UPDATE {STATE_TABLE} SET cases = (SELECT count(*) FROM case_profiles) "
                                   "WHERE name = ?", (NAME,))
    except Exception as error:  # noqa: BLE001 - a refusal of the storage, told apart from a bug
        store.log.rollback()
        _refusal(error, store)
        return False
    except BaseException:
        store.log.rollback()
        raise
    store.log.commit()
    return dropped


def _format_of(settings: str) -> object:
    """The format a checkpoint's settings name (None: none, or text that does not parse)."""
    try:
        return json.loads(settings).get("format")
    except (ValueError, AttributeError):
        return None


def _refusal(error: Exception, store: EventStore) -> None:
    """Nothing when the error is the storage refusing a write (busy, read-only, no privilege); the
    error itself otherwise."""
    refusal = error if isinstance(error, PathwaysError) else translate(error, str(store.path))
    if not isinstance(refusal, (Busy, StorageError)):
        raise error


def _as_stored(analysis: CaseAnalysis) -> CaseAnalysis:
    """The analysis as the tables give it back (their rows' order)."""
    table = rows(analysis, None)
    return assemble(table["case_profiles"][0], *(table[name] for name in TABLES if name != "case_profiles"),
                    opener=None)
