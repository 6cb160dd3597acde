"""The projection runner: read-model tables beside the log, kept current from a checkpoint.

Every table is a function of the log. `rebuild` replays everything; `catch_up` recomputes only the
cases whose streams received events after the checkpoint (all cases when the catalogue changed or
the settings differ from the ones the tables were built with). Rows and the checkpoint are written
in one transaction, so a reader never sees tables ahead of or behind their checkpoint.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import groupby
from typing import Any

import attrs

from events import collector
from events.catalogue import Catalogue
from events.envelope import CATALOGUE_STREAM, Event, case_of, case_stream
from events.errors import Busy, PathwaysError, StorageError, UnknownCase
from events.jsontext import compact
from events.store import EventStore

from .analysis import CaseAnalysis, analyse_case
from .causal import CausalGraph, Edge
from .classify import Loop, Reading
from .pathway import DIRECTION_VALUE, Pathway, Profile, Settings, Step

NAME = "pathways"
TABLES: dict[str, dict[str, Any]] = {
    "case_profiles": {"columns": {"case": str, "origin": str, "arrival": str, "motive": str, "notes": str,
                                  "cohort": str, "events": int, "retracted": int, "beyond_bound": int,
                                  "beyond_capped": int, "loops_complete": int}, "pk": "case"},
    "pathway_steps": {"columns": {"case": str, "ord": int, "ref": str, "event_id": str, "version": int,
                                  "type": str, "occurred": str, "effective": str, "phase": str, "regime": str,
                                  "actor": str, "role": str, "kind": str, "outcome": str, "perceived": str,
                                  "discretion": str, "effects": str, "because": str, "quote": str,
                                  "label": str, "until": str, "account": str, "conditions": str,
                                  "source": str}, "pk": ("case", "ord")},
    "causal_edges": {"columns": {"case": str, "source": str, "target": str, "sign": int, "ambiguous": int,
                                 "origins": str, "evidence": str, "emerged": int, "confidence": str,
                                 "history": str},
                     "pk": ("case", "source", "target")},
    "loops": {"columns": {"case": str, "id": str, "variables": str, "signs": str, "polarity": str,
                          "valence": str, "change": str, "closing_event": str, "closing_order": int,
                          "reset_rooted": int, "anticipated": int, "ambiguous": int, "archetypes": str,
                          "evidence": str, "opened_by": str, "confidence": str, "polarity_history": str},
              "pk": ("case", "id")},
    "loop_readings": {"columns": {"case": str, "ref": str, "variables": str, "polarity": str, "valence": str,
                                  "change": str, "matched": str, "agreement": str}, "pk": ("case", "ref")},
}
ORDER: dict[str, Callable[[tuple], Any]] = {
    "pathway_steps": lambda row: row[1],                                   # ord
    "causal_edges": lambda row: (row[1], row[2]),                          # source, target
    "loops": lambda row: (row[8], row[1]),                                 # closing_order, id
    "loop_readings": lambda row: (int(row[1].rsplit("#", 1)[-1]) if "#" in row[1] else 0, row[1]),  # version
}
FORMAT = 3
"""What the rows hold and how (bumped when that changes without the columns changing): tables
written under another format are rebuilt, like tables built with other settings."""
STATE_TABLE = "projection_state"
STATE_COLUMNS = {"name": str, "position": int, "settings": str, "cases": int}
FLUSH_ROWS = 20_000


@attrs.frozen
class CatchUp:
    cases: int
    position: int
    rebuilt: bool


def _dumps(value: Any) -> str:
    return "[]" if value == () else compact(value)


_COMMON: dict[tuple, str] = {}


def _dumps_common(value: tuple) -> str:
    """`_dumps` of a value met again and again (a step's effects, its conditions): kept."""
    text = _COMMON.get(value)
    if text is None:
        text = _dumps(value)
        if len(_COMMON) < 10_000:
            _COMMON[value] = text
    return text


class Projector:
    """Keeps the read-model tables of one store current, and reads them back as result objects."""

    def __init__(self, store: EventStore, settings: Settings = Settings()) -> None:
        self.store, self.conn, self.settings = store, store.conn, settings
        # A sealed log's tables keep the free text of a case (notes, outcomes and statements, quotes,
        # sources) only as ciphertext under the case's key: opened on read, gone with the key. A step's
        # label is made of coded keys (actor, kind, variables), like the other coded columns.
        self._seal: Callable[[str, str | None], str | None] = _clear
        self._open: Callable[[str, str | None], str | None] = _clear
        if store.sealed:
            self._seal, self._open = store.sealer.seal_text, store.sealer.open_text

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
            from events.store import translate

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
            self.store.log.commit()

    def catch_up(self, progress: Callable[[int], None] | None = None, *, wait: bool = True) -> CatchUp:
        """Apply what the log gained since the checkpoint; recompute only the touched cases."""
        self.store.begin_write(wait=wait)
        try:
            damaged = self._ensure_tables()
            last = self.store.last_position()
            position, settings = self.checkpoint()
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
                    self._delete(cases)
                    catalogue = self.store.catalogue()
                    # No `until`: the write lock held since BEGIN IMMEDIATE keeps `last` the end of the log,
                    # and a position bound would make SQLite sort instead of walking the stream index.
                    events = self.store.read(streams=[case_stream(c) for c in cases], by_stream=True, live=True)
                    count = self._write(self.case_rows(events, catalogue), progress)
                    self._save_checkpoint(last)
                    result = CatchUp(count, last, False)
        except BaseException:
            self.store.log.rollback()
            raise
        self.store.log.commit()
        return result

    def drop_case(self, case: str) -> None:
        """Take an erased case out of every table now (rows deleted are zeroed by the storage), keeping
        the checkpoint: the next catch-up recomputes the stream and finds nothing to write."""
        self.store.begin_write()
        try:
            if set(self._layout()) >= {*TABLES, STATE_TABLE}:
                self._delete([case])
                self.conn.execute(f"UPDATE {STATE_TABLE} SET cases = (SELECT count(*) FROM case_profiles) "
                                  "WHERE name = ?", (NAME,))
        except BaseException:
            self.store.log.rollback()
            raise
        self.store.log.commit()

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
        from . import parallel

        processes = parallel.workers(last) if self.store.log.target else 0
        if processes:
            with parallel.started(self.store.log.target, self.settings, processes) as pool:
                self._delete_all()
                erased = self.store.forgotten()
                streams = [case_stream(case) for case in self.store.cases() if case not in erased]
                count = self._write(parallel.analysed_rows(pool, streams), progress)
        else:
            self._delete_all()
            events = (e for e in self.store.read(by_stream=True, live=True)
                      if e.stream != CATALOGUE_STREAM)  # see catch_up
            count = self._write(self.case_rows(events, self.store.catalogue()), progress)
        self._save_checkpoint(last)
        return CatchUp(count, last, True)

    def _delete_all(self) -> None:
        for name in TABLES:
            self.conn.execute(f"DELETE FROM {name}")

    def _analyse(self, events: Iterable[Event], catalogue: Catalogue) -> Iterator[CaseAnalysis]:
        for stream, group in groupby(events, key=lambda event: event.stream):
            yield analyse_case(case_of(stream), list(group), catalogue, self.settings)

    def case_rows(self, events: Iterable[Event], catalogue: Catalogue) -> Iterator[tuple[dict[str, list[tuple]], int]]:
        """For each case of `events` (grouped by stream, in version order): its rows for every table
        (free text sealed in a sealed log) and its number of events, as `_write` takes them."""
        for analysis in self._analyse(events, catalogue):
            yield _rows(analysis, self._seal), analysis.pathway.profile.events

    def _settings_text(self) -> str:
        return _dumps({"format": FORMAT, **attrs.asdict(self.settings)})

    def _save_checkpoint(self, position: int) -> None:
        cases = self.conn.execute("SELECT count(*) FROM case_profiles").fetchone()[0]
        self.conn.execute(f"DELETE FROM {STATE_TABLE} WHERE name = ?", (NAME,))
        self.conn.execute(f"INSERT INTO {STATE_TABLE} (name, position, settings, cases) VALUES (?, ?, ?, ?)",
                          (NAME, position, self._settings_text(), cases))

    def _delete(self, cases: Sequence[str]) -> None:
        for start in range(0, len(cases), 500):
            part = cases[start:start + 500]
            marks = ",".join("?" * len(part))
            for name in TABLES:
                self.conn.execute(f"DELETE FROM {name} WHERE \"case\" IN ({marks})", part)

    def _write(self, cases: Iterable[tuple[dict[str, list[tuple]], int]],
               progress: Callable[[int], None] | None) -> int:
        """Write each case's rows (and its event count, for progress) in batches; how many cases."""
        with collector.paused():
            return self._write_all(cases, progress)

    def _write_all(self, cases: Iterable[tuple[dict[str, list[tuple]], int]],
                   progress: Callable[[int], None] | None) -> int:
        buffers: dict[str, list[tuple]] = {name: [] for name in TABLES}
        count = pending = 0
        for tables, events in cases:
            for name, rows in tables.items():
                buffers[name].extend(rows)
                pending += len(rows)
            count += 1
            if pending >= FLUSH_ROWS:
                self._flush(buffers)
                pending = 0
            if progress:
                progress(events)
        self._flush(buffers)
        return count

    def _flush(self, buffers: dict[str, list[tuple]]) -> None:
        for name, rows in buffers.items():
            if rows:
                columns = TABLES[name]["columns"]
                quoted = ", ".join(f'"{c}"' for c in columns)
                sql = (f"INSERT INTO {name} ({quoted}) "
                       f"VALUES ({', '.join('?' * len(columns))})")
                self.conn.executemany(sql, rows)
                rows.clear()

    # -- reading back --------------------------------------------------------------------------

    def cases(self) -> list[str]:
        return sorted(case for (case,) in self.conn.execute('SELECT "case" FROM case_profiles'))

    def load(self, case: str) -> CaseAnalysis:
        """One case's analysis as stored; UnknownCase if the tables hold no such case."""
        row = self.conn.execute('SELECT * FROM case_profiles WHERE "case" = ?', (case,)).fetchone()
        if row is None:
            raise UnknownCase(f"no case '{case}' in {self.store.path}", field="CASE")
        return self._assemble(row, *(self._rows_of(name, [case]) for name in TABLES if name != "case_profiles"),
                              opener=self._open)

    def load_all(self) -> Iterator[CaseAnalysis]:
        cases = self.cases()
        for start in range(0, len(cases), 500):
            part = cases[start:start + 500]
            marks = ",".join("?" * len(part))
            profiles = self.conn.execute(f'SELECT * FROM case_profiles WHERE "case" IN ({marks})', part).fetchall()
            grouped = [self._grouped(name, part) for name in TABLES if name != "case_profiles"]
            for row in sorted(profiles, key=lambda row: row[0]):
                yield self._assemble(row, *(group.get(row[0], []) for group in grouped), opener=self._open)

    def _rows_of(self, name: str, cases: Sequence[str]) -> list[tuple]:
        return self._grouped(name, cases).get(cases[0], [])

    def _grouped(self, name: str, cases: Sequence[str]) -> dict[str, list[tuple]]:
        """Rows by case, each case's in their order (sorted here: text order in SQL follows the server's
        collation, and must not differ between backends)."""
        marks = ",".join("?" * len(cases))
        grouped: dict[str, list[tuple]] = {}
        columns = ", ".join(f'"{c}"' for c in TABLES[name]["columns"])
        for row in self.conn.execute(f'SELECT {columns} FROM {name} WHERE "case" IN ({marks})', list(cases)):
            grouped.setdefault(row[0], []).append(row)
        key = ORDER[name]
        return {case: sorted(rows, key=key) for case, rows in grouped.items()}

    @staticmethod
    def _assemble(profile: Sequence[Any], steps: Sequence[tuple], edges: Sequence[tuple], loops: Sequence[tuple],
                  readings: Sequence[tuple], *, opener: Callable[[str, str | None], str | None]) -> CaseAnalysis:
        case, origin, arrival, motive, notes, cohort, events, retracted, beyond, capped, complete = profile
        return CaseAnalysis(
            Pathway(Profile(case, origin, arrival, motive, opener(case, notes), cohort, events, retracted),
                    _steps(steps, opener)),
            CausalGraph(tuple(_edge(row) for row in edges)),
            tuple(_loop(row) for row in loops), tuple(_reading(row) for row in readings), beyond, bool(capped),
            bool(complete))


def _clear(case: str, text: str | None) -> str | None:
    return text


def _rows(analysis: CaseAnalysis, seal: Callable[[str, str | None], str | None]) -> dict[str, list[tuple]]:
    profile = analysis.pathway.profile
    case = profile.case
    return {
        "case_profiles": [(case, profile.origin, profile.arrival, profile.motive, seal(case, profile.notes),
                           profile.cohort,
                           profile.events, profile.retracted, analysis.beyond_bound, int(analysis.beyond_capped),
                           int(analysis.loops_complete))],
        "pathway_steps": [(case, s.order, s.ref, s.event_id, s.version, s.type, s.occurred, s.effective, s.phase,
                           s.regime, s.actor, s.role, s.kind, seal(case, s.outcome), s.perceived, s.discretion,
                           _dumps_common(s.effects), _dumps(s.because), seal(case, s.quote), s.label,
                           s.until, s.account, _dumps_common(s.conditions), seal(case, s.source))
                          for s in analysis.pathway.steps],
        "causal_edges": [(case, e.source, e.target, e.sign, int(e.ambiguous), _dumps(e.origins), _dumps(e.evidence),
                          e.emerged, _dumps(e.confidence), _dumps(e.history)) for e in analysis.graph.edges],
        "loops": [(case, l.id, _dumps(l.variables), _dumps(l.signs), l.polarity, l.valence, l.change, l.closing_event,
                   l.closing_order, int(l.reset_rooted), int(l.anticipated), int(l.ambiguous), _dumps(l.archetypes),
                   _dumps(l.evidence), l.opened_by, _dumps(l.confidence),
                   None if l.polarity_history is None else _dumps(l.polarity_history)) for l in analysis.loops],
        "loop_readings": [(case, r.ref, _dumps(r.variables), r.polarity, r.valence, r.change, r.matched,
                           _dumps(r.agreement)) for r in analysis.readings],
    }


def _tuple(text: str) -> tuple:
    return tuple(tuple(item) if isinstance(item, list) else item for item in json.loads(text))


def _steps(rows: Sequence[tuple], opener: Callable[[str, str | None], str | None]) -> tuple[Step, ...]:
    """The steps in order; each one's running state summed here from the effects so far (a row
    stores only its own effects, not the state of every variable again)."""
    running: dict[str, int] = {}
    state: tuple[tuple[str, int], ...] = ()
    steps = []
    for row in rows:
        (case, order, ref, event_id, version, type_, occurred, effective, phase, regime, actor, role, kind, outcome,
         perceived, discretion, effects, because, quote, label, until, account, conditions, source) = row
        effects = _tuple(effects)
        for variable, direction in effects:
            running[variable] = running.get(variable, 0) + DIRECTION_VALUE[direction]
        if effects:
            state = tuple(sorted(running.items()))
        steps.append(Step(case, order, ref, event_id, version, type_, occurred, effective, phase, regime, actor, role,
                          kind, opener(case, outcome), perceived, discretion, effects, _tuple(because),
                          opener(case, quote), label, state, until,
                          account, _tuple(conditions), opener(case, source)))
    return tuple(steps)


def _edge(row: Sequence[Any]) -> Edge:
    _, source, target, sign, ambiguous, origins, evidence, emerged, confidence, history = row
    return Edge(source, target, sign, bool(ambiguous), _tuple(origins), _tuple(evidence), emerged,
                json.loads(confidence), _tuple(history))


def _loop(row: Sequence[Any]) -> Loop:
    (case, id_, variables, signs, polarity, valence, change, closing_event, closing_order, reset_rooted, anticipated,
     ambiguous, archetypes, evidence, opened_by, confidence, history) = row
    return Loop(case, id_, _tuple(variables), _tuple(signs), polarity, valence, change, closing_event,
                bool(reset_rooted), bool(anticipated), bool(ambiguous), _tuple(archetypes), _tuple(evidence),
                closing_order, opened_by, json.loads(confidence), None if history is None else _tuple(history))


def _reading(row: Sequence[Any]) -> Reading:
    case, ref, variables, polarity, valence, change, matched, agreement = row
    return Reading(case, ref, _tuple(variables), polarity, valence, change, matched, json.loads(agreement))


def time_travel(store: EventStore, settings: Settings, *, cases: Sequence[str] | None = None,
                as_of: str | None = None, recorded_before: str | None = None,
                accounts: frozenset[str] | None = None) -> Iterator[CaseAnalysis]:
    """Analyses computed in memory at a past point (domain date and/or recording time), or from some
    accounts only; the tables are untouched."""
    from events.catalogue import build

    catalogue = build((e.type, e.data) for e in store.read(streams=[CATALOGUE_STREAM],
                                                            recorded_before=recorded_before))
    streams = [case_stream(case) for case in cases] if cases is not None else None
    events = (e for e in store.read(streams=streams, recorded_before=recorded_before, by_stream=True, live=True)
              if e.stream != CATALOGUE_STREAM)
    for stream, group in groupby(events, key=lambda event: event.stream):
        yield analyse_case(case_of(stream), list(group), catalogue, settings, as_of=as_of, accounts=accounts)
