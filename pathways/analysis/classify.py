"""Loop classification by the rules of the study (DESIGN.md, Projections: loops).

- polarity: the product of the link signs; positive is reinforcing, negative dampening, and
  undetermined where a link's sign is (pathways.polarity); the one in force at the end of the window
  is the loop's, and a loop through a shifting link keeps its `polarity_history` from its closing on;
- window: from the loop's earliest evidence event to the end of the case (or the as-of point);
- valence: per loop variable, the sign of its net observed direction in the window (up +1, down -1,
  over the effects of contacts, absences and state observations) times its desirability; a
  positive sum is favourable, a negative one unfavourable; at zero, a strict majority of the
  `perceived` values of the evidence events decides, else undetermined;
- change: whether the integration variable moved (net non-zero) in the window;
- closing_event: the step at which the last of its edges came to exist.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from events.rules.catalogue import Catalogue

from pathways.analysis.causal import CausalGraph, weakest
from pathways.analysis.loops import canonical
from pathways.analysis.pathway import DIRECTION_VALUE, Step
from pathways.analysis.provenance import cycle_edges, told
from pathways.analysis.polarity import LETTER, POLARITIES, UNDETERMINED, PolarityHistory, loop_history, turned


@attrs.frozen
class Loop:
    case: str
    id: str
    variables: tuple[str, ...]
    signs: tuple[str, ...]
    polarity: str
    valence: str
    change: str
    closing_event: str
    reset_rooted: bool
    anticipated: bool
    ambiguous: bool
    archetypes: tuple[str, ...]
    evidence: tuple[str, ...]
    closing_order: int = attrs.field(default=0, eq=False)
    opened_by: str | None = None
    """The earliest contact or absence among the evidence (step order): the contact that started it."""
    confidence: str | float = "high"
    """The lowest confidence of the coded links it uses, as coded (high when it uses none)."""
    polarity_history: PolarityHistory | None = None
    """(from date, polarity) from its closing on, for a loop through a shifting link (None otherwise)."""
    accounts: tuple[str, ...] = ()
    """The accounts that assert its links (sorted, distinct: pathways.provenance)."""
    coders: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    stitched: bool = False
    """True when no single account asserts every link: the loop is assembled from several accounts."""

    @property
    def turned(self) -> bool:
        """Whether its polarity changed once it had closed."""
        return turned(self.polarity_history)

    def to_json(self) -> dict[str, Any]:
        """The `loops --json` contract of DESIGN.md, then the fields added since."""
        return {"case": self.case, "id": self.id, "variables": list(self.variables), "signs": list(self.signs),
                "polarity": self.polarity, "valence": self.valence, "change": self.change,
                "closing_event": self.closing_event, "reset_rooted": self.reset_rooted,
                "anticipated": self.anticipated, "ambiguous": self.ambiguous,
                "archetypes": list(self.archetypes), "evidence": list(self.evidence),
                "opened_by": self.opened_by, "confidence": self.confidence,
                "polarity_history": None if self.polarity_history is None else [
                    {"from": since, "polarity": polarity} for since, polarity in self.polarity_history],
                "accounts": list(self.accounts), "coders": list(self.coders), "sources": list(self.sources),
                "stitched": self.stitched}


@attrs.frozen
class Reading:
    """A researcher's LoopCoded reading set beside the computed loop it matches."""

    case: str
    ref: str
    variables: tuple[str, ...]
    polarity: str | None
    valence: str | None
    change: str | None
    matched: str | None
    agreement: Mapping[str, bool]
    none: bool = False
    """The reading that the case holds no loop: it agrees when none is computed (`agreement["none"]`)."""
    note: str | None = None
    recorded_by: str | None = None
    """The coder who recorded the reading."""

    @property
    def status(self) -> str:
        if self.matched is None and not self.none:
            return "not-found"
        return "agrees" if all(self.agreement.values()) else "disagrees"

    def to_json(self) -> dict[str, Any]:
        return {"case": self.case, "ref": self.ref, "variables": list(self.variables), "polarity": self.polarity,
                "valence": self.valence, "change": self.change, "none": self.none, "matched": self.matched,
                "agreement": dict(self.agreement), "status": self.status, "note": self.note,
                "recorded_by": self.recorded_by}


def polarity_of(signs: Sequence[str]) -> str:
    """The parity of the negative links; undetermined when a link's sign is (`?`)."""
    if "?" in signs:
        return UNDETERMINED
    return "dampening" if sum(sign == "-" for sign in signs) % 2 else "reinforcing"


def archetype_forms(catalogue: Catalogue) -> dict[tuple[tuple[str, ...], tuple[str, ...]], str]:
    """Each archetype as its canonical (variables, signs) cycle."""
    forms = {}
    for key, archetype in catalogue.entries["archetypes"].items():
        links = {link["from"]: link for link in archetype["links"]}
        variables, signs = [], []
        current = archetype["links"][0]["from"]
        while current in links and current not in variables:
            variables.append(current)
            signs.append(links[current]["sign"])
            current = links[current]["to"]
        forms[_rotated(variables, signs)] = key
    return forms


def _rotated(variables: Sequence[str], signs: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    start = variables.index(canonical(variables)[0])
    return tuple(variables[start:]) + tuple(variables[:start]), tuple(signs[start:]) + tuple(signs[:start])


def classify(case: str, cycles: Sequence[tuple[str, ...]], graph: CausalGraph, steps: Sequence[Step],
             catalogue: Catalogue) -> tuple[Loop, ...]:
    """Classified loops named R1.. and D1.. in order of emergence."""
    index = graph.index()
    by_ref = {step.ref: step for step in steps}
    by_order = {step.order: step for step in steps}
    forms = archetype_forms(catalogue)
    net = _NetFrom(steps)
    unnamed = []
    for variables in cycles:
        edges = cycle_edges(variables, index)
        teller = told(edges, by_ref)
        signs = tuple(edge.sign_text for edge in edges)
        evidence = sorted({ref for edge in edges for ref in edge.evidence}, key=lambda ref: by_ref[ref].order)
        start = by_ref[evidence[0]].order
        closing = max(edge.emerged for edge in edges)
        history = (loop_history([edge.history for edge in edges], by_order[closing].effective)
                   if any(edge.shifting for edge in edges) else None)
        unnamed.append(dict(
            variables=tuple(variables), signs=signs, polarity=polarity_of(signs), polarity_history=history,
            valence=_valence(variables, net, start, [by_ref[ref] for ref in evidence], catalogue),
            change=_change(net, catalogue.integration_variable, start),
            closing_event=by_order[closing].ref, closing_order=closing,
            reset_rooted=by_ref[evidence[0]].phase == "reset",
            anticipated=any("expected" in edge.origins for edge in edges),
            ambiguous=any(edge.ambiguous for edge in edges),
            archetypes=tuple(sorted(key for form, key in forms.items() if form == (variables, signs))),
            evidence=tuple(evidence),
            opened_by=next((ref for ref in evidence if by_ref[ref].type in OPENERS), None),
            confidence=weakest([edge.confidence for edge in edges]) or "high",
            accounts=teller.accounts, coders=teller.coders, sources=teller.sources, stitched=teller.stitched))
    unnamed.sort(key=lambda loop: (loop["closing_order"], loop["variables"]))
    counters = dict.fromkeys(POLARITIES, 0)
    loops = []
    for loop in unnamed:  # the id follows the polarity at the end of the window: R1.., D1.., U1..
        counters[loop["polarity"]] += 1
        loops.append(Loop(case=case, id=f"{LETTER[loop['polarity']]}{counters[loop['polarity']]}", **loop))
    return tuple(loops)


OPENERS = ("ContactRecorded", "ContactAbsent")


def _change(net: "_NetFrom", variable: str, start: int) -> str:
    """change when the integration variable moved in the window; no-change when something in the
    window bears on it without moving it (an explicit `none`, a level); undetermined when nothing does."""
    if net(variable, start):
        return "change"
    return "no-change" if net.mentioned(variable, start) else "undetermined"


class _NetFrom:
    """Net observed direction of a variable from a step to the end of the case, in constant time
    per question (suffix sums), so a case with thousands of loops classifies in linear time."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self.size = len(steps)
        self.changes: dict[str, list[tuple[int, int]]] = {}
        self.last_mention: dict[str, int] = {}
        for step in steps:
            for variable, direction in step.effects:
                self.changes.setdefault(variable, []).append((step.order, DIRECTION_VALUE[direction]))
                self.last_mention[variable] = step.order
            if step.type == "StateObserved" and not step.effects and "variable" in step.data:
                self.last_mention[step.data["variable"]] = step.order  # a level observed: it bears on it
        self.suffix: dict[str, list[int]] = {}

    def mentioned(self, variable: str, start: int) -> bool:
        """Whether any step from `start` on bears on the variable (an effect, even `none`, or a level)."""
        return self.last_mention.get(variable, 0) >= start

    def __call__(self, variable: str, start: int) -> int:
        """The sum of directions of `variable` over the steps whose order is at least `start`."""
        table = self.suffix.get(variable)
        if table is None:
            table = [0] * (self.size + 2)
            for order, value in self.changes.get(variable, ()):
                table[order] += value
            for order in range(self.size, 0, -1):
                table[order] += table[order + 1]
            self.suffix[variable] = table
        return table[min(max(start, 1), self.size + 1)]


def _valence(variables: Sequence[str], net_from: _NetFrom, start: int, evidence: Sequence[Step],
             catalogue: Catalogue) -> str:
    total = 0
    for variable in variables:
        net = net_from(variable, start)
        total += ((net > 0) - (net < 0)) * catalogue.desirability(variable)
    if total:
        return "favourable" if total > 0 else "unfavourable"
    perceived = [step.perceived for step in evidence if step.perceived]
    if perceived:
        value, count = Counter(perceived).most_common(1)[0]
        if count * 2 > len(perceived) and value in ("favourable", "unfavourable"):
            return value
    return "undetermined"


def compare_readings(case: str, steps: Sequence[Step], loops: Sequence[Loop],
                     coders: Mapping[str, str | None] | None = None) -> tuple[Reading, ...]:
    """Each LoopCoded step beside the computed loop with the same cycle (or, failing that, variable set);
    a `none` reading beside the case's loops (it agrees when there are none). `coders`: ref -> coder."""
    readings = []
    coders = coders or {}
    for step in steps:
        if step.type != "LoopCoded":
            continue
        data = step.data
        if data.get("none"):
            readings.append(Reading(case, step.ref, (), None, None, None, None, {"none": not loops}, True,
                                    data.get("note"), coders.get(step.ref)))
            continue
        coded = tuple(data["variables"])
        match = next((loop for loop in loops if len(coded) > 1 and loop.variables == canonical(coded)), None)
        match = match or next((loop for loop in loops if set(loop.variables) == set(coded)), None)
        agreement = {}
        if match is not None:  # judged on what the reading states: a change left out or `unknown` is not,
            for field in ("polarity", "valence", "change"):  # nor a polarity beside an undetermined one
                if field == "polarity" and match.polarity == UNDETERMINED:
                    continue
                if data.get(field) not in (None, "unknown"):
                    agreement[field] = getattr(match, field) == data[field]
        readings.append(Reading(case, step.ref, coded, data["polarity"], data.get("valence"), data.get("change"),
                                match.id if match else None, agreement, False, data.get("note"),
                                coders.get(step.ref)))
    return tuple(readings)
