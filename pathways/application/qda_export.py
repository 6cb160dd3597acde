"""The log out as REFI-QDA: the catalogue in force as a codebook (`.qdc`), and the cases as a project
(`.qdpx`) that `pathways import` reads back to the same events and loops. The format is written by
`exchange/refi/writer.py`; this module reads the log and the analyses for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from events import dates
from events.envelope import Event, case_stream
from events.errors import PathwaysError
from events.store import EventStore
from events.timestamps import utc_now
from events.rules.corrections import corrected
from events.rules.validate import Ref

from pathways.refi import codebook as book
from pathways.refi import transcripts, writer
from pathways.analysis.pathway import Settings, effective_dates, live_events
from pathways.projections.runner import Projector

ORIGIN = "pathways 0.1.0"
EVENT_CODE = {"ContactRecorded": "contact", "ContactAbsent": "absence", "StateObserved": "state",
              "ExpectationFormed": "expectation", "LinkCoded": "link"}


@attrs.frozen
class Exported:
    path: str
    cases: int
    selections: int
    links: int
    sets: int
    graphs: int
    skipped: int
    """Events the convention has no selection for (a researcher's LoopCoded reading)."""


def export_codebook(store: EventStore, out: Path) -> int:
    """Write the catalogue in force as a `.qdc`; returns how many codes it holds."""
    root = book.tree(store.catalogue())
    _write(out, writer.codebook(root, ORIGIN))
    return _count(root)


def _count(node: book.Node) -> int:
    return 1 + sum(_count(child) for child in node.children)


def export_project(store: EventStore, settings: Settings, out: Path, *, case: str | None = None,
                   secret: bytes | None = None) -> Exported:
    """Write the cases (or one) as a `.qdpx`; with the project's `secret`, pseudonymised."""
    if case is not None:
        store.require_case(case, field="--case")
    cases, skipped = [], 0
    for analysis in Projector(store, settings).current(case):
        events = list(store.read(streams=[case_stream(analysis.case)], live=True))
        exported, dropped = _case(analysis, events, secret)
        cases.append(exported)
        skipped += dropped
    occurred = {e.occurred for c in cases for e in c.events if e.occurred}
    until = {p.split("/", 1)[1] for c in cases for e in c.events for p in e.paths if p.startswith("until/")}
    root = book.tree(store.catalogue(), occurred, until)
    written = writer.project(cases, root, origin=ORIGIN, created=utc_now())
    _write(out, written.data)
    return Exported(str(out), len(cases), written.selections, written.links, written.sets, written.graphs, skipped)


def _write(out: Path, data: bytes) -> None:
    """Whole or not at all: a new file readable by its owner only (it holds quotes), a replaced one
    keeping its mode."""
    import os
    import tempfile

    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir() or out.is_dir():
        raise PathwaysError(f"cannot write {out}: {'it is a folder' if out.is_dir() else 'no such folder'}",
                            field="--out")
    handle, partial = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.", suffix=".partial")
    try:
        if out.exists():
            os.chmod(partial, out.stat().st_mode & 0o7777)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(partial, out)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def _case(analysis: Any, events: list[Event], secret: bytes | None) -> tuple[writer.ExportCase, int]:
    live, _ = live_events(events)
    effective = effective_dates(live)
    opening = next((e for e in live if e.type == "CaseOpened"), None)
    info = dict(opening.data) if opening is not None else {}
    name, loops, edges = analysis.case, analysis.loops, analysis.graph.edges
    if secret is not None:
        from pathways.outputs.pseudonymise import pseudonym, pseudonymise

        shared = pseudonymise(analysis, secret)
        name, loops, edges = pseudonym(analysis.case, secret), shared.loops, shared.graph.edges
        info = {key: (value[:4] if key == "arrival" else value) for key, value in info.items() if key != "notes"}
    versions = {e.event_id: e.version for e in live}
    selections = {e.version: _selection(e, name, secret is not None) for e in live}
    ordered = sorted((e for e in live if e.type != "CaseOpened"),
                     key=lambda e: (dates.sort_key(effective[e.version]) if effective[e.version] else (0, 0, 0),
                                    e.version))
    exported = [_event(e, name, versions, selections, secret is not None) for e in ordered if e.type in EVENT_CODE]
    kept = {} if secret is not None else transcripts.join(corrected(events)[0])
    if kept:
        exported = [attrs.evolve(ex, at=_located(e, ex.quote, kept)) for e, ex in
                    zip([e for e in ordered if e.type in EVENT_CODE], exported)]
    values = tuple((key, str(info[key])) for key in ("origin", "motive", "arrival") if info.get(key))
    sources = tuple(writer.KeptSource(t.source, t.name, t.text) for t in kept.values())
    return (writer.ExportCase(name, values, info.get("notes"), tuple(exported), tuple(loops), tuple(edges), sources),
            sum(1 for e in ordered if e.type not in EVENT_CODE))


def _located(event: Event, quote: str | None, kept: dict[str, Any]) -> tuple[str, int, int] | None:
    """Where the event's quote lies in a kept transcript: the positions it was imported from, while the
    text there is still its quote (an amended quote goes to the case's source of quotes)."""
    refi = (event.meta or {}).get("refi")
    if not isinstance(refi, dict) or refi.get("source") not in kept or not quote:
        return None
    start, end = refi.get("start"), refi.get("end")
    if not isinstance(start, int) or not isinstance(end, int) or kept[refi["source"]].text[start:end] != quote:
        return None
    return refi["source"], start, end


def _selection(event: Event, case: str, private: bool) -> str:
    """Its selection's GUID: the one it was imported from, else one derived from its id (from its
    pseudonymous ref in a pseudonymised export, which shares no event id)."""
    if private:
        return writer.guid("selection", f"{case}#{event.version}")
    refi = (event.meta or {}).get("refi")
    if isinstance(refi, dict) and isinstance(refi.get("selection"), str):
        return refi["selection"]
    return writer.selection_guid(event.event_id)


def _event(event: Event, case: str, versions: dict[str, int], selections: dict[int, str],
           private: bool) -> writer.ExportEvent:
    data, meta = event.data, event.meta or {}
    occurred = event.occurred[:4] if private and event.occurred else event.occurred
    if event.type == "ContactAbsent":
        occurred = occurred or (data["from"][:4] if private else data["from"])
    paths = [EVENT_CODE[event.type], *_paths(event.type, data, occurred, private)]
    causes = []
    for text in data.get("because" if event.type != "LinkCoded" else "evidence", []):
        ref = Ref.parse(text)
        version = ref.version if ref.version is not None else versions.get((ref.event_id or "").lower())
        if version in selections:
            causes.append((selections[version], ref.variable))
    quote = None if private else {"ContactRecorded": data.get("quote"), "StateObserved": data.get("quote"),
                                  "ExpectationFormed": data.get("statement")}.get(event.type, meta.get("quote"))
    described = None if private else data.get("outcome") if event.type == "ContactRecorded" else \
        data.get("level") if event.type == "StateObserved" and isinstance(data.get("level"), str) else None
    return writer.ExportEvent(f"{case}#{event.version}", event.type, occurred,
                              None if private else event.recorded_by, dict(data), quote, tuple(paths),
                              tuple(causes), described, selections[event.version])


def _paths(type_: str, data: dict[str, Any], occurred: str | None, private: bool) -> list[str]:
    """The pathways codes of an event's selection, besides its event code."""
    paths = [f"{group}/{data[group]}" for group in ("actor", "role", "kind", "perceived", "discretion", "account",
                                                    "variable", "direction") if isinstance(data.get(group), str)]
    if type_ == "LinkCoded":
        paths += [f"{group}/{data[group]}" for group in ("from", "to", "sign") if data.get(group)]
        if isinstance(data.get("confidence"), str):
            paths.append(f"confidence/{data['confidence']}")
    if type_ == "ExpectationFormed" and data.get("links"):
        link = data["links"][0]
        paths += [f"from/{link['from']}", f"to/{link['to']}", f"sign/{link['sign']}"]
    paths += [f"effect/{effect['variable']}/{effect['direction']}" for effect in data.get("effects", [])]
    paths += [f"condition/{name}/{value}" for name, value in (data.get("conditions") or {}).items()]
    if occurred:
        paths.append(f"occurred/{occurred}")
    if type_ == "ContactAbsent" and data.get("to"):
        paths.append(f"until/{data['to'][:4] if private else data['to']}")
    return paths
