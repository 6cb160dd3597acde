"""A case's pathway: its profile and ordered steps, each with phase, policy regime and running state.

Pure: a function of the case's events and the catalogue. Step order is by domain date, then by
version. An event without a date takes the date of the event before it in its stream (a
CaseOpened without one takes its arrival, an absence its start), so undated coding stays where
it was written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

import attrs

from events import dates
from events.rules.catalogue import Catalogue
from events.envelope import Event
from events.rules.upcasters import account_of
from events.rules.corrections import corrected

PHASES = ("pre-arrival", "reset", "settled")
KEPT_TEXT = "SourceText"
"""A transcript kept with its case (`import --with-sources`): words to quote from, not a step."""
EFFECT_TYPES = ("ContactRecorded", "ContactAbsent", "StateObserved")
DIRECTION_VALUE = {"up": 1, "down": -1, "none": 0}


@attrs.frozen
class Settings:
    """Analysis settings that change projections (stored with the checkpoint)."""

    reset_years: int = 3
    loop_bound: int = 8
    loop_budget: int = 5_000
    """Per case, the enumeration stops after this many loops (then reported as a floor)."""
    loop_seconds: float = 5.0
    """... or after this many seconds, whichever comes first."""


@attrs.frozen
class Profile:
    case: str
    origin: str | None
    arrival: str | None
    motive: str | None
    notes: str | None
    cohort: str
    events: int
    retracted: int


_NO_DATA: Mapping[str, Any] = MappingProxyType({})


class Step(NamedTuple):
    """One live event of the case in pathway order (CaseOpened and retractions are not steps).

    `outcome` holds what the step says in words (an expectation's statement, a reading's note);
    `data` is the payload while analysing and is not stored in the projection tables.

    A tuple, not an attrs class: a rebuild makes one for every event of every case, and a frozen
    attrs instance of these 27 fields took 2.5 µs to make against 0.5. Immutable all the same;
    `data` is left out of equality, hashing and repr, as it was (repr: payloads hold interview text).
    """

    case: str
    order: int
    ref: str
    event_id: str
    version: int
    type: str
    occurred: str | None
    effective: str | None
    phase: str | None
    regime: str | None
    actor: str | None = None
    role: str | None = None
    kind: str | None = None
    outcome: str | None = None
    perceived: str | None = None
    discretion: str | None = None
    effects: tuple[tuple[str, str], ...] = ()
    because: tuple[str, ...] = ()
    quote: str | None = None
    label: str = ""
    state: tuple[tuple[str, int], ...] = ()
    until: str | None = None
    """The end of a period of absent contact (ContactAbsent `to`)."""
    account: str = "migrant"
    """Whose account the step records (migrant, caseworker, file, researcher, other)."""
    conditions: tuple[tuple[str, str], ...] = ()
    """A contact's conditions of discretion (condition, value), in catalogue order."""
    source: str | None = None
    coder: str | None = None
    """Who recorded the event (its `recorded_by`)."""
    data: Mapping[str, Any] = _NO_DATA

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Step):
            return NotImplemented
        return self[:-1] == other[:-1]

    def __ne__(self, other: object) -> bool:
        if not isinstance(other, Step):
            return NotImplemented
        return self[:-1] != other[:-1]

    def __hash__(self) -> int:
        return hash(self[:-1])

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(self._fields[:-1], self))
        return f"Step({shown})"

    def to_json(self) -> dict[str, Any]:
        """The fields but `data`, nested tuples as lists (as `show --json` writes them)."""
        return {name: _as_lists(value) for name, value in zip(self._fields[:-1], self)}


def arrow(sign: str) -> str:
    """A signed arrow in the one notation of every view: `─+→`, or `─−→` with a true minus."""
    return f"─{'−' if sign == '-' else sign}→"


def _as_lists(value: Any) -> Any:
    return [_as_lists(item) for item in value] if isinstance(value, tuple) else value


@attrs.frozen
class Pathway:
    profile: Profile
    steps: tuple[Step, ...]


def live_events(events: Sequence[Event], as_of: str | None = None, accounts: frozenset[str] | None = None,
                coders: frozenset[str] | None = None) -> tuple[list[Event], int]:
    """The case's events as they stand (each amended one as its newest correction says), minus retracted
    ones and the corrections themselves, up to the as-of date, and (with `accounts`, `coders`) only those
    accounts' events and those coders' (`recorded_by`), the case's opening always kept whoever recorded
    it; and the number retracted."""
    live, retracted_ids = corrected(events)
    retracted = len(retracted_ids)
    live = [e for e in live if e.type != KEPT_TEXT]
    if accounts is not None:
        live = [e for e in live if e.type == "CaseOpened" or account_of(e.type, e.data) in accounts]
    if coders is not None:
        live = [e for e in live if e.type == "CaseOpened" or e.recorded_by in coders]
    if as_of is not None:
        limit = dates.last_day(as_of)
        effective = effective_dates(live)
        live = [e for e in live if effective[e.version] is None or dates.first_day(effective[e.version]) <= limit]
    return live, retracted


def effective_dates(events: Sequence[Event]) -> dict[int, str | None]:
    """Version -> the date an event is placed at (its own, or inherited from the event before it)."""
    placed: dict[int, str | None] = {}
    previous: str | None = None
    for event in sorted(events, key=lambda e: e.version):
        own = event.occurred
        if own is None and event.type == "CaseOpened":
            own = event.data.get("arrival")
        if own is None and event.type == "ContactAbsent":
            own = event.data.get("from")
        previous = own or previous
        placed[event.version] = previous
    return placed


def phase_of(effective: str | None, arrival: str | None, reset_years: int) -> str | None:
    """pre-arrival before the arrival date, reset for `reset_years` after it, settled after that.

    A coarse date that contains the arrival (1995 for an arrival in 1995-06) counts as reset,
    not pre-arrival: the study codes such contacts as part of the arrival.
    """
    if effective is None or arrival is None:
        return None
    start = dates.first_day(arrival)
    if dates.last_day(effective) < start:
        return "pre-arrival"
    if dates.first_day(effective) < dates.add_years(start, reset_years):
        return "reset"
    return "settled"


def regime_of(effective: str | None, motive: str | None, catalogue: Catalogue, phase: str | None = None) -> str | None:
    """The latest regime in force on that date whose `applies_to` holds the migrant's motive.

    A regime limited to some `phases` counts only in them, and there it beats the general ones.
    """
    if effective is None:
        return None
    day = dates.first_day(effective)
    chosen: tuple[bool, dt.date, str] | None = None
    for phased, start, key, applies_to, phases in _regime_table(catalogue.regimes):
        if motive is not None and applies_to is not None and motive not in applies_to:
            continue
        if phased and phase not in phases:
            continue
        if start <= day and (chosen is None or (phased, start) >= chosen[:2]):
            chosen = (phased, start, key)
    return chosen[2] if chosen else None


_REGIME_TABLES: dict[int, tuple[tuple[Mapping[str, Any], ...], list, dict]] = {}
PLACEMENTS = 1 << 16
"""(date, arrival, motive, reset years) -> (phase, regime) kept per regime table: cases share dates."""


def _regime_entry(regimes: tuple[Mapping[str, Any], ...]) -> tuple[tuple[Mapping[str, Any], ...], list, dict]:
    """The regimes with parsed start dates, and a memo of placements, made once per regime tuple."""
    cached = _REGIME_TABLES.get(id(regimes))
    if cached is None or cached[0] is not regimes:
        table = [("phases" in r, dates.first_day(r["from"]), r["key"], r.get("applies_to"), r.get("phases", ()))
                 for r in regimes]
        cached = _REGIME_TABLES[id(regimes)] = (regimes, table, {})
    return cached


def _regime_table(regimes: tuple[Mapping[str, Any], ...]) -> list:
    return _regime_entry(regimes)[1]


def placement(when: str | None, arrival: str | None, motive: str | None, catalogue: Catalogue,
              reset_years: int) -> tuple[str | None, str | None]:
    """A step's phase and regime: `phase_of` and `regime_of`, remembered (the same few hundred
    months recur across thousands of cases)."""
    memo = _regime_entry(catalogue.regimes)[2]
    key = (when, arrival, motive, reset_years)
    placed = memo.get(key)
    if placed is None:
        if len(memo) >= PLACEMENTS:
            memo.clear()
        phase = phase_of(when, arrival, reset_years)
        placed = memo[key] = (phase, regime_of(when, motive, catalogue, phase))
    return placed


def cohort_of(arrival: str | None) -> str:
    return f"{dates.parse(arrival)[0] // 10 * 10}s" if arrival else "unknown"


def effects_of(event: Event) -> tuple[tuple[str, str], ...]:
    """(variable, direction) pairs an event reports; a StateObserved without a direction reports none."""
    if event.type == "StateObserved":
        direction = event.data.get("direction")
        return ((event.data["variable"], direction),) if direction else ()
    if event.type in EFFECT_TYPES:
        return tuple((effect["variable"], effect["direction"]) for effect in event.data.get("effects", ()))
    return ()


def label_of(event: Event) -> str:
    data = event.data
    if event.type == "ContactRecorded":
        return f"{data['actor']}: {data['kind']}"
    if event.type == "ContactAbsent":
        return f"no contact{' with ' + data['actor'] if data.get('actor') else ''} {data['from']}..{data.get('to', '')}"
    if event.type == "StateObserved":
        return f"{data['variable']} {data.get('direction') or data.get('level', '')}".strip()
    if event.type == "ExpectationFormed":
        return "expects " + ", ".join(f"{l['from']} {arrow(l['sign'])} {l['to']}" for l in data["links"])
    if event.type == "LinkCoded":
        return f"link {data['from']} {arrow(data['sign'])} {data['to']}"
    if event.type == "LoopCoded":
        if data.get("none"):
            return "reading: no loop in the case"
        return f"reading: {' > '.join(data['variables'])} ({data['polarity']})"
    return event.type


def build_pathway(case: str, live: Sequence[Event], retracted: int, catalogue: Catalogue,
                  settings: Settings = Settings()) -> Pathway:
    """Profile and ordered steps of one case from its live events."""
    opened = next((e for e in live if e.type == "CaseOpened"), None)
    info = opened.data if opened else {}
    arrival, motive = info.get("arrival"), info.get("motive")
    profile = Profile(case, info.get("origin"), arrival, motive, info.get("notes"), cohort_of(arrival),
                      len(live), retracted)
    effective = effective_dates(live)
    ordered = sorted((e for e in live if e.type != "CaseOpened"),
                     key=lambda e: (dates.sort_key(effective[e.version]) if effective[e.version] else (0, 0, 0),
                                    e.version))
    running: dict[str, int] = {}
    state: tuple[tuple[str, int], ...] = ()
    steps = []
    reset_years = settings.reset_years
    for order, event in enumerate(ordered, start=1):
        effects = effects_of(event)
        for variable, direction in effects:
            running[variable] = running.get(variable, 0) + DIRECTION_VALUE[direction]
        if effects:  # the state changes only where a step has effects
            state = tuple(sorted(running.items()))
        when = effective[event.version]
        data = event.data
        type_ = event.type
        phase, regime = placement(when, arrival, motive, catalogue, reset_years)
        steps.append(Step(  # positional, in field order: twice as fast as keywords, once per event
            case, order, event.ref, event.event_id, event.version, type_, event.occurred, when, phase, regime,
            data.get("actor"), data.get("role"), data.get("kind"),
            data.get("outcome") or data.get("statement") or data.get("note"),
            data.get("perceived"), data.get("discretion"), effects, tuple(data.get("because", ())),
            data.get("quote"), label_of(event), state,
            data.get("to") if type_ == "ContactAbsent" else None,
            account_of(type_, data), tuple(data.get("conditions", {}).items()), data.get("source"),
            event.recorded_by, data))
    return Pathway(profile, tuple(steps))
