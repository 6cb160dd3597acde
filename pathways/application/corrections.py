"""Corrections: `amend` (the given fields of an event replaced, `--unset` ones removed) and `edit` (the
payload rewritten in the researcher's editor), each recorded as one `EventAmended`. The log checks the
correction as it checks an append of the event's type (`events/append/correct.py`)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from events.envelope import Event, NewEvent, case_stream
from events.errors import InvalidEvent, PathwaysError
from events.rules.corrections import NOT_AMENDABLE, corrected, names, target_of
from events.store import EventStore

from pathways.application.recording import expand_ref


@attrs.frozen
class Amended:
    ref: str
    """The corrected event (`CASE#N`)."""
    type: str
    changed: tuple[str, ...]
    """The payload fields the correction changed (and `occurred`, when it moved the event)."""
    correction: str | None
    """The `EventAmended` recorded (`CASE#M`); None when nothing changed and nothing was written."""


def as_it_stands(store: EventStore, case: str, ref: str) -> Event:
    """The event a ref names, with its newest correction applied (the raw event when it is retracted or
    is itself a correction: the log's checks then say why it cannot be amended)."""
    store.require_case(case, field="CASE")
    events = list(store.read(streams=[case_stream(case)], by_stream=True))
    text = expand_ref(case, ref, flag="REF")
    try:
        every = target_of(text, {e.version: e for e in events}, {e.event_id: e for e in events})
    except ValueError as error:
        raise InvalidEvent(str(error), field="REF") from None
    if every is None:
        raise InvalidEvent(f"ref '{text}' points to no event of case '{case}'", field="REF")
    live, _ = corrected(events)
    return next((event for event in live if event.event_id == every.event_id), every)


def amend(store: EventStore, case: str, ref: str, *, reason: str, given: Mapping[str, Any], unset: list[str],
          occurred: str | None = None, recorded_by: str | None = None) -> Amended:
    """Replace the given payload fields of an event (and remove the `unset` ones) as one correction."""
    event = as_it_stands(store, case, ref)
    if event.type in NOT_AMENDABLE:
        raise InvalidEvent(f"'{event.ref}' is {NOT_AMENDABLE[event.type]} and cannot be amended", field="REF")
    fields, required = store.registry.fields(event.type), store.registry.required(event.type)
    data = dict(event.data)
    for field, value in given.items():
        if field not in fields:
            raise InvalidEvent(f"{event.type} has no field '{field}' (its fields: {', '.join(fields)})",
                               field=f"--{field}")
        data[field] = value
    for field in unset:
        if field not in fields:
            raise InvalidEvent(f"{event.type} has no field '{field}' (its fields: {', '.join(fields)})", field="--unset")
        if field in required:
            raise InvalidEvent(f"'{field}' is required in {event.type} and cannot be removed", field="--unset")
        data.pop(field, None)
    return record(store, event, data, reason=reason, occurred=occurred, recorded_by=recorded_by)


def record(store: EventStore, event: Event, data: dict[str, Any], *, reason: str, occurred: str | None = None,
           recorded_by: str | None = None) -> Amended:
    """Append the correction of `event` to `data` (nothing when nothing changes)."""
    changed = tuple(sorted(key for key in {*data, *event.data} if data.get(key) != event.data.get(key)))
    moved = occurred is not None and occurred != event.occurred
    ref = f"{event.ref}"
    if not changed and not moved:
        return Amended(ref, event.type, (), None)
    payload = {"ref": ref, "type": event.type, "schema_version": store.registry.latest(event.type), "data": data,
               "reason": reason, **({"occurred": occurred} if moved else {})}
    report = store.append([NewEvent(stream=event.stream, type="EventAmended", data=payload, recorded_by=recorded_by)])
    correction = next(store.read(after=report.first_position - 1, until=report.first_position))
    return Amended(ref, event.type, changed + (("occurred",) if moved else ()), correction.ref)


def edit(store: EventStore, case: str, ref: str, *, reason: str, editor: str,
         recorded_by: str | None = None, run: Callable[[list[str]], int] | None = None) -> Amended:
    """Open the event's payload as JSON in `editor` and record what was saved. The file lives in a
    private folder (0700, under $TMPDIR) removed when this returns, whatever happened: no clear text of
    a sealed case is left behind."""
    event = as_it_stands(store, case, ref)
    folder = tempfile.mkdtemp(prefix="pathways-edit-")  # mode 0700
    try:
        path = os.path.join(folder, f"{case}-{event.version}.json")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(event.data, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
        status = (run or _run)([*shlex.split(editor), path])
        if status != 0:
            raise PathwaysError(f"the editor ({editor}) exited with status {status}: nothing written", field="EDITOR")
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    try:
        data = json.loads(text)
    except ValueError as error:
        raise InvalidEvent(f"the edited payload of {event.ref} is not JSON: {error}", field="data") from None
    if not isinstance(data, dict):
        raise InvalidEvent(f"the edited payload of {event.ref} must be a JSON object", field="data")
    return record(store, event, data, reason=reason, recorded_by=recorded_by)


def _run(command: list[str]) -> int:
    try:
        return subprocess.run(command, check=False).returncode
    except OSError as error:
        raise PathwaysError(f"cannot start the editor '{command[0]}': {error.strerror}", field="EDITOR") from None


def citing(store: EventStore, case: str, ref: str) -> list[str]:
    """The live events of the case whose `because` (or evidence) names the event `ref` names: what a
    retraction of it leaves pointing at nothing."""
    target = as_it_stands(store, case, ref)
    live, _ = corrected(list(store.read(streams=[case_stream(case)], by_stream=True)))
    found = []
    for event in live:
        refs = [*event.data.get("because", ()), *event.data.get("evidence", ())]
        if event.event_id != target.event_id and any(names(text, target.event_id, target.version) for text in refs):
            found.append(f"{event.ref} {event.type}")
    return found
