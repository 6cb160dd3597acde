"""The quotes of the cases in their paragraphs, from the transcripts `import --with-sources` kept:
read from the log (the read model holds no transcript), for `show --context` and the report."""

from __future__ import annotations

from events.envelope import case_stream
from events.rules.corrections import corrected
from events.store import EventStore

from pathways.refi.transcripts import TYPE, Passage, passages


def case_passages(store: EventStore, case: str) -> dict[str, Passage]:
    """The case's quotes in their paragraphs, by event id (empty when no transcript is kept)."""
    return _of_stream(store, store.require_case(case, field="CASE"))


def _of_stream(store: EventStore, stream: str) -> dict[str, Passage]:
    live, _ = corrected(list(store.read(streams=[stream], live=True)))
    return passages(live)


class KeptPassages:
    """`case_passages` read a case at a time, as the report writes its page (`.get(case, default)`):
    a report over every case holds one case's transcripts, not all of them."""

    def __init__(self, store: EventStore) -> None:
        self.store, self.keeping = store, set(store.streams_holding(TYPE))

    def get(self, case: str, default: dict | None = None) -> dict[str, Passage] | None:
        if case_stream(case) not in self.keeping:
            return default
        return _of_stream(self.store, case_stream(case)) or default
