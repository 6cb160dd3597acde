"""Elementary cycles of a case graph, with a length bound and a budget, and loop identity up to rotation.

networkx's `simple_cycles` does the enumeration (Gupta-Suzumura when bounded, Johnson otherwise):
a well-kept implementation of the textbook algorithms beats one of our own. Self-edges (a
variable feeding itself) are kept in the graph but are not loops: the study's loops run through
at least two variables.

A dense graph has more cycles than anyone can read (30 variables linked both ways: billions), so
the enumeration stops at a budget of cycles or of seconds, whichever comes first, and says that
what it found is a floor. Both walks are lazy: memory stays flat however dense the graph.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

import attrs

BEYOND_CAP = 100_000
"""Cycles beyond the bound are counted up to this many; past it the count is reported as a floor."""


@attrs.frozen
class Budget:
    """Where the enumeration of one case stops: this many cycles, or this many seconds."""

    cycles: int = 5_000
    seconds: float = 5.0


@attrs.frozen
class Cycles:
    cycles: tuple[tuple[str, ...], ...]
    beyond_bound: int
    beyond_capped: bool = False
    complete: bool = True
    """False when the budget stopped the enumeration: `cycles` is then a floor ("at least")."""


def canonical(cycle: Sequence[str]) -> tuple[str, ...]:
    """The rotation that starts at the smallest variable: one identity for every rotation."""
    start = min(range(len(cycle)), key=lambda index: cycle[index])
    return tuple(cycle[start:]) + tuple(cycle[:start])


def enumerate_cycles(edges: Iterable[tuple[str, str]], bound: int, budget: Budget = Budget()) -> Cycles:
    """The elementary cycles of length 2..bound (canonical, sorted) and how many are longer, each
    walk stopped by the budget."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_edges_from((source, target) for source, target in edges if source != target)
    deadline = time.monotonic() + budget.seconds
    found: list[tuple[str, ...]] = []
    complete = True
    for cycle in nx.simple_cycles(graph, length_bound=bound):
        if len(found) >= budget.cycles or (len(found) % 64 == 0 and time.monotonic() > deadline):
            complete = False
            break
        found.append(canonical(cycle))
    beyond, capped = 0, False
    if graph.number_of_nodes() > bound and any(
            len(component) > bound for component in nx.strongly_connected_components(graph)):
        for seen, cycle in enumerate(nx.simple_cycles(graph), start=1):
            if seen > BEYOND_CAP or (seen % 64 == 0 and time.monotonic() > deadline):
                capped = True
                break
            beyond += len(cycle) > bound
    return Cycles(tuple(sorted(found)), beyond, capped, complete)
