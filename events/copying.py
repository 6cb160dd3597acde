"""`copy`: every row of one log, as stored, appended to another (a file or a server, either way)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from events.append.batch import INSERT
from events.envelope import COLUMNS
from events.errors import Conflict
from events.reports import AppendReport

CHUNK = 2000


def copy_log(source: Any, target: Any, progress: Callable[[int], None] | None = None) -> AppendReport:
    """Every row of this log, as stored, appended to `target` in one transaction: the same ids,
    times, payloads (sealed ones as ciphertext, with their cases' keys) and so the same hashes.
    The source is verified first, so its rows are taken as they are. A target that already holds
    events must hold this log's first events (a copy broken off, or an earlier copy of a log that
    has grown); it then continues."""
    check = source.verify()
    if not check.ok:
        raise Conflict(f"{source.path} does not verify at position {check.broken_position}: {check.reason}",
                       field="SOURCE")
    target.begin_write()
    try:
        held = target.last()
        if held.position and source.hash_at(held.position) != held.hash:
            raise Conflict(f"{target.path} already holds {held.position} events that are not the start of "
                           f"{source.path}: copy into an empty database", field="TARGET")
        if held.position and target.sealed != source.sealed:
            raise Conflict(f"{target.path} is {'sealed' if target.sealed else 'open'} and {source.path} is not: "
                           "copy into an empty database", field="TARGET")
        target.log.set_setting("sealed", "1" if source.sealed else "0")
        rows = source.conn.execute(f"SELECT {COLUMNS} FROM events WHERE position > ? ORDER BY position",
                                 (held.position,))
        copied = 0
        while chunk := rows.fetchmany(CHUNK):
            target.conn.executemany(INSERT, chunk)
            copied += len(chunk)
            if progress:
                progress(len(chunk))
        source_keys, target_keys = source.log.keyring(), target.log.keyring()
        if source.sealed and source_keys.exists():  # a key the target holds already wins; never an erased case's
            erased = set(source.forgotten())
            keys = {**source_keys.dump(), **(target_keys.dump() if target_keys.exists() else {})}
            target_keys.restore({name: value for name, value in keys.items()
                                 if not (name.startswith("case:") and name[5:] in erased)})
    except BaseException:
        target.log.rollback()
        raise
    if copied:
        ended = target.last()
        target.kept.committing(ended.position, ended.hash, copied)
    target.log.commit()
    target.kept.committed()
    target.sealed = source.sealed
    target._sealer = None
    last = target.last()
    return AppendReport(copied, 0, held.position + 1 if copied else None, last.position if copied else None)
