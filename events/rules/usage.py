"""Which catalogue keys events use: the codebook's counts, and the project's own definitions a
per-case export must carry so that it imports into a database that lacks them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from events.envelope import Event
from events.rules.catalogue import DEFINES
from events.rules.validate import Registry

Key = tuple[str, str]
"""(catalogue, key): ("kinds", "home-visit")."""


def keys_used(registry: Registry, type_: str, schema_version: int, data: dict[str, Any]) -> set[Key]:
    """The catalogue keys one stored payload uses, read off its schema's `x-catalogue` and
    `x-conditions` annotations (so a new field naming a key is counted without a change here)."""
    found: list = []
    registry.check(type_, schema_version)(data, "data", found)
    keys: set[Key] = set()
    for mark, argument, _, value in found:
        if mark == "x-catalogue" and isinstance(value, str):
            keys.add((argument, value))
        elif mark == "x-conditions" and isinstance(value, dict):
            keys.update(("conditions", name) for name in value)
    return keys


def used_by(registry: Registry, events: Iterable[Event]) -> set[Key]:
    """Every key the events use (each read in the schema version it carries)."""
    keys: set[Key] = set()
    for event in events:
        if not event.sealed:
            keys |= keys_used(registry, event.type, event.schema_version, event.data)
    return keys


def definitions_for(definitions: Iterable[Event], keys: set[Key]) -> Iterator[Event]:
    """The catalogue events (in log order) that define one of `keys`."""
    for event in definitions:
        if (DEFINES.get(event.type), event.data.get("key")) in keys:
            yield event
