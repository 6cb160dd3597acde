"""REFI-QDA projects in and out of the log: the application glue between `exchange/refi` (the format,
pure) and the store. A project imports through the same append as a JSON Lines file: its selections
become import records (`convention`), the records `NewEvent`s (`events.io.to_new_event`), and the
store appends them in one transaction, all or nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import attrs

from events.ingest import readers as event_io
from events.envelope import Event, case_stream
from events.errors import Conflict, InvalidEvent, PathwaysError
from events.rules.corrections import corrected
from events.store import EventStore

from pathways.refi import mapping as code_map
from pathways.refi import reader, transcripts
from pathways.refi.convention import Conversion, convert, describe, retraction_id
from pathways.refi.model import Project
from pathways.refi.writer import guid as export_guid
from pathways.refi.writer import selection_guid

SUFFIXES = (".qdpx", ".qde", ".qdc")


def is_project(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


@attrs.frozen
class Imported:
    appended: int
    skipped: int
    retracted: int
    cases: int
    selections: int
    dry_run: bool
    first_position: int | None
    last_position: int | None
    transcripts: int = 0
    """Sources whose text this import newly keeps with their cases (`--with-sources`): texts appended."""
    transcripts_known: int = 0
    """Sources whose text the log kept already (a second `--with-sources` import): nothing appended for them."""


class NoPathwaysCodes(InvalidEvent):
    """A project with nothing coded by the pathways codebook (nor mapped onto it)."""


def read(path: Path, map_file: Path | None, store: EventStore | None) -> tuple[Project, Conversion]:
    """The project in the file and its conversion (problems included, nothing raised for them)."""
    catalogue = store.catalogue() if store is not None else _shipped()
    mapping = code_map.load(map_file, catalogue) if map_file is not None else code_map.CodeMap()
    project = reader.read(path)
    return project, convert(project, mapping)


def _shipped():
    from events.rules.catalogue import shipped

    return shipped()


def no_codes_reason(path: Path, project: Project, conversion: Conversion) -> str:
    tool = f" ({project.origin})" if project.origin else ""
    what = ("a codebook only, with no sources and no coded selections" if project.codebook_only or
            not project.selections() else "coded with its own codebook")
    top = ", ".join(f"{name} ({count})" for name, count in conversion.used[:5]) or "none"
    example = conversion.used[0][0] if conversion.used else "Contacts/IND"
    return (f"no pathways codes: the project{tool} is {what}; its most used codes: {top}; map them onto the "
            f"pathways codebook with --map FILE.toml ([codes] \"{example}\" = \"actor/ind\"), or code with it "
            "(`pathways codebook --format qdc --out pathways.qdc`)")


def import_project(store: EventStore, path: Path, *, map_file: Path | None = None, sync: bool = False,
                   dry_run: bool = False, with_sources: bool = False,
                   waiting: Callable[[float], None] | None = None) -> Imported:
    """Append what the project codes, in one transaction: all of it, or (on any problem) nothing. With
    `with_sources`, each case also keeps the plain text of its sources (`SourceText` events)."""
    project, conversion = read(path, map_file, store)
    if conversion.pathways_coded == 0:
        raise NoPathwaysCodes(no_codes_reason(path, project, conversion), file=str(path))
    if conversion.problems:
        more = len(conversion.problems) - 1
        raise InvalidEvent(conversion.problems[0] + (f" (and {more} more: `pathways qda inspect {path}` lists them)"
                                                     if more else ""), file=str(path))
    cases = {record["case"] for record in conversion.records}
    stored = _stored(store, cases)
    records, whence, known = _new_records(store, conversion, stored, path, sync)
    retractions = _retractions(project, conversion, stored, path) if sync else []
    records += [record for record, _ in retractions]
    whence += [who for _, who in retractions]
    key = store.log.keyring().project_secret() if with_sources and store.sealed else None  # ids of kept texts
    kept = _source_texts(project, conversion, key) if with_sources else []
    records += [record for record, _ in kept if record["event_id"] not in stored]
    whence += [who for record, who in kept if record["event_id"] not in stored]
    known += sum(1 for record, _ in kept if record["event_id"] in stored)
    events = [event_io.to_new_event(record, line=index) for index, record in enumerate(records, start=1)]
    try:
        report = store.append(events, dry_run=dry_run, waiting=waiting)
    except PathwaysError as error:
        raise _located(error, path, whence) from None
    return Imported(report.appended, report.skipped + known, len(retractions), len(cases),
                    sum(1 for record in conversion.records if record["type"] != "CaseOpened"), dry_run,
                    report.first_position, report.last_position,
                    *_kept_counts([record for record, _ in kept], stored))


def _kept_counts(kept: list[dict[str, Any]], stored: dict[str, Event]) -> tuple[int, int]:
    """How many sources' texts are newly kept (some part appended) and how many were kept already."""
    new = {(r["case"], r["data"]["source"]) for r in kept if r["event_id"] not in stored}
    every = {(r["case"], r["data"]["source"]) for r in kept}
    return len(new), len(every - new)


def _source_texts(project: Project, conversion: Conversion, key: bytes | None) -> list[tuple[dict[str, Any], str]]:
    """The `SourceText` records of each imported case: the sources it holds by `SourceRef` and those its
    coded selections lie in, in the project's order, each split into parts under the event limits."""
    sources_of: dict[str, set[str]] = {}
    for record in conversion.records:
        held = sources_of.setdefault(record["case"], set())
        refi = record.get("meta", {}).get("refi", {})
        if record["type"] != "CaseOpened" and isinstance(refi.get("source"), str):
            held.add(refi["source"])
    for case in project.cases:
        if case.name in sources_of:
            sources_of[case.name].update(case.sources)
    found = []
    for case, held in sources_of.items():
        for source in project.sources:
            if source.guid in held and source.text is not None:
                who = f"source {describe(source.guid, source.name)}"
                found += [(record, who) for record in transcripts.records(case, source.guid, source.name, source.text,
                                                                          key=key)]
    return found


def _located(error: PathwaysError, path: Path, whence: list[str]) -> PathwaysError:
    """The store's refusal, naming the selection or case it came from instead of a record's number."""
    if error.line is None or not 1 <= error.line <= len(whence):
        return error.located(file=str(path))
    error.file, error.line = f"{path}: {whence[error.line - 1]}", None
    return error


def _stored(store: EventStore, cases: Iterable[str]) -> dict[str, Event]:
    """The events already in the log of the project's cases, by id."""
    streams = [case_stream(case) for case in sorted(cases) if store.head(case_stream(case))]
    return {event.event_id: event for event in store.read(streams=streams, live=True)} if streams else {}


def _new_records(store: EventStore, conversion: Conversion, stored: dict[str, Event], path: Path,
                 sync: bool) -> tuple[list[dict[str, Any]], list[str], int]:
    """The records to append, and how many selections the log holds already. A case already in the log
    is not opened again; a selection already imported (or exported by pathways from this log) is
    skipped while its codes are the same, and refused when they changed (with --sync, amended)."""
    known = _known(stored)
    newest = _as_they_stand(stored)
    records, whence, changed, alias, skipped = [], [], [], {}, 0
    for record, who in zip(conversion.records, conversion.whence):
        if record["type"] == "CaseOpened":
            if not store.head(case_stream(record["case"])):
                records.append(record)
                whence.append(who)
            continue
        before = stored.get(record["event_id"]) or known.get(record["meta"]["refi"]["selection"])
        before = newest.get(before.event_id, before) if before is not None else None
        if before is None:
            records.append(record)
            whence.append(who)
        elif _coding(before.type, before.occurred, before.data) != \
                _coding(record["type"], record.get("occurred"), record["data"]):
            changed.append((record, who, before))
        else:
            alias[record["event_id"]] = before.event_id
            skipped += 1
    if changed and not sync:
        more = f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""
        raise Conflict(f"{changed[0][1]}: its codes changed since it was imported{more}; "
                       "`--sync` amends changed selections", file=str(path))
    records = [_aliased(record, alias) for record in records]
    for record, who, before in changed:
        records.append(amendment(store, _aliased(record, alias), before, path))
        whence.append(who)
    return records, whence, skipped


def _known(stored: dict[str, Event]) -> dict[str, Event]:
    """The stored events by the selection GUID each came from, or was exported under."""
    known = {}
    for event in stored.values():
        if event.type == transcripts.TYPE:
            continue
        refi = event.meta.get("refi") if isinstance(event.meta, dict) else None
        selection = refi.get("selection") if isinstance(refi, dict) else None
        known[selection if isinstance(selection, str) else selection_guid(event.event_id)] = event
    return known


TEXTS = ("quote", "source", "outcome", "level", "statement", "because", "evidence")
"""What is not a code: the texts and positions a selection carries, and its links."""


def _coding(type_: str, occurred: str | None, data: dict[str, Any]) -> tuple:
    return type_, occurred, {key: value for key, value in data.items() if key not in TEXTS}


def _aliased(record: dict[str, Any], alias: dict[str, str]) -> dict[str, Any]:
    """Causes that are events already in the log cited by their stored ids."""
    data = record["data"]
    for key in ("because", "evidence"):
        if key in data:
            data = {**data, key: [alias.get(ref.split(":")[0], ref.split(":")[0]) + ref[len(ref.split(":")[0]):]
                                  for ref in data[key]]}
    return {**record, "data": data}


def amendment(store: EventStore, record: dict[str, Any], before: Event, path: Path) -> dict[str, Any]:
    """The amend half of `--sync`: a selection whose codes changed becomes an `EventAmended` of its
    event, the reason naming the project file; the event keeps its ref and what cites it."""
    data = {"ref": before.event_id, "type": before.type, "schema_version": store.registry.latest(before.type),
            "data": record["data"], "reason": f"its codes changed in {path.name}"}
    if record.get("occurred") != before.occurred and record.get("occurred") is not None:
        data["occurred"] = record["occurred"]
    return {"type": "EventAmended", "case": before.case, "data": data, "recorded_by": record.get("recorded_by"),
            "meta": {"refi": record["meta"]["refi"]}}


def _as_they_stand(stored: dict[str, Event]) -> dict[str, Event]:
    """The stored events by id, each amended one as its newest correction says (case by case)."""
    by_case: dict[str, list[Event]] = {}
    for event in stored.values():
        by_case.setdefault(event.stream, []).append(event)
    newest = {}
    for events in by_case.values():
        for event in corrected(sorted(events, key=lambda e: e.version))[0]:
            newest[event.event_id] = event
    return newest


def _retractions(project: Project, conversion: Conversion, stored: dict[str, Event],
                 path: Path) -> list[tuple[dict[str, Any], str]]:
    """The retraction half of `--sync`: an event from a selection of one of this project's sources that
    is no longer an event in it is retracted, the reason naming the project file."""
    sources = {source.guid for source in project.sources}
    present = {record["meta"]["refi"]["selection"] for record in conversion.records if record["type"] != "CaseOpened"}
    retracted = {str(event.data.get("ref")) for event in stored.values() if event.type == "EventRetracted"}
    found = []
    for event in stored.values():
        if event.type in ("CaseOpened", "EventRetracted", transcripts.TYPE) or \
                event.event_id in retracted or event.ref in retracted:
            continue
        refi = event.meta.get("refi") if isinstance(event.meta, dict) else None
        source, selection = (refi.get("source"), refi.get("selection")) if isinstance(refi, dict) else \
            (export_guid("source", event.case), selection_guid(event.event_id))  # as pathways exported it
        if source not in sources or selection in present:
            continue
        record = {"type": "EventRetracted", "case": event.case, "event_id": retraction_id(selection),
                  "data": {"ref": event.event_id, "reason": f"selection {selection} is gone from {path.name}"}}
        found.append((record, f"selection {describe(selection, '')} (gone)"))
    return found


# -- inspect -------------------------------------------------------------------------------------

def inspect(path: Path, map_file: Path | None = None, store: EventStore | None = None) -> dict[str, Any]:
    """What the project holds and what an import would record (or why it would refuse)."""
    project, conversion = read(path, map_file, store)
    users = {user.guid: user.name for user in project.users}
    sources = {source.guid: source for source in project.sources}
    cases = [{"name": case.name, "guid": case.guid, "variables": dict(case.values),
              "sources": [sources[g].name for g in case.sources if g in sources],
              "selections": len(case.selections)} for case in project.cases]
    by_user = Counter(users.get(c.user or "", "(no user)") for s in project.selections() for c in s.codings)
    would = Counter(record["type"] for record in conversion.records)
    refusal = None
    if conversion.pathways_coded == 0:
        refusal = no_codes_reason(path, project, conversion)
    elif conversion.problems:
        refusal = conversion.problems[0]
    return {
        "file": str(path), "name": project.name, "origin": project.origin, "codebook_only": project.codebook_only,
        "users": [{"name": user.name, "guid": user.guid, "codings": by_user.get(user.name, 0)}
                  for user in project.users],
        "cases": cases,
        "sources": [{"name": s.name, "guid": s.guid, "found": s.text is not None,
                     "code_points": len(s.text) if s.text is not None else None, "selections": len(s.selections)}
                    for s in project.sources],
        "codes": [{"path": name, "used": count} for name, count in conversion.used],
        "would_record": dict(sorted(would.items())), "pathways_coded": conversion.pathways_coded,
        "problems": list(conversion.problems), "refusal": refusal,
    }
