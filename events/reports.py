"""What the log's operations report: an append, a check, the log's head, an erased case."""

from __future__ import annotations

import re
from collections.abc import Callable

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


class Kept:
    """What one store object committed to the log, counted so that an interrupt cannot lose it.

    An interrupt (SIGINT) lands between two bytecodes: just after COMMIT returned and before a counter
    was raised, an "interrupted: nothing was written" would be false (and a second import of a file
    without event ids would append it twice). So a commit about to be made is noted first, with the
    hash its last event will have; it is counted when COMMIT returns, or, after an interrupt, when the
    log is found to hold that hash at that position (`settle`). The state is one tuple, replaced whole:
    it is never half-updated."""

    def __init__(self) -> None:
        self._state: tuple[int, tuple[int, str, int] | None] = (0, None)

    def committing(self, position: int, hash_: str, count: int) -> None:
        """Before COMMIT: `count` events whose last is `hash_` at `position`."""
        self._state = (self._state[0], (position, hash_, count))

    def committed(self) -> None:
        """After COMMIT returned."""
        kept, pending = self._state
        self._state = (kept + (pending[2] if pending else 0), None)

    def settle(self, hash_at: Callable[[int], str | None], rollback: Callable[[], None]) -> None:
        """After an error or interrupt: a commit in doubt counts if the log holds its last event once
        a transaction left open (COMMIT never ran) is rolled back, as closing would."""
        kept, pending = self._state
        if pending is None:
            return
        try:
            rollback()
        except Exception:  # noqa: BLE001 - no transaction open: the COMMIT ran
            pass
        try:
            held = hash_at(pending[0]) == pending[1]
        except Exception:  # noqa: BLE001 - the connection may be gone: the commit stays in doubt
            return
        self._state = (kept + (pending[2] if held else 0), None)

    @property
    def events(self) -> int:
        """Events known to be committed."""
        return self._state[0]

    @property
    def in_doubt(self) -> int:
        """Events of a commit that could not be checked (its connection lost in the interrupt)."""
        pending = self._state[1]
        return pending[2] if pending else 0


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
