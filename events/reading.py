"""Reading the log: events in log order or grouped by stream, filtered, their sealed payloads opened
and upcast to the newest schema version."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from events.envelope import COLUMNS, Event, case_of, case_stream
from events.errors import Erased
from events.jsontext import load_stored
from events.sealing.cipher import KeyMissing, Tampered, is_sealed


def read_events(store: Any, *, streams: Sequence[str] | None = None, after: int = 0, until: int | None = None,
                recorded_before: str | None = None, by_stream: bool = False, raw: bool = False,
                keyless: bool = False, live: bool = False) -> Iterator[Event]:
    """Events (upcast to their newest schema, or with `raw` in their stored schema version: what an
    export must carry so that it imports again with the same hashes), optionally filtered; in log
    order, or with `by_stream` grouped by stream in version order (one index scan, for projections).
    Sealed payloads are decrypted; with `keyless`, one that cannot be (an erased case, or no key
    file) comes as an event marked `sealed` with empty data instead of an error; with `live`, the
    events of erased cases are left out."""
    skip = frozenset(case_stream(case) for case in store.forgotten()) if live else frozenset()
    if streams is not None:
        streams = [stream for stream in streams if stream not in skip]
        for start in range(0, len(streams), 500):
            part = list(streams[start:start + 500])
            yield from _read(store, f"stream IN ({','.join('?' * len(part))})", part,
                                  after, until, recorded_before, by_stream, raw, keyless)
    else:
        yield from _read(store, None, [], after, until, recorded_before, by_stream, raw, keyless, skip)

def _read(store: Any, clause: str | None, params: list[Any], after: int, until: int | None,
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
    for row in store.log.stream(sql, params):
        if row[2] not in skip:
            yield _event(store, row, raw, keyless)

def _event(store: Any, row: Sequence[Any], raw: bool = False, keyless: bool = False) -> Event:
    type_, version, data, meta = row[4], row[5], row[9], row[10]
    if is_sealed(data):
        try:
            data, meta = store.open_sealed(row[2], row[3], row[1], data)
        except (Erased, KeyMissing):
            if not keyless:
                raise
            erased = case_of(row[2]) in store.forgotten()
            return Event(*row[:9], {}, {}, row[11], row[12], sealed="erased" if erased else "sealed")
    elif store.sealed and type_ != "CaseForgotten" and row[2].startswith("case:"):
        raise Tampered(f"event {row[1]} ({row[2]}#{row[3]}): its payload is stored in clear in a sealed database: "
                       "it was written behind the log's back (`pathways verify` names the first such event)")
    data = load_stored(data)
    if not raw:
        version, data = store.registry.upcast(type_, version, data)
    return Event(row[0], row[1], row[2], row[3], type_, version, row[6], row[7], row[8],
                 data, {} if meta == "{}" else load_stored(meta), row[11], row[12])
