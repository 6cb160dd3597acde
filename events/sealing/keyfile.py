"""The key file beside a SQLite database: the secrets that must not travel with the log.

It holds each sealed case's data key and the project's secret for keyed pseudonyms. It is created
with mode 0600 and replaced atomically (a new file renamed over the old one), and the old file's
bytes are overwritten with zeros before it is let go, so that an erased key leaves no copy in it.
Every read-modify-write holds an exclusive lock on a lock file beside it: two writers never lose
each other's keys.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from events.errors import StorageError

FORMAT = "pathways-keys"


def key_path(database: Path) -> Path:
    """`project.db` keeps its keys in `project.db.keys`."""
    return database.with_name(database.name + ".keys")


class KeyFile:
    """The `Keyring` of a SQLite database (see events/sealing.py)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)

    def exists(self) -> bool:
        return self.path.exists()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        lock = self.path.with_name(f".{self.path.name}.lock")
        try:
            descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise StorageError(f"cannot lock the key file {self.path}: {error.strerror}") from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)

    def _load(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"format": FORMAT, "version": 1, "cases": {}}
        try:
            content = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise StorageError(f"cannot read the key file {self.path}: {error}") from None
        if not isinstance(content, dict) or content.get("format") != FORMAT:
            raise StorageError(f"{self.path} is not a pathways key file")
        content.setdefault("cases", {})
        return content

    def _save(self, content: dict[str, Any]) -> None:
        partial = self.path.with_name(f".{self.path.name}.partial")
        try:
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(content, handle, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(partial, 0o600)
            old = os.open(self.path, os.O_RDWR) if self.path.exists() else None
            try:
                os.replace(partial, self.path)
                if old is not None:  # the replaced file's blocks: zeros, not old keys
                    size = os.fstat(old).st_size
                    os.pwrite(old, b"\0" * size, 0)
                    os.fsync(old)
            finally:
                if old is not None:
                    os.close(old)
            folder = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
        except OSError as error:
            raise StorageError(f"cannot write the key file {self.path}: {error.strerror}") from None

    def keys(self) -> dict[str, bytes]:
        return {case: bytes.fromhex(key) for case, key in self._load()["cases"].items()}

    def add(self, keys: dict[str, bytes]) -> None:
        with self._locked():
            content = self._load()
            content["cases"].update({case: key.hex() for case, key in keys.items()})
            self._save(content)

    def destroy(self, cases: set[str]) -> int:
        with self._locked():
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
                self._save(content)
            return bytes.fromhex(content["project"])

    def dump(self) -> dict[str, str]:
        content = self._load()
        dumped = {f"case:{case}": key for case, key in content["cases"].items()}
        if "project" in content:
            dumped["project"] = content["project"]
        return dumped

    def restore(self, content: dict[str, str]) -> None:
        with self._locked():
            restored: dict[str, Any] = {"format": FORMAT, "version": 1, "cases": {}}
            for name, value in content.items():
                if name == "project":
                    restored["project"] = value
                elif name.startswith("case:"):
                    restored["cases"][name[5:]] = value
            self._save(restored)
