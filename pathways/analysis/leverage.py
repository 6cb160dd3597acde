"""Leverage across cases: which variables sit on most loops, which contact kinds (and actors) are on
them or opened them, split by valence. Pure: analyses in, ranked tables out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import attrs

from pathways.analysis.case import CaseAnalysis
from pathways.analysis.causal import CONFIDENCE, rank
from pathways.analysis.patterns import ABSENCE, only_turned, only_unstitched

TOP = 5
"""How many rows `summary` shows of each ranking."""


@attrs.frozen
class VariableLeverage:
    variable: str
    loops: int
    unfavourable: int
    favourable: int
    cases: int


@attrs.frozen
class KindLeverage:
    kind: str
    actor: str | None
    loops: int
    unfavourable: int
    opened: int
    opened_unfavourable: int


@attrs.frozen
class Leverage:
    variables: tuple[VariableLeverage, ...]
    kinds: tuple[KindLeverage, ...]

    def to_json(self, top: int | None = None) -> dict[str, Any]:
        """`leverage --json` as DESIGN fixes it (`top`: only the first rows of each)."""
        return {"variables": [attrs.asdict(row) for row in self.variables[:top]],
                "kinds": [attrs.asdict(row) for row in self.kinds[:top]]}


def check_confidence(value: str | None) -> None:
    if value is not None and value not in CONFIDENCE:
        from events.errors import InvalidEvent

        raise InvalidEvent(f"'{value}' is not one of: {', '.join(CONFIDENCE)}", field="--min-confidence")


def leverage(analyses: Iterable[CaseAnalysis], min_confidence: str | None = None, *,
             turned_only: bool = False, unstitched_only: bool = False) -> Leverage:
    """Rank variables and contact kinds by the loops they sit on (and opened), unfavourable first.

    A kind (with its actor) sits on a loop when one of the loop's evidence events is a contact of
    that kind by that actor (an absence counts as `no-contact`); it opened the loop when the loop's
    `opened_by` is such a contact. With `min_confidence`, loops resting on a weaker coded link are
    left out; with `turned_only`, every loop whose polarity never turned."""
    check_confidence(min_confidence)
    if turned_only:
        analyses = only_turned(analyses)
    if unstitched_only:  # the loops one account tells whole
        analyses = only_unstitched(analyses)
    floor = CONFIDENCE.index(min_confidence) if min_confidence else 0
    variables: dict[str, dict[str, Any]] = defaultdict(lambda: {"loops": 0, "unfavourable": 0, "favourable": 0,
                                                                 "cases": set()})
    kinds: dict[tuple[str, str | None], dict[str, int]] = defaultdict(
        lambda: {"loops": 0, "unfavourable": 0, "opened": 0, "opened_unfavourable": 0})
    for analysis in analyses:
        steps = {step.ref: step for step in analysis.pathway.steps}
        for loop in analysis.loops:
            if rank(loop.confidence) < floor:
                continue
            unfavourable = loop.valence == "unfavourable"
            for variable in loop.variables:
                row = variables[variable]
                row["loops"] += 1
                row["unfavourable"] += unfavourable
                row["favourable"] += loop.valence == "favourable"
                row["cases"].add(analysis.case)
            on = {_kind(steps[ref]) for ref in loop.evidence if ref in steps and _kind(steps[ref])}
            for key in on:
                kinds[key]["loops"] += 1
                kinds[key]["unfavourable"] += unfavourable
            opener = _kind(steps[loop.opened_by]) if loop.opened_by in steps else None
            if opener:
                kinds[opener]["opened"] += 1
                kinds[opener]["opened_unfavourable"] += unfavourable
    ranked_variables = sorted(
        (VariableLeverage(name, row["loops"], row["unfavourable"], row["favourable"], len(row["cases"]))
         for name, row in variables.items()),
        key=lambda row: (-row.unfavourable, -row.loops, row.variable))
    ranked_kinds = sorted((KindLeverage(kind, actor, **row) for (kind, actor), row in kinds.items()),
                          key=lambda row: (-row.unfavourable, -row.loops, row.kind, row.actor or ""))
    return Leverage(tuple(ranked_variables), tuple(ranked_kinds))


def _kind(step) -> tuple[str, str | None] | None:
    if step.type == "ContactRecorded":
        return step.kind, step.actor
    if step.type == "ContactAbsent":
        return ABSENCE, step.actor
    return None
