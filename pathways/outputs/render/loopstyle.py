"""How a loop diagram marks its arrows and loops, and the legend of exactly the marks a diagram uses.

One function each gives an arrow's sign text (`sign_label`), its drawing attributes
(`edge_style`) and a loop label's text (`loop_label`), so a new mark (a text or an attribute) is
added in one place and its legend entry beside it (`legend_entries`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from pathways.analysis.causal import Edge, is_low
from pathways.analysis.classify import Loop

MINUS = "\u2212"
"""A true minus sign: the hyphen-minus reads as a dash in print."""
VALENCE_COLOUR = {"favourable": "#2e8b3a", "unfavourable": "#c0392b", "undetermined": "#7f7f7f"}
BOTH_COLOUR, NONE_COLOUR = "#d68910", "#b0b0b0"


LABELLED = 20
"""A loop diagram labels at most this many loops (the first, in the case's order): placing a label
weighs every other one, and past a score of labels in one drawing none can be read. A dense case
(7 variables linked every way: 2,365 loops) is drawn in seconds, and says how many it labels."""


def labelled(loops: Sequence[Loop]) -> Sequence[Loop]:
    """The loops a diagram labels."""
    return loops[:LABELLED]


def labelled_note(shown: int, loops: int, complete: bool = True) -> str | None:
    """`the first 20 of 2,365 loops labelled`, when not every loop is; None when every one is."""
    if shown >= loops:
        return None
    return f"the first {shown:,} of {'at least ' if not complete else ''}{loops:,} loops labelled"


def sign_label(edge: Edge) -> str:
    """`+` or `−` (U+2212), with `?` when the sources give the link both signs; `?` alone when its sign
    is undetermined (evidence of one date tied)."""
    if edge.sign == 0:
        return "?"
    return ("+" if edge.sign > 0 else MINUS) + ("?" if edge.ambiguous else "")


def edge_colour(valences: Collection[str]) -> str:
    if len(valences) == 1:
        return VALENCE_COLOUR.get(next(iter(valences)), VALENCE_COLOUR["undetermined"])
    return BOTH_COLOUR if valences else NONE_COLOUR


def edge_line(edge: Edge) -> str:
    return "dotted" if is_low(edge.confidence) else "dashed" if edge.origins == ("expected",) else "solid"


def edge_style(edge: Edge, valences: Collection[str]) -> dict[str, str]:
    """The attributes of an arrow: colour by the valence of the loops it is on, line by its evidence."""
    colour = edge_colour(valences)
    return {"color": colour, "fontcolor": colour, "penwidth": "2.2" if valences else "1.0", "style": edge_line(edge)}


def loop_label(loop: Loop) -> str:
    """R1, D2, ...; `?` when the loop rests on a link of low confidence, `*` when it is stitched (no one
    account tells all of it)."""
    return loop.id + ("?" if is_low(loop.confidence) else "") + ("*" if loop.stitched else "")


def told_by(loop: Loop) -> str:
    """Whose accounts tell a loop, for its tooltip: `told by migrant`, `stitched from caseworker + migrant`."""
    accounts = " + ".join(loop.accounts) or "no account"
    return f"stitched from {accounts}" if loop.stitched else f"told by {accounts}"


def legend_entries(edges: Sequence[Edge], valences: Mapping[tuple[str, str], Collection[str]],
                   loops: Sequence[Loop]) -> list[tuple[str, str]]:
    """The legend's lines, each only when the diagram draws that mark."""
    colours = {edge_colour(valences.get((edge.source, edge.target), ())) for edge in edges}
    lines = {edge_line(edge) for edge in edges}
    used = [
        (any(edge.sign > 0 for edge in edges), "+", "same direction"),
        (any(edge.sign < 0 for edge in edges), MINUS, "opposite direction"),
        (any(edge.ambiguous for edge in edges), "?", "sources give the link both signs"),
        (any(loop.polarity == "reinforcing" for loop in loops), "R", "reinforcing loop"),
        (any(loop.polarity == "dampening" for loop in loops), "D", "dampening loop"),
        (any(is_low(loop.confidence) for loop in loops), "R1?", "loop resting on a low-confidence link"),
        (any(loop.stitched for loop in loops), "R1*", "stitched: no one account tells every link"),
        (VALENCE_COLOUR["favourable"] in colours, "green", "on favourable loops"),
        (VALENCE_COLOUR["unfavourable"] in colours, "red", "on unfavourable loops"),
        (BOTH_COLOUR in colours, "amber", "on loops of both valences"),
        (VALENCE_COLOUR["undetermined"] in colours, "grey", "on loops of undetermined valence"),
        (NONE_COLOUR in colours, "light grey", "on no loop"),
        ("dashed" in lines, "dashed", "expected (mini-theory)"),
        ("dotted" in lines, "dotted", "coded link of low confidence"),
        (any(edge.sign == 0 for edge in edges), "? alone", "sign undetermined (evidence of one date tied)"),
        (any(edge.shifting for edge in edges), "+ -> - DATE", "a link whose sign turned, and when"),
        (any(loop.turned for loop in loops), "D1 R -> D DATE", "a loop that turned: its course"),
        (any(loop.polarity == "undetermined" for loop in loops), "U1", "loop of undetermined polarity"),
    ]
    return [(key, text) for present, key, text in used if present]
