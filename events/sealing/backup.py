"""Backups of a sealed log's keys: the only way back after the key file (or key table) is lost.

A backup holds every case key and the project's secret at the time it was taken. Restoring it
merges it with what is still held (a key held now wins) and then destroys again the keys of every
case the log says was erased: a backup never brings back a forgotten case.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import attrs

from events.errors import PathwaysError, StorageError
from events.store import EventStore
from events.timestamps import utc_now

FORMAT = "pathways-key-backup"


@attrs.frozen
class Restored:
    keys: int
    erased: int
    """Keys of the backup whose cases were erased since: destroyed again."""
    missing: int
    """Live cases of the log that still have no key (opened after the backup was taken)."""


def _sealed(store: EventStore) -> None:
    if not store.sealed:
        raise PathwaysError(f"{store.path} is an open database: it has no keys to back up or restore", field="--db")


@attrs.frozen
class BackedUp:
    keys: int
    finished: tuple[str, ...] = ()
    """Erased cases whose keys were still held (a forget cut short): destroyed first, not backed up."""
    left_out: tuple[str, ...] = ()
    """Erased cases whose keys are still held and could not be destroyed here: left out of the backup."""


def finish_erasures(store: EventStore) -> tuple[list[str], list[str]]:
    """The erased cases whose keys are still held (a forget cut short before its key was destroyed):
    their keys destroyed now; (finished, left) where `left` could not be (the key place is not
    writable here). Whatever writes keys elsewhere (a backup, a copy) leaves them out either way."""
    if not store.sealed or not store.log.keyring().exists():
        return [], []
    store._forgotten = None
    held = sorted(set(store.forgotten()) & set(store.log.keyring().keys()))
    if not held:
        return [], []
    try:
        store.destroy_forgotten_keys()
    except PathwaysError:
        return [], held
    return held, []


def backup(store: EventStore, file: Path) -> BackedUp:
    """Write the keys to a new file (mode 0600), never an erased case's: a forget cut short is
    finished first (its key destroyed) where the key place may be written, else its key left out."""
    _sealed(store)
    keyring = store.log.keyring()
    try:  # read first: a role that may not read the keys (PostgreSQL's auditor) is told so, not "no keys"
        content = keyring.dump()
    except StorageError as error:
        raise StorageError(f"cannot back up the keys: {error}") from None
    if not content and not keyring.exists():
        raise StorageError(f"no keys at {keyring.where}: nothing to back up")
    finished, left = finish_erasures(store)
    erased = set(store.forgotten())
    content = {name: value for name, value in keyring.dump().items()
               if not (name.startswith("case:") and name[5:] in erased)}
    document = {"format": FORMAT, "version": 1, "taken": utc_now(), "head": str(store.last()), "keys": content}
    try:
        descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise PathwaysError(f"{file} exists: a backup is never written over; choose another name", field="FILE") from None
    except OSError as error:
        raise StorageError(f"cannot write {file}: {error.strerror}") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    return BackedUp(sum(name.startswith("case:") for name in content), tuple(finished), tuple(left))


def _read(file: Path) -> dict[str, str]:
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PathwaysError(f"{file}: no such file", field="FILE") from None
    except (OSError, ValueError) as error:
        raise PathwaysError(f"{file} is not a key backup ({error})", field="FILE") from None
    keys = document.get("keys") if isinstance(document, dict) and document.get("format") == FORMAT else None
    if not isinstance(keys, dict) or not all(isinstance(v, str) and len(v) == 64 for v in keys.values()):
        raise PathwaysError(f"{file} is not a pathways key backup (written by `pathways keys backup`)", field="FILE")
    try:
        for value in keys.values():
            bytes.fromhex(value)
    except ValueError:
        raise PathwaysError(f"{file} holds a key that is not hexadecimal: not a pathways key backup", field="FILE") from None
    return keys


def restore(store: EventStore, file: Path) -> Restored:
    _sealed(store)
    restored = _read(file)
    keyring = store.log.keyring()
    store.begin_write()  # no append makes a key while the merged set is written
    try:
        held = keyring.dump() if keyring.exists() else {}
        keyring.restore({**restored, **held})
    except BaseException:
        store.log.rollback()
        raise
    store.log.commit()
    store._sealer = None
    erased = store.destroy_forgotten_keys()
    live = set(store.cases()) - set(store.forgotten())
    missing = len(live - set(store.sealer.keys))
    return Restored(sum(name.startswith("case:") for name in restored), erased, missing)

