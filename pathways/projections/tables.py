"""The read-model tables: their layout, and a case's analysis written to rows and read back from them.

Every table is a function of the log (`runner.py` keeps them current). In a sealed log a row keeps in
clear only what the log's envelope shows anyway (the case id, a step's position, event id, version,
type and date, a reading's ref, a case's number of events) and the ordinal that orders the case's
rows; everything else, what was coded about the case, is one ciphertext under the case's key in the
row's `sealed` column, its other columns empty (`seal_row`, `open_row`). An open log keeps every
column readable and `sealed` empty. The `seal` and `opener` callables passed in come from the store's
sealer (None: an open log).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import groupby
from typing import Any

import orjson

from events.envelope import Event, case_of
from events.errors import PathwaysError
from events.jsontext import compact
from events.rules.catalogue import Catalogue
from events.sealing.cipher import MARK, KeyMissing

from pathways.analysis.case import CaseAnalysis, analyse_case
from pathways.analysis.causal import CausalGraph, Edge
from pathways.analysis.classify import Loop, Reading
from pathways.analysis.pathway import DIRECTION_VALUE, Pathway, Profile, Settings, Step
from pathways.analysis.provenance import told_of

Seal = Callable[[str, str | None], str | None]
"""(case, text) -> the text as a table stores it (sealed), or as a reader gets it back (opened)."""

NAME = "pathways"
SEALED = "sealed"
"""The column that holds the rest of a sealed log's row as one ciphertext (empty in an open log)."""
TABLES: dict[str, dict[str, Any]] = {
    "case_profiles": {"columns": {"case": str, "origin": str, "arrival": str, "motive": str, "notes": str,
                                  "cohort": str, "events": int, "retracted": int, "beyond_bound": int,
                                  "beyond_capped": int, "loops_complete": int, SEALED: str},
                      "pk": "case", "clear": ("case", "events")},
    "pathway_steps": {"columns": {"case": str, "ord": int, "ref": str, "event_id": str, "version": int,
                                  "type": str, "occurred": str, "effective": str, "phase": str, "regime": str,
                                  "actor": str, "role": str, "kind": str, "outcome": str, "perceived": str,
                                  "discretion": str, "effects": str, "because": str, "quote": str,
                                  "label": str, "until": str, "account": str, "conditions": str,
                                  "source": str, "coder": str, SEALED: str},
                      "pk": ("case", "ord"), "clear": ("case", "ord", "ref", "event_id", "version", "type",
                                                      "occurred")},
    "causal_edges": {"columns": {"case": str, "ord": int, "source": str, "target": str, "sign": int,
                                 "ambiguous": int, "origins": str, "evidence": str, "emerged": int,
                                 "confidence": str, "history": str, "citations": str, SEALED: str},
                     "pk": ("case", "ord"), "clear": ("case", "ord")},
    "loops": {"columns": {"case": str, "ord": int, "id": str, "variables": str, "signs": str, "polarity": str,
                          "valence": str, "change": str, "closing_event": str, "closing_order": int,
                          "reset_rooted": int, "anticipated": int, "ambiguous": int, "archetypes": str,
                          "evidence": str, "opened_by": str, "confidence": str, "polarity_history": str,
                          SEALED: str},
              "pk": ("case", "ord"), "clear": ("case", "ord")},
    "loop_readings": {"columns": {"case": str, "ord": int, "ref": str, "variables": str, "polarity": str,
                                  "valence": str, "change": str, "matched": str, "agreement": str, "none": int,
                                  "note": str, "recorded_by": str, SEALED: str},
                      "pk": ("case", "ord"), "clear": ("case", "ord", "ref")},
}
"""Each table's columns, primary key, and the columns a sealed log keeps in clear (the envelope's).
A row's second column is its ordinal within the case (a step's pathway order): rows are read back
in it, so no table is ordered by what a sealed log keeps sealed."""
_ORDER: dict[str, Callable[[tuple], Any]] = {
    "causal_edges": lambda row: (row[1], row[2]),                          # source, target
    "loops": lambda row: (row[8], row[1]),                                 # closing_order, id
    "loop_readings": lambda row: (int(row[1].rsplit("#", 1)[-1]) if "#" in row[1] else 0, row[1]),  # version
}
"""The order in which a case's rows of a table are numbered (of the row before its ordinal is put in)."""
_CLEAR_AT: dict[str, tuple[int, ...]] = {
    name: tuple(list(spec["columns"]).index(column) for column in spec["clear"]) for name, spec in TABLES.items()}
FORMAT = 8
"""What the rows hold and how (bumped when that changes without the columns changing): tables
written under another format are rebuilt, like tables built with other settings. 5: a step's coder and
an edge's citations (the events asserting it), from which a loop's provenance is read back; 6: a
sealed log's rows keep only their envelope columns in clear, the rest one ciphertext a row; 7: a
step's label signs a negative link with a true minus (`─−→`), as every view does; 8: an edge's
citations carry the sign each asserts."""
STATE_TABLE = "projection_state"
STATE_COLUMNS = {"name": str, "position": int, "settings": str, "cases": int}


class DamagedRow(PathwaysError):
    """A stored row that cannot be read back as it was written: its ciphertext does not open under
    the case's key, does not belong to this row, or a column does not parse. The tables were changed
    behind the log's back; the case's rows are written again from the log."""

    exit_code = 1

    def __init__(self, case: str, reason: str) -> None:
        super().__init__(f"the stored rows of case '{case}' are damaged ({reason}): "
                         "`pathways rebuild` writes them again from the log")
        self.case = case


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
              seal: Seal | None) -> Iterator[tuple[dict[str, list[tuple]], int]]:
    """For each case of `events` (grouped by stream, in version order): its rows for every table
    (sealed in a sealed log) and its number of events, as the writer takes them."""
    for stream, group in groupby(events, key=lambda event: event.stream):
        analysis = analyse_case(case_of(stream), list(group), catalogue, settings)
        yield rows(analysis, seal), analysis.pathway.profile.events


ORDER: dict[str, Callable[[tuple], Any]] = {name: (lambda row: row[1]) for name in TABLES if name != "case_profiles"}
"""How a case's stored rows of a table are put back in order: by their ordinal."""


def assemble(profile: Sequence[Any], steps: Sequence[tuple], edges: Sequence[tuple], loops: Sequence[tuple],
             readings: Sequence[tuple], *, opener: Seal | None) -> CaseAnalysis:
    """A case's analysis from its stored rows of every table, each table's rows in their order;
    DamagedRow when one cannot be read back as it was written."""
    case = profile[0]
    try:
        (case, origin, arrival, motive, notes, cohort, events, retracted, beyond, capped,
         complete) = open_row("case_profiles", profile, opener)
        read_steps = _steps([open_row("pathway_steps", row, opener) for row in steps])
        graph = CausalGraph(tuple(_edge(open_row("causal_edges", row, opener)) for row in edges))
        index, by_ref = graph.index(), {step.ref: step for step in read_steps}
        return CaseAnalysis(
            Pathway(Profile(case, origin, arrival, motive, notes, cohort, events, retracted), read_steps), graph,
            tuple(_loop(open_row("loops", row, opener), index, by_ref) for row in loops),
            tuple(_reading(open_row("loop_readings", row, opener)) for row in readings), beyond, bool(capped),
            bool(complete))
    except DamagedRow:
        raise
    except (ValueError, TypeError, KeyError, IndexError, orjson.JSONDecodeError) as error:
        raise DamagedRow(case, f"a column does not parse: {type(error).__name__}") from None


def rows(analysis: CaseAnalysis, seal: Seal | None) -> dict[str, list[tuple]]:
    """A case's rows for every table: readable, or sealed with `seal` (`seal_row`)."""
    profile = analysis.pathway.profile
    case = profile.case
    tables = {
        "case_profiles": [(case, profile.origin, profile.arrival, profile.motive, profile.notes, profile.cohort,
                           profile.events, profile.retracted, analysis.beyond_bound, int(analysis.beyond_capped),
                           int(analysis.loops_complete))],
        "pathway_steps": [(case, s.order, s.ref, s.event_id, s.version, s.type, s.occurred, s.effective, s.phase,
                           s.regime, s.actor, s.role, s.kind, s.outcome, s.perceived, s.discretion,
                           _dumps_common(s.effects), dumps(s.because), s.quote, s.label,
                           s.until, s.account, _dumps_common(s.conditions), s.source, s.coder)
                          for s in analysis.pathway.steps],
        "causal_edges": _numbered("causal_edges", [
            (case, e.source, e.target, e.sign, int(e.ambiguous), dumps(e.origins), dumps(e.evidence), e.emerged,
             dumps(e.confidence), dumps(e.history), dumps(e.citations)) for e in analysis.graph.edges]),
        "loops": _numbered("loops", [
            (case, l.id, dumps(l.variables), dumps(l.signs), l.polarity, l.valence, l.change, l.closing_event,
             l.closing_order, int(l.reset_rooted), int(l.anticipated), int(l.ambiguous), dumps(l.archetypes),
             dumps(l.evidence), l.opened_by, dumps(l.confidence),
             None if l.polarity_history is None else dumps(l.polarity_history)) for l in analysis.loops]),
        "loop_readings": _numbered("loop_readings", [
            (case, r.ref, dumps(r.variables), r.polarity, r.valence, r.change, r.matched, dumps(r.agreement),
             int(r.none), r.note, r.recorded_by) for r in analysis.readings]),
    }
    if seal is None:
        return {name: [(*row, None) for row in table] for name, table in tables.items()}
    return {name: [seal_row(name, row, seal) for row in table] for name, table in tables.items()}


def _numbered(name: str, rows: list[tuple]) -> list[tuple]:
    """A case's rows of a table in their order, each with its ordinal after the case id."""
    return [(row[0], ordinal, *row[1:]) for ordinal, row in enumerate(sorted(rows, key=_ORDER[name]))]


def seal_row(name: str, row: tuple, seal: Seal) -> tuple:
    """A row as a sealed log stores it: the envelope's columns in clear, the others empty, and the
    whole row (with its table's name, so that it opens as nothing else) sealed under the case's key."""
    clear_at = _CLEAR_AT[name]
    stored: list[Any] = [None] * len(row)
    for index in clear_at:
        stored[index] = row[index]
    stored.append(seal(row[0], compact([name, *row])))
    return tuple(stored)


def open_row(name: str, stored: Sequence[Any], opener: Seal | None) -> tuple:
    """A stored row as it was written (without its `sealed` column); DamagedRow when it cannot be:
    a ciphertext that does not open, was moved from another row, or a row of the wrong kind for the log."""
    case, blob = stored[0], stored[-1]
    if opener is None:
        if blob is not None:
            raise DamagedRow(case, f"a sealed row in {name} of an open log")
        return tuple(stored[:-1])
    if not isinstance(blob, str) or not blob.startswith(MARK):
        raise DamagedRow(case, f"a row of {name} stored in clear in a sealed log")
    clear_at = _CLEAR_AT[name]
    if any(value is not None for index, value in enumerate(stored[:-1]) if index not in clear_at):
        raise DamagedRow(case, f"a row of {name} holds a sealed column in clear")
    try:
        row = orjson.loads(opener(case, blob))
    except KeyMissing:
        raise
    except (PathwaysError, ValueError, TypeError, UnicodeError):
        raise DamagedRow(case, f"a row of {name} does not open under the case's key") from None
    if (type(row) is not list or len(row) != len(stored) or row[0] != name
            or any(row[1 + index] != stored[index] for index in clear_at)):
        raise DamagedRow(case, f"a row of {name} holds another row's ciphertext")
    return tuple(row[1:])


def _tuple(text: str) -> tuple:
    return tuple(tuple(item) if isinstance(item, list) else item for item in json.loads(text))


def _steps(rows: Sequence[tuple]) -> tuple[Step, ...]:
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
                          kind, outcome, perceived, discretion, effects, _tuple(because), quote, label, state, until,
                          account, _tuple(conditions), source, coder))
    return tuple(steps)


def _edge(row: Sequence[Any]) -> Edge:
    _, _, source, target, sign, ambiguous, origins, evidence, emerged, confidence, history, citations = row
    return Edge(source, target, sign, bool(ambiguous), _tuple(origins), _tuple(evidence), emerged,
                json.loads(confidence), _tuple(history), _tuple(citations))


def _loop(row: Sequence[Any], index: dict[tuple[str, str], Edge], by_ref: dict[str, Step]) -> Loop:
    """A loop from its row, who tells it read back from its edges' citations and the steps (not stored
    twice: the steps hold the sources)."""
    (case, _, id_, variables, signs, polarity, valence, change, closing_event, closing_order, reset_rooted,
     anticipated, ambiguous, archetypes, evidence, opened_by, confidence, history) = row
    cycle = _tuple(variables)
    teller = told_of(cycle, index, by_ref)
    return Loop(case, id_, cycle, _tuple(signs), polarity, valence, change, closing_event,
                bool(reset_rooted), bool(anticipated), bool(ambiguous), _tuple(archetypes), _tuple(evidence),
                closing_order, opened_by, json.loads(confidence), None if history is None else _tuple(history),
                teller.accounts, teller.coders, teller.sources, teller.stitched)


def _reading(row: Sequence[Any]) -> Reading:
    case, _, ref, variables, polarity, valence, change, matched, agreement, none, note, recorded_by = row
    return Reading(case, ref, _tuple(variables), polarity, valence, change, matched, json.loads(agreement),
                   bool(none), note, recorded_by)
