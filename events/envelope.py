"""The event as stored, and the event as proposed for appending."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import attrs

CASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")  # \Z: `$` accepts a trailing newline
CATALOGUE_STREAM = "catalogue"
CASE_PREFIX = "case:"
COLUMNS = ("position, event_id, stream, version, type, schema_version, occurred, recorded_at, "
           "recorded_by, data, meta, prev_hash, hash")
"""The columns of the `events` table, in order, on every backend."""
EVENTS_TABLE = """CREATE TABLE IF NOT EXISTS events (
    position {position} PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    stream TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    type TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    occurred TEXT,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT,
    data TEXT NOT NULL,
    meta TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (stream, version)
);
"""
"""The `events` table; `{position}` is the backend's integer type for the global position."""
FORGOTTEN_INDEX = "CREATE INDEX IF NOT EXISTS events_forgotten ON events (stream) WHERE type = 'CaseForgotten'"
"""The erased cases are found without a scan of the log."""
SETTINGS_TABLE = "CREATE TABLE IF NOT EXISTS log_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
"""Facts about the log fixed when it is made (`sealed`), on every backend."""


def is_case_id(text: str) -> bool:
    return isinstance(text, str) and bool(CASE_ID.match(text))


def case_stream(case_id: str) -> str:
    return CASE_PREFIX + case_id


def case_of(stream: str) -> str | None:
    """The case id of a case stream, None for the catalogue stream."""
    return stream[len(CASE_PREFIX):] if stream.startswith(CASE_PREFIX) else None


@attrs.frozen
class NewEvent:
    """An event proposed for the log. Version, hash and position are given by the store.

    `line` is where it came from (an import file's line), so errors can point there.
    `expected_version`, when set, must equal the version the store would assign.
    """

    stream: str
    type: str
    data: dict[str, Any]
    occurred: str | None = None
    event_id: str | None = None
    recorded_by: str | None = None
    recorded_at: str | None = None
    meta: dict[str, Any] = attrs.field(factory=dict)
    schema_version: int | None = None
    expected_version: int | None = None
    line: int | None = None


class Event(NamedTuple):
    """An event as stored in the log (data upcast to the newest schema version on read).

    A tuple, not an attrs class: every read makes one per event (a rebuild, one for every event of
    the log), and a frozen attrs instance of these 14 fields took 1.5 µs to make against 0.4.
    Immutable all the same."""

    position: int
    event_id: str
    stream: str
    version: int
    type: str
    schema_version: int
    occurred: str | None
    recorded_at: str
    recorded_by: str | None
    data: dict[str, Any]
    meta: dict[str, Any]
    prev_hash: str
    hash: str
    sealed: str | None = None
    """None for a readable event; "sealed" (no key here) or "erased" (its case was forgotten): then
    `data` and `meta` are empty, and only the envelope can be shown."""

    @property
    def case(self) -> str | None:
        return case_of(self.stream)

    @property
    def ref(self) -> str:
        """The short ref `CASE#VERSION` (or the event id for the catalogue stream)."""
        case = self.case
        return f"{case}#{self.version}" if case is not None else self.event_id

    def envelope(self) -> dict[str, Any]:
        """The JSON envelope of `log --json` and of the import format."""
        envelope = {
            "position": self.position, "event_id": self.event_id, "stream": self.stream,
            "case": self.case, "version": self.version, "type": self.type,
            "schema_version": self.schema_version, "occurred": self.occurred,
            "recorded_at": self.recorded_at, "recorded_by": self.recorded_by,
            "data": self.data, "meta": self.meta, "prev_hash": self.prev_hash, "hash": self.hash,
        }
        if self.sealed:
            envelope.update(data=None, meta=None, sealed=self.sealed)
        return envelope
