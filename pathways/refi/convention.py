"""A REFI-QDA project as pathways import records, by DESIGN.md's convention ("REFI-QDA exchange").

A `PlainTextSelection` coded with one event code (`contact`, `absence`, `state`, `expectation`,
`link` under the root code `pathways`) is one event; its other pathways codes fill the fields, its
text (code points `start` to `end` of its source's plain text) is the quote, the user of its event
code's `Coding` the coder. Its `Case` opens the case. A `OneWay` `Link` makes its target cite its
origin. Event ids are UUID v5 of the selection GUIDs. Pure: records in, no storage.
"""

from __future__ import annotations

import heapq
import uuid
from collections import Counter
from collections.abc import Iterable
from typing import Any

import attrs

from events import dates
from events.envelope import is_case_id

from pathways.refi import ROOT_CODE
from pathways.refi.mapping import CASE_VARIABLES, DATE_GROUPS, EVENT_CODES, VALUE_GROUPS, CodeMap, problem
from pathways.refi.model import Case, Project, Selection, Source

ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:pathways:refi-qda")
FIELDS = {  # the value groups and nested groups each event code takes
    "contact": {"actor", "role", "kind", "perceived", "discretion", "account", "occurred", "effect", "condition"},
    "absence": {"actor", "perceived", "account", "occurred", "until", "effect"},
    "state": {"variable", "direction", "account", "occurred"},
    "expectation": {"from", "to", "sign", "account", "occurred"},
    "link": {"from", "to", "sign", "confidence", "account", "occurred"},
}
BECAUSE_NAME = "because:"
"""A link named `because:VARIABLE` names the one effect of its origin that was the cause."""


def event_id(selection_guid: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, selection_guid))


def opening_id(case: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, "case:" + case))


def retraction_id(selection_guid: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, "retracted:" + selection_guid))


def describe(guid: str, name: str) -> str:
    """How a message names a selection or case: its GUID and (shortened) name."""
    short = " ".join(name.split())
    short = short if len(short) <= 40 else short[:39] + "…"
    return f"{guid} '{short}'"


@attrs.frozen
class Coded:
    """A selection read as an event, before its case and causes are known."""

    selection: Selection
    source: Source
    code: str
    """The event code: contact, absence, state, expectation or link."""
    fields: dict[str, str]
    effects: dict[str, str]
    conditions: dict[str, str]
    user: str | None
    text: str
    notes: tuple[str, ...] = ()


@attrs.frozen
class Conversion:
    records: tuple[dict[str, Any], ...]
    """Import envelopes (`type`, `case`, `event_id`, `occurred`, `recorded_by`, `data`, `meta`), in order."""
    whence: tuple[str, ...]
    """For each record, what it came from: `selection GUID 'name'` or `case GUID 'name'`."""
    problems: tuple[str, ...]
    """Bad input, one line each; nothing is to be written while there is any."""
    used: tuple[tuple[str, int], ...]
    """Each code path of the project and how many selections it codes, most used first."""
    pathways_coded: int
    """Selections carrying at least one pathways code (after --map)."""


class _Reading:
    """The state of one conversion: lookups over the project and the problems found."""

    def __init__(self, project: Project, mapping: CodeMap) -> None:
        self.project, self.mapping = project, mapping
        self.problems: list[str] = []
        self.codes = {code.guid: code for code in project.codes}
        self.users = {user.guid: user.name for user in project.users}
        self.notes = dict(project.notes)
        self.sources = {source.guid: source for source in project.sources}
        self.selections = {s.guid: (s, self.sources[s.source]) for s in project.selections()}
        self.order = {s.guid: index for index, s in enumerate(project.selections())}
        """Each selection's place in the file: what orders two at the same position."""

    def pathways_path(self, code_guid: str) -> str | None:
        code = self.codes.get(code_guid)
        if code is None:
            return None
        if code.path[0] == ROOT_CODE and len(code.path) > 1:
            return "/".join(code.path[1:])
        return self.mapping.codes.get(code.text)


def convert(project: Project, mapping: CodeMap = CodeMap()) -> Conversion:
    """The project's import records, or the problems that stop it (each naming a selection or case)."""
    reading = _Reading(project, mapping)
    coded: dict[str, Coded] = {}
    pathways_coded = 0
    for selection, source in reading.selections.values():
        paths = [(reading.pathways_path(c.code), c) for c in selection.codings]
        paths = [(path, coding) for path, coding in paths if path is not None]
        if not paths:
            continue
        pathways_coded += 1
        found = _read_selection(reading, selection, source, paths)
        if found is not None:
            coded[selection.guid] = found
    case_of = _cases_of(reading, coded)
    because = _because(reading, coded, case_of)
    records, whence = _records(reading, coded, case_of, because)
    used = Counter(reading.codes[c.code].text for s, _ in reading.selections.values() for c in s.codings
                   if c.code in reading.codes)
    every = sorted(((code.text, used.get(code.text, 0)) for code in project.codes if code.codable),
                   key=lambda pair: (-pair[1], pair[0]))
    return Conversion(tuple(records), tuple(whence), tuple(reading.problems), tuple(every), pathways_coded)


def _read_selection(reading: _Reading, selection: Selection, source: Source,
                    paths: list[tuple[str, Any]]) -> Coded | None:
    who = f"selection {describe(selection.guid, selection.name)}"
    before = len(reading.problems)
    events = [(path, coding) for path, coding in paths if path in EVENT_CODES]
    if not events:
        reading.problems.append(f"{who}: pathways codes ({', '.join(sorted(p for p, _ in paths))}) but no event "
                                f"code ({', '.join(EVENT_CODES)})")
        return None
    if len({path for path, _ in events}) > 1:
        reading.problems.append(f"{who}: contradicting codes: {' and '.join(sorted({p for p, _ in events}))} "
                                "(one event code a selection)")
        return None
    code, coding = events[0]
    fields: dict[str, str] = {}
    effects: dict[str, str] = {}
    conditions: dict[str, str] = {}
    for path, _ in paths:
        if path in EVENT_CODES:
            continue
        reason = problem(path)
        head, _, rest = path.partition("/")
        if reason is None and head not in FIELDS[code]:
            reason = f"'{path}' does not apply to a {code}"
        if reason is not None:
            reading.problems.append(f"{who}: {reason}")
            continue
        target, key, value = (effects, *rest.split("/")) if head == "effect" else \
            (conditions, *rest.split("/")) if head == "condition" else (fields, head, rest)
        if target.get(key, value) != value:
            shown = f"{head}/{key}" if head in ("effect", "condition") else head
            reading.problems.append(f"{who}: contradicting codes: {shown}/{target[key]} and {shown}/{value}")
        target[key] = value
    needed = {"absence": ("occurred",), "expectation": ("from", "to", "sign")}.get(code, ())
    missing = [group for group in needed if group not in fields]
    if missing:
        reading.problems.append(f"{who}: {'an' if code[0] in 'aeiou' else 'a'} {code} needs a code in "
                                f"{', '.join(missing)} ({'its start' if code == 'absence' else 'its one link'})")
    text = _text(reading, who, selection, source)
    if len(reading.problems) > before or text is None:
        return None
    notes = tuple(reading.notes[note] for note in selection.notes if reading.notes.get(note))
    return Coded(selection, source, code, fields, effects, conditions, reading.users.get(coding.user or ""), text,
                 notes)


def _text(reading: _Reading, who: str, selection: Selection, source: Source) -> str | None:
    """The selection's text, checked against its source at its positions."""
    if source.text is None:
        reading.problems.append(f"{who}: its source {describe(source.guid, source.name)} has no text at {source.where}")
        return None
    start, end, length = selection.start, selection.end, len(source.text)
    if not 0 <= start <= end <= length:
        reading.problems.append(f"{who}: positions {start}-{end} do not lie in its source "
                                f"{describe(source.guid, source.name)} ({length} code points)")
        return None
    text = source.text[start:end]
    name = " ".join(selection.name.split()).rstrip(".…").rstrip()
    if name and text and not " ".join(text.split()).startswith(name):
        reading.problems.append(f"{who}: its text does not match its source {describe(source.guid, source.name)} "
                                f"at positions {start}-{end} (positions count code points from 0, end exclusive)")
        return None
    return text


def _cases_of(reading: _Reading, coded: dict[str, Coded]) -> dict[str, Case]:
    """The case of each coded selection (by the case's SourceRef or SelectionRef)."""
    case_of: dict[str, Case] = {}
    for case in reading.project.cases:
        held = [s.guid for g in case.sources if g in reading.sources for s in reading.sources[g].selections]
        for selection in [*held, *case.selections]:
            other = case_of.get(selection)
            if other is not None and other.guid != case.guid and selection in coded:
                reading.problems.append(f"selection {describe(selection, coded[selection].selection.name)}: held by "
                                        f"two cases, {describe(other.guid, other.name)} and "
                                        f"{describe(case.guid, case.name)}")
            case_of.setdefault(selection, case)
    for guid, found in coded.items():
        if guid not in case_of:
            reading.problems.append(f"selection {describe(guid, found.selection.name)}: in no case (no Case holds "
                                    "its source by SourceRef or it by SelectionRef)")
    return case_of


def _because(reading: _Reading, coded: dict[str, Coded], case_of: dict[str, Case]) -> dict[str, list[str]]:
    """For each coded selection, the selection GUIDs (with `:VARIABLE`) of its causes."""
    causes: dict[str, list[str]] = {}
    for link in reading.project.links:
        if link.origin not in reading.selections or link.target not in reading.selections or \
                not (link.origin in coded or link.target in coded):
            continue  # a link to a note (NVivo's annotations), a code or a source, or between uncoded passages
        who = f"link {describe(link.guid, link.name)}"
        for end in (link.origin, link.target):
            if end not in coded:
                name = reading.selections[end][0].name
                reading.problems.append(f"{who}: it links selection {describe(end, name)}, which is not an event "
                                        f"(no pathways event code)")
        if link.origin not in coded or link.target not in coded:
            continue
        if link.direction != "OneWay":
            reading.problems.append(f"{who}: a because link must be OneWay, from the cause to what it caused "
                                    f"(this one is {link.direction})")
            continue
        target = coded[link.target]
        if target.code == "expectation":
            reading.problems.append(f"{who}: selection {describe(link.target, target.selection.name)} is an "
                                    "expectation, which cites no cause")
            continue
        origin_case, target_case = case_of.get(link.origin), case_of.get(link.target)
        if origin_case is not None and target_case is not None and origin_case.guid != target_case.guid:
            reading.problems.append(f"{who}: a cause in case {origin_case.name} cannot explain an event of case "
                                    f"{target_case.name}")
            continue
        suffix = link.name[len(BECAUSE_NAME):].strip() if link.name.startswith(BECAUSE_NAME) else ""
        cause = link.origin + (f":{suffix}" if suffix and target.code != "link" else "")
        causes.setdefault(link.target, []).append(cause)
    return causes


def _records(reading: _Reading, coded: dict[str, Coded], case_of: dict[str, Case],
             because: dict[str, list[str]]) -> tuple[list[dict[str, Any]], list[str]]:
    records: list[dict[str, Any]] = []
    whence: list[str] = []
    source_order = {source.guid: index for index, source in enumerate(reading.project.sources)}
    members_of: dict[str, list[str]] = {}
    for guid in coded:
        if guid in case_of:
            members_of.setdefault(case_of[guid].guid, []).append(guid)
    for case in reading.project.cases:
        members = members_of.get(case.guid, [])
        named = {reading.mapping.variables.get(name, name) for name, _ in case.values}
        # a case with no events is opened when it says where from (a tool's other cases are not)
        opening = _opening(reading, case) if members or "origin" in named else None
        if opening is None:
            continue
        records.append(opening)
        whence.append(f"case {describe(case.guid, case.name)}")
        for guid in _ordered(reading, members, coded, because, source_order):
            records.append(_event(coded[guid], case.name, because.get(guid, [])))
            whence.append(f"selection {describe(guid, coded[guid].selection.name)}")
    return records, whence


def _opening(reading: _Reading, case: Case) -> dict[str, Any] | None:
    who = f"case {describe(case.guid, case.name)}"
    if not is_case_id(case.name):
        reading.problems.append(f"{who}: its name is the case id, and a case id is 1-64 letters, digits, '.', '_' "
                                "or '-', starting with a letter or digit")
        return None
    fields = {}
    for name, value in case.values:
        field = reading.mapping.variables.get(name, name)
        if field in CASE_VARIABLES and value:
            fields[field] = value
    missing = [field for field in ("origin", "motive") if field not in fields]
    if missing:
        reading.problems.append(f"{who}: no {' and no '.join(missing)} (Text variables of the Case: origin, motive, "
                                "arrival; or map the project's own with --map)")
        return None
    data = {**fields, **({"notes": case.description} if case.description else {})}
    return {"type": "CaseOpened", "case": case.name, "event_id": opening_id(case.name), "data": data,
            "meta": {"refi": {"case": case.guid}}}


def _ordered(reading: _Reading, members: list[str], coded: dict[str, Coded], because: dict[str, list[str]],
             source_order: dict[str, int]) -> list[str]:
    """By date, then source and position; a cause always before what it caused. An undated selection
    is placed at the date of the selection before it (as the pathway places an undated event)."""
    place = {guid: (source_order.get(coded[guid].source.guid, 0), coded[guid].selection.start,
                    reading.order[guid]) for guid in members}
    effective: dict[str, tuple[int, int, int]] = {}
    previous = (0, 0, 0)
    for guid in sorted(members, key=place.__getitem__):
        date = coded[guid].fields.get("occurred")
        previous = dates.sort_key(date) if date and dates.is_valid(date) else previous
        effective[guid] = previous

    def key(guid: str) -> tuple:
        return (effective[guid], *place[guid], guid)

    inside = set(members)
    causes = {guid: {cause.split(":")[0] for cause in because.get(guid, [])} & inside for guid in members}
    effects: dict[str, list[str]] = {guid: [] for guid in members}
    for guid, found in causes.items():
        for cause in found:
            effects[cause].append(guid)
    waiting = {guid: len(found) for guid, found in causes.items()}
    ready = [key(guid) for guid in members if not waiting[guid]]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        guid = heapq.heappop(ready)[-1]
        order.append(guid)
        for effect in effects[guid]:
            waiting[effect] -= 1
            if not waiting[effect]:
                heapq.heappush(ready, key(effect))
    for guid in sorted(set(members) - set(order), key=key):
        reading.problems.append(f"selection {describe(guid, coded[guid].selection.name)}: its because links run in "
                                "a circle (a cause must come before what it caused)")
        break
    return order


def _event(found: Coded, case: str, causes: Iterable[str]) -> dict[str, Any]:
    fields, selection = found.fields, found.selection
    refs = [event_id(cause.split(":")[0]) + (":" + cause.split(":", 1)[1] if ":" in cause else "") for cause in causes]
    effects = [{"variable": v, "direction": d} for v, d in found.effects.items()]
    text = found.text or None
    described = selection.description or None
    meta: dict[str, Any] = {"refi": {"source": found.source.guid, "selection": selection.guid,
                                     "start": selection.start, "end": selection.end}}
    data: dict[str, Any]
    if found.code == "contact":
        data = _some(actor=fields.get("actor"), role=fields.get("role"), kind=fields.get("kind"), outcome=described,
                     perceived=fields.get("perceived"), discretion=fields.get("discretion"),
                     conditions=found.conditions, effects=effects, because=refs, quote=text,
                     source=found.source.name, account=fields.get("account"))
    elif found.code == "absence":
        data = _some(**{"from": fields.get("occurred"), "to": fields.get("until")}, actor=fields.get("actor"),
                     effects=effects, perceived=fields.get("perceived"), because=refs, account=fields.get("account"))
        meta.update(_some(quote=text, source=found.source.name, description=described))
    elif found.code == "state":
        data = _some(variable=fields.get("variable"), direction=fields.get("direction"), level=described,
                     because=refs, account=fields.get("account"), quote=text, source=found.source.name)
    elif found.code == "expectation":
        link = _some(**{"from": fields.get("from"), "to": fields.get("to"), "sign": fields.get("sign")})
        data = _some(statement=text, links=[link], account=fields.get("account"))
        meta.update(_some(source=found.source.name, description=described))
    else:
        data = _some(**{"from": fields.get("from"), "to": fields.get("to"), "sign": fields.get("sign")},
                     evidence=refs, confidence=fields.get("confidence"), account=fields.get("account"))
        meta.update(_some(quote=text, source=found.source.name, description=described))
    if found.notes:
        meta["notes"] = list(found.notes)
    return {"type": EVENT_CODES[found.code], "case": case, "event_id": event_id(selection.guid),
            "occurred": fields.get("occurred"), "recorded_by": found.user, "data": data, "meta": meta}


def _some(**fields: Any) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None and value != [] and value != {}}


__all__ = ["BECAUSE_NAME", "Conversion", "DATE_GROUPS", "FIELDS", "VALUE_GROUPS", "convert", "describe",
           "event_id", "opening_id", "retraction_id"]
