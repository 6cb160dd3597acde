"""Events into the log from outside: a file's records read (`readers.py`), prepared on every core for
a big input (`pipeline.py`), then handed to the log's append sink, in order. The log calls nothing
here: the path runs one way, reader -> preparation -> append."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from events.append.prepare import prepare
from events.envelope import NewEvent
from events.ingest import pipeline
from events.ingest.readers import count_records, detect_format, read_events
from events.reports import AppendReport


def append_events(log: Any, events: Iterable[NewEvent], *, file: str | None = None, dry_run: bool = False,
                  progress: Callable[[int], None] | None = None,
                  waiting: Callable[[float], None] | None = None) -> AppendReport:
    """Append a batch in one transaction: all of it, or (on any error) nothing. A big list is
    prepared on every core (`pipeline.py`), with the same result."""
    registry = log.registry
    workers = pipeline.processes(len(events), busy_writer=True) if isinstance(events, (list, tuple)) else 0
    if not workers:
        return log.append_prepared((prepare(registry, event) for event in events), file=file, dry_run=dry_run,
                                   progress=progress, waiting=waiting)
    with pipeline.prepared_events(events, registry, log.catalogue(), workers) as prepared:
        return log.append_prepared(prepared, file=file, dry_run=dry_run, progress=progress, waiting=waiting)


def import_file(log: Any, path: str | Path, fmt: str | None = None, *, dry_run: bool = False,
                progress: Callable[[int], None] | None = None,
                waiting: Callable[[float], None] | None = None) -> AppendReport:
    """Append the events of an import file in one transaction. A big JSON Lines file is parsed and
    checked on every core (`pipeline.py`); the result, and any refusal, is the same."""
    big = detect_format(path, fmt) == "jsonl" and Path(path).is_file()
    workers = pipeline.processes(count_records(path), busy_writer=True) if big else 0
    if not workers:
        return append_events(log, read_events(path, fmt), file=str(path), dry_run=dry_run, progress=progress,
                             waiting=waiting)
    with pipeline.prepared_jsonl(path, log.registry, log.catalogue(), workers) as prepared:
        return log.append_prepared(prepared, file=str(path), dry_run=dry_run, progress=progress, waiting=waiting)
