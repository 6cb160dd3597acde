"""Builds REFI-QDA projects as the tools write them (a zip of project.qde and sources/), for the tests:
QualCoder-like by default; `sources_folder="Sources"` as ATLAS.ti and NVivo write it, CRLF sources as
MAXQDA writes them, a byte-order mark before a source, relative:// and absolute:// paths, GUIDs in
capitals and braces, codebook-only projects."""

from __future__ import annotations

import uuid
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

NS = "urn:QDA-XML:project:1.0"


def q(name: str) -> str:
    return f"{{{NS}}}{name}"


def new_guid(braced: bool = False) -> str:
    text = str(uuid.uuid4())
    return "{" + text.upper() + "}" if braced else text


class Qdpx:
    def __init__(self, origin: str = "QualCoder 3.6", *, sources_folder: str = "sources",
                 base_path: str | None = None, braced: bool = False) -> None:
        self.origin, self.sources_folder, self.base_path, self.braced = origin, sources_folder, base_path, braced
        self.users: list[tuple[str, str]] = []
        self.codes: dict[tuple[str, ...], str] = {}
        self.sources: dict[str, dict] = {}
        self.cases: list[dict] = []
        self.links: list[dict] = []
        self.external: dict[str, bytes] = {}

    def guid(self) -> str:
        return new_guid(self.braced)

    def user(self, name: str) -> str:
        guid = self.guid()
        self.users.append((guid, name))
        return guid

    def code(self, path: str) -> str:
        """A code by its path of names (`pathways/actor/ind`, `Contacts/IND`), its groups made as needed."""
        parts = tuple(path.split("/"))
        for depth in range(1, len(parts) + 1):
            self.codes.setdefault(parts[:depth], self.guid())
        return self.codes[parts]

    def source(self, name: str, paragraphs: list[str], *, newline: str = "\n", bom: bool = False,
               mode: str = "internal") -> str:
        guid = self.guid()
        text = newline.join(paragraphs)
        self.sources[guid] = {"name": name, "text": text, "bom": bom, "mode": mode, "selections": []}
        return guid

    def select(self, source: str, fragment: str, codes: list[str], *, user: str, event_user: str | None = None,
               name: str | None = None, description: str | None = None, at: tuple[int, int] | None = None) -> str:
        """Code the first occurrence of `fragment` (positions in code points); the event code's Coding
        (the first pathways event code in `codes`) made by `event_user` when given."""
        text = self.sources[source]["text"]
        start = text.index(fragment) if at is None else at[0]
        end = start + len(fragment) if at is None else at[1]
        guid = self.guid()
        self.sources[source]["selections"].append({
            "guid": guid, "name": fragment[:30] if name is None else name, "start": start, "end": end,
            "codes": codes, "user": user, "event_user": event_user or user, "description": description})
        return guid

    def case(self, name: str, variables: dict[str, str], *, sources: list[str] = (), selections: list[str] = ()) -> str:
        guid = self.guid()
        self.cases.append({"guid": guid, "name": name, "variables": variables, "sources": list(sources),
                           "selections": list(selections)})
        return guid

    def link(self, origin: str, target: str, *, direction: str = "OneWay", name: str = "") -> None:
        self.links.append({"guid": self.guid(), "origin": origin, "target": target, "direction": direction,
                           "name": name})

    # -- writing ----------------------------------------------------------------------------------
    def xml(self) -> ET.Element:
        root = ET.Element(q("Project"), name="interviews", origin=self.origin)
        if self.base_path:
            root.set("basePath", self.base_path)
        if self.users:
            users = ET.SubElement(root, q("Users"))
            for guid, name in self.users:
                ET.SubElement(users, q("User"), guid=guid, name=name)
        if self.codes:
            self._codebook(ET.SubElement(ET.SubElement(root, q("CodeBook")), q("Codes")))
        names = sorted({n for case in self.cases for n in case["variables"]})
        if names:
            holder = ET.SubElement(root, q("Variables"))
            self.variable_guids = {n: self.guid() for n in names}
            for n in names:
                ET.SubElement(holder, q("Variable"), guid=self.variable_guids[n], name=n, typeOfVariable="Text")
        if self.cases:
            self._cases(ET.SubElement(root, q("Cases")))
        if self.sources:
            holder = ET.SubElement(root, q("Sources"))
            for guid, source in self.sources.items():
                self._source(holder, guid, source)
        if self.links:
            holder = ET.SubElement(root, q("Links"))
            for link in self.links:
                ET.SubElement(holder, q("Link"), guid=link["guid"], name=link["name"], direction=link["direction"],
                              originGUID=link["origin"], targetGUID=link["target"])
        return root

    def _codebook(self, holder: ET.Element) -> None:
        made: dict[tuple[str, ...], ET.Element] = {}
        parents = {path[:-1] for path in self.codes}
        for path in sorted(self.codes, key=len):
            parent = made.get(path[:-1], holder)
            groupish = path in parents or path == ("pathways",)
            made[path] = ET.SubElement(parent, q("Code"), guid=self.codes[path], name=path[-1],
                                       isCodable="false" if groupish else "true")

    def _cases(self, holder: ET.Element) -> None:
        for case in self.cases:
            element = ET.SubElement(holder, q("Case"), guid=case["guid"], name=case["name"])
            for name, value in case["variables"].items():
                held = ET.SubElement(element, q("VariableValue"))
                ET.SubElement(held, q("VariableRef"), targetGUID=self.variable_guids[name])
                ET.SubElement(held, q("TextValue")).text = value
            for guid in case["sources"]:
                ET.SubElement(element, q("SourceRef"), targetGUID=guid)
            for guid in case["selections"]:
                ET.SubElement(element, q("SelectionRef"), targetGUID=guid)

    def _source(self, holder: ET.Element, guid: str, source: dict) -> None:
        file_name = guid.strip("{}") + ".txt"
        paths = {"internal": f"internal://{file_name}", "relative": f"relative:///{file_name}",
                 "absolute": f"absolute://{self.base_path}/{file_name}" if self.base_path else ""}
        element = ET.SubElement(holder, q("TextSource"), guid=guid, name=source["name"])
        if source["mode"] == "content":
            ET.SubElement(element, q("PlainTextContent")).text = source["text"]
        else:
            element.set("plainTextPath", paths[source["mode"]])
        for selection in source["selections"]:
            held = ET.SubElement(element, q("PlainTextSelection"), guid=selection["guid"], name=selection["name"],
                                 startPosition=str(selection["start"]), endPosition=str(selection["end"]),
                                 creatingUser=selection["user"])
            if selection["description"]:
                ET.SubElement(held, q("Description")).text = selection["description"]
            event_codes = [c for c in selection["codes"] if c.count("/") == 1 and c.startswith("pathways/")
                           and c.split("/")[1] in ("contact", "absence", "state", "expectation", "link")]
            for path in selection["codes"]:
                coder = selection["event_user"] if event_codes and path == event_codes[0] else selection["user"]
                coding = ET.SubElement(held, q("Coding"), guid=self.guid(), creatingUser=coder)
                ET.SubElement(coding, q("CodeRef"), targetGUID=self.code(path))

    def write(self, path: Path) -> Path:
        for source in self.sources.values():  # the codes of every selection exist before the codebook is written
            for selection in source["selections"]:
                for code in selection["codes"]:
                    self.code(code)
        ET.register_namespace("", NS)
        qde = ET.tostring(self.xml(), encoding="utf-8", xml_declaration=True)
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("project.qde", qde)
            for guid, source in self.sources.items():
                data = ("\ufeff" if source["bom"] else "").encode() + source["text"].encode("utf-8")
                name = guid.strip("{}") + ".txt"
                if source["mode"] == "internal":
                    archive.writestr(f"{self.sources_folder}/{name}", data)
                elif source["mode"] in ("relative", "absolute"):
                    Path(self.base_path, name).write_bytes(data)
        return path
