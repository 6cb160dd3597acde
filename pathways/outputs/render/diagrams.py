"""Diagram builders: graphviz.Digraph objects from projection results (never from raw events)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import graphviz

from events.rules.catalogue import Catalogue

from pathways.analysis.case import CaseAnalysis
from pathways.analysis.causal import is_low
from pathways.analysis.classify import Loop
from pathways.analysis.pathway import PHASES
from pathways.analysis.polarity import history_label, history_text, sign_history_text, sign_turns_label
from pathways.outputs.render.engine import Positioned, joined, label
from pathways.outputs.render.pathwayparts import closing_marks, legend_text, pathway_legend
from pathways.outputs.render.loopstyle import (VALENCE_COLOUR, edge_style, labelled, labelled_note,
                                              legend_entries, loop_label, sign_label, told_by)
from pathways.outputs.render.placement import Placement
from pathways.outputs.render.shapes import fitted

PERCEIVED_FILL = {"favourable": "#b9e4a8", "unfavourable": "#f5b0ab", "mixed": "#f8d98b", "neutral": "#dddddd"}
FAMILY_SHAPE = {"state": "box", "local": "component", "reception": "hexagon", "education": "tab", "civil": "ellipse",
                "market": "box3d"}
DRAWN = ("ContactRecorded", "ContactAbsent", "StateObserved", "ExpectationFormed")
FONT = "Helvetica"
BEYOND_RULES = ("extra-mile", "bending", "breaking")
"""Street-level discretion beyond the rules: the contacts the pathway diagram marks."""
BEYOND_COLOUR = "#6a1b9a"

def _node_id(ref: str) -> str:
    return "s" + ref.rsplit("#", 1)[-1] if "#" in ref else "e" + ref[:8]


ROW = 4
"""Steps per row of the pathway diagram: a long pathway wraps into rows, so it reads at a page's width."""


NARROW = 26
"""Characters a line of a narrow pathway's title, phase labels and legend holds: a phone's width."""


def pathway_diagram(analysis: CaseAnalysis, catalogue: Catalogue, *, row: int = ROW,
                    narrow: bool = False) -> graphviz.Digraph:
    """Steps in rows of `row` (four), left to right and then down, clustered by phase with their regimes
    named, coloured by perceived valence. `narrow`: the title, phase labels and legend wrapped short
    too, for a phone's width (with `row=1`, one column)."""
    profile = analysis.pathway.profile
    graph = graphviz.Digraph(name=f"pathway_{profile.case}", engine="dot")
    graph.attr(rankdir="TB", fontname=FONT, labelloc="t", nodesep="0.3", ranksep="0.45", newrank="true",
               label=label(f"Pathway of {profile.case}: {profile.origin or '?'}, {profile.motive or '?'}, "
                           f"arrival {profile.arrival or '?'}", width=NARROW if narrow else 120))
    graph.attr("node", fontname=FONT, fontsize="10", style="filled", fillcolor="white")
    graph.attr("edge", fontname=FONT, fontsize="9")
    steps = [step for step in analysis.pathway.steps if step.type in DRAWN]
    closing = closing_marks(analysis, steps)
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
            cluster.attr(label=label(f"{phase or 'undated'} phase", regimes, width=NARROW if narrow else 60),
                         style="rounded,filled",
                         fillcolor="#f7f7f7", color="#bbbbbb", fontsize="11")
            for start in range(0, len(members), row):
                with cluster.subgraph() as line:
                    line.attr(rank="same")
                    for step in members[start:start + row]:
                        line.node(_node_id(step.ref), **_step_attributes(step, catalogue, closing.get(step.ref, []),
                                                                         NARROW - 4 if narrow else 28))
    rows = {step.ref: index // row for phase in [*PHASES, None] for index, step in enumerate(by_phase.get(phase, []))}
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
               label=graphviz.nohtml(legend_text(pathway_legend(
                   steps, FAMILY_SHAPE, catalogue, closing,
                   any(s.type == "ContactRecorded" and s.discretion in BEYOND_RULES for s in steps)),
                   NARROW + 8 if narrow else None)))
    if starts:  # the legend under the last row
        graph.edge(_node_id(starts[-1].ref), "legend", style="invis")
    return graph


def _step_attributes(step, catalogue: Catalogue, closes: Sequence[str], width: int = 28) -> dict[str, str]:
    effects = " ".join(f"{v}{'+' if d == 'up' else '-' if d == 'down' else '='}" for v, d in step.effects)
    when = step.effective or "undated"
    beyond = step.type == "ContactRecorded" and step.discretion in BEYOND_RULES
    if step.type == "ContactRecorded":
        family = catalogue.entries["actors"].get(step.actor, {}).get("family", "state")
        text = label(when, f"{step.actor}: {step.kind}", f"({step.role})" if step.role else None,
                     f"* beyond the rules: {step.discretion}" if beyond else None, step.outcome,
                     effects, f"closes {', '.join(closes)}" if closes else None, width=width)
        shape = FAMILY_SHAPE.get(family, "box")
        attributes = {"shape": shape, **fitted(shape, str(text), 10)}
    elif step.type == "ContactAbsent":
        text = label(step.label, effects, f"closes {', '.join(closes)}" if closes else None, width=width)
        attributes = {"shape": "box", "style": "dashed,filled"}
    elif step.type == "StateObserved":
        text = label(when, step.label, f"closes {', '.join(closes)}" if closes else None, width=width)
        attributes = {"shape": "ellipse", "fontsize": "9"}
    else:
        text = label(when, step.label, step.outcome, f"closes {', '.join(closes)}" if closes else None, width=width)
        attributes = {"shape": "note", "style": "filled", "color": "#3b6ea8"}
    attributes.update(label=text, fillcolor=PERCEIVED_FILL.get(step.perceived or "", "white"),
                      tooltip=label(step.quote or step.ref, width=200))
    if closes:
        attributes.update(peripheries="2", penwidth="1.6")
    if beyond:
        attributes.update(color=BEYOND_COLOUR, penwidth="2.6")
    return attributes


def loop_diagram(analysis: CaseAnalysis, catalogue: Catalogue, *, markers: bool = True,
                 placed: Placement | None = None, only: Loop | None = None) -> graphviz.Digraph:
    """Variables as nodes (named as the tables name them), signed arrows, each loop's label in its cycle.

    Without `placed`, a neato layout with the labels pulled in by springs and no legend: the first
    pass, the layout `placement.place` works from. With it, every position, curve, sign and label is
    kept as placed (`nop2`), the legend beside. `only` draws one loop: its variables, links and label.
    A link whose sign changed is marked with its course (`+ -> - 2013-06`), and a loop that turned
    with its own under its id (`D1`, `R -> D 2013-06`).
    """
    case = analysis.pathway.profile.case
    loops = [only] if only else list(analysis.loops)
    shown = labelled(loops)  # the arrows are drawn for every loop, the labels for the first LABELLED
    note = None if only else labelled_note(len(shown), len(loops), analysis.loops_complete)
    pairs = {(v, loop.variables[(i + 1) % len(loop.variables)]) for loop in loops for i, v in enumerate(loop.variables)}
    edges = [edge for edge in analysis.graph.edges if not only or (edge.source, edge.target) in pairs]
    graph = (Positioned if placed else graphviz.Digraph)(name=f"loops_{case}" + (f"_{only.id}" if only else ""),
                                                         engine="neato")
    title = (f"Loop {only.id} of {case}: {only.polarity}, {only.valence}, {only.change}" if only else
             f"Causal loop diagram of {case}: {'at least ' if not analysis.loops_complete else ''}{len(loops):,} "
             f"loop{'' if len(loops) == 1 else 's'}" + (f" (the first {len(shown)} labelled)" if note else ""))
    graph.attr(overlap="prism", splines="curved", sep="+14", fontname=FONT, labelloc="t", outputorder="edgesfirst",
               label=label(title, width=120))
    graph.attr("node", fontname=FONT, fontsize="11", shape="ellipse", style="filled", fillcolor="white")
    graph.attr("edge", fontname=FONT, fontsize="14", len="1.6")
    valence_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    for loop in loops:
        for index, variable in enumerate(loop.variables):
            valence_of[(variable, loop.variables[(index + 1) % len(loop.variables)])].add(loop.valence)
    for variable in sorted({v for edge in edges for v in (edge.source, edge.target)}):
        graph.node(f"v_{variable}", label=label(variable, width=18),
                   **({"pos": _pos(placed.nodes[f"v_{variable}"])} if placed else {}))
    for edge in edges:
        key = (f"v_{edge.source}", f"v_{edge.target}")
        drawn = {}
        if placed:
            curve, tip = placed.edges[key]
            drawn = {"pos": f"e,{tip[0]:.2f},{tip[1]:.2f} " + " ".join(f"{x:.2f},{y:.2f}" for x, y in curve),
                     "head_lp": f"{placed.signs[key][0]:.2f},{placed.signs[key][1]:.2f}"}
        turns = {"label": label(sign_turns_label(edge.history), width=40), "fontsize": "10",
                 "tooltip": label(f"{edge.source} -> {edge.target}: {sign_history_text(edge.history)}", width=200)
                 } if edge.shifting else {}
        graph.edge(*key, headlabel=sign_label(edge), labeldistance="1.8", labelangle="30", labelfontsize="18",
                   labelfontname=f"{FONT}-Bold", **edge_style(edge, valence_of.get((edge.source, edge.target), set())),
                   **drawn, **turns)
    if not markers:
        return graph
    for loop in shown:
        colour = VALENCE_COLOUR.get(loop.valence, "#7f7f7f")
        weak = is_low(loop.confidence)
        shape = ({"label": label(loop_label(loop), history_label(loop.polarity_history), width=40), "shape": "box",
                  "style": "rounded,dashed,filled" if weak else "rounded,filled", "margin": "0.05,0.02"}
                 if loop.turned else
                 {"label": loop_label(loop), "shape": "circle", "style": "dashed,filled" if weak else "filled",
                  "width": "0.45", "fixedsize": "true"})
        graph.node(f"m_{loop.id}", fontsize="12", fontcolor=colour, color=colour,
                   tooltip=label(f"{loop.polarity}, {loop.valence}, {loop.change}, confidence {loop.confidence}, "
                                 f"{told_by(loop)}",
                                 history_text(loop.polarity_history) if loop.turned else None, width=200),
                   **shape, **({"pos": _pos(placed.labels[loop.id])} if placed else {}))
        if not placed:
            for variable in loop.variables:
                graph.edge(f"m_{loop.id}", f"v_{variable}", style="invis", len="0.6", weight="8")
    entries = legend_entries(edges, valence_of, shown) + (
        [("labels", f"{note}; `pathways loops {case}` lists every one")] if note else [])
    if placed and entries:  # nothing drawn, nothing to explain
        graph.node("legend", shape="box", style="rounded", color="#bbbbbb", fontsize="9", margin="0.3,0.1",
                   label=graphviz.nohtml("".join(f"{key}  {text}\\l" for key, text in entries)),
                   pos=_pos(_legend_corner(placed, entries)))
    return graph


def _pos(point: tuple[float, float]) -> str:
    return f"{point[0]:.2f},{point[1]:.2f}!"


def _legend_corner(placed: Placement, entries: Sequence[tuple[str, str]]) -> tuple[float, float]:
    """The legend's centre: right of the drawing, level with its top (its size estimated from its text)."""
    xs = [x for curve, _ in placed.edges.values() for x, _ in curve] + [x for x, _ in placed.nodes.values()]
    ys = [y for curve, _ in placed.edges.values() for _, y in curve] + [y for _, y in placed.nodes.values()]
    width = max(len(f"{key}  {text}") for key, text in entries) * 9 * 0.55 + 43
    height = len(entries) * 11 + 22
    return max(xs) + 60 + width / 2, max(ys) - height / 2 + 10


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
