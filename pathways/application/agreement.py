"""`pathways agree`: two coders' readings of the same cases side by side, each case analysed once from
each coder's events (in memory; the tables are untouched)."""

from __future__ import annotations

from collections.abc import Iterator

from events.errors import InvalidEvent
from events.store import EventStore

from pathways.analysis.agreement import Agreement, Pair, compare
from pathways.analysis.case import CaseAnalysis
from pathways.analysis.pathway import Settings
from pathways.application.service import parse_coders
from pathways.projections.timetravel import time_travel


def parse_pair(store: EventStore, text: str) -> Pair:
    """`--coders A,B`: two different coders the log has, in the order given."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if len(names) != 2 or names[0] == names[1]:
        raise InvalidEvent(f"'{text}' does not name two different coders (use --coders A,B)", field="--coders")
    parse_coders(store, text, field="--coders")
    return names[0], names[1]


def coded_by(store: EventStore, coders: Pair, case: str | None = None) -> tuple[list[str], list[str]]:
    """The cases (of `case` alone, if given) both coders coded, and those one of them coded alone."""
    if case is not None:
        store.require_case(case, field="CASE")
    erased = set(store.forgotten())
    found = {name: who for name, who in store.coders().items() if name not in erased and (case is None or name == case)}
    pair = set(coders)
    both = sorted(name for name, who in found.items() if pair <= who)
    alone = sorted(name for name, who in found.items() if len(pair & who) == 1)
    return both, alone


def agreement(store: EventStore, settings: Settings, coders: str, case: str | None = None) -> Agreement:
    """How far two coders agree on links, loops and contacts, per case both coded and pooled."""
    pair = parse_pair(store, coders)
    return agreement_of(store, settings, pair, case)


def agreement_of(store: EventStore, settings: Settings, pair: Pair, case: str | None = None) -> Agreement:
    """The comparison of one pair of coders, reading one case at a time (each coder's analysis of it,
    compared and let go): a report over every double-coded case holds two analyses, not all of them."""
    both, alone = coded_by(store, pair, case)

    def each() -> Iterator[tuple[CaseAnalysis, CaseAnalysis]]:
        for name in both:
            a, b = (next(iter(time_travel(store, settings, cases=[name], coders=frozenset({coder}))), None)
                    for coder in pair)
            if a is not None and b is not None:
                yield a, b

    return compare(pair, each(), alone)


def pairs_on_cases(store: EventStore) -> list[Pair]:
    """Every pair of coders who both coded some case (sorted): what the report compares."""
    erased = set(store.forgotten())
    found = set()
    for name, who in store.coders().items():
        if name in erased:
            continue
        ordered = sorted(who)
        found.update((a, b) for i, a in enumerate(ordered) for b in ordered[i + 1:])
    return sorted(found)
