"""References between events resolved during an append: the events a batch cites, looked up in the
log (or among those this batch already queued), and which of a case's events are retracted."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from events.envelope import case_of, case_stream
from events.rules.validate import Ref, RefTarget, dated, effect_variables

TARGET = "event_id, stream, version, type, schema_version, occurred, data"
REF_CACHE = 50_000


class Resolver:
    """The `RefResolver` of one append transaction. `flush` writes the rows the batch still holds, so
    that the queries here see them (inside the transaction: nothing is committed early)."""

    def __init__(self, log: Any, flush: Callable[[], None]) -> None:
        self.log, self.conn, self.registry, self.flush = log, log.conn, log.registry, flush
        self.targets: dict[tuple[str | None, int], RefTarget] = {}
        self.targets_by_id: dict[str, RefTarget] = {}
        self.retracted: dict[str, set[str]] = {}

    def by_version(self, case: str, version: int) -> RefTarget | None:
        key = (case, version)
        if key not in self.targets:
            row = self.conn.execute(f"SELECT {TARGET} FROM events WHERE stream = ? AND version = ?",
                                    (f"case:{case}", version)).fetchone()
            if row is None:
                return None
            self.remember(self._target(row))
        return self.targets[key]

    def by_id(self, event_id: str) -> RefTarget | None:
        if event_id not in self.targets_by_id:
            row = self.conn.execute(f"SELECT {TARGET} FROM events WHERE event_id = ?", (event_id,)).fetchone()
            if row is None:
                return None
            self.remember(self._target(row))
        return self.targets_by_id[event_id]

    def is_retracted(self, target: RefTarget) -> bool:
        if target.case not in self.retracted:
            self.flush()  # retractions earlier in this batch must be visible to the query
            found: set[str] = set()
            stream = case_stream(target.case)
            rows = self.conn.execute("SELECT event_id, version, data FROM events WHERE stream = ? "
                                     "AND type = 'EventRetracted'", (stream,)).fetchall()
            for event_id, version, data in rows:
                data, _ = self.log.open_payload(stream, version, event_id, data, "{}")
                cited = self.cited(target.case, json.loads(data)["ref"])
                if cited is not None:
                    found.add(cited.event_id)
            self.retracted[target.case] = found
        return target.event_id in self.retracted[target.case]

    def cited(self, case: str, text: str) -> RefTarget | None:
        """The event a ref of this case names (by version or by id)."""
        ref = Ref.parse(text)
        return self.by_version(case, ref.version) if ref.version else self.by_id(ref.event_id)

    def _target(self, row: Sequence[Any]) -> RefTarget:
        event_id, stream, version, type_, schema_version, occurred, data = row
        data, _ = self.log.open_payload(stream, version, event_id, data, "{}")
        _, data = self.registry.upcast(type_, schema_version, json.loads(data))
        return RefTarget(event_id, case_of(stream), version, type_, effect_variables(type_, data),
                         dated(type_, occurred, data))

    def remember(self, target: RefTarget) -> None:
        if len(self.targets) > REF_CACHE:
            # Bound memory on huge imports: the database has them all, once the rows still waiting
            # in this chunk are written (inside the transaction, so nothing is committed early).
            self.flush()
            self.targets.clear()
            self.targets_by_id.clear()
        self.targets[(target.case, target.version)] = target
        self.targets_by_id[target.event_id] = target
