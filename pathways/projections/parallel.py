"""A full rebuild on every core: cases are independent, so groups of them are analysed in worker
processes, each reading the log through its own connection, while this process writes the rows.

Workers are forked: a caller's script needs no `if __name__ == "__main__"` guard, and nothing is
imported again. Each opens its own connection and never touches the writer's (a forked worker ends
with `os._exit`, so the inherited one is not even closed). The rows they send back are exactly what
the serial path would write (sealed texts sealed by the worker under the same case keys), so
catch-up and rebuild agree whichever path ran.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

import attrs

from events.ingest.pipeline import forked_pool, processes, start_worker

from pathways.analysis.pathway import Settings
from pathways.projections.tables import case_rows

GROUP = 400
"""Cases per task: big enough to amortise a round trip, small enough to keep every core busy."""

_worker: dict[str, Any] = {}


def workers(events: int) -> int:
    """How many worker processes a rebuild of this many events uses (0: rebuild here). The writer
    here only writes what they send, so it does not count as one (see `events.ingest.pipeline.processes`)."""
    return processes(events)


def _start(target: str, settings: dict[str, Any], parent: int) -> None:
    from events.store import EventStore

    start_worker(parent)
    store = EventStore(target, create=False)
    seal = store.sealer.seal_text if store.sealed else None
    _worker.update(store=store, settings=Settings(**settings), seal=seal, catalogue=store.catalogue())


def _analyse(streams: Sequence[str]) -> list[tuple[dict[str, list[tuple]], int]]:
    events = _worker["store"].read(streams=list(streams), by_stream=True, live=True)
    return list(case_rows(events, _worker["catalogue"], _worker["settings"], _worker["seal"]))


@contextmanager
def started(target: str, settings: Any, processes: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of `processes` workers, forked now: before the writer deletes the old rows and reads
    the case list, so that they start while it does, and share none of the pages it reads then."""
    with forked_pool(processes, _start, (target, attrs.asdict(settings), os.getpid())) as pool:
        pool.submit(int).result()  # a forking pool starts every worker at its first task
        yield pool


def analysed_rows(pool: ProcessPoolExecutor, streams: Sequence[str]) -> Iterator[tuple[dict[str, list[tuple]], int]]:
    """The table rows of every case of `streams`, in order, computed by the pool's workers."""
    groups = [streams[start:start + GROUP] for start in range(0, len(streams), GROUP)]
    for result in pool.map(_analyse, groups):
        yield from result
