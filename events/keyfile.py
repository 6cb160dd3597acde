"""The key file beside a database: secrets that must not travel with the log.

It holds the project's secret for keyed pseudonyms (so a pseudonymised export or report cannot be
linked back to case ids without it). It is created with mode 0600 and replaced atomically, never
edited in place.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from .errors import StorageError

FORMAT = "pathways-keys"


def key_path(database: Path) -> Path:
    """`project.db` keeps its keys in `project.db.keys`."""
    return database.with_name(database.name + ".keys")


class KeyFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"format": FORMAT, "version": 1}
        try:
            content = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise StorageError(f"cannot read the key file {self.path}: {error}") from None
        if not isinstance(content, dict) or content.get("format") != FORMAT:
            raise StorageError(f"{self.path} is not a pathways key file")
        return content

    def _save(self, content: dict[str, Any]) -> None:
        partial = self.path.with_name(f".{self.path.name}.partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(content, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(partial, 0o600)
        os.replace(partial, self.path)

    def project_secret(self) -> bytes:
        """The project's pseudonym secret, made (256 random bits) on first use."""
        content = self._load()
        if "project" not in content:
            content["project"] = secrets.token_hex(32)
            self._save(content)
        return bytes.fromhex(content["project"])
