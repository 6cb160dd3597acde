"""`export`: the events or the projections in another tool's format, to standard output or to a file
written whole (a temporary file beside it, renamed into place: never half an export)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO

from events.errors import PathwaysError
from events.store import EventStore

from pathways.analysis.pathway import Settings
from pathways.outputs import exchange


def export(store: EventStore, settings: Settings, fmt: str, *, out: Path | None, stdout: IO[str],
           case: str | None = None, pooled: bool = False, pseudonymise: bool = False) -> int:
    """Write the export (to `out`, or to `stdout` when it is None); how many events or records."""
    exchange.check_format(fmt)
    secret = store.log.keyring().project_secret() if pseudonymise else None
    if out is None:
        return exchange.export(store, settings, fmt, stdout, case=case, pooled=pooled, secret=secret)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir() or not os.access(folder, os.W_OK) or out.is_dir():
        raise PathwaysError(f"cannot write {out}: {'it is a folder' if out.is_dir() else 'no writable folder'}",
                            field="--out")
    handle, partial = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.", suffix=".partial")
    try:
        if out.exists():  # a replaced file keeps its mode
            os.chmod(partial, out.stat().st_mode & 0o7777)
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            count = exchange.export(store, settings, fmt, stream, case=case, pooled=pooled, secret=secret)
        os.replace(partial, out)
    except BaseException:
        os.unlink(partial)
        raise
    return count


def check_format(fmt: str) -> None:
    """Refuse a format no exporter writes, before any work (the REFI-QDA project, `qdpx`, named too)."""
    exchange.check_format(fmt, others=("qdpx",))


def counted(fmt: str) -> str:
    """What an export of this format counts, in the singular: event or record."""
    return "event" if fmt in exchange.EVENT_FORMATS else "record"
