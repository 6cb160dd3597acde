"""A big batch on every core: worker processes parse and prepare the events (`prepare.py`) while
the writer appends them in order. A JSON Lines import hands out chunks of lines; an `append` of a
big list hands out slices of it (the forked workers hold the list already: nothing is sent but two
numbers).

The prepared chunks come back in order, so the writer meets the events, and any refusal among them,
exactly as a sequential import or append would.

Workers are forked (no `__main__` guard needed in a caller's script; nothing imported again) and
never touch the writer's connection (a forked worker ends with `os._exit`, so the inherited one is
not even closed).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import IO, Any

from events.rules.catalogue import Catalogue
from events.errors import InvalidEvent
from events.envelope import NewEvent
from events.ingest.readers import jsonl_lines, jsonl_record, not_utf8, open_import, to_new_event
from events.jsontext import read_record
from events.append.prepare import Prepared, failed, prepare
from events.rules.validate import Registry

LINES = 1000
"""Lines per task: enough to amortise a round trip, few enough to keep the writer fed from the start."""
MIN_RECORDS = 20_000
"""Below this many lines (or events), starting workers costs more than it saves (PATHWAYS_PARALLEL_MIN)."""

_given: list[tuple[Registry, Catalogue, Sequence[NewEvent]]] = []  # the writer's, inherited by the forked workers

_as_prepared = partial(tuple.__new__, Prepared)
"""A worker's plain tuple as the writer's Prepared. Workers send plain tuples: a NamedTuple is
pickled through a Python call per event, a tuple in C."""
PIPE_BYTES = 1 << 20
"""The capacity asked for the pool's pipes (Linux; 64 KiB by default): a worker's result (about
300 KB for a chunk of 1,000 events) is written at once and the worker goes on with its next task,
instead of waiting while the writer's result thread, which needs the interpreter lock the writer
holds, reads it 64 KiB at a time."""


def processes(records: int, *, busy_writer: bool = False) -> int:
    """How many worker processes a job of this many records uses (0: all of it here).

    PATHWAYS_WORKERS is how many processes may work at once (default: one per core); a writer that
    is busy itself counts as one of them. PATHWAYS_PARALLEL_MIN is the size from which they start."""
    try:
        least = int(os.environ.get("PATHWAYS_PARALLEL_MIN", MIN_RECORDS))
        wanted = int(os.environ.get("PATHWAYS_WORKERS", os.cpu_count() or 1))
    except ValueError:
        least, wanted = MIN_RECORDS, os.cpu_count() or 1
    if wanted <= 1 or records < least:
        return 0
    return wanted - 1 if busy_writer else wanted


@contextmanager
def prepared_jsonl(path: str | Path, registry: Registry, catalogue: Catalogue, workers: int
                   ) -> Iterator[Iterator[Prepared]]:
    """The prepared events of a JSON Lines file, in file order, prepared by `workers` processes
    (annotations that pass against `catalogue` settled there)."""
    name = str(path)
    with open_import(path) as handle, _pool(registry, catalogue, (), workers) as pool:
        yield _in_order(pool, _prepare_lines, _chunks(handle), name, window=2 * workers + 2)


@contextmanager
def prepared_events(events: Sequence[NewEvent], registry: Registry, catalogue: Catalogue, workers: int
                    ) -> Iterator[Iterator[Prepared]]:
    """`prepare` of each of `events`, in order, by `workers` processes (as `prepared_jsonl`)."""
    slices = ((start, min(start + LINES, len(events))) for start in range(0, len(events), LINES))
    with _pool(registry, catalogue, events, workers) as pool:
        yield _in_order(pool, _prepare_slice, slices, "", window=2 * workers + 2)


@contextmanager
def _pool(registry: Registry, catalogue: Catalogue, events: Sequence[NewEvent], workers: int
          ) -> Iterator[ProcessPoolExecutor]:
    _given[:] = [(registry, catalogue, events)]
    try:
        with forked_pool(workers, start_worker, (os.getpid(),)) as pool:
            yield pool
    finally:
        _given.clear()


@contextmanager
def forked_pool(workers: int, initializer: Callable[..., None], initargs: tuple) -> Iterator[ProcessPoolExecutor]:
    """A pool of forked workers (`initializer` runs `start_worker` first); on the way out, tasks not
    yet started are dropped (a writer that stops on an error or an interrupt waits for no more work)."""
    import multiprocessing

    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=initializer,
                               initargs=initargs)
    _widen_pipes(pool)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _widen_pipes(pool: ProcessPoolExecutor) -> None:
    """Ask for PIPE_BYTES of capacity in the pool's task and result pipes, where the platform has
    the call (Linux) and allows the size; otherwise they stay as they are (only slower)."""
    import fcntl

    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    for queue in (getattr(pool, "_call_queue", None), getattr(pool, "_result_queue", None)):
        reader = getattr(queue, "_reader", None)
        if set_size is None or reader is None:
            continue
        try:
            fcntl.fcntl(reader.fileno(), set_size, PIPE_BYTES)
        except OSError:
            pass


def start_worker(parent: int) -> None:
    """In a worker, first: interrupts are the writer's to handle (Ctrl-C reaches every process of the
    terminal's group; the writer stops the pool and says so in one line), and the worker ends when
    the writer is gone (one killed outright cannot shut its pool down, and a forked worker, holding
    both ends of its task pipe, would wait for work forever)."""
    import gc
    import signal
    import threading
    import time

    gc.enable()  # forked from a writer that paused its collector (`collector.py`): this work makes cycles
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)
    threading.Thread(target=watch, name="orphan-guard", daemon=True).start()


def _chunks(handle: IO[str]) -> Iterator[list[tuple[int, str]]]:
    chunk: list[tuple[int, str]] = []
    for numbered in jsonl_lines(handle):
        chunk.append(numbered)
        if len(chunk) >= LINES:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _in_order(pool: ProcessPoolExecutor, work: Callable[[Any], list[tuple]], chunks: Iterator[Any], name: str,
              window: int) -> Iterator[Prepared]:
    """Keep `window` chunks in the workers' hands; give back their results in file order. A file that
    turns out not to be UTF-8 is refused after the lines before the undecodable part."""
    pending: deque[Future[list[tuple]]] = deque()
    try:
        for chunk in chunks:
            pending.append(pool.submit(work, chunk))
            if len(pending) >= window:
                yield from _oldest(pending)
    except UnicodeDecodeError as error:
        while pending:
            yield from _oldest(pending)
        raise not_utf8(error, name) from None
    while pending:
        yield from _oldest(pending)


def _oldest(pending: deque[Future[list[tuple]]]) -> Iterator[Prepared]:
    """The events of the oldest chunk in the workers' hands (waiting for it), as Prepared."""
    return map(_as_prepared, pending.popleft().result())


def _prepare_lines(lines: list[tuple[int, str]]) -> list[tuple]:
    """In a worker: parse and prepare each line (read by orjson where it reads as `json` does, its
    canonical payload text made there too); a refusal travels as data, never as an exception."""
    registry, catalogue, _ = _given[0]
    prepared = []
    for line, text in lines:
        try:
            record, texts = read_record(text, partial(jsonl_record, line=line))
            event = to_new_event(record, line=line)
        except InvalidEvent as error:
            prepared.append(tuple(failed(line, error)))
            continue
        prepared.append(tuple(prepare(registry, event, catalogue, texts)))
    return prepared


def _prepare_slice(bounds: tuple[int, int]) -> list[tuple]:
    """In a worker: `prepare` of a slice of the writer's list (inherited at the fork)."""
    registry, catalogue, events = _given[0]
    return [tuple(prepare(registry, event, catalogue)) for event in events[bounds[0]:bounds[1]]]
