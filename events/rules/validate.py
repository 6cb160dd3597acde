"""Payload validation (JSON Schema plus catalogue keys, dates and refs) and upcasting on read.

Payloads are checked by the compiled schema subset of `checker.py`. The schema documents carry
three annotations of ours, so the rules live with the data:
`x-catalogue` (the value is a key of that catalogue), `x-ref` (an event ref, checked against
the case's earlier events) and `x-date` (a partial date). `x-stream` says which stream a type
belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, Protocol

import attrs

import schemas

from events import dates
from events.rules.catalogue import Catalogue
from events.rules.checker import Check, compile_schema
from events.errors import InvalidEvent

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
_REF = re.compile(r"^(?:(?P<case>[A-Za-z0-9][A-Za-z0-9._-]{0,63})#(?P<version>[1-9][0-9]*)|(?P<id>[0-9a-fA-F-]{36}))"
                  r"(?::(?P<variable>[a-z0-9][a-z0-9-]*))?\Z")


@attrs.frozen
class Ref:
    """A parsed event ref: `CASE#VERSION` or an event id, optionally naming one effect variable."""

    case: str | None
    version: int | None
    event_id: str | None
    variable: str | None

    @classmethod
    def parse(cls, text: str) -> "Ref":
        match = _REF.match(text)
        if not match:
            raise ValueError(f"'{text}' is not an event ref (CASE#VERSION or an event id)")
        version = match["version"]
        if version and len(version) > 18:  # int() of thousands of digits fails in Python's words
            raise ValueError(f"an event ref with a version of {len(version):,} digits: no case has that many events")
        return cls(match["case"], int(version) if version else None,
                   match["id"].lower() if match["id"] else None, match["variable"])


class RefTarget(NamedTuple):
    """What validation needs to know of a referenced event (a tuple: one is made per event appended)."""

    event_id: str
    case: str | None
    version: int
    type: str
    effect_variables: frozenset[str]
    occurred: str | None = None
    """The date the event is placed at, when it has one of its own (see `dated`)."""


class RefResolver(Protocol):
    def by_version(self, case: str, version: int) -> RefTarget | None: ...
    def by_id(self, event_id: str) -> RefTarget | None: ...
    def is_retracted(self, target: RefTarget) -> bool: ...


def effect_variables(event_type: str, data: Mapping[str, Any]) -> frozenset[str]:
    """The variables an event says it moved (contacts, absences, state observations with a direction)."""
    if event_type == "StateObserved":
        return frozenset([data["variable"]]) if data.get("direction") else frozenset()
    return frozenset(effect["variable"] for effect in data.get("effects", ()))


def dated(event_type: str, occurred: str | None, data: Mapping[str, Any]) -> str | None:
    """An event's own date: `occurred`, or for an absence the start of its period."""
    if occurred is None and event_type == "ContactAbsent":
        return data.get("from")
    return occurred


def later_than(cause: str, effect: str) -> bool:
    """Whether a cause dated `cause` lies after an effect dated `effect`, compared at the coarser of
    the two precisions (1995 is not after 1995-06, nor 1995-06 after 1995)."""
    parts = min(cause.count("-"), effect.count("-")) + 1
    return dates.parse(cause)[:parts] > dates.parse(effect)[:parts]


class Registry:
    """Event schemas by (type, version), their validators, and the upcasters between versions."""

    def __init__(self, documents: Mapping[tuple[str, int], Mapping[str, Any]] | None = None) -> None:
        from events.rules.upcasters import SHIPPED

        self._documents = dict(schemas.event_schemas() if documents is None else documents)
        self._upcasters: dict[tuple[str, int], Upcaster] = dict(SHIPPED) if documents is None else {}
        self._checks: dict[tuple[str, int], Check] = {}
        self._latest: dict[str, int] = {}
        for type_, version in self._documents:
            self._latest[type_] = max(version, self._latest.get(type_, 0))
        for type_, version in self._documents:
            if version > 1 and (type_, version - 1) not in self._upcasters:
                raise ValueError(f"{type_} v{version} needs an upcaster from v{version - 1}")

    def add_schema(self, type_: str, version: int, document: Mapping[str, Any],
                   upcaster: Upcaster | None = None) -> None:
        """Add a type version; a version above 1 needs the upcaster from the version below it."""
        if version > 1 and upcaster is None:
            raise ValueError(f"{type_} v{version} needs an upcaster from v{version - 1}")
        self._documents[(type_, version)] = document
        self._latest[type_] = max(version, self._latest.get(type_, 0))
        if upcaster is not None:
            self._upcasters[(type_, version - 1)] = upcaster

    def types(self) -> list[str]:
        return sorted({type_ for type_, _ in self._documents})

    def latest(self, type_: str) -> int:
        latest = self._latest.get(type_)
        if latest is None:
            raise InvalidEvent(f"unknown event type '{type_}' (known: {', '.join(self.types())})", field="type")
        return latest

    def stream_kind(self, type_: str) -> str:
        return self._documents[(type_, self.latest(type_))].get("x-stream", "case")

    def upcast(self, type_: str, version: int, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Bring a payload from its stored version to the newest one, one step at a time (a
        correction's payload too: the one it gives the corrected event, as that type's newest)."""
        if type_ == "EventAmended":
            data = self._upcast_correction(data)
        latest = self.latest(type_)
        if version == latest:
            return version, data
        while version < latest:
            data = self._upcasters[(type_, version)](data)
            version += 1
        return version, data

    def _upcast_correction(self, data: dict[str, Any]) -> dict[str, Any]:
        inner_type, inner_version = data.get("type"), data.get("schema_version")
        if not isinstance(inner_type, str) or inner_type not in self._latest or not isinstance(inner_version, int) \
                or not 1 <= inner_version < self._latest[inner_type] or not isinstance(data.get("data"), dict):
            return data  # newest already, or not a valid correction (its checks say why)
        newest, inner = self.upcast(inner_type, inner_version, data["data"])
        return {**data, "schema_version": newest, "data": inner}

    def fields(self, type_: str) -> list[str]:
        """The payload fields of a type's newest version, in schema order."""
        return list(self._documents[(type_, self.latest(type_))].get("properties", {}))

    def required(self, type_: str) -> list[str]:
        """The payload fields a type's newest version requires."""
        return list(self._documents[(type_, self.latest(type_))].get("required", ()))

    def check(self, type_: str, version: int) -> Check:
        """The compiled checker of one type version."""
        key = (type_, version)
        check = self._checks.get(key)
        if check is None:
            if key not in self._documents:
                raise InvalidEvent(f"{type_} has no schema version {version}", field="schema_version")
            check = self._checks[key] = compile_schema(self._documents[key])
        return check


def check_annotations(catalogue: Catalogue, resolver: RefResolver, found: list, *, type_: str,
                      case: str | None, stream_version: int, cites_from: str | None) -> None:
    """The annotated values of a schema-valid payload (see `checker.Found`): catalogue keys,
    conditions, partial dates and refs, in the payload's order; raises InvalidEvent."""
    for mark, argument, field, value in found:
        if mark == "x-catalogue":
            if not catalogue.has(argument, value):
                raise InvalidEvent(f"unknown {argument[:-1]} '{value}' ({catalogue.listing(argument)})",
                                   field=field)
        elif mark == "x-conditions":
            if isinstance(value, dict):
                catalogue.check_conditions(value, field)
        elif mark == "x-date":
            try:
                dates.validate(value)
            except ValueError as error:
                raise InvalidEvent(str(error), field=field) from None
        elif mark == "x-ref":
            target = _check_ref(resolver, value, field=field, case=case, stream_version=stream_version,
                                retracting=type_ == "EventRetracted")
            if ".because[" in field:
                _check_cause(resolver, target, value, field=field, cited_by=cites_from)


def unsettled(catalogue: Catalogue, found: list) -> list:
    """The annotated values that a check against `catalogue` cannot settle: refs, and the keys,
    conditions and dates that fail against it. Those that pass are dropped: a catalogue only ever
    grows (a definition never changes or removes a key), so they pass against any later one too;
    the others are checked by the writer against the catalogue in force, in the payload's order."""
    kept = []
    for item in found:
        mark, argument, _, value = item
        if mark == "x-catalogue" and catalogue.has(argument, value):
            continue
        if mark == "x-conditions" and (not isinstance(value, dict) or catalogue.holds_conditions(value)):
            continue
        if mark == "x-date" and dates.is_valid(value):
            continue
        kept.append(item)
    return kept


def _check_cause(resolver: RefResolver, target: RefTarget, text: str, *, field: str, cited_by: str | None) -> None:
    """Causes come first: a live event with an effect, not dated after the event that cites it."""
    if resolver.is_retracted(target):
        raise InvalidEvent(f"cause '{text}' was retracted: a retracted event causes nothing", field=field)
    if not target.effect_variables:
        raise InvalidEvent(f"cause '{text}' ({target.type}) carries no effect, so it can cause none", field=field)
    if target.occurred is not None and cited_by is not None and later_than(target.occurred, cited_by):
        raise InvalidEvent(f"cause '{text}' is dated {target.occurred}, after this event ({cited_by}): "
                           "causes come first", field=field)


def _check_ref(resolver: RefResolver, text: str, *, field: str, case: str | None,
               stream_version: int, retracting: bool) -> RefTarget:
    try:
        ref = Ref.parse(text)
    except ValueError as error:
        raise InvalidEvent(str(error), field=field) from None
    if ref.case is not None and ref.case != case:
        raise InvalidEvent(f"ref '{text}' points into another case; refs stay within case '{case}'", field=field)
    if ref.version is not None and ref.version >= stream_version:
        raise InvalidEvent(f"ref '{text}' points to this or a later event (this event is #{stream_version})", field=field)
    target = resolver.by_version(case, ref.version) if ref.version is not None else resolver.by_id(ref.event_id)
    if target is None:
        raise InvalidEvent(f"ref '{text}' points to no event", field=field)
    if target.case != case:
        raise InvalidEvent(f"ref '{text}' points into another case; refs stay within case '{case}'", field=field)
    if target.version >= stream_version:
        raise InvalidEvent(f"ref '{text}' points to a later event (#{target.version})", field=field)
    if ref.variable is not None and ref.variable not in target.effect_variables:
        raise InvalidEvent(f"ref '{text}': event #{target.version} has no effect on '{ref.variable}'", field=field)
    if retracting:
        if target.type == "EventRetracted":
            raise InvalidEvent(f"'{text}' is itself a retraction, and a retraction cannot be retracted "
                               "(record the withdrawn event again instead)", field=field)
        if target.type == "CaseOpened":
            raise InvalidEvent(f"'{text}' opens the case and cannot be retracted", field=field)
        if resolver.is_retracted(target):
            raise InvalidEvent(f"'{text}' is already retracted", field=field)
    return target
