"""Leverage across cases: which variables sit on most loops, which contact kinds (and actors) are on
them or opened them, split by valence. Pure: analyses in, ranked tables out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import attrs

from pathways.analysis.case import CaseAnalysis
from pathways.analysis.causal import CONFIDENCE, rank
from pathways.analysis.patterns import ABSENCE, kept_loops

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


class Ranking:
    """The leverage ranking folded one case at a time (`add` each analysis, then `result`): counters
    only, no case kept (a variable's cases are counted as each case is added)."""

    def __init__(self, min_confidence: str | None = None, *, turned_only: bool = False,
                 unstitched_only: bool = False) -> None:
        check_confidence(min_confidence)
        self.turned_only, self.unstitched_only = turned_only, unstitched_only
        self.floor = CONFIDENCE.index(min_confidence) if min_confidence else 0
        self.variables: dict[str, dict[str, int]] = defaultdict(
            lambda: {"loops": 0, "unfavourable": 0, "favourable": 0, "cases": 0})
        self.kinds: dict[tuple[str, str | None], dict[str, int]] = defaultdict(
            lambda: {"loops": 0, "unfavourable": 0, "opened": 0, "opened_unfavourable": 0})

    def add(self, analysis: CaseAnalysis) -> None:
        steps = {step.ref: step for step in analysis.pathway.steps}
        seen: set[str] = set()  # the variables this case has counted already
        variables, kinds = self.variables, self.kinds
        for loop in kept_loops(analysis, turned_only=self.turned_only, unstitched_only=self.unstitched_only):
            if rank(loop.confidence) < self.floor:
                continue
            unfavourable = loop.valence == "unfavourable"
            for variable in loop.variables:
                row = variables[variable]
                row["loops"] += 1
                row["unfavourable"] += unfavourable
                row["favourable"] += loop.valence == "favourable"
                if variable not in seen:
                    seen.add(variable)
                    row["cases"] += 1
            on = {_kind(steps[ref]) for ref in loop.evidence if ref in steps and _kind(steps[ref])}
            for key in on:
                kinds[key]["loops"] += 1
                kinds[key]["unfavourable"] += unfavourable
            opener = _kind(steps[loop.opened_by]) if loop.opened_by in steps else None
            if opener:
                kinds[opener]["opened"] += 1
                kinds[opener]["opened_unfavourable"] += unfavourable

    def result(self) -> Leverage:
        ranked_variables = sorted((VariableLeverage(name, **row) for name, row in self.variables.items()),
                                  key=lambda row: (-row.unfavourable, -row.loops, row.variable))
        ranked_kinds = sorted((KindLeverage(kind, actor, **row) for (kind, actor), row in self.kinds.items()),
                              key=lambda row: (-row.unfavourable, -row.loops, row.kind, row.actor or ""))
        return Leverage(tuple(ranked_variables), tuple(ranked_kinds))


def leverage(analyses: Iterable[CaseAnalysis], min_confidence: str | None = None, *,
             turned_only: bool = False, unstitched_only: bool = False) -> Leverage:
    """Rank variables and contact kinds by the loops they sit on (and opened), unfavourable first.

    A kind (with its actor) sits on a loop when one of the loop's evidence events is a contact of
    that kind by that actor (an absence counts as `no-contact`); it opened the loop when the loop's
    `opened_by` is such a contact. With `min_confidence`, loops resting on a weaker coded link are
    left out; with `turned_only`, every loop whose polarity never turned; with `unstitched_only`, every
    loop no single account tells whole. One pass over `analyses`."""
    ranking = Ranking(min_confidence, turned_only=turned_only, unstitched_only=unstitched_only)
    for analysis in analyses:
        ranking.add(analysis)
    return ranking.result()


def _kind(step) -> tuple[str, str | None] | None:
    if step.type == "ContactRecorded":
        return step.kind, step.actor
    if step.type == "ContactAbsent":
        return ABSENCE, step.actor
    return None
