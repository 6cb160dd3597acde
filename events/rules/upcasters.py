"""How a stored event of an older schema version is read as the newest one.

Events are never rewritten: a v1 event stays as it was stored (and hashed), and is read through
these functions, one version step at a time. Version 2 of the case types adds `account`, whose
account the event records; a v1 event is read with DESIGN's default. Version 3 of LoopCoded adds
`none` (the reading that a case holds no loop) and version 2 of the catalogue types `definition`
(what a key means and when to use it): both optional, so the older events read as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


def _with_account(default: str) -> Upcaster:
    def upcast(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "account": data.get("account", default)}
    return upcast


SHIPPED: dict[tuple[str, int], Upcaster] = {
    ("ContactRecorded", 1): _with_account("migrant"),
    ("ContactAbsent", 1): _with_account("migrant"),
    ("StateObserved", 1): _with_account("migrant"),
    ("ExpectationFormed", 1): _with_account("migrant"),
    ("LinkCoded", 1): _with_account("researcher"),
    ("LoopCoded", 1): _with_account("researcher"),
    ("LoopCoded", 2): dict,  # v3 adds `none`: a v2 reading names a loop, so it reads as it is
    **{(type_, 1): dict for type_ in ("ActorDefined", "VariableDefined", "KindDefined", "ArchetypeDefined",
                                      "ConditionDefined")},  # v2 adds `definition`: a v1 key has none
}
"""(type, version) -> the function reading that version as the next one."""

DEFAULT_ACCOUNT = {"LinkCoded": "researcher", "LoopCoded": "researcher"}
"""Whose account an event is when it does not say: the migrant's, but for the researcher's codings."""


def account_of(event_type: str, data: dict[str, Any]) -> str:
    return data.get("account") or DEFAULT_ACCOUNT.get(event_type, "migrant")
