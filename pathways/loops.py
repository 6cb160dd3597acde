"""Elementary cycles of a case graph, with a length bound, and loop identity up to rotation.

networkx's `simple_cycles` does the enumeration (Gupta-Suzumura when bounded, Johnson otherwise):
a well-kept implementation of the textbook algorithms beats one of our own. Self-edges (a
variable feeding itself) are kept in the graph but are not loops: the study's loops run through
at least two variables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

BEYOND_CAP = 100_000
"""Cycles beyond the bound are counted up to this many; past it the count is reported as a floor."""


@attrs.frozen
class Cycles:
    cycles: tuple[tuple[str, ...], ...]
    beyond_bound: int
    beyond_capped: bool = False


def canonical(cycle: Sequence[str]) -> tuple[str, ...]:
    """The rotation that starts at the smallest variable: one identity for every rotation."""
    start = min(range(len(cycle)), key=lambda index: cycle[index])
    return tuple(cycle[start:]) + tuple(cycle[:start])


def enumerate_cycles(edges: Iterable[tuple[str, str]], bound: int) -> Cycles:
    """All elementary cycles of length 2..bound (canonical, sorted) and how many are longer."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_edges_from((source, target) for source, target in edges if source != target)
    found = sorted(canonical(cycle) for cycle in nx.simple_cycles(graph, length_bound=bound))
    beyond, capped = 0, False
    if graph.number_of_nodes() > bound and any(
            len(component) > bound for component in nx.strongly_connected_components(graph)):
        for seen, cycle in enumerate(nx.simple_cycles(graph), start=1):
            if seen > BEYOND_CAP:
                capped = True
                break
            beyond += len(cycle) > bound
    return Cycles(tuple(found), beyond, capped)
