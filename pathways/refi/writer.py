"""Write a REFI-QDA codebook (`.qdc`) or project (`.qdpx`: `project.qde` at the zip's root, one plain
text per case in a lowercase `sources/`, UTF-8 without a byte-order mark). Pure: values in, bytes out.

A project holds the users (the coders), the codebook, the cases with their variables, one source per
case (its quotes in step order, a paragraph each), every event a coded selection of it, a `Link` per
`because` (OneWay, origin the cause), a `Set` per loop and a `Graph` per case's causal loop diagram."""

from __future__ import annotations

import io
import math
import uuid
import zipfile
from collections.abc import Sequence
from typing import Any
from xml.etree import ElementTree as ET

import attrs

from pathways.refi import CODEBOOK_NAMESPACE, NAMESPACE
from pathways.refi.codebook import Node, code_guid
from pathways.refi.convention import BECAUSE_NAME, ID_NAMESPACE


@attrs.frozen
class ExportEvent:
    ref: str
    """`CASE#N`: how other events of the case cite it."""
    type: str
    occurred: str | None
    recorded_by: str | None
    data: dict[str, Any]
    quote: str | None
    paths: tuple[str, ...]
    """The pathways codes of its selection, event code first."""
    causes: tuple[tuple[str, str | None], ...] = ()
    """(the cause's selection GUID, the named effect variable or None)."""
    description: str | None = None
    selection: str = ""
    """The GUID of its selection (`selection_guid`)."""
    at: tuple[str, int, int] | None = None
    """(kept source GUID, start, end): where its quote lies in a transcript the case keeps; None: its
    selection goes into the case's source of quotes."""


@attrs.frozen
class KeptSource:
    """A transcript kept with the case (`import --with-sources`), written as one of its text sources."""

    guid: str
    name: str
    text: str


@attrs.frozen
class ExportCase:
    case: str
    values: tuple[tuple[str, str], ...]
    notes: str | None
    events: tuple[ExportEvent, ...]
    """In step order."""
    loops: tuple[Any, ...] = ()
    """`classify.Loop`s."""
    edges: tuple[Any, ...] = ()
    """`causal.Edge`s."""
    sources: tuple[KeptSource, ...] = ()

    def located(self, event: ExportEvent) -> bool:
        return event.at is not None and any(source.guid == event.at[0] for source in self.sources)

    def source_guids(self) -> list[str]:
        """The text sources written for the case: its kept transcripts, and its source of quotes for the
        events not located in one (the only source of a case that keeps none)."""
        quotes = [guid("source", self.case)] if not self.sources or not all(map(self.located, self.events)) else []
        return [*(source.guid for source in self.sources), *quotes]


def guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}:{key}"))


def selection_guid(event_id: str) -> str:
    """The selection GUID an event of the log is exported under (an event imported from REFI-QDA keeps
    its own): an import into the same log knows the selection as that event again."""
    return guid("selection", event_id)


def _q(name: str, namespace: str = NAMESPACE) -> str:
    return f"{{{namespace}}}{name}"


def _codes(parent: ET.Element, node: Node, namespace: str) -> None:
    element = ET.SubElement(parent, _q("Code", namespace), guid=node.guid, name=node.name,
                            isCodable="true" if node.codable else "false")
    if node.description:
        ET.SubElement(element, _q("Description", namespace)).text = node.description
    for child in node.children:
        _codes(element, child, namespace)


def _bytes(root: ET.Element, namespace: str) -> bytes:
    ET.register_namespace("", namespace)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def codebook(root: Node, origin: str) -> bytes:
    """A `.qdc` codebook."""
    book = ET.Element(_q("CodeBook", CODEBOOK_NAMESPACE), origin=origin)
    _codes(ET.SubElement(book, _q("Codes", CODEBOOK_NAMESPACE)), root, CODEBOOK_NAMESPACE)
    return _bytes(book, CODEBOOK_NAMESPACE)


@attrs.frozen
class Written:
    data: bytes
    """The `.qdpx` zip."""
    selections: int
    links: int
    sets: int
    graphs: int


def project(cases: Sequence[ExportCase], root: Node, *, origin: str, created: str) -> Written:
    """A `.qdpx` project of these cases under this codebook."""
    users = sorted({event.recorded_by for case in cases for event in case.events if event.recorded_by})
    element = ET.Element(_q("Project"), name="pathways export", origin=origin, creationDateTime=created)
    if users:  # an event without a coder is coded by no user
        holder = ET.SubElement(element, _q("Users"))
        for user in users:
            ET.SubElement(holder, _q("User"), guid=guid("user", user), name=user)
    _codes(ET.SubElement(ET.SubElement(element, _q("CodeBook")), _q("Codes")), root, NAMESPACE)
    variables = ET.SubElement(element, _q("Variables"))
    for name in ("origin", "motive", "arrival"):
        ET.SubElement(variables, _q("Variable"), guid=guid("variable", name), name=name, typeOfVariable="Text")
    if cases:
        _cases(ET.SubElement(element, _q("Cases")), cases)
    texts: dict[str, str] = {}
    links: list[tuple[str, str, str]] = []
    if cases:
        sources = ET.SubElement(element, _q("Sources"))
        for case in cases:
            texts.update(_sources(sources, case, links))
    if links:
        holder = ET.SubElement(element, _q("Links"))
        for origin_guid, target_guid, name in links:
            ET.SubElement(holder, _q("Link"), guid=guid("link", origin_guid + target_guid + name), name=name,
                          direction="OneWay", originGUID=origin_guid, targetGUID=target_guid)
    sets = sum(len(case.loops) for case in cases)
    if sets:
        _sets(ET.SubElement(element, _q("Sets")), cases)
    graphs = [case for case in cases if case.edges]
    if graphs:
        holder = ET.SubElement(element, _q("Graphs"))
        for case in graphs:
            _graph(holder, case)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", _bytes(element, NAMESPACE))
        for source_guid, text in texts.items():
            archive.writestr(f"sources/{source_guid}.txt", text.encode("utf-8"))
    count = sum(len(case.events) for case in cases)
    return Written(buffer.getvalue(), count, len(links), sets, len(graphs))


def _cases(holder: ET.Element, cases: Sequence[ExportCase]) -> None:
    for case in cases:
        element = ET.SubElement(holder, _q("Case"), guid=guid("case", case.case), name=case.case)
        if case.notes:
            ET.SubElement(element, _q("Description")).text = case.notes
        for name, value in case.values:
            held = ET.SubElement(element, _q("VariableValue"))
            ET.SubElement(held, _q("VariableRef"), targetGUID=guid("variable", name))
            ET.SubElement(held, _q("TextValue")).text = value
        for source_guid in case.source_guids():
            ET.SubElement(element, _q("SourceRef"), targetGUID=source_guid)


def _sources(holder: ET.Element, case: ExportCase, links: list[tuple[str, str, str]]) -> dict[str, str]:
    """The case's text sources (GUID -> plain text): each kept transcript with the selections that lie in
    it at their own positions, and the source of the other quotes, a paragraph each."""
    written = {}
    for source in case.sources:
        element = ET.SubElement(holder, _q("TextSource"), guid=source.guid, name=source.name,
                                plainTextPath=f"internal://{source.guid}.txt")
        for event in case.events:
            if event.at is not None and event.at[0] == source.guid:
                _selection(element, event, event.at[1], event.at[2], links)
        written[source.guid] = source.text
    quotes_guid = guid("source", case.case)
    if quotes_guid in case.source_guids():
        written[quotes_guid] = _quotes(holder, case, quotes_guid, links)
    return written


def _quotes(holder: ET.Element, case: ExportCase, source_guid: str, links: list[tuple[str, str, str]]) -> str:
    """The case's source of quotes: the quotes of its events in step order, a paragraph each (an event
    without a quote an empty selection); returns the text."""
    element = ET.SubElement(holder, _q("TextSource"), guid=source_guid, name=case.case,
                            plainTextPath=f"internal://{source_guid}.txt")
    paragraphs: list[str] = []
    at = 0
    for event in case.events:
        if case.located(event):
            continue
        quote = event.quote or ""
        if quote and paragraphs:
            at += 1  # the line end before this paragraph
        start = at
        if quote:
            paragraphs.append(quote)
            at += len(quote)  # code points, as the convention counts them
        _selection(element, event, start, start + len(quote), links)
    return "\n".join(paragraphs)


def _selection(element: ET.Element, event: ExportEvent, start: int, end: int,
               links: list[tuple[str, str, str]]) -> None:
    """An event as a coded selection of its source, its causes as links to collect."""
    quote = event.quote or ""
    selection_guid = event.selection or guid("selection", event.ref)
    name = " ".join(quote.split())[:60] if quote else event.ref
    user = {"creatingUser": guid("user", event.recorded_by)} if event.recorded_by else {}
    selection = ET.SubElement(element, _q("PlainTextSelection"), guid=selection_guid, name=name,
                              startPosition=str(start), endPosition=str(end), **user)
    if event.description:
        ET.SubElement(selection, _q("Description")).text = event.description
    for path in event.paths:
        coding = ET.SubElement(selection, _q("Coding"), guid=guid("coding", f"{selection_guid}/{path}"), **user)
        ET.SubElement(coding, _q("CodeRef"), targetGUID=code_guid(path))
    for cause, variable in event.causes:
        links.append((cause, selection_guid, BECAUSE_NAME + variable if variable else "because"))


def _sets(holder: ET.Element, cases: Sequence[ExportCase]) -> None:
    for case in cases:
        for loop in case.loops:
            element = ET.SubElement(holder, _q("Set"), guid=guid("set", f"{case.case}/{loop.id}"),
                                    name=f"{case.case} {loop.id}: {loop.polarity}, {loop.valence}, {loop.change}")
            cycle = " -> ".join((*loop.variables, loop.variables[0]))
            ET.SubElement(element, _q("Description")).text = (
                f"loop {cycle} (signs {' '.join(loop.signs)}); evidence {', '.join(loop.evidence)}")
            for variable in loop.variables:
                ET.SubElement(element, _q("MemberCode"), targetGUID=code_guid(f"effect/{variable}"))
            for source_guid in case.source_guids():
                ET.SubElement(element, _q("MemberSource"), targetGUID=source_guid)


def _graph(holder: ET.Element, case: ExportCase) -> None:
    element = ET.SubElement(holder, _q("Graph"), guid=guid("graph", case.case), name=f"{case.case} causal loop diagram")
    variables = sorted({edge.source for edge in case.edges} | {edge.target for edge in case.edges})
    for index, variable in enumerate(variables):
        angle = 2 * math.pi * index / len(variables)
        ET.SubElement(element, _q("Vertex"), guid=guid("vertex", f"{case.case}/{variable}"),
                      representedGUID=code_guid(f"effect/{variable}"), name=variable,
                      firstX=str(round(400 + 300 * math.cos(angle))), firstY=str(round(400 + 300 * math.sin(angle))),
                      shape="Oval")
    for edge in case.edges:
        ET.SubElement(element, _q("Edge"), guid=guid("edge", f"{case.case}/{edge.source}/{edge.target}"),
                      name=edge.sign_text, sourceVertex=guid("vertex", f"{case.case}/{edge.source}"),
                      targetVertex=guid("vertex", f"{case.case}/{edge.target}"), direction="OneWay",
                      lineStyle="solid" if edge.sign > 0 else "dashed")
