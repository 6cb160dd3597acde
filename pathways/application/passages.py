"""The quotes of the cases in their paragraphs, from the transcripts `import --with-sources` kept:
read from the log (the read model holds no transcript), for `show --context` and the report."""

from __future__ import annotations

from collections.abc import Iterable

from events.envelope import case_stream
from events.rules.corrections import corrected
from events.store import EventStore

from pathways.refi.transcripts import TYPE, Passage, passages


def case_passages(store: EventStore, case: str) -> dict[str, Passage]:
    """The case's quotes in their paragraphs, by event id (empty when no transcript is kept)."""
    stream = store.require_case(case, field="CASE")
    live, _ = corrected(list(store.read(streams=[stream], live=True)))
    return passages(live)


def all_passages(store: EventStore, cases: Iterable[str]) -> dict[str, dict[str, Passage]]:
    """`case_passages` of each of these cases that keeps a transcript, by case (the others are not read)."""
    keeping = set(store.streams_holding(TYPE))
    found = {}
    for case in cases:
        if case_stream(case) not in keeping:
            continue
        live, _ = corrected(list(store.read(streams=[case_stream(case)], live=True)))
        kept = passages(live)
        if kept:
            found[case] = kept
    return found
