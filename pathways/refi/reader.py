"""Read a `.qdpx` project (a zip of `project.qde` and its `sources/`), a bare `.qde` or a `.qdc`
codebook into `model` values. Tolerates what tools write: `Sources/` capitalised, `internal://`,
`relative://` (under the project's `basePath`) and `absolute://` paths, a byte-order mark before a
source's text, GUIDs in braces or capitals. Refuses, in one line naming the file, what cannot be read."""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from events.errors import InvalidEvent

from pathways.refi.model import Case, Code, Coding, Link, Project, Selection, Source, User

MAX_MEMBER = 512 * 1024 * 1024
"""No member of a project zip is read past this (a zip bomb is refused, not unpacked)."""


def guid(text: str | None) -> str:
    """A GUID as compared here: lower case, no braces."""
    return (text or "").strip().strip("{}").lower()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [child for child in element if _local(child.tag) == name]


def _child(element: ElementTree.Element, name: str) -> ElementTree.Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _text(element: ElementTree.Element, name: str) -> str | None:
    child = _child(element, name)
    return child.text if child is not None and child.text else None


class _Files:
    """The files of a project: the members of its zip (sources/ or Sources/), or the disk."""

    def __init__(self, path: Path, archive: zipfile.ZipFile | None) -> None:
        self.path, self.archive = path, archive
        self.members = {name: name for name in archive.namelist()} if archive else {}

    def internal(self, name: str) -> tuple[bytes | None, str]:
        for folder in ("sources", "Sources"):
            member = f"{folder}/{name}"
            if member in self.members:
                return _read_member(self.archive, member, self.path), f"{self.path}:{member}"
        return None, f"{self.path}:sources/{name}"

    @staticmethod
    def disk(where: Path) -> tuple[bytes | None, str]:
        try:
            return where.read_bytes(), str(where)
        except OSError:
            return None, str(where)


def _read_member(archive: zipfile.ZipFile, member: str, path: Path) -> bytes:
    info = archive.getinfo(member)
    if info.file_size > MAX_MEMBER:
        raise InvalidEvent(f"{member} is larger than {MAX_MEMBER // (1024 * 1024)} MiB unpacked: not read",
                           file=str(path))
    try:
        return archive.read(member)
    except (zipfile.BadZipFile, RuntimeError, OSError) as error:
        raise InvalidEvent(f"cannot read {member} ({error})", file=str(path)) from None


def read(path: Path) -> Project:
    """The project (or codebook) in the file."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
                qde = next((name for name in names if name.lower() == "project.qde"), None) or \
                    next((name for name in names if name.lower().endswith((".qde", ".qdc"))), None)
                if qde is None:
                    raise InvalidEvent("not a REFI-QDA project: the zip has no project.qde at its root",
                                       file=str(path))
                return parse(_read_member(archive, qde, path), path, _Files(path, archive))
        return parse(path.read_bytes(), path, _Files(path, None))
    except zipfile.BadZipFile as error:
        raise InvalidEvent(f"not a readable zip ({error})", file=str(path)) from None
    except OSError as error:
        raise InvalidEvent(f"cannot read: {error.strerror}", file=str(path)) from None


def parse(xml: bytes, path: Path, files: _Files) -> Project:
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as error:
        raise InvalidEvent(f"not well-formed XML ({error})", file=str(path)) from None
    kind = _local(root.tag)
    if kind == "CodeBook":
        return Project(name=path.stem, origin=root.get("origin") or "", users=(),
                       codes=_codes(_child(root, "Codes")), sources=(), cases=(), links=(), codebook_only=True)
    if kind != "Project":
        raise InvalidEvent(f"not a REFI-QDA project: its root element is <{kind}>, not <Project>", file=str(path))
    book = _child(root, "CodeBook")
    codes = _codes(_child(book, "Codes") if book is not None else None)
    variables = {guid(v.get("guid")): v.get("name") or "" for v in _descendants(root, "Variables", "Variable")}
    base = root.get("basePath") or ""
    sources = tuple(_source(element, files, base) for element in _descendants(root, "Sources", "TextSource"))
    cases = tuple(_case(element, variables) for element in _descendants(root, "Cases", "Case"))
    links = tuple(Link(guid(e.get("guid")), e.get("name") or "", e.get("direction") or "Associative",
                       guid(e.get("originGUID")), guid(e.get("targetGUID")))
                  for e in _descendants(root, "Links", "Link"))
    users = tuple(User(guid(e.get("guid")), e.get("name") or e.get("id") or guid(e.get("guid")))
                  for e in _descendants(root, "Users", "User"))
    notes = tuple((source.guid, source.text or "") for source in
                  (_source(element, files, base) for element in _descendants(root, "Notes", "Note")))
    return Project(name=root.get("name") or path.stem, origin=root.get("origin") or "", users=users, codes=codes,
                   sources=sources, cases=cases, links=links, notes=notes,
                   codebook_only=not sources and not cases)


def _descendants(root: ElementTree.Element, group: str, name: str) -> list[ElementTree.Element]:
    holder = _child(root, group)
    return _children(holder, name) if holder is not None else []


def _codes(holder: ElementTree.Element | None) -> tuple[Code, ...]:
    found: list[Code] = []

    def walk(element: ElementTree.Element, above: tuple[str, ...]) -> None:
        for code in _children(element, "Code"):
            path = (*above, (code.get("name") or "").strip())
            found.append(Code(guid(code.get("guid")), path[-1], path,
                              (code.get("isCodable") or "true").strip().lower() in ("true", "1"),
                              _text(code, "Description")))
            walk(code, path)

    if holder is not None:
        walk(holder, ())
    return tuple(found)


def _source(element: ElementTree.Element, files: _Files, base: str) -> Source:
    name = element.get("name") or ""
    content = _child(element, "PlainTextContent")
    where = "PlainTextContent"
    if content is not None:
        text: str | None = content.text or ""
    else:
        data, where = _plain_text(element.get("plainTextPath") or element.get("path") or "", files, base)
        text = _decode(data, where, files.path) if data is not None else None
    selections = tuple(_selection(e, guid(element.get("guid"))) for e in _children(element, "PlainTextSelection"))
    return Source(guid(element.get("guid")), name, text, where, selections)


def _plain_text(reference: str, files: _Files, base: str) -> tuple[bytes | None, str]:
    if reference.startswith("internal://"):
        return files.internal(reference[len("internal://"):].lstrip("/"))
    if reference.startswith("relative://"):
        rest = reference[len("relative://"):]
        root = Path(base) if base else files.path.parent
        return files.disk(root / PurePosixPath(rest.lstrip("/")))
    if reference.startswith("absolute://"):
        return files.disk(Path(reference[len("absolute://"):]))
    return None, reference or "(no plainTextPath)"


def _decode(data: bytes, where: str, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")  # a byte-order mark is not part of the plain text
    except UnicodeDecodeError as error:
        raise InvalidEvent(f"source {where} is not UTF-8 text ({error.reason} at byte {error.start})",
                           file=str(path)) from None


def _selection(element: ElementTree.Element, source: str) -> Selection:
    def position(name: str) -> int:
        try:
            return int(element.get(name) or "")
        except ValueError:
            return -1  # refused by the convention, which names the selection

    codings = tuple(Coding(guid(c.get("guid")), guid(ref.get("targetGUID")), guid(c.get("creatingUser")) or None)
                    for c in _children(element, "Coding") for ref in _children(c, "CodeRef"))
    notes = tuple(guid(n.get("targetGUID")) for n in _children(element, "NoteRef"))
    return Selection(guid(element.get("guid")), element.get("name") or "", source, position("startPosition"),
                     position("endPosition"), codings, _text(element, "Description"), notes,
                     guid(element.get("creatingUser")) or None)


def _case(element: ElementTree.Element, variables: dict[str, str]) -> Case:
    values = []
    for value in _children(element, "VariableValue"):
        ref = _child(value, "VariableRef")
        name = variables.get(guid(ref.get("targetGUID")) if ref is not None else "", "")
        text = _text(value, "TextValue")
        if name and text is not None:
            values.append((name, text.strip()))
    return Case(guid(element.get("guid")), element.get("name") or "", tuple(values),
                tuple(guid(r.get("targetGUID")) for r in _children(element, "SourceRef")),
                tuple(guid(r.get("targetGUID")) for r in _children(element, "SelectionRef")),
                _text(element, "Description"))
