"""The shipped JSON Schemas (one per event type and version) and catalogues, loaded once as data."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

CATALOGUES = ("actors", "roles", "kinds", "variables", "regimes", "archetypes", "conditions")
_SCHEMA_NAME = re.compile(r"^(?P<type>[A-Za-z]+)\.v(?P<version>[0-9]+)\.json$")


def _read_json(*parts: str) -> Any:
    return json.loads(resources.files(__name__).joinpath(*parts).read_text(encoding="utf-8"))


@cache
def event_schemas() -> dict[tuple[str, int], dict[str, Any]]:
    """Every shipped event schema, keyed by (type, version)."""
    found: dict[tuple[str, int], dict[str, Any]] = {}
    for entry in resources.files(__name__).joinpath("events").iterdir():
        match = _SCHEMA_NAME.match(entry.name)
        if match:
            found[(match["type"], int(match["version"]))] = json.loads(entry.read_text(encoding="utf-8"))
    return found


@cache
def catalogue(name: str) -> dict[str, Any]:
    """A shipped catalogue document: {"description", "items": [{"key", ...}], ...}."""
    if name not in CATALOGUES:
        raise KeyError(name)
    return _read_json("catalogue", f"{name}.json")


@cache
def limits() -> dict[str, Any]:
    """What one event may hold (`limits.json`): depth, text length, list sizes, integers, years."""
    return _read_json("limits.json")
