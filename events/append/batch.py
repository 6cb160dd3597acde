"""One append transaction, the second half of an append: what needs the log.

The prepared events (`prepare.py`) come in order. For each, the batch checks what depends on what
is stored or came before in the batch (idempotency by event id, stream versions, erased cases, the
catalogue in force, refs and causes), then seals, hashes and queues the row.
"""

from __future__ import annotations

import uuid
from typing import Any

from events.append.correct import check_correction
from events.append.prepare import ENVELOPE, PAYLOAD, RECORDED_AT, Prepared
from events.append.refs import Resolver
from events.envelope import COLUMNS
from events.errors import Conflict, Erased, InvalidEvent, PathwaysError, UnknownCase
from events.hashing import chain_hash
from events.rules.validate import RefTarget, check_annotations
from events.sealing.cipher import KeyMissing, new_key
from events.timestamps import utc_now

INSERT = f"INSERT INTO events ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"


def _refuse_at(stage: int, event: Prepared) -> None:
    """Raise the refusal `prepare` found, if it belongs to this stage of the writer's checks."""
    if event.error is not None and event.error[0] == stage:
        raise InvalidEvent(event.error[1], field=event.error[2])


class VersionConflict(Conflict):
    """The stream is not at the version the writer expected: a conflict (exit 1), nothing written."""


class Batch:
    """The state of one append transaction: chain tip, stream heads, catalogue, pending rows."""

    def __init__(self, store: Any, *, file: str | None) -> None:
        self.store, self.conn, self.registry, self.file = store, store.conn, store.registry, file
        last = store.last()
        self.position, self.tip = last.position, last.hash
        self.was_empty = last.position == 0
        self.catalogue = store.catalogue()
        self.heads: dict[str, int] = {}
        self.refs = Resolver(store, self._write_rows)
        self.rows: list[tuple] = []
        self.pending_ids: dict[str, tuple] = {}
        self.new_keys: dict[str, bytes] = {}
        self.forgets: set[str] = set()
        store._forgotten = None  # read again under the write lock
        self.forgotten = store.forgotten()
        self.sealer = store.sealer if store.sealed else None
        self.appended = self.skipped = self.other_coder = 0
        self.first_position: int | None = None
        self.last_position: int | None = None
        self.now = utc_now()

    def _write_rows(self) -> None:
        if self.rows:
            self.conn.executemany(INSERT, self.rows)
            self.rows = []

    # appending --------------------------------------------------------------------------------
    def add_chunk(self, chunk: list[Prepared]) -> None:
        stored = self._stored_ids([event.event_id for event in chunk if event.event_id is not None])
        for event in chunk:
            try:
                self._add(event, stored)
            except PathwaysError as error:
                raise error.located(file=self.file, line=event.line)
        self._write_rows()
        self.pending_ids = {}

    def _stored_ids(self, ids: list[str]) -> dict[str, tuple]:
        if self.was_empty and self.appended == 0 or not ids:
            return {}
        found: dict[str, tuple] = {}
        for start in range(0, len(ids), 900):
            part = ids[start:start + 900]
            sql = ("SELECT event_id, stream, type, schema_version, occurred, data, meta, recorded_by, version "
                   f"FROM events WHERE event_id IN ({','.join('?' * len(part))})")
            for event_id, stream, type_, schema_version, occurred, data, meta, recorded_by, version in \
                    self.conn.execute(sql, part):
                data, meta = self.store.open_payload(stream, version, event_id, data, meta)
                found[event_id] = (stream, type_, schema_version, occurred, data, meta, recorded_by)
        return found

    def _add(self, event: Prepared, stored: dict[str, tuple]) -> None:
        _refuse_at(ENVELOPE, event)
        stream, type_, case = event.stream, event.type, event.case
        event_id = event.event_id
        if event_id is not None:
            previous = self.pending_ids.get(event_id) or stored.get(event_id)
            if previous is not None:
                if previous[:6] == (stream, type_, event.schema_version, event.occurred, event.data_json,
                                    event.meta_json):
                    self.skipped += 1
                    self.other_coder += previous[6] != event.recorded_by
                    return
                raise Conflict(f"event id {event_id} is already stored with different content", field="event_id")
        else:
            event_id = str(uuid.uuid4())
        _refuse_at(RECORDED_AT, event)
        version = self._next_version(event, case)
        _refuse_at(PAYLOAD, event)
        if event.definition is not None and self.catalogue.defines_same(type_, event.definition):
            self.skipped += 1  # the key is in force as defined here: importing it again changes nothing
            return
        check_annotations(self.catalogue, self.refs, event.found, type_=type_, case=case, stream_version=version,
                          cites_from=event.cites_from)
        if type_ == "EventAmended":
            check_correction(self, event, case)
        if event.definition is not None:
            self.catalogue = self.catalogue.with_definition(type_, event.definition)
        self._store_row(event, event_id, version)
        if case is not None:
            self.refs.remember(RefTarget(event_id, case, version, type_, event.effects, event.own_date))
            if version == 1:
                self.refs.retracted[case] = set()  # a case opened in this batch: no retraction stored
                self.refs.known_uncorrected(case)
            elif type_ == "EventRetracted" and case in self.refs.retracted:
                cited = self.refs.cited(case, event.retracts)
                if cited is not None:
                    self.refs.retracted[case].add(cited.event_id)
            if type_ == "EventAmended" or type_ == "EventRetracted" and self.refs.corrections(case):
                self.refs.forget_case(case)  # what cites the case's events is checked against them as they stand

    def _next_version(self, event: Prepared, case: str | None) -> int:
        """The version the event takes in its stream, after the checks that depend on it."""
        stream, type_ = event.stream, event.type
        head = self.heads.get(stream)
        if head is None:
            head = 0 if self.was_empty else self.store.head(stream)  # a new log: every head is here
        version = head + 1
        if event.expected_version is not None and event.expected_version != head:
            raise VersionConflict(f"expected {stream} at version {event.expected_version}, but it is at {head}",
                                  field="version")
        if case is not None:
            self._check_not_erased(case, type_)
            if version == 1 and type_ != "CaseOpened":
                raise UnknownCase(f"case '{case}' is not opened: its first event must be CaseOpened", field="case")
            if version > 1 and type_ == "CaseOpened":
                raise InvalidEvent(f"case '{case}' is already opened", field="type")
        return version

    def _store_row(self, event: Prepared, event_id: str, version: int) -> None:
        """Seal (a case of a sealed log), hash and queue the row."""
        stream, type_, case = event.stream, event.type, event.case
        stored_data, stored_meta = event.data_json, event.meta_json
        if case is not None and self.sealer is not None and type_ != "CaseForgotten":
            stored_data, stored_meta = self._seal(case, stream, version, event_id, stored_data, stored_meta)
        if type_ == "CaseForgotten":
            self.forgets.add(case)
        recorded_at = event.recorded_at or self.now
        self.position += 1
        prev_hash = self.tip
        self.tip = chain_hash(prev_hash, event_id=event_id, stream=stream, version=version, type=type_,
                              schema_version=event.schema_version, occurred=event.occurred,
                              recorded_at=recorded_at, recorded_by=event.recorded_by,
                              data=stored_data, meta=stored_meta)
        self.rows.append((self.position, event_id, stream, version, type_, event.schema_version, event.occurred,
                          recorded_at, event.recorded_by, stored_data, stored_meta, prev_hash, self.tip))
        self.pending_ids[event_id] = (stream, type_, event.schema_version, event.occurred, event.data_json,
                                      event.meta_json, event.recorded_by)
        self.heads[stream] = version
        self.appended += 1
        self.first_position = self.first_position or self.position
        self.last_position = self.position

    def _check_not_erased(self, case: str, type_: str) -> None:
        if case in self.forgets or case in self.forgotten:
            forgotten = self.forgotten.get(case)
            when = f" at {forgotten.recorded_at[:10]}" if forgotten else " in this batch"
            raise Erased(f"case '{case}' was erased{when}: nothing can be added to it", field="case")
        if type_ == "CaseForgotten" and not self.store.sealed:
            raise InvalidEvent(f"{self.store.path} is an open database: its events are stored in clear and cannot "
                               "be erased (CaseForgotten needs a sealed database)", field="type")

    def _seal(self, case: str, stream: str, version: int, event_id: str, data_json: str,
              meta_json: str) -> tuple[str, str]:
        """The stored columns of a sealed case's event; a new case gets its key here (kept in the
        keyring before the batch commits)."""
        sealer = self.sealer
        if not sealer.has_key(case):
            if version != 1:
                raise KeyMissing(sealer.missing_reason(case, event_id), field="case")
            key = self.new_keys[case] = new_key()
            sealer.learn(case, key)
        return sealer.seal(case, stream, version, event_id, data_json, meta_json)
