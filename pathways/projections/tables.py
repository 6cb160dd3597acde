"""The read-model tables: their layout, and a case's analysis written to rows and read back from them.

Every table is a function of the log (`runner.py` keeps them current). What a row holds of a sealed
case's free text is ciphertext under the case's key: the `seal` and `opener` callables passed in here
come from the store's sealer (or leave the text as it is in an open log).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import groupby
from typing import Any

from events.envelope import Event, case_of
from events.jsontext import compact
from events.rules.catalogue import Catalogue

from pathways.analysis.case import CaseAnalysis, analyse_case
from pathways.analysis.causal import CausalGraph, Edge
from pathways.analysis.classify import Loop, Reading
from pathways.analysis.pathway import DIRECTION_VALUE, Pathway, Profile, Settings, Step
from pathways.analysis.provenance import told_of

Seal = Callable[[str, str | None], str | None]
"""(case, text) -> the text as a table stores it (sealed), or as a reader gets it back (opened)."""

NAME = "pathways"
TABLES: dict[str, dict[str, Any]] = {
    "case_profiles": {"columns": {"case": str, "origin": str, "arrival": str, "motive": str, "notes": str,
                                  "cohort": str, "events": int, "retracted": int, "beyond_bound": int,
                                  "beyond_capped": int, "loops_complete": int}, "pk": "case"},
    "pathway_steps": {"columns": {"case": str, "ord": int, "ref": str, "event_id": str, "version": int,
                                  "type": str, "occurred": str, "effective": str, "phase": str, "regime": str,
                                  "actor": str, "role": str, "kind": str, "outcome": str, "perceived": str,
                                  "discretion": str, "effects": str, "because": str, "quote": str,
                                  "label": str, "until": str, "account": str, "conditions": str,
                                  "source": str, "coder": str}, "pk": ("case", "ord")},
    "causal_edges": {"columns": {"case": str, "source": str, "target": str, "sign": int, "ambiguous": int,
                                 "origins": str, "evidence": str, "emerged": int, "confidence": str,
                                 "history": str, "citations": str},
                     "pk": ("case", "source", "target")},
    "loops": {"columns": {"case": str, "id": str, "variables": str, "signs": str, "polarity": str,
                          "valence": str, "change": str, "closing_event": str, "closing_order": int,
                          "reset_rooted": int, "anticipated": int, "ambiguous": int, "archetypes": str,
                          "evidence": str, "opened_by": str, "confidence": str, "polarity_history": str},
              "pk": ("case", "id")},
    "loop_readings": {"columns": {"case": str, "ref": str, "variables": str, "polarity": str, "valence": str,
                                  "change": str, "matched": str, "agreement": str, "none": int, "note": str,
                                  "recorded_by": str}, "pk": ("case", "ref")},
}
ORDER: dict[str, Callable[[tuple], Any]] = {
    "pathway_steps": lambda row: row[1],                                   # ord
    "causal_edges": lambda row: (row[1], row[2]),                          # source, target
    "loops": lambda row: (row[8], row[1]),                                 # closing_order, id
    "loop_readings": lambda row: (int(row[1].rsplit("#", 1)[-1]) if "#" in row[1] else 0, row[1]),  # version
}
FORMAT = 5
"""What the rows hold and how (bumped when that changes without the columns changing): tables
written under another format are rebuilt, like tables built with other settings. 5: a step's coder and
an edge's citations (the events asserting it), from which a loop's provenance is read back."""
STATE_TABLE = "projection_state"
STATE_COLUMNS = {"name": str, "position": int, "settings": str, "cases": int}
def dumps(value: Any) -> str:
    return "[]" if value == () else compact(value)


_COMMON: dict[tuple, str] = {}


def _dumps_common(value: tuple) -> str:
    """`dumps` of a value met again and again (a step's effects, its conditions): kept."""
    text = _COMMON.get(value)
    if text is None:
        text = dumps(value)
        if len(_COMMON) < 10_000:
            _COMMON[value] = text
    return text


def case_rows(events: Iterable[Event], catalogue: Catalogue, settings: Settings,
              seal: Seal) -> Iterator[tuple[dict[str, list[tuple]], int]]:
    """For each case of `events` (grouped by stream, in version order): its rows for every table
    (free text sealed in a sealed log) and its number of events, as the writer takes them."""
    for stream, group in groupby(events, key=lambda event: event.stream):
        analysis = analyse_case(case_of(stream), list(group), catalogue, settings)
        yield rows(analysis, seal), analysis.pathway.profile.events


def assemble(profile: Sequence[Any], steps: Sequence[tuple], edges: Sequence[tuple], loops: Sequence[tuple],
             readings: Sequence[tuple], *, opener: Seal) -> CaseAnalysis:
    """A case's analysis from its rows of every table, each table's rows in their order."""
    case, origin, arrival, motive, notes, cohort, events, retracted, beyond, capped, complete = profile
    read_steps = _steps(steps, opener)
    graph = CausalGraph(tuple(_edge(row) for row in edges))
    index, by_ref = graph.index(), {step.ref: step for step in read_steps}
    return CaseAnalysis(
        Pathway(Profile(case, origin, arrival, motive, opener(case, notes), cohort, events, retracted), read_steps),
        graph, tuple(_loop(row, index, by_ref) for row in loops), tuple(_reading(row, opener) for row in readings),
        beyond, bool(capped), bool(complete))


def clear(case: str, text: str | None) -> str | None:
    return text


def rows(analysis: CaseAnalysis, seal: Seal) -> dict[str, list[tuple]]:
    profile = analysis.pathway.profile
    case = profile.case
    return {
        "case_profiles": [(case, profile.origin, profile.arrival, profile.motive, seal(case, profile.notes),
                           profile.cohort,
                           profile.events, profile.retracted, analysis.beyond_bound, int(analysis.beyond_capped),
                           int(analysis.loops_complete))],
        "pathway_steps": [(case, s.order, s.ref, s.event_id, s.version, s.type, s.occurred, s.effective, s.phase,
                           s.regime, s.actor, s.role, s.kind, seal(case, s.outcome), s.perceived, s.discretion,
                           _dumps_common(s.effects), dumps(s.because), seal(case, s.quote), s.label,
                           s.until, s.account, _dumps_common(s.conditions), seal(case, s.source), s.coder)
                          for s in analysis.pathway.steps],
        "causal_edges": [(case, e.source, e.target, e.sign, int(e.ambiguous), dumps(e.origins), dumps(e.evidence),
                          e.emerged, dumps(e.confidence), dumps(e.history), dumps(e.citations))
                         for e in analysis.graph.edges],
        "loops": [(case, l.id, dumps(l.variables), dumps(l.signs), l.polarity, l.valence, l.change, l.closing_event,
                   l.closing_order, int(l.reset_rooted), int(l.anticipated), int(l.ambiguous), dumps(l.archetypes),
                   dumps(l.evidence), l.opened_by, dumps(l.confidence),
                   None if l.polarity_history is None else dumps(l.polarity_history)) for l in analysis.loops],
        "loop_readings": [(case, r.ref, dumps(r.variables), r.polarity, r.valence, r.change, r.matched,
                           dumps(r.agreement), int(r.none), seal(case, r.note), r.recorded_by)
                          for r in analysis.readings],
    }


def _tuple(text: str) -> tuple:
    return tuple(tuple(item) if isinstance(item, list) else item for item in json.loads(text))


def _steps(rows: Sequence[tuple], opener: Seal) -> tuple[Step, ...]:
    """The steps in order; each one's running state summed here from the effects so far (a row
    stores only its own effects, not the state of every variable again)."""
    running: dict[str, int] = {}
    state: tuple[tuple[str, int], ...] = ()
    steps = []
    for row in rows:
        (case, order, ref, event_id, version, type_, occurred, effective, phase, regime, actor, role, kind, outcome,
         perceived, discretion, effects, because, quote, label, until, account, conditions, source, coder) = row
        effects = _tuple(effects)
        for variable, direction in effects:
            running[variable] = running.get(variable, 0) + DIRECTION_VALUE[direction]
        if effects:
            state = tuple(sorted(running.items()))
        steps.append(Step(case, order, ref, event_id, version, type_, occurred, effective, phase, regime, actor, role,
                          kind, opener(case, outcome), perceived, discretion, effects, _tuple(because),
                          opener(case, quote), label, state, until,
                          account, _tuple(conditions), opener(case, source), coder))
    return tuple(steps)


def _edge(row: Sequence[Any]) -> Edge:
    _, source, target, sign, ambiguous, origins, evidence, emerged, confidence, history, citations = row
    return Edge(source, target, sign, bool(ambiguous), _tuple(origins), _tuple(evidence), emerged,
                json.loads(confidence), _tuple(history), _tuple(citations))


def _loop(row: Sequence[Any], index: dict[tuple[str, str], Edge], by_ref: dict[str, Step]) -> Loop:
    """A loop from its row, who tells it read back from its edges' citations and the steps (not stored
    twice: the steps hold the sources, sealed in a sealed database)."""
    (case, id_, variables, signs, polarity, valence, change, closing_event, closing_order, reset_rooted, anticipated,
     ambiguous, archetypes, evidence, opened_by, confidence, history) = row
    cycle = _tuple(variables)
    teller = told_of(cycle, index, by_ref)
    return Loop(case, id_, cycle, _tuple(signs), polarity, valence, change, closing_event,
                bool(reset_rooted), bool(anticipated), bool(ambiguous), _tuple(archetypes), _tuple(evidence),
                closing_order, opened_by, json.loads(confidence), None if history is None else _tuple(history),
                teller.accounts, teller.coders, teller.sources, teller.stitched)


def _reading(row: Sequence[Any], opener: Seal) -> Reading:
    case, ref, variables, polarity, valence, change, matched, agreement, none, note, recorded_by = row
    return Reading(case, ref, _tuple(variables), polarity, valence, change, matched, json.loads(agreement),
                   bool(none), opener(case, note), recorded_by)
