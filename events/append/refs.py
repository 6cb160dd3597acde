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
        self._corrections: dict[str, dict[str, dict[str, Any]]] = {}

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
        correction = self.corrections(case_of(stream)).get(event_id)
        if correction is not None:  # an amended event is cited as it stands now
            data, occurred = correction["data"], correction.get("occurred", occurred)
        return RefTarget(event_id, case_of(stream), version, type_, effect_variables(type_, data),
                         dated(type_, occurred, data))

    def corrections(self, case: str) -> dict[str, dict[str, Any]]:
        """Event id -> the payload of its newest live `EventAmended`, for the case's amended events."""
        if case not in self._corrections:
            self.flush()  # corrections earlier in this batch must be visible to the query
            stream = case_stream(case)
            rows = self.conn.execute("SELECT event_id, version, type, schema_version, data FROM events WHERE stream = ? "
                                     "AND type IN ('EventAmended', 'EventRetracted') ORDER BY version",
                                     (stream,)).fetchall()
            parsed = []
            for event_id, version, type_, schema_version, data in rows:
                data, _ = self.log.open_payload(stream, version, event_id, data, "{}")
                _, data = self.registry.upcast(type_, schema_version, json.loads(data))
                parsed.append((event_id, type_, data, self._id_of(case, data["ref"])))
            withdrawn = {target for _, type_, _, target in parsed if type_ == "EventRetracted"}
            self._corrections[case] = {target: data for event_id, type_, data, target in parsed
                                       if type_ == "EventAmended" and event_id not in withdrawn and target}
        return self._corrections[case]

    def known_uncorrected(self, case: str) -> None:
        """A case opened in this batch has no correction stored: nothing to look up."""
        self._corrections[case] = {}

    def _id_of(self, case: str, text: str) -> str | None:
        ref = Ref.parse(text)
        if ref.event_id is not None:
            return ref.event_id
        row = self.conn.execute("SELECT event_id FROM events WHERE stream = ? AND version = ?",
                                (case_stream(case), ref.version)).fetchone()
        return row[0] if row else None

    def occurred_of(self, target: RefTarget) -> str | None:
        """A cited event's `occurred` as it stands (its newest correction's, when it gives one)."""
        self.flush()
        row = self.conn.execute("SELECT occurred FROM events WHERE event_id = ?", (target.event_id,)).fetchone()
        correction = self.corrections(target.case).get(target.event_id, {})
        return correction.get("occurred", row[0] if row else None)

    def forget_case(self, case: str) -> None:
        """Drop what is known of a case's events after a correction of one of them: read again on use."""
        self.flush()
        self._corrections.pop(case, None)
        self.retracted.pop(case, None)
        for key in [key for key in self.targets if key[0] == case]:
            self.targets_by_id.pop(self.targets.pop(key).event_id, None)

    def remember(self, target: RefTarget) -> None:
        if len(self.targets) > REF_CACHE:
            # Bound memory on huge imports: the database has them all, once the rows still waiting
            # in this chunk are written (inside the transaction, so nothing is committed early).
            self.flush()
            self.targets.clear()
            self.targets_by_id.clear()
        self.targets[(target.case, target.version)] = target
        self.targets_by_id[target.event_id] = target
