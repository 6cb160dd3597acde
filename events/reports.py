"""What the log's operations report: an append, a check, the log's head, an erased case."""

from __future__ import annotations

import re

import attrs

from events.errors import InvalidEvent


@attrs.frozen
class AppendReport:
    appended: int
    skipped: int
    first_position: int | None
    last_position: int | None
    dry_run: bool = False
    other_coder: int = 0
    """Of the skipped: events stored before under the same id and content but another `recorded_by`."""


@attrs.frozen
class Forgotten:
    """A case erased by `CaseForgotten`: where and when, and the reason (in clear, naming no person)."""

    case: str
    position: int
    recorded_at: str
    reason: str


@attrs.frozen
class VerifyReport:
    ok: bool
    checked: int
    broken_position: int | None = None
    reason: str | None = None


@attrs.frozen
class Head:
    """The last event of the log: what `verify --head` later proves is still there, unchanged."""

    position: int
    hash: str

    def __str__(self) -> str:
        return f"{self.position}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> "Head":
        position, sep, hash_ = text.partition(":")
        if not sep or not position.isascii() or not position.isdigit() or not re.fullmatch(r"[0-9a-f]{64}", hash_):
            raise InvalidEvent(f"'{text}' is not POSITION:HASH (as `pathways head` prints it)", field="--head")
        return cls(int(position), hash_)
