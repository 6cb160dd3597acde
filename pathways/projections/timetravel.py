"""A case's analysis at a past point, computed in memory from the log: the tables are untouched."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import groupby

from events.envelope import CATALOGUE_STREAM, case_of, case_stream
from events.rules.catalogue import build
from events.store import EventStore

from pathways.analysis.case import CaseAnalysis, analyse_case
from pathways.analysis.pathway import Settings


def time_travel(store: EventStore, settings: Settings, *, cases: Sequence[str] | None = None,
                as_of: str | None = None, recorded_before: str | None = None,
                accounts: frozenset[str] | None = None,
                coders: frozenset[str] | None = None) -> Iterator[CaseAnalysis]:
    """Analyses computed in memory at a past point (domain date and/or recording time), or from some
    accounts or coders only; the tables are untouched."""
    catalogue = build((e.type, e.data) for e in store.read(streams=[CATALOGUE_STREAM],
                                                            recorded_before=recorded_before))
    streams = [case_stream(case) for case in cases] if cases is not None else None
    events = (e for e in store.read(streams=streams, recorded_before=recorded_before, by_stream=True, live=True)
              if e.stream != CATALOGUE_STREAM)
    for stream, group in groupby(events, key=lambda event: event.stream):
        yield analyse_case(case_of(stream), list(group), catalogue, settings, as_of=as_of, accounts=accounts,
                           coders=coders)
