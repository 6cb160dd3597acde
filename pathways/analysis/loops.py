"""Elementary cycles of a case graph, with a length bound and a budget, and loop identity up to rotation.

networkx's `simple_cycles` does the enumeration (Gupta-Suzumura when bounded, Johnson otherwise):
a well-kept implementation of the textbook algorithms beats one of our own. Almost every case graph
is small, though: when none of its strongly connected parts has more variables than the bound (nor
than `WALKED`), every cycle is within the bound, and a plain depth-first walk from each part's
smallest variable finds them all in a fraction of the time networkx needs to build its graph (a
rebuild's cycle search fell from 16 to 2 µs per event). The result is the same set either way (a
property test holds the two together); a larger part, or more cycles than the budget, goes to
networkx. Self-edges (a variable feeding itself) are kept in the graph but are not loops: the
study's loops run through at least two variables.

A dense graph has more cycles than anyone can read (30 variables linked both ways: billions), so
the enumeration stops at a budget of cycles or of seconds, whichever comes first, and says that
what it found is a floor. networkx's walks are lazy, and the engine's keeps at most the budget:
memory stays flat however dense the graph.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

import attrs

WALKED = 8
"""The largest strongly connected part the engine walks itself. Its walk has no clock: at this size
it takes at most about 16,000 steps (all the simple paths of a complete graph on 8 variables),
whatever `--loop-bound` is; a larger part goes to networkx, under the time budget."""
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
    successors: dict[str, set[str]] = {}
    for source, target in edges:
        if source != target:
            successors.setdefault(source, set()).add(target)
            successors.setdefault(target, set())
    parts = [part for part in strong_components(successors) if len(part) > 1]
    if all(len(part) <= min(bound, WALKED) for part in parts):
        found = [cycle for part in parts for cycle in _small_cycles(part, successors, budget.cycles + 1)]
        if len(found) <= budget.cycles:
            return Cycles(tuple(sorted(found)), 0)
    return _networkx_cycles(successors, bound, budget)


def strong_components(successors: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of a graph given as successor sets (Tarjan's algorithm,
    iterative: a long chain must not hit Python's recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in successors:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(successors[root]))]
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(component)
    return components


def _small_cycles(part: list[str], successors: dict[str, set[str]], limit: int) -> list[tuple[str, ...]]:
    """Every elementary cycle of one strongly connected part, each once and already canonical: walked
    from its smallest variable through larger ones only. Stops after `limit` cycles."""
    members = set(part)
    found: list[tuple[str, ...]] = []
    for start in sorted(part):
        path = [start]
        walks = [iter([child for child in successors[start] if child in members and child >= start])]
        while walks:
            for child in walks[-1]:
                if child == start:
                    found.append(tuple(path))
                    if len(found) >= limit:
                        return found
                elif child not in path:
                    path.append(child)
                    walks.append(iter([c for c in successors[child] if c in members and c >= start]))
                    break
            else:
                walks.pop()
                path.pop()
    return found


def _networkx_cycles(successors: dict[str, set[str]], bound: int, budget: Budget) -> Cycles:
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_edges_from((source, target) for source, targets in successors.items() for target in targets)
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
