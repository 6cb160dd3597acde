"""Exports to the formats other tools read: the events themselves (jsonl, csv), process mining (xes),
sequence analysis (spell, sts) and system dynamics or network tools (graphml, xmile).

Every writer streams: it takes an iterable of per-case results and writes as it goes, so memory stays
flat in the number of cases.
"""

from __future__ import annotations

FORMATS = ("jsonl", "csv", "xes", "spell", "sts", "graphml", "xmile")
EVENT_FORMATS = ("jsonl", "csv")

from collections.abc import Callable, Iterator
from itertools import chain
from typing import IO

from events.ingest import readers as event_io
from events.envelope import CATALOGUE_STREAM, Event, case_stream
from events.rules import usage
from events.errors import PathwaysError
from events.store import EventStore

from pathways.analysis.pathway import Settings
from pathways.projections.runner import Projector


def check_format(fmt: str, others: tuple[str, ...] = ()) -> None:
    """Refuse a format no exporter here writes, naming every one the command takes (these and `others`)."""
    if fmt not in FORMATS:
        raise PathwaysError(f"unknown format '{fmt}' (use one of: {', '.join((*FORMATS, *others))})", field="--format")


def export(store: EventStore, settings: Settings, fmt: str, out: IO[str], *, case: str | None = None,
           pooled: bool = False, secret: bytes | None = None) -> int:
    """Write the log or its projections in `fmt`; returns how many records (events, traces, rows or graphs).
    With the project's `secret`, pseudonymised: keyed pseudonyms for cases, no free text, years only."""
    check_format(fmt)
    if case is not None:
        store.require_case(case, field="--case")
    if pooled and fmt != "graphml":
        raise PathwaysError("--pooled goes with --format graphml", field="--pooled")
    if fmt in EVENT_FORMATS:
        events = store.read(streams=[case_stream(case)] if case else None, raw=True, live=True)
        if case is not None:  # with the project's own keys it uses, so that it imports anywhere
            events = list(events)
            keys = usage.used_by(store.registry, events)
            carried = usage.definitions_for(store.read(streams=[CATALOGUE_STREAM], raw=True), keys)
            events = chain((_Carried(*event) for event in carried), events)
        if secret is not None:
            return _write_pseudonymised(fmt, events, secret, out)
        return (event_io.write_jsonl if fmt == "jsonl" else event_io.write_csv)(events, out)
    projector = Projector(store, settings)

    def analyses() -> Iterator:
        if secret is None:
            return projector.current(case)
        from pathways.outputs.pseudonymise import pseudonymise

        return (pseudonymise(analysis, secret) for analysis in projector.current(case))

    if fmt in XML_FORMATS:  # the log head the file was made from, as a comment after the root element
        count = _write_xml(fmt, analyses, store, out, pooled, one_case=case is not None)
        if secret is None:  # pseudonymised, hashes and positions go: a head would tie the file to the log
            out.write(f"<!-- pathways log head {store.last()} -->\n")
        return count
    if fmt == "spell":
        from pathways.outputs.exchange import sequences

        return sequences.write_spell(analyses(), out)
    from pathways.outputs.exchange import sequences

    return sequences.write_sts(analyses, out)


XML_FORMATS = ("xes", "graphml", "xmile")


class _Carried(Event):
    """A project's definition carried by a per-case export: without its place in the catalogue stream
    (the other definitions stay behind), so that it imports after whatever the target holds."""

    __slots__ = ()

    def envelope(self) -> dict:
        return {**Event.envelope(self), "version": None}


def _write_pseudonymised(fmt: str, events: Iterator, secret: bytes, out: IO[str]) -> int:
    import csv
    import json

    from pathways.outputs.pseudonymise import pseudonymise_envelope

    versions: dict[str, int] = {}
    records = (record for record in (pseudonymise_envelope(event.envelope(), secret, versions) for event in events)
               if record is not None)
    count = 0
    if fmt == "jsonl":
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
        return count
    columns = ("case", "stream", "type", "schema_version", "occurred", "data")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([json.dumps(record[c], sort_keys=True) if c == "data" else
                         event_io.defuse(str(record.get(c) or "")) for c in columns])
        count += 1
    return count


def _write_xml(fmt: str, analyses: Callable[[], Iterator], store: EventStore, out: IO[str], pooled: bool,
               one_case: bool = False) -> int:
    if fmt == "xes":
        from pathways.outputs.exchange import xes

        return xes.write(analyses(), out)
    from pathways.outputs.exchange import graphs

    if fmt == "graphml":
        return graphs.write_graphml(analyses(), store.catalogue(), out, pooled=pooled, one_case=one_case)
    return graphs.write_xmile(analyses(), store.catalogue(), out)
