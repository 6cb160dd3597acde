"""Cross-case patterns: loop classes by case attributes, archetypes, loops that turned, contact
transitions, agreement."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import attrs

from pathways.analysis.case import CaseAnalysis
from pathways.analysis.classify import Reading
from pathways.analysis.polarity import direction
from pathways.analysis.provenance import coders_of

ABSENCE = "no-contact"


def loop_class(polarity: str, valence: str, change: str) -> str:
    return f"{polarity}/{valence}/{change}"


@attrs.frozen
class Summary:
    cases: int
    loops: int
    classes: dict[str, int]
    by_motive: dict[str, dict[str, int]]
    by_cohort: dict[str, dict[str, int]]
    by_regime: dict[str, dict[str, int]]
    cases_with_dampening_unfavourable: int
    archetypes: dict[str, int]
    transitions: tuple[tuple[str, str, int], ...]
    readings: tuple[Reading, ...]
    turned: dict[str, int] = attrs.field(factory=dict)
    """Loops whose polarity turned once they had closed, by their course (`reinforcing -> dampening`)."""
    turned_only: bool = False
    """Whether the loop counts are limited to the loops that turned (`summary --turned`)."""
    unread: tuple[tuple[str, str], ...] = ()
    """The computed loops no reading matches, as (case, loop id): the readings judged the other way."""
    unstitched_only: bool = False
    """Whether the loop counts are limited to the loops one account tells whole (`summary --unstitched`)."""
    several_coders: int = 0
    """The cases whose events more than one coder recorded (`--by` and `pathways agree` compare them)."""

    @property
    def dampening_unfavourable_share(self) -> float:
        return self.cases_with_dampening_unfavourable / self.cases if self.cases else 0.0

    def agreement(self) -> dict[str, int]:
        counts = Counter(reading.status for reading in self.readings)
        return {"readings": len(self.readings), "agrees": counts["agrees"], "disagrees": counts["disagrees"],
                "not-found": counts["not-found"], "unread": len(self.unread)}

    def to_json(self) -> dict[str, Any]:
        return {
            "cases": self.cases, "loops": self.loops, "classes": self.classes, "by_motive": self.by_motive,
            "by_cohort": self.by_cohort, "by_regime": self.by_regime,
            "cases_with_dampening_unfavourable": self.cases_with_dampening_unfavourable,
            "dampening_unfavourable_share": round(self.dampening_unfavourable_share, 4),
            "archetypes": self.archetypes,
            "transitions": [{"from": a, "to": b, "count": n} for a, b, n in self.transitions],
            "agreement": self.agreement(), "readings": [reading.to_json() for reading in self.readings],
            "unread": [{"case": case, "loop": loop} for case, loop in self.unread],
            "turned": {"loops": sum(self.turned.values()), "by_direction": self.turned},
            "turned_only": self.turned_only, "unstitched_only": self.unstitched_only,
            "cases_with_several_coders": self.several_coders,
        }


def contact_sequence(analysis: CaseAnalysis) -> list[str]:
    """The kinds of a case's contacts in pathway order, absences as `no-contact`."""
    return [step.kind if step.type == "ContactRecorded" else ABSENCE
            for step in analysis.pathway.steps if step.type in ("ContactRecorded", "ContactAbsent")]


class Tally:
    """The cross-case counts folded one case at a time (`add` each analysis, then `result`): a command
    over every case holds these counters, never every case's analysis."""

    def __init__(self, *, turned_only: bool = False, unstitched_only: bool = False) -> None:
        self.turned_only, self.unstitched_only = turned_only, unstitched_only
        self.cases = self.loops = self.with_du = self.several_coders = 0
        self.turned: Counter[str] = Counter()
        self.classes: Counter[str] = Counter()
        self.grouped: dict[str, defaultdict[str, Counter[str]]] = {
            name: defaultdict(Counter) for name in ("motive", "cohort", "regime")}
        self.archetypes: Counter[str] = Counter()
        self.transitions: Counter[tuple[str, str]] = Counter()
        self.readings: list[Reading] = []
        self.unread: list[tuple[str, str]] = []

    def add(self, analysis: CaseAnalysis) -> None:
        loops = kept_loops(analysis, turned_only=self.turned_only, unstitched_only=self.unstitched_only)
        self.cases += 1
        self.several_coders += len(coders_of(analysis.pathway.steps)) > 1
        profile = analysis.pathway.profile
        regimes = {step.ref: step.regime for step in analysis.pathway.steps}
        grouped = self.grouped
        for loop in loops:
            self.loops += 1
            label = loop_class(loop.polarity, loop.valence, loop.change)
            self.classes[label] += 1
            grouped["motive"][profile.motive or "unknown"][label] += 1
            grouped["cohort"][profile.cohort][label] += 1
            grouped["regime"][regimes.get(loop.closing_event) or "unknown"][label] += 1
            self.archetypes.update(loop.archetypes)
            if loop.turned:
                self.turned[direction(loop.polarity_history)] += 1
        self.with_du += any(loop.polarity == "dampening" and loop.valence == "unfavourable" for loop in loops)
        sequence = contact_sequence(analysis)
        self.transitions.update(zip(sequence, sequence[1:]))
        self.readings.extend(analysis.readings)
        covered = {reading.matched for reading in analysis.readings}
        self.unread.extend((profile.case, loop.id) for loop in loops if loop.id not in covered)

    def result(self) -> Summary:
        grouped = self.grouped
        return Summary(
            self.cases, self.loops, dict(sorted(self.classes.items())),
            *({key: dict(sorted(value.items())) for key, value in sorted(grouped[name].items())}
              for name in ("motive", "cohort", "regime")),
            self.with_du, dict(self.archetypes.most_common()),
            tuple(sorted(((a, b, n) for (a, b), n in self.transitions.items()), key=lambda t: (-t[2], t[0], t[1]))),
            tuple(self.readings), dict(sorted(self.turned.items())), self.turned_only, tuple(self.unread),
            self.unstitched_only, self.several_coders)


def kept_loops(analysis: CaseAnalysis, *, turned_only: bool = False, unstitched_only: bool = False) -> tuple:
    """The case's loops a cross-case count takes: with `turned_only` those that turned, with
    `unstitched_only` those one account tells whole."""
    return tuple(loop for loop in analysis.loops
                 if (loop.turned or not turned_only) and not (unstitched_only and loop.stitched))


def summarise(analyses: Iterable[CaseAnalysis], *, turned_only: bool = False,
              unstitched_only: bool = False) -> Summary:
    """The cross-case counts; with `turned_only`, those of the loops that turned; with `unstitched_only`,
    those of the loops one account tells whole. One pass over `analyses` (an iterator is read once,
    each case let go after it is counted)."""
    tally = Tally(turned_only=turned_only, unstitched_only=unstitched_only)
    for analysis in analyses:
        tally.add(analysis)
    return tally.result()
