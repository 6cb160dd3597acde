"""Rich renderables for the terminal, built from result objects (never from SQL or raw rows)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from events.envelope import Event


def _summary(event: Event) -> str:
    data = event.data
    if event.type == "CaseOpened":
        return f"{data.get('origin')} {data.get('motive')} arrival {data.get('arrival', '?')}"
    if event.type == "ContactRecorded":
        effects = " ".join(f"{e['variable']}:{e['direction']}" for e in data.get("effects", []))
        return f"{data['actor']} {data['kind']} {data.get('perceived', '')} {effects}".strip()
    if event.type == "ContactAbsent":
        return f"no contact {data['from']}..{data.get('to', '')} {data.get('actor', '')}".strip()
    if event.type == "StateObserved":
        return f"{data['variable']} {data.get('direction') or data.get('level', '')}"
    if event.type == "LinkCoded":
        return f"{data['from']} -> {data['to']} ({data['sign']})"
    if event.type == "ExpectationFormed":
        return ", ".join(f"{link['from']} -> {link['to']} ({link['sign']})" for link in data["links"])
    if event.type == "LoopCoded":
        return f"{' -> '.join(data['variables'])}: {data['polarity']} {data.get('valence', '')}".strip()
    if event.type == "EventRetracted":
        return f"{data['ref']}: {data['reason']}"
    return data.get("key", "")


def log_table(events: Sequence[Event]) -> Table:
    table = Table(title=f"{len(events)} events", show_lines=False)
    for column in ("pos", "ref", "type", "occurred", "summary", "hash"):
        table.add_column(column, no_wrap=column != "summary")
    for event in events:
        table.add_row(str(event.position), event.ref, event.type, event.occurred or "",
                      Text(_summary(event)), event.hash[:10])
    return table
