"""The bundled demo data sets: the study's ten cases coded as events (one JSON Lines file per case), and
the street-level vignettes of the article on discretion (`street_level/`: one contact per client,
told by the caseworker)."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from events.envelope import NewEvent
from events.ingest.readers import read_events


def case_files() -> list[Path]:
    """The bundled case files in their numbered order."""
    folder = resources.files(__name__)
    return sorted(Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith(".jsonl"))


def study_cases() -> list[str]:
    """The ids of the study's ten cases (file names are `NN-<case id>.jsonl`)."""
    return [path.stem.split("-", 1)[1] for path in case_files()]


def street_level_files() -> list[Path]:
    """The street-level vignettes."""
    folder = resources.files(__name__).joinpath("street_level")
    return sorted(Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith(".jsonl"))


def events() -> Iterator[NewEvent]:
    """Every bundled event, file by file (fixed event ids: loading twice changes nothing)."""
    for path in [*case_files(), *street_level_files()]:
        yield from read_events(path)
