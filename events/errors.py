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
