"""Diagram builders: graphviz.Digraph objects from projection results (never from raw events)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import graphviz

from events.rules.catalogue import Catalogue

from pathways.analysis.case import CaseAnalysis
from pathways.analysis.causal import is_low
from pathways.analysis.pathway import PHASES
from pathways.analysis.polarity import history_label, history_text, sign_history_text, sign_turns_label
from pathways.outputs.render.engine import joined, label

PERCEIVED_FILL = {"favourable": "#b9e4a8", "unfavourable": "#f5b0ab", "mixed": "#f8d98b", "neutral": "#dddddd"}
VALENCE_COLOUR = {"favourable": "#2e8b3a", "unfavourable": "#c0392b", "undetermined": "#7f7f7f"}
FAMILY_SHAPE = {"state": "box", "local": "house", "reception": "hexagon", "education": "tab", "civil": "ellipse",
                "market": "box3d"}
DRAWN = ("ContactRecorded", "ContactAbsent", "StateObserved", "ExpectationFormed")
FONT = "Helvetica"
BEYOND_RULES = ("extra-mile", "bending", "breaking")
"""Street-level discretion beyond the rules: the contacts the pathway diagram marks."""
BEYOND_COLOUR = "#6a1b9a"
PATHWAY_LEGEND = (("fill", "perceived: green favourable, red unfavourable, amber mixed, grey neutral"),
                  ("dashed box", "a period without contact"), ("dashed arrow", "because (cause to effect)"),
                  ("double border", "closes a loop"),
                  ("* purple border", "the bureaucrat went beyond the rules (extra mile, bending, breaking)"))


def _node_id(ref: str) -> str:
    return "s" + ref.rsplit("#", 1)[-1] if "#" in ref else "e" + ref[:8]


ROW = 4
"""Steps per row of the pathway diagram: a long pathway wraps into rows, so it reads at a page's width."""


def pathway_diagram(analysis: CaseAnalysis, catalogue: Catalogue) -> graphviz.Digraph:
    """Steps in rows of four, left to right and then down, clustered by phase with their regimes named,
    coloured by perceived valence."""
    profile = analysis.pathway.profile
    graph = graphviz.Digraph(name=f"pathway_{profile.case}", engine="dot")
    graph.attr(rankdir="TB", fontname=FONT, labelloc="t", nodesep="0.3", ranksep="0.45", newrank="true",
               label=label(f"Pathway of {profile.case}: {profile.origin or '?'}, {profile.motive or '?'}, "
                           f"arrival {profile.arrival or '?'}", width=120))
    graph.attr("node", fontname=FONT, fontsize="10", style="filled", fillcolor="white")
    graph.attr("edge", fontname=FONT, fontsize="9")
    closing: dict[str, list[str]] = defaultdict(list)
    for loop in analysis.loops:
        closing[loop.closing_event].append(loop.id)
    steps = [step for step in analysis.pathway.steps if step.type in DRAWN]
    drawn = {step.ref for step in steps}
    by_phase: dict[str | None, list] = defaultdict(list)
    for step in steps:
        by_phase[step.phase].append(step)
    for phase in [*PHASES, None]:
        members = by_phase.get(phase)
        if not members:
            continue
        regimes = joined(dict.fromkeys(step.regime for step in members if step.regime))
        with graph.subgraph(name=f"cluster_{phase or 'undated'}") as cluster:
            cluster.attr(label=label(f"{phase or 'undated'} phase", regimes, width=60), style="rounded,filled",
                         fillcolor="#f7f7f7", color="#bbbbbb", fontsize="11")
            for start in range(0, len(members), ROW):
                with cluster.subgraph() as row:
                    row.attr(rank="same")
                    for step in members[start:start + ROW]:
                        row.node(_node_id(step.ref), **_step_attributes(step, catalogue, closing.get(step.ref, [])))
    rows = {step.ref: index // ROW for phase in [*PHASES, None] for index, step in enumerate(by_phase.get(phase, []))}
    causes = {(ref.split(":", 1)[0], step.ref) for step in steps for ref in step.because if "#" in ref}
    starts = [step for step, before in zip(steps, [None, *steps]) if before is None
              or (before.phase, rows[before.ref]) != (step.phase, rows[step.ref])]
    for upper, lower in zip(starts, starts[1:]):  # each row starts under the one before: a column, not a staircase
        graph.edge(_node_id(upper.ref), _node_id(lower.ref), style="invis", weight="20")
    for before, after in zip(steps, steps[1:]):
        across = before.phase == after.phase and rows[before.ref] == rows[after.ref]
        style = "dashed" if (before.ref, after.ref) in causes else "solid"
        graph.edge(_node_id(before.ref), _node_id(after.ref), color="#555555" if style == "dashed" else "#999999",
                   arrowsize="0.6", style=style, **({} if across else {"constraint": "false"}))
    for cause, effect in sorted(causes):
        adjacent = any(a.ref == cause and b.ref == effect for a, b in zip(steps, steps[1:]))
        if cause in drawn and not adjacent:
            graph.edge(_node_id(cause), _node_id(effect), style="dashed", color="#555555", arrowsize="0.6",
                       constraint="false")
    graph.node("legend", shape="box", style="rounded", color="#bbbbbb", fontsize="9", margin="0.3,0.1",
               label=graphviz.nohtml("".join(f"{key}: {text}\\l" for key, text in PATHWAY_LEGEND)))
    if starts:  # the legend under the last row
        graph.edge(_node_id(starts[-1].ref), "legend", style="invis")
    return graph


def _step_attributes(step, catalogue: Catalogue, closes: Sequence[str]) -> dict[str, str]:
    effects = " ".join(f"{v}{'+' if d == 'up' else '-' if d == 'down' else '='}" for v, d in step.effects)
    when = step.effective or "undated"
    beyond = step.type == "ContactRecorded" and step.discretion in BEYOND_RULES
    if step.type == "ContactRecorded":
        family = catalogue.entries["actors"].get(step.actor, {}).get("family", "state")
        text = label(when, f"{step.actor}: {step.kind}", f"({step.role})" if step.role else None,
                     f"* beyond the rules: {step.discretion}" if beyond else None, step.outcome,
                     effects, f"closes {', '.join(closes)}" if closes else None)
        attributes = {"shape": FAMILY_SHAPE.get(family, "box")}
    elif step.type == "ContactAbsent":
        text = label(step.label, effects, f"closes {', '.join(closes)}" if closes else None)
        attributes = {"shape": "box", "style": "dashed,filled"}
    elif step.type == "StateObserved":
        text = label(when, step.label, f"closes {', '.join(closes)}" if closes else None)
        attributes = {"shape": "ellipse", "fontsize": "9"}
    else:
        text = label(when, step.label, step.outcome, f"closes {', '.join(closes)}" if closes else None)
        attributes = {"shape": "note", "style": "dashed,filled"}
    attributes.update(label=text, fillcolor=PERCEIVED_FILL.get(step.perceived or "", "white"),
                      tooltip=label(step.quote or step.ref, width=200))
    if closes:
        attributes.update(peripheries="2", penwidth="1.6")
    if beyond:
        attributes.update(color=BEYOND_COLOUR, penwidth="2.6")
    return attributes


def loop_diagram(analysis: CaseAnalysis, catalogue: Catalogue, *, markers: bool = True,
                 positions: Mapping[str, tuple[float, float]] | None = None) -> graphviz.Digraph:
    """Variables as nodes, signed arrows (+/- at the head), each loop's R/D label inside its cycle.

    A link whose sign changed is marked with its course (`+ -> - 2013-06`), and a loop that turned
    with its own under its id (`D1`, `R -> D 2013-06`).

    Given the `positions` of a first layout (without markers), every variable is pinned there and
    each loop's label is pinned at the centre of its cycle; without them, springs pull the labels in.
    """
    case = analysis.pathway.profile.case
    graph = graphviz.Digraph(name=f"loops_{case}", engine="neato")
    graph.attr(overlap="prism", splines="curved", sep="+14", fontname=FONT, labelloc="t", outputorder="edgesfirst",
               label=label(f"Causal loop diagram of {case}: {len(analysis.loops)} "
                           f"loop{'' if len(analysis.loops) == 1 else 's'}", width=120))
    graph.attr("node", fontname=FONT, fontsize="11", shape="ellipse", style="filled", fillcolor="white")
    graph.attr("edge", fontname=FONT, fontsize="14", len="1.6")
    valence_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    for loop in analysis.loops:
        for index, variable in enumerate(loop.variables):
            valence_of[(variable, loop.variables[(index + 1) % len(loop.variables)])].add(loop.valence)
    labels = catalogue.entries["variables"]
    pinned = positions or {}
    for variable in analysis.graph.variables():
        place = pinned.get(f"v_{variable}")
        graph.node(f"v_{variable}", label=label(labels.get(variable, {}).get("label", variable), width=18),
                   **({"pos": f"{place[0]:.3f},{place[1]:.3f}!"} if place else {}))
    for edge in analysis.graph.edges:
        valences = valence_of.get((edge.source, edge.target), set())
        colour = (VALENCE_COLOUR.get(next(iter(valences)), "#7f7f7f") if len(valences) == 1
                  else "#d68910" if valences else "#b0b0b0")
        sign = edge.sign_text + ("?" if edge.ambiguous and edge.sign else "")
        turns = {"label": label(sign_turns_label(edge.history), width=40), "fontsize": "10",
                 "tooltip": label(f"{edge.source} -> {edge.target}: {sign_history_text(edge.history)}", width=200)
                 } if edge.shifting else {}
        graph.edge(f"v_{edge.source}", f"v_{edge.target}", headlabel=sign, labeldistance="1.8", labelangle="30",
                   labelfontsize="18", labelfontname=f"{FONT}-Bold",
                   color=colour, fontcolor=colour, penwidth="2.2" if valences else "1.0",
                   style="dotted" if is_low(edge.confidence) else
                   "dashed" if edge.origins == ("expected",) else "solid", **turns)
    if not markers:
        return graph
    taken: list[tuple[float, float]] = []
    for loop in analysis.loops:
        colour = VALENCE_COLOUR.get(loop.valence, "#7f7f7f")
        marker = f"m_{loop.id}"
        centre = _centre([pinned.get(f"v_{variable}") for variable in loop.variables], taken)
        weak = is_low(loop.confidence)
        name = f"{loop.id}?" if weak else loop.id
        shape = ({"label": label(name, history_label(loop.polarity_history), width=40), "shape": "box",
                  "style": "rounded,dashed,filled" if weak else "rounded,filled", "margin": "0.05,0.02"}
                 if loop.turned else
                 {"label": name, "shape": "circle", "style": "dashed,filled" if weak else "filled",
                  "width": "0.45", "fixedsize": "true"})
        graph.node(marker, fontsize="12", fontcolor=colour, color=colour,
                   tooltip=label(f"{loop.polarity}, {loop.valence}, {loop.change}, confidence {loop.confidence}",
                                 history_text(loop.polarity_history) if loop.turned else None, width=200),
                   **shape, **({"pos": f"{centre[0]:.3f},{centre[1]:.3f}!"} if centre else {}))
        for variable in loop.variables:
            graph.edge(marker, f"v_{variable}", style="invis", len="0.6", weight="8")
    corner = {}
    if pinned:  # right of the drawing, level with its top
        corner = {"pos": f"{max(x for x, _ in pinned.values()) + 2.6:.3f},{max(y for _, y in pinned.values()) - 0.6:.3f}!"}
    graph.node("legend", shape="box", style="rounded", color="#bbbbbb", fontsize="9", margin="0.3,0.1",
               label=_legend(_over_time(analysis)), **corner)
    return graph


def _centre(points: Sequence[tuple[float, float] | None], taken: list[tuple[float, float]]) -> tuple[float, float] | None:
    """The centroid of a cycle's node positions, nudged down until it clears earlier labels. A loop of
    two variables has its two arrows through that centre: its label moves off to the side instead."""
    if not points or any(point is None for point in points):
        return None
    x = sum(point[0] for point in points) / len(points)
    y = sum(point[1] for point in points) / len(points)
    if len(points) == 2:
        dx, dy = points[1][0] - points[0][0], points[1][1] - points[0][1]
        length = (dx * dx + dy * dy) ** 0.5 or 1.0
        x, y = x - dy / length * TWO_LOOP_OFFSET, y + dx / length * TWO_LOOP_OFFSET
    while any(abs(x - a) < 0.5 and abs(y - b) < 0.5 for a, b in taken):
        y -= 0.5
    taken.append((x, y))
    return x, y


TWO_LOOP_OFFSET = 0.8
"""Inches between a two-variable loop's label and the line through its variables (past the curved arrows)."""

LEGEND = (("+", "same direction"), ("-", "opposite direction"), ("R1", "reinforcing loop"),
          ("D1", "dampening loop"), ("green", "favourable loop"), ("red", "unfavourable loop"),
          ("amber", "in loops of both valences"), ("grey", "undetermined or in no loop"),
          ("dashed", "expected (mini-theory)"), ("?", "ambiguous sign"),
          ("dotted", "coded link of low confidence"), ("R1?", "loop resting on a low-confidence link"))


OVER_TIME = (("? alone", "sign undetermined (evidence of one date tied)"),
             ("+ -> - DATE", "a link whose sign turned, and when"),
             ("D1 R -> D DATE", "a loop that turned: its course"),
             ("U1", "loop of undetermined polarity"))
"""Legend lines shown only on a diagram that has such a link or loop (others stay as they were)."""


def _over_time(analysis: CaseAnalysis) -> tuple[tuple[str, str], ...]:
    edges, loops = analysis.graph.edges, analysis.loops
    present = (any(edge.sign == 0 for edge in edges), any(edge.shifting for edge in edges),
               any(loop.turned for loop in loops), any(loop.polarity == "undetermined" for loop in loops))
    return tuple(line for line, shown in zip(OVER_TIME, present) if shown)


def _legend(extra: Sequence[tuple[str, str]] = ()) -> str:
    """Plain text, left-justified: the embedded Graphviz has no HTML-like labels."""
    return graphviz.nohtml("".join(f"{key}  {text}\\l" for key, text in (*LEGEND, *extra)))


def case_map(transitions: Sequence[tuple[str, str, int]], kind_labels: Mapping[str, Mapping]) -> graphviz.Digraph:
    """Contact kinds across cases, each transition an edge weighted and labelled by its count."""
    graph = graphviz.Digraph(name="case_map", engine="dot")
    graph.attr(rankdir="LR", fontname=FONT, labelloc="t", label="Contact kinds across cases (directly follows)")
    graph.attr("node", fontname=FONT, fontsize="10", shape="box", style="rounded,filled", fillcolor="#eef3fb")
    graph.attr("edge", fontname=FONT, fontsize="9", color="#4a6fa5")
    top = max((count for _, _, count in transitions), default=1)
    for kind in sorted({kind for a, b, _ in transitions for kind in (a, b)}):
        graph.node(f"k_{kind}", label=label(kind_labels.get(kind, {}).get("label", kind.replace("-", " ")), width=18))
    for source, target, count in transitions:
        graph.edge(f"k_{source}", f"k_{target}", label=str(count), weight=str(count),
                   penwidth=f"{1 + 4 * count / top:.2f}")
    return graph
