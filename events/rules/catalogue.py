"""The catalogue in force: the shipped keys plus the project's own catalogue events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

import attrs

import schemas

from events.errors import Conflict, InvalidEvent

# Which catalogue a catalogue event adds to.
DEFINES = {"VariableDefined": "variables", "ActorDefined": "actors", "ArchetypeDefined": "archetypes",
           "KindDefined": "kinds", "ConditionDefined": "conditions", "RoleDefined": "roles"}


@attrs.frozen
class Catalogue:
    """Keyed catalogue entries (each a dict with at least `key`) and the regime table."""

    entries: Mapping[str, Mapping[str, Mapping[str, Any]]]
    regimes: tuple[Mapping[str, Any], ...]
    integration_variable: str = "integration"

    def has(self, name: str, key: str) -> bool:
        return key in self.entries[name]

    def listing(self, name: str) -> str:
        """The valid keys of one catalogue, for a refusal, and how a project adds its own."""
        keys = sorted(self.entries[name])
        shown = ", ".join(keys[:40]) + (f", ... ({len(keys)} in all)" if len(keys) > 40 else "")
        return f"known: {shown}; add your own with `pathways catalogue add {name[:-1]}`"

    def check_conditions(self, conditions: Mapping[str, Any], field: str) -> None:
        """Every condition a known one, with one of its values."""
        known = self.entries["conditions"]
        for name, value in conditions.items():
            if name not in known:
                raise InvalidEvent(f"unknown condition '{name}' ({self.listing('conditions')})", field=f"{field}.{name}")
            values = known[name]["values"]
            if value not in values:
                raise InvalidEvent(f"{value!r} is not a value of '{name}' (use one of: {', '.join(values)})",
                                   field=f"{field}.{name}")

    def holds_conditions(self, conditions: Mapping[str, Any]) -> bool:
        """Whether `check_conditions` would pass."""
        known = self.entries["conditions"]
        return all(name in known and value in known[name]["values"] for name, value in conditions.items())

    def conditions(self) -> dict[str, str]:
        """Condition -> the value that counts as present, in catalogue order."""
        return {key: entry["present"] for key, entry in self.entries["conditions"].items()}

    def desirability(self, variable: str) -> int:
        return int(self.entries["variables"].get(variable, {}).get("desirability", 0))

    def defines_same(self, event_type: str, data: Mapping[str, Any]) -> bool:
        """Whether the key is in force with exactly this definition (importing it again is a no-op)."""
        entry = self.entries[DEFINES[event_type]].get(data.get("key"))
        return entry is not None and dict(entry) == dict(data)

    def with_definition(self, event_type: str, data: Mapping[str, Any]) -> "Catalogue":
        """A catalogue with one catalogue event applied; refuses a key already defined otherwise."""
        name = DEFINES[event_type]
        key = data["key"]
        if key in self.entries[name]:
            entry = self.entries[name][key]
            differ = sorted(field for field in {*entry, *data} if entry.get(field) != data.get(field))
            raise Conflict(f"{name[:-1]} '{key}' is already defined, with another {', '.join(differ)} "
                           "(a key keeps its first definition)", field="data.key")
        if name == "conditions" and data["present"] not in data["values"]:
            raise InvalidEvent(f"'{data['present']}' is not one of the condition's values "
                               f"({', '.join(data['values'])})", field="data.present")
        if name == "archetypes" and data.get("polarity"):
            _check_polarity(data["links"], data["polarity"])
        entries = dict(self.entries)
        entries[name] = {**self.entries[name], key: dict(data)}
        return attrs.evolve(self, entries=entries)


def _check_polarity(links: list[Mapping[str, Any]], polarity: str) -> None:
    """An archetype's stated polarity is the product of its link signs: positive, reinforcing."""
    negative = [f"{link['from']}->{link['to']}" for link in links if link["sign"] == "-"]
    implied = "dampening" if len(negative) % 2 else "reinforcing"
    if implied != polarity:
        which = f"{len(negative)} negative link(s): {', '.join(negative)}" if negative else "no negative link"
        raise InvalidEvent(f"the links make a {implied} loop ({which}; an odd number of negative links "
                           f"dampens), not the {polarity} one it states", field="data.polarity")


@cache
def shipped() -> Catalogue:
    entries = {name: {item["key"]: item for item in schemas.catalogue(name)["items"]}
               for name in schemas.CATALOGUES if name != "regimes"}
    regimes = tuple(schemas.catalogue("regimes")["items"])
    return Catalogue(entries=entries, regimes=regimes,
                     integration_variable=schemas.catalogue("variables")["integration_variable"])


def build(definitions: Iterable[tuple[str, Mapping[str, Any]]]) -> Catalogue:
    """The shipped catalogue extended by (type, data) pairs from the catalogue stream, in order."""
    catalogue = shipped()
    for event_type, data in definitions:
        catalogue = catalogue.with_definition(event_type, data)
    return catalogue
