"""A case's events as they stand after its corrections: each amended event carrying the payload (and
date) of its newest `EventAmended`, retracted events and the corrections themselves set apart. Pure:
the analysis reads a case this way, and the append checks a correction against it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from events.rules.validate import Ref

CORRECTIONS = frozenset({"EventRetracted", "EventAmended"})
NOT_AMENDABLE = {"EventRetracted": "a retraction", "EventAmended": "a correction", "CaseForgotten": "an erasure",
                 "SourceText": "a kept transcript"}


def target_of(ref_text: str, by_version: dict[int, Any], by_id: dict[str, Any]) -> Any:
    """The event a ref of this case names (None: none of these)."""
    ref = Ref.parse(ref_text)
    return by_version.get(ref.version) if ref.version is not None else by_id.get(ref.event_id)


def names(text: str, event_id: str, version: int) -> bool:
    """Whether a ref of the case (`CASE#N[:VARIABLE]` or an event id) names this event."""
    ref = Ref.parse(text)
    return ref.event_id == event_id if ref.event_id is not None else ref.version == version


def corrected(events: Sequence[Any]) -> tuple[list[Any], set[str]]:
    """The case's events (in version order) minus retractions and amendments, each amended one as
    its newest correction says, with the ids of the retracted events (also left out). A retracted
    amendment corrects nothing. `events` are `Event` tuples (anything with their fields and `_replace`)."""
    by_version = {event.version: event for event in events}
    by_id = {event.event_id: event for event in events}
    retracted: set[str] = set()
    for event in events:
        if event.type == "EventRetracted":
            target = target_of(event.data["ref"], by_version, by_id)
            if target is not None:
                retracted.add(target.event_id)
    newest: dict[str, Any] = {}
    for event in events:
        if event.type == "EventAmended" and event.event_id not in retracted:
            target = target_of(event.data["ref"], by_version, by_id)
            if target is not None:
                newest[target.event_id] = event  # later versions come later: the newest wins
    kept = []
    for event in events:
        if event.type in CORRECTIONS or event.event_id in retracted:
            continue
        amendment = newest.get(event.event_id)
        kept.append(event if amendment is None else amended(event, amendment.data))
    return kept, retracted


def amended(event: Any, correction: dict[str, Any]) -> Any:
    """The event with a correction's payload (and date, when the correction gives one)."""
    return event._replace(data=correction["data"], occurred=correction.get("occurred", event.occurred))
