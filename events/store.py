"""`EventStore`: the event log (`log.py`) with the two ways in that do more than append: a list of new
events prepared on every core when it is big, and an import file read and prepared (`ingest/`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from events.append.batch import VersionConflict
from events.backends import is_server, shown_target
from events.envelope import NewEvent
from events.errors import Erased
from events.log import EventLog, translate
from events.reports import AppendReport, Forgotten, Head, VerifyReport
from events.timestamps import format_timestamp, parse_timestamp, utc_now

__all__ = ["AppendReport", "Erased", "EventStore", "Forgotten", "Head", "VersionConflict", "VerifyReport",
           "format_timestamp", "is_server", "parse_timestamp", "shown_target", "translate", "utc_now"]


class EventStore(EventLog):
    """The log as the application uses it: `append` and `import_file` on top of the sink."""

    def __init__(self, path: str | Path, **options: Any) -> None:
        super().__init__(path, **options)
        self._made = getattr(self.log, "made_file", False)
        self._keys_before = getattr(self.log, "keys_before", True)
        self._abandoned = False

    def abandon(self) -> None:
        """The command that opened this store was refused: if the store made the database file, it
        is removed on closing while it still holds no event (with its key file, if that was made
        too), so that a refused `import` into a new path leaves nothing behind."""
        self._abandoned = self._made

    def close(self) -> None:
        if not self._abandoned:
            return super().close()
        try:
            empty = self.last_position() == 0
        except Exception:  # noqa: BLE001 - unreadable: leave it as it is
            empty = False
        keys = self.log.keyring()
        super().close()
        if not empty:
            return None
        for leftover in (Path(self.path), *(Path(f"{self.path}{end}") for end in ("-wal", "-shm", "-journal"))):
            leftover.unlink(missing_ok=True)
        if not self._keys_before:  # the key file made with the database, and its lock beside it
            keys.path.unlink(missing_ok=True)
            keys.path.with_name(f".{keys.path.name}.lock").unlink(missing_ok=True)
        return None

    def append(self, events: Iterable[NewEvent], *, file: str | None = None, dry_run: bool = False,
               progress: Callable[[int], None] | None = None,
               waiting: Callable[[float], None] | None = None) -> AppendReport:
        """Append a batch in one transaction: all of it, or (on any error) nothing (`ingest.append_events`)."""
        from events.ingest import append_events

        return append_events(self, events, file=file, dry_run=dry_run, progress=progress, waiting=waiting)

    def import_file(self, path: str | Path, fmt: str | None = None, *, dry_run: bool = False,
                    progress: Callable[[int], None] | None = None,
                    waiting: Callable[[float], None] | None = None) -> AppendReport:
        """Append the events of an import file in one transaction (`ingest.import_file`)."""
        from events.ingest import import_file

        return import_file(self, path, fmt, dry_run=dry_run, progress=progress, waiting=waiting)
