"""User-facing errors. The CLI maps each to one line and an exit code; tracebacks are for bugs."""

from __future__ import annotations


class PathwaysError(Exception):
    """Base of every error a user can cause. `exit_code` 2 is bad input, 1 a conflict or failed check."""

    exit_code = 2

    def __init__(self, reason: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.file = file
        self.line = line
        self.field = field

    def located(self, *, file: str | None = None, line: int | None = None) -> "PathwaysError":
        """Fill in where the bad input came from, keeping what is already known."""
        self.file = self.file or file
        self.line = self.line if self.line is not None else line
        return self

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


class InvalidEvent(PathwaysError):
    """An event (or a line of an import file) that breaks the schema, the catalogue or the ref rules."""


class UnknownCase(PathwaysError):
    """A case id that names no opened case."""


class Conflict(PathwaysError):
    """Optimistic-concurrency or identity conflict: nothing was written."""

    exit_code = 1


class Erased(Conflict):
    """The case was erased: nothing can be added to it, and nothing of it can be read."""


class Busy(PathwaysError):
    """Another writer held the log's write lock past the waiting limit: nothing was written."""

    exit_code = 1


class StorageError(PathwaysError):
    """The machine refused: disk full, no permission, a folder where a file should be, an I/O error."""

    exit_code = 3


INTERNAL_EXIT = 4
"""The exit code of a bug: an error the program did not foresee (its own code, so scripts can tell)."""
