"""The append transaction: prepared events checked against the log, sealed, hashed and written in
chunks (`batch.py`), committed together."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from events.append.batch import Batch
from events.append.prepare import Prepared
from events.reports import AppendReport

CHUNK = 2000


def append_prepared(store: Any, events: Iterable[Prepared], *, file: str | None, dry_run: bool,
                    progress: Callable[[int], None] | None, waiting: Callable[[float], None] | None
                    ) -> AppendReport:
    """Append prepared events (in order) in one transaction under the log's write lock: all of them,
    or on any error (and on a dry run) nothing. New cases' keys are kept before the events they seal."""
    store.begin_write(waiting)
    try:
        store.require_keys()
        batch = Batch(store, file=file)
        chunk: list[Prepared] = []
        for event in events:
            chunk.append(event)
            if len(chunk) >= CHUNK:
                batch.add_chunk(chunk)
                if progress:
                    progress(len(chunk))
                chunk = []
        batch.add_chunk(chunk)
        if progress and chunk:
            progress(len(chunk))
    except BaseException:
        store.log.rollback()
        _unlearn(store, locals().get("batch"))
        raise
    if dry_run:
        store.log.rollback()
        _unlearn(store, batch)
    else:
        try:
            if batch.new_keys:  # durable before the events they seal
                store.log.keyring().add(batch.new_keys)
        except BaseException:
            store.log.rollback()
            _unlearn(store, batch)
            raise
        if batch.appended:
            store.kept.committing(batch.last_position, batch.tip, batch.appended)
        store.log.commit()
        store.kept.committed()
        if batch.forgets:
            store.destroy_forgotten_keys(waiting)
    return AppendReport(batch.appended, batch.skipped, batch.first_position,
                        batch.last_position if batch.appended else None, dry_run, batch.other_coder)

def _unlearn(store: Any, batch: Batch | None) -> None:
    """Keys made by a batch that did not commit were never kept: they must not be used later."""
    if batch is not None and batch.new_keys and store._sealer is not None:
        store._sealer.forget_cached(set(batch.new_keys))
