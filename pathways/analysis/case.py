"""One case's events in, its pathway, causal graph, loops and readings out. Pure: no SQL, no output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from events.rules.catalogue import Catalogue
from events.envelope import Event

from pathways.analysis.causal import CausalGraph, Edge, build_graph
from pathways.analysis.classify import Loop, Reading, classify, compare_readings
from pathways.analysis.loops import Budget, enumerate_cycles
from pathways.analysis.pathway import Pathway, Settings, arrow, build_pathway, live_events
from pathways.analysis.polarity import SIGN_TEXT, history_label, history_text, sign_history_text
from pathways.analysis.provenance import cycle_edges, link_json


@attrs.frozen
class CaseAnalysis:
    pathway: Pathway
    graph: CausalGraph
    loops: tuple[Loop, ...]
    readings: tuple[Reading, ...]
    beyond_bound: int = 0
    beyond_capped: bool = False
    loops_complete: bool = True
    """False when the loop budget stopped the enumeration: `loops` is then a floor ("at least")."""

    @property
    def case(self) -> str:
        return self.pathway.profile.case

    def shifting_links(self, loop: Loop) -> list[Edge]:
        """The links of a loop whose sign changed over the case, in cycle order."""
        index = self.graph.index()
        cycle = loop.variables
        edges = (index.get((cycle[i], cycle[(i + 1) % len(cycle)])) for i in range(len(cycle)))
        return [edge for edge in edges if edge is not None and edge.shifting]

    def turn_note(self, loop: Loop) -> str | None:
        """When a loop turned and through which links, in words; None for one that never turned."""
        if not loop.turned:
            return None
        shifting = self.shifting_links(loop)
        links = "; ".join(f"{edge.source} -> {edge.target}: {sign_history_text(edge.history)}" for edge in shifting)
        return (f"{loop.id} turned ({history_label(loop.polarity_history)}): {history_text(loop.polarity_history)}; "
                f"shifting link{'s' if len(shifting) > 1 else ''} {links}")

    def stitch_note(self, loop: Loop) -> str | None:
        """Which account tells which link of a stitched loop, in words; None for a loop one account tells whole."""
        if not loop.stitched:
            return None
        by_ref = {step.ref: step for step in self.pathway.steps}
        told = (link_json(edge, by_ref) for edge in cycle_edges(loop.variables, self.graph.index()))
        links = "; ".join(f"{link['from']} {arrow(link['sign'])} {link['to']}: "
                          f"{' + '.join(link['accounts']) or 'no account'}"
                          for link in told)
        return f"{loop.id} is stitched from the {' and '.join(loop.accounts)} accounts ({links})"

    def loop_json(self, loop: Loop) -> dict[str, Any]:
        """A loop as `loops --json` gives it: the DESIGN contract, then per link who asserts it."""
        by_ref = {step.ref: step for step in self.pathway.steps}
        return {**loop.to_json(), "links": [link_json(edge, by_ref)
                                            for edge in cycle_edges(loop.variables, self.graph.index())]}

    def to_json(self) -> dict[str, Any]:
        """The `show --json` document: profile, steps, edges (with who asserts them), loops, readings."""
        by_ref = {step.ref: step for step in self.pathway.steps}
        return {
            "profile": attrs.asdict(self.pathway.profile),
            "steps": [step.to_json() for step in self.pathway.steps],
            "edges": [{**attrs.asdict(edge), **link_json(edge, by_ref), "sign": edge.sign_text,
                       "shifting": edge.shifting,
                       "history": [{"from": since, "sign": SIGN_TEXT[sign]} for since, sign in edge.history]}
                      for edge in self.graph.edges],
            "loops": [self.loop_json(loop) for loop in self.loops],
            "readings": [reading.to_json() for reading in self.readings],
            "cycles_beyond_bound": self.beyond_bound, "cycles_beyond_bound_is_floor": self.beyond_capped,
            "loops_complete": self.loops_complete,
        }


def analyse_case(case: str, events: Sequence[Event], catalogue: Catalogue, settings: Settings = Settings(),
                 as_of: str | None = None, accounts: frozenset[str] | None = None,
                 coders: frozenset[str] | None = None) -> CaseAnalysis:
    """The whole analysis of one case from its events (in version order), optionally as of a date and
    from some accounts only (the loops as the migrant tells them, as the caseworker tells them) or some
    coders' only (each coder's reading of the same story)."""
    live, retracted = live_events(events, as_of, accounts, coders)
    pathway = build_pathway(case, live, retracted, catalogue, settings)
    graph = build_graph(case, pathway.steps)
    cycles = enumerate_cycles(((edge.source, edge.target) for edge in graph.edges), settings.loop_bound,
                              Budget(settings.loop_budget, settings.loop_seconds))
    loops = classify(case, cycles.cycles, graph, pathway.steps, catalogue)
    readings = compare_readings(case, pathway.steps, loops,
                                {event.ref: event.recorded_by for event in live if event.type == "LoopCoded"})
    return CaseAnalysis(pathway, graph, loops, readings, cycles.beyond_bound, cycles.beyond_capped,
                        cycles.complete)
