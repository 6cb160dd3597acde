"""The checks of a correction (`EventAmended`) that need the log: its target is a live event of the
case that may be corrected; the corrected payload passes every rule of an append of that type (schema,
catalogue keys, limits, refs and causes first, at the event's own place); and no live event is left
citing an effect, or a date, that the correction takes away."""

from __future__ import annotations

import json
from typing import Any

from events.append.prepare import Prepared
from events.envelope import case_stream
from events.errors import InvalidEvent
from events.rules.corrections import NOT_AMENDABLE, corrected, names
from events.rules.validate import Ref, RefTarget, check_annotations, dated, effect_variables, later_than



def check_correction(batch: Any, event: Prepared, case: str) -> None:
    """Refuse (InvalidEvent) a correction that does not hold; `batch` is the append's `Batch`."""
    payload = json.loads(event.data_json)
    ref = payload["ref"]
    target = batch.refs.cited(case, ref)  # it exists: the ref was checked with the payload's annotations
    if target.type in NOT_AMENDABLE:
        raise InvalidEvent(f"'{ref}' is {NOT_AMENDABLE[target.type]} and cannot be amended", field="data.ref")
    if batch.refs.is_retracted(target):
        raise InvalidEvent(f"'{ref}' is retracted and cannot be amended (record it again instead)", field="data.ref")
    if payload["type"] != target.type:
        raise InvalidEvent(f"'{ref}' is a {target.type}, not a {payload['type']}", field="data.type")
    registry, version = batch.registry, payload["schema_version"]
    latest = registry.latest(target.type)
    if not 1 <= version <= latest:
        raise InvalidEvent(f"{target.type} has no schema version {version} (newest is {latest})",
                           field="data.schema_version")
    found: list = []
    registry.check(target.type, version)(payload["data"], "data.data", found)
    _, data = registry.upcast(target.type, version, payload["data"])
    occurred = payload.get("occurred", batch.refs.occurred_of(target))
    check_annotations(batch.catalogue, batch.refs, found, type_=target.type, case=case,
                      stream_version=target.version, cites_from=dated(target.type, occurred, payload["data"]))
    _check_citers(batch, case, target, effect_variables(target.type, data), dated(target.type, occurred, data))


def _check_citers(batch: Any, case: str, target: RefTarget, effects: frozenset[str], placed: str | None) -> None:
    """Every live event whose `because` names the corrected event must still find its cause there."""
    batch.refs.flush()
    live, _ = corrected(list(batch.store.read(streams=[case_stream(case)], by_stream=True)))
    broken = []
    for event in live:
        for text in event.data.get("because", ()):
            if not names(text, target.event_id, target.version):
                continue
            variable = Ref.parse(text).variable
            own = dated(event.type, event.occurred, event.data)
            if (variable is not None and variable not in effects) or (variable is None and not effects):
                broken.append(f"{case}#{event.version} (cites {text}: "
                              f"{'no effect on ' + variable if variable else 'no effect'} after the correction)")
            elif placed is not None and own is not None and later_than(placed, own):
                broken.append(f"{case}#{event.version} (dated {own}, before the corrected date {placed})")
    if broken:
        raise InvalidEvent(f"the correction of {case}#{target.version} would leave live events citing what it no "
                           f"longer has: {'; '.join(broken)}; amend or retract those first", field="data.data")
