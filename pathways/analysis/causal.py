"""The signed causal graph of a case, from coded links, expectations and `because` chains.

- LinkCoded gives `from -> to` (origin `coded`), ExpectationFormed gives each of its links (origin
  `expected`); the evidence of either is the event itself.
- When event B names event A in `because`, every non-zero effect (x, dx) of A (or only the one the
  ref names) and every non-zero effect (y, dy) of B give `x -> y` with sign dx*dy and evidence (A, B).

An edge seen with both signs is `ambiguous`. Its sign at a date is the sign of its latest evidence
dated at or before it (same date, opposite signs: the majority of that date; a tie leaves it
undetermined, 0): an instance is dated by the step at which it is complete (the later of A and B; the
coded or expected event itself), from which step on the edge exists. The edge's `sign` is the one in
force at the end (of the case, or the as-of point); `history` holds each change (pathways.polarity),
and an edge whose sign changed is `shifting`.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from events.rules.validate import Ref

from pathways.analysis.pathway import DIRECTION_VALUE, Step
from pathways.analysis.polarity import SIGN_TEXT, SignHistory, sign_history

ORIGINS = ("coded", "expected", "because")
CONFIDENCE = ("low", "medium", "high")


def confidence_label(value: str | float | None) -> str | None:
    """A coded link's confidence as low, medium or high (a number 0..1 in thirds)."""
    if value is None or isinstance(value, str):
        return value
    return CONFIDENCE[min(2, int(value * 3))]


Confidence = str | float
"""A coded link's confidence as coded: low, medium, high, or a number from 0 to 1."""


def is_low(value: Confidence | None) -> bool:
    return confidence_label(value) == "low"


def rank(value: Confidence) -> int:
    """0 low, 1 medium, 2 high: how confidences compare across words and numbers."""
    return CONFIDENCE.index(confidence_label(value))


def weakest(values: Sequence[Confidence | None]) -> Confidence | None:
    """The lowest of the confidences given, as coded (a number stays a number)."""
    known = [value for value in values if value is not None]
    return min(known, key=rank) if known else None


@attrs.frozen
class Edge:
    source: str
    target: str
    sign: int
    ambiguous: bool
    origins: tuple[str, ...]
    evidence: tuple[str, ...]
    emerged: int
    """Step order at which the edge first existed."""
    confidence: Confidence | None = None
    """The weakest confidence of the coded links behind it, as coded (None: no coded link says one)."""
    history: SignHistory = ()
    """(from date, sign) at each change of its sign, oldest first; its last entry is `sign`."""
    citations: tuple[tuple[str, int], ...] = ()
    """(ref, sign) of each event that asserts it, in step order: a coded link or expectation itself, and
    for a `because` instance the citing event (whose holder says the cause led to the effect), with the
    sign it asserts (two coders may assert a link with opposite signs)."""

    @property
    def sign_text(self) -> str:
        """+, -, or ? where the sign is undetermined (evidence of one date tied)."""
        return SIGN_TEXT[self.sign]

    @property
    def shifting(self) -> bool:
        """Whether its sign changed over the case."""
        return len(self.history) > 1


@attrs.frozen
class CausalGraph:
    edges: tuple[Edge, ...]

    def index(self) -> dict[tuple[str, str], Edge]:
        return {(edge.source, edge.target): edge for edge in self.edges}

    def variables(self) -> list[str]:
        return sorted({v for edge in self.edges for v in (edge.source, edge.target)})


@attrs.define
class _Instances:
    plus: int = 0
    minus: int = 0
    dated: dict[str | None, int] = attrs.field(factory=dict)
    """Per date, the evidence's net sign (pluses minus minuses)."""
    emerged: int | None = None
    origins: set[str] = attrs.field(factory=set)
    evidence: dict[str, int] = attrs.field(factory=dict)
    confidence: list[Confidence | None] = attrs.field(factory=list)
    citations: dict[tuple[str, int], int] = attrs.field(factory=dict)

    def add(self, sign: int, at: int, date: str | None, origin: str, evidence: Sequence[Step],
            confidence: Confidence | None = None) -> None:
        self.confidence.append(confidence)
        claim = evidence[-1]  # the event that makes the claim: the link itself, or the citing event
        self.citations[(claim.ref, sign)] = claim.order
        if sign > 0:
            self.plus += 1
        else:
            self.minus += 1
        self.dated[date] = self.dated.get(date, 0) + sign
        self.emerged = at if self.emerged is None else min(self.emerged, at)
        self.origins.add(origin)
        for step in evidence:
            self.evidence[step.ref] = step.order


def _nonzero(effects: Sequence[tuple[str, str]]) -> list[tuple[str, int]]:
    """Distinct non-zero effects: an effect listed twice is one cause, not two (and no quadratic blow-up)."""
    return list(dict.fromkeys((variable, DIRECTION_VALUE[direction]) for variable, direction in effects
                              if DIRECTION_VALUE[direction]))


def build_graph(case: str, steps: Sequence[Step]) -> CausalGraph:
    """Signed edges of one case from its live steps (retracted events are not steps)."""
    by_version = {step.version: step for step in steps}
    by_id = {step.event_id: step for step in steps}
    dated = {step.order: step.effective for step in steps}
    found: dict[tuple[str, str], _Instances] = {}

    def add(source: str, target: str, sign: int, at: int, origin: str, evidence: Sequence[Step],
            confidence: Confidence | None = None) -> None:
        found.setdefault((source, target), _Instances()).add(sign, at, dated[at], origin, evidence, confidence)

    nonzero = {step.version: _nonzero(step.effects) for step in steps}  # once: a cause is named again and again
    for step in steps:
        data = step.data
        if step.type == "LinkCoded":
            add(data["from"], data["to"], 1 if data["sign"] == "+" else -1, step.order, "coded", [step],
                data.get("confidence"))
        elif step.type == "ExpectationFormed":
            for link in data["links"]:
                add(link["from"], link["to"], 1 if link["sign"] == "+" else -1, step.order, "expected", [step])
        effects = nonzero[step.version]
        if not effects:
            continue
        for text in step.because:
            ref = Ref.parse(text)
            cause = by_version.get(ref.version) if ref.version is not None else by_id.get(ref.event_id)
            if cause is None:  # retracted, or after the as-of point
                continue
            causes = nonzero[cause.version]
            if ref.variable is not None:
                causes = [(variable, d) for variable, d in causes if variable == ref.variable]
            at = max(cause.order, step.order)
            for x, dx in causes:
                for y, dy in effects:
                    add(x, y, dx * dy, at, "because", [cause, step])

    edges = []
    for (source, target), seen in sorted(found.items()):
        history = sign_history(seen.dated.items())
        sign = history[-1][1]
        evidence = tuple(ref for ref, _ in sorted(seen.evidence.items(), key=lambda item: item[1]))
        citations = tuple(claim for claim, _ in sorted(seen.citations.items(), key=lambda item: (item[1], item[0])))
        edges.append(Edge(source, target, sign, bool(seen.plus and seen.minus),
                          tuple(origin for origin in ORIGINS if origin in seen.origins), evidence, seen.emerged,
                          weakest(seen.confidence), history, citations))
    return CausalGraph(tuple(edges))
