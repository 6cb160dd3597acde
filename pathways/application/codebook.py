"""`pathways codebook`: every key in force, shipped and the project's own, with what it means, who
added it and how many live events use it: the codebook a team agrees on, to print or to put in a
methods appendix. (The REFI-QDA codebook file is `qda_export.export_codebook`.)"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import Any

import attrs

import schemas

from events.envelope import CATALOGUE_STREAM, Event
from events.rules import usage
from events.rules.catalogue import DEFINES
from events.store import EventStore

from pathways.analysis.pathway import live_events

LISTED = tuple(name for name in schemas.CATALOGUES if name != "regimes")
"""The catalogues of codes (the regimes are the policy calendar, not codes a coder applies)."""
SHIPPED = "shipped"


@attrs.frozen
class Code:
    catalogue: str
    key: str
    label: str | None
    definition: str | None
    added_by: str
    """`shipped`, or the coder who recorded the project's definition (`--by`)."""
    added_at: str | None
    uses: int
    """Live events (not retracted, not of an erased case) that use the key."""

    @property
    def project(self) -> bool:
        return self.added_at is not None

    def to_json(self) -> dict[str, Any]:
        return {"catalogue": self.catalogue, "key": self.key, "label": self.label, "definition": self.definition,
                "origin": "project" if self.project else "shipped", "added_by": self.added_by,
                "added_at": self.added_at, "uses": self.uses}


@attrs.frozen
class Codebook:
    codes: tuple[Code, ...]
    unreadable: int = 0
    """Events of sealed cases this database holds no key for: not counted in `uses`."""

    def to_json(self) -> dict[str, Any]:
        return {"codes": [code.to_json() for code in self.codes],
                "undefined": sum(1 for code in self.codes if not code.definition), "unreadable": self.unreadable}


def codebook(store: EventStore) -> Codebook:
    """The codebook of the catalogue in force, in catalogue order, shipped keys first."""
    catalogue = store.catalogue()
    added = {(DEFINES[event.type], event.data["key"]): event for event in store.read(streams=[CATALOGUE_STREAM])}
    uses, unreadable = _uses(store)
    codes = []
    for name in LISTED:
        for key, entry in catalogue.entries[name].items():
            event = added.get((name, key))
            who = SHIPPED if event is None else (event.recorded_by or "(no coder named)")
            codes.append(Code(name, key, entry.get("label"), entry.get("definition"), who,
                              None if event is None else event.recorded_at, uses[(name, key)]))
    return Codebook(tuple(codes), unreadable)


def _uses(store: EventStore) -> tuple[Counter[usage.Key], int]:
    """How many live case events use each key, and how many events could not be opened here."""
    counts: Counter[usage.Key] = Counter()
    registry = store.registry
    unreadable = 0
    for events in _cases(store.read(by_stream=True, raw=True, live=True, keyless=True)):
        readable = [event for event in events if not event.sealed]
        unreadable += len(events) - len(readable)
        live, _ = live_events(readable)
        for event in live:
            counts.update(usage.keys_used(registry, event.type, event.schema_version, event.data))
    return counts, unreadable


def _cases(events: Iterable[Event]) -> Iterator[list[Event]]:
    for stream, group in groupby(events, key=lambda event: event.stream):
        if stream != CATALOGUE_STREAM:
            yield list(group)
