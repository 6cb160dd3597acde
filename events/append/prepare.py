"""What can be checked of an event without the log: the first half of an append.

`prepare` takes a proposed event to everything that needs no stored state: the envelope, the
limits, the canonical JSON text, the schema, the annotated values to check against the catalogue
and the refs, and what a later ref to this event will need to know. It touches no database, so a
pool of processes can prepare the lines of a big import while the writer appends (`pipeline.py`).

A refusal is not raised here but carried in the result with the stage it belongs to: the writer
raises it at the same point of its own checks as before the split, so the first bad line of a file
(and, within a line, the first broken rule) is reported whichever process prepared it.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, NamedTuple

from events import dates
from events.rules import limits
from events.rules.catalogue import DEFINES, Catalogue
from events.envelope import CATALOGUE_STREAM, NewEvent, case_of, is_case_id
from events.errors import InvalidEvent
from events.hashing import canonical_json
from events.timestamps import parse_timestamp
from events.rules.validate import Registry, dated, effect_variables, unsettled

ENVELOPE, RECORDED_AT, PAYLOAD = 1, 2, 3
"""Stages of a refusal, in the order the writer meets them: the envelope (before the idempotency
check), `recorded_at` (after it), the payload's schema (after the version checks)."""


class Prepared(NamedTuple):
    """An event checked as far as it can be without the log (a tuple: cheap to make and to send)."""

    line: int | None
    stream: str | None
    type: str | None
    schema_version: int | None
    occurred: str | None
    event_id: str | None
    """Canonical; None when the writer must make one."""
    recorded_by: str | None
    recorded_at: str | None
    """Canonical UTC text; None: the batch's own time."""
    expected_version: int | None
    case: str | None
    data_json: str | None
    meta_json: str | None
    found: list[tuple[str, Any, str, Any]] | None
    """The annotated values of the payload (mark, argument, field, value), for the writer to check."""
    effects: frozenset[str]
    """The variables the event (upcast) moves: what a ref naming an effect is checked against."""
    own_date: str | None
    """The date the event (upcast) is placed at, for a later event citing it as a cause."""
    cites_from: str | None
    """The date this event is placed at as given, against which its causes are checked."""
    retracts: str | None
    """The ref an EventRetracted withdraws."""
    definition: dict[str, Any] | None
    """The payload of a catalogue definition (the catalogue changes within a batch)."""
    error: tuple[int, str, str | None] | None = None
    """(stage, reason, field) of a refusal."""


def failed(line: int | None, error: InvalidEvent) -> Prepared:
    """A line refused before it was an event (malformed JSON, an unknown envelope key)."""
    return Prepared(line, None, None, None, None, None, None, None, None, None, None, None, None, frozenset(),
                    None, None, None, None, (ENVELOPE, error.reason, error.field))


def prepare(registry: Registry, event: NewEvent, catalogue: Catalogue | None = None,
            texts: tuple[str, str] | None = None) -> Prepared:
    """Everything of `event` that needs no stored state, checked in the writer's order. With a
    `catalogue` (the one in force when the batch began, or an earlier one), the annotated values
    that pass against it are settled here and left out of `found`. `texts`: the canonical JSON of
    data and meta, when the reader made it already (`jsontext.read_record`)."""
    try:
        type_, stream, case, schema_version = _envelope(registry, event)
        data_json, meta_json = _payload_text(event, texts)
        event_id = canonical_event_id(event.event_id)
    except InvalidEvent as error:
        return failed(event.line, error)
    recorded_at = error = found = None
    if event.recorded_at is not None:
        try:
            recorded_at = parse_timestamp(event.recorded_at)
        except ValueError as refused:
            error = (RECORDED_AT, str(refused), "recorded_at")
    if error is None:
        found = []
        try:
            registry.check(type_, schema_version)(event.data, "data", found)
        except InvalidEvent as refused:
            error, found = (PAYLOAD, refused.reason, refused.field), None
    if error is not None:
        return Prepared(event.line, stream, type_, schema_version, event.occurred, event_id, event.recorded_by,
                        recorded_at, event.expected_version, case, data_json, meta_json, None, frozenset(), None,
                        None, None, None, error)
    _, upcast = registry.upcast(type_, schema_version, event.data)
    return Prepared(event.line, stream, type_, schema_version, event.occurred, event_id, event.recorded_by,
                    recorded_at, event.expected_version, case, data_json, meta_json,
                    found if catalogue is None else unsettled(catalogue, found),
                    effect_variables(type_, upcast) if case is not None else frozenset(),
                    dated(type_, event.occurred, upcast), dated(type_, event.occurred, event.data),
                    upcast["ref"] if type_ == "EventRetracted" else None,
                    event.data if type_ in DEFINES else None)


def _envelope(registry: Registry, event: NewEvent) -> tuple[str, str, str | None, int]:
    stream, type_ = event.stream, event.type
    if not isinstance(type_, str) or not type_:
        raise InvalidEvent("is required: the event type", field="type")
    latest = registry.latest(type_)
    case = _check_stream(stream, registry.stream_kind(type_), type_)
    schema_version = latest if event.schema_version is None else event.schema_version
    if not isinstance(schema_version, int) or not 1 <= schema_version <= latest:
        raise InvalidEvent(f"{type_} has no schema version {schema_version!r} (newest is {latest})",
                           field="schema_version")
    if not isinstance(event.data, dict):
        raise InvalidEvent("must be a JSON object", field="data")
    if not isinstance(event.meta, dict):
        raise InvalidEvent("must be a JSON object", field="meta")
    if event.occurred is not None:
        try:
            dates.validate(event.occurred)
        except ValueError as error:
            raise InvalidEvent(str(error), field="occurred") from None
    if event.recorded_by is not None:
        if not isinstance(event.recorded_by, str):
            raise InvalidEvent("must be a string", field="recorded_by")
        limits.check_text(event.recorded_by, "recorded_by", name=True)
    return type_, stream, case, schema_version


def _payload_text(event: NewEvent, texts: tuple[str, str] | None = None) -> tuple[str, str]:
    """The canonical JSON of data and meta (made here unless given), within the limits."""
    try:
        data_json, meta_json = texts or (canonical_json(event.data),
                                         canonical_json(event.meta) if event.meta else "{}")
    except (TypeError, ValueError, RecursionError):  # not JSON values, or too deep: the walk names the field
        limits.check_value(event.data, "data")
        limits.check_value(event.meta, "meta")
        raise
    limits.check_encoded(event.data, data_json, "data")
    if event.meta:
        limits.check_encoded(event.meta, meta_json, "meta")
    size = len(data_json.encode()) + len(meta_json.encode())
    if size > limits.EVENT_BYTES:
        raise InvalidEvent(f"data and meta take {size:,} bytes, over the limit of {limits.EVENT_BYTES:,}",
                           field="data")
    return data_json, meta_json


def _check_stream(stream: Any, kind: str, type_: str) -> str | None:
    if stream == CATALOGUE_STREAM:
        if kind != "catalogue":
            raise InvalidEvent(f"{type_} belongs in a case stream, not the catalogue", field="case")
        return None
    case = case_of(stream) if isinstance(stream, str) else None
    if case is None or not is_case_id(case):
        raise InvalidEvent(f"invalid case id {case if case is not None else stream!r}: use 1-64 letters, digits, "
                           "'.', '_' or '-', starting with a letter or digit", field="case")
    if kind != "case":
        raise InvalidEvent(f"{type_} belongs in the catalogue stream, not a case", field="case")
    return case


_CANONICAL_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


def canonical_event_id(value: Any) -> str | None:
    """A given event id as canonical UUID text (None: none given); InvalidEvent if it is not one."""
    if value is None:
        return None
    if isinstance(value, str) and _CANONICAL_UUID.match(value):
        return value
    try:
        parsed = uuid.UUID(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or str(parsed) != value.lower():
        raise InvalidEvent(f"{value!r} is not a UUID", field="event_id")
    return str(parsed)
