"""The bundled demo data set: the study's cases coded as events, one JSON Lines file per case."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from events.envelope import NewEvent
from events.io import read_events


def case_files() -> list[Path]:
    """The bundled case files in their numbered order."""
    folder = resources.files(__name__)
    return sorted(Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith(".jsonl"))


def events() -> Iterator[NewEvent]:
    """Every bundled event, file by file (fixed event ids: loading twice changes nothing)."""
    for path in case_files():
        yield from read_events(path)
