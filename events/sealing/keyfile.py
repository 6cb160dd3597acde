"""The key file beside a SQLite database: the secrets that must not travel with the log.

It holds each sealed case's data key and the project's secret for keyed pseudonyms. It is created
with mode 0600 when its database is made, and replaced atomically (a new file renamed over the old
one; through a symlink, in the target's folder and over the target), and the old file's bytes are
overwritten with zeros before it is let go, so that an erased key leaves no copy in it. Every
read-modify-write holds an exclusive lock on a lock file beside it: two writers never lose each
other's keys.

A key file is bound to its database: both keep the database's random id (`database_id` in the
log's settings, `database` in the file). A file of another database is refused (exit 3), for reads
and writes, before one of its keys seals or opens anything. A file written before the id (or for a
log that had none yet) is proved instead: the keys it holds for cases of the log must open those
cases' first events; it is then bound on first use.

A key file is never made again beside a database that holds cases: a missing one is lost, and a new
one would hold only the keys of the cases opened after (the old one, brought back, would lack them).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs

from events.errors import Busy, StorageError

FORMAT = "pathways-keys"
PROVE = 3
"""How many of an unbound key file's cases are opened to prove it belongs to the log."""


def key_path(database: Path) -> Path:
    """`project.db` keeps its keys in `project.db.keys` (beside the real file, not a symlink to it)."""
    return database.with_name(database.name + ".keys")


class KeyFileMismatch(StorageError):
    """The key file belongs to another database: its keys would seal this one's cases wrongly."""


@attrs.frozen
class Binding:
    """What a key file is checked against: the database it belongs to."""

    database: str
    """The database, as messages name it."""
    identity: str | None
    """Its id (None: a log made before ids, opened read-only)."""
    first_sealed: Callable[[str], tuple[str, int, str, str] | None]
    """A case's first event as stored (stream, version, event id, data), None when the log has none."""


class KeyFile:
    """The `Keyring` of a SQLite database (see events/sealing/cipher.py)."""

    def __init__(self, path: Path, binding: Binding | None = None, *, patience: float = 60.0,
                 open_log: bool = False) -> None:
        self.path = path
        self.open_log = open_log  # an open log's file holds only the pseudonym secret: made on first use
        self.where = str(path)
        self.binding = binding
        self.patience = patience  # how long to wait for another process's lock on the file (then Busy)
        self._binds = False

    def exists(self) -> bool:
        return self.path.exists()

    def _target(self) -> Path:
        """The file the keys are written to: the key file, or the file its symlink points to."""
        return Path(os.path.realpath(self.path))

    @contextlib.contextmanager
    def _locked(self, waiting: Callable[..., None] | None = None) -> Iterator[None]:
        """The exclusive lock of the key file, waiting up to `patience` seconds for another process
        (calling `waiting(seconds, what)` about once a second)."""
        target = self._target()
        lock = target.with_name(f".{target.name}.lock")
        try:
            descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise StorageError(f"cannot lock the key file {self.path}: {error.strerror}") from None
        try:
            started = time.monotonic()
            while True:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    waited = time.monotonic() - started
                    if waited >= self.patience:
                        raise Busy(f"the key file {self.path} is locked by another process (waited {waited:.0f}s); "
                                   "try again when it is done") from None
                    if waiting:
                        waiting(waited, f"the lock of the key file {self.path}")
                    time.sleep(min(1.0, max(0.05, waited / 4)))
            yield
        finally:
            os.close(descriptor)

    def _empty(self) -> dict[str, Any]:
        content: dict[str, Any] = {"format": FORMAT, "version": 1, "cases": {}}
        if self.binding is not None and self.binding.identity is not None:
            content["database"] = self.binding.identity
        return content

    def _load(self) -> dict[str, Any]:
        if not self.path.exists():
            return self._empty()
        try:
            content = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise StorageError(f"cannot read the key file {self.path}: {error}") from None
        if not isinstance(content, dict) or content.get("format") != FORMAT or not isinstance(
                content.setdefault("cases", {}), dict):
            raise StorageError(f"{self.path} is not a pathways key file")
        self._check_binding(content)
        return content

    def _mismatch(self, how: str) -> KeyFileMismatch:
        assert self.binding is not None
        return KeyFileMismatch(f"{self.path} is the key file of another database ({how}): its keys would break "
                               f"the cases of {self.binding.database}; move it away and put that database's own key "
                               "file there (or, once it is moved away, `pathways keys restore BACKUP`)")

    def _check_binding(self, content: dict[str, Any]) -> None:
        """Refuse the file of another database; an unbound one must prove itself (and is bound)."""
        if self.binding is None:
            return
        held, mine = content.get("database"), self.binding.identity
        if held is not None and mine is not None:
            if held != mine:
                raise self._mismatch(f"it is bound to database {str(held)[:8]}, this one is {mine[:8]}")
            return
        from events.sealing.cipher import MemoryKeys, Sealer, Tampered

        proved = 0
        for case in sorted(content["cases"]):
            row = self.binding.first_sealed(case)
            if row is None:
                continue
            keys = MemoryKeys()
            try:
                keys.add({case: bytes.fromhex(content["cases"][case])})
                Sealer(keys).open(case, *row)
            except (ValueError, Tampered):
                raise self._mismatch(f"its key for case '{case}' does not open that case's events") from None
            proved += 1
            if proved >= PROVE:
                break
        if held is None and mine is not None:
            content["database"] = mine  # bound from now on (written with the next change, or by `_read`)
            self._binds = True

    def _save(self, content: dict[str, Any], *, create: bool = False) -> None:
        """Write the whole file anew (atomically, 0600, through a symlink onto its target). Only
        `create` makes a file that is not there: anything else would lose keys (see the module)."""
        if not self.path.exists() and not create:
            where = f" beside {self.binding.database}" if self.binding is not None else ""
            raise StorageError(f"the key file {self.path} is missing{where}: no key is written into a new one "
                               "(bring the key file back, or `pathways keys restore BACKUP`)")
        target = self._target()
        partial = target.with_name(f".{target.name}.partial")
        try:
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(content, handle, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(partial, 0o600)
            old = os.open(target, os.O_RDWR) if target.exists() else None
            try:
                os.replace(partial, target)
                if old is not None:  # the replaced file's blocks: zeros, not old keys
                    size = os.fstat(old).st_size
                    os.pwrite(old, b"\0" * size, 0)
                    os.fsync(old)
            finally:
                if old is not None:
                    os.close(old)
            folder = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
        except OSError as error:
            with contextlib.suppress(OSError):
                os.unlink(partial)
            raise StorageError(f"cannot write the key file {self.path}: {error.strerror}") from None

    def _read(self) -> dict[str, Any]:
        """The content for reading; an unbound file that proved itself is bound now, if it can be
        (a read-only folder leaves it unbound: it proves itself again next time)."""
        self._binds = False
        content = self._load()
        if self._binds:
            with contextlib.suppress(StorageError), self._locked():
                self._save(self._load())
        return content

    def create(self) -> bool:
        """Make the key file of a new database (empty, bound to it); False when it is there already."""
        with self._locked():
            if self.path.exists():
                return False
            self._save(self._empty(), create=True)
            return True

    def keys(self) -> dict[str, bytes]:
        return {case: bytes.fromhex(key) for case, key in self._read()["cases"].items()}

    def add(self, keys: dict[str, bytes]) -> None:
        with self._locked():
            content = self._load()
            content["cases"].update({case: key.hex() for case, key in keys.items()})
            self._save(content)

    def destroy(self, cases: set[str], waiting: Callable[..., None] | None = None) -> int:
        with self._locked(waiting):
            content = self._load()
            held = [case for case in cases if case in content["cases"]]
            for case in held:
                del content["cases"][case]
            if held:
                self._save(content)
            return len(held)

    def project_secret(self) -> bytes:
        """The project's pseudonym secret, made (256 random bits) on first use."""
        with self._locked():
            content = self._load()
            if "project" not in content:
                content["project"] = secrets.token_hex(32)
                self._save(content, create=self.open_log)
            return bytes.fromhex(content["project"])

    def dump(self) -> dict[str, str]:
        content = self._read()
        dumped = {f"case:{case}": key for case, key in content["cases"].items()}
        if "project" in content:
            dumped["project"] = content["project"]
        return dumped

    def restore(self, content: dict[str, str]) -> None:
        with self._locked():
            restored = self._empty()
            for name, value in content.items():
                if name == "project":
                    restored["project"] = value
                elif name.startswith("case:"):
                    restored["cases"][name[5:]] = value
            self._save(restored, create=True)
