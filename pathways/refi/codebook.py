"""The pathways codebook as a tree of REFI-QDA codes: the root `pathways`, the event codes, the value
groups with the catalogue's keys, `effect/VARIABLE/DIRECTION` and `condition/CONDITION/VALUE`, and
the dates a project's events use under `occurred` and `until`. Every group is `isCodable="false"`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import attrs

from events.rules.catalogue import Catalogue

from pathways.refi import ROOT_CODE
from pathways.refi.convention import ID_NAMESPACE
from pathways.refi.mapping import CATALOGUE_GROUPS, ENUMERATIONS, EVENT_CODES

EVENT_LABELS = {"contact": "a bureaucratic contact", "absence": "a long absence of contact",
                "state": "a state observed", "expectation": "an expectation (a mini-theory) with its one link",
                "link": "a causal link coded by the researcher"}


@attrs.frozen
class Node:
    path: str
    """The path under the root: `actor/ind` (the root itself is "")."""
    name: str
    codable: bool
    description: str | None = None
    children: tuple["Node", ...] = ()

    @property
    def guid(self) -> str:
        return code_guid(self.path)


def code_guid(path: str) -> str:
    """The GUID of a pathways code: the same in every codebook and project pathways writes."""
    return str(uuid.uuid5(ID_NAMESPACE, "code:" + path))


def _leaves(group: str, values: Iterable[tuple[str, str | None]]) -> Node:
    return Node(group, group, False, None,
                tuple(Node(f"{group}/{key}", key, True, label) for key, label in values))


def tree(catalogue: Catalogue, occurred: Iterable[str] = (), until: Iterable[str] = ()) -> Node:
    """The whole codebook, the catalogue in force with its labels as descriptions."""
    entries = catalogue.entries
    groups = [Node(code, code, True, EVENT_LABELS[code]) for code in EVENT_CODES]
    for group, name in CATALOGUE_GROUPS.items():
        groups.append(_leaves(group, ((key, entry.get("label")) for key, entry in entries[name].items())))
    for group, values in ENUMERATIONS.items():
        groups.append(_leaves(group, ((value, None) for value in values)))
    groups.append(_leaves("occurred", ((date, None) for date in sorted(set(occurred)))))
    groups.append(_leaves("until", ((date, None) for date in sorted(set(until)))))
    effects = tuple(Node(f"effect/{key}", key, False, entry.get("label"),
                         tuple(Node(f"effect/{key}/{d}", d, True) for d in ENUMERATIONS["direction"]))
                    for key, entry in entries["variables"].items())
    groups.append(Node("effect", "effect", False, "what the event did to a variable", effects))
    conditions = tuple(Node(f"condition/{key}", key, False, entry.get("label"),
                            tuple(Node(f"condition/{key}/{v}", v, True) for v in entry["values"]))
                       for key, entry in entries["conditions"].items())
    groups.append(Node("condition", "condition", False, "the conditions of a street-level contact", conditions))
    return Node("", ROOT_CODE, False, "the pathways codebook (pathways import reads these codes)", tuple(groups))
