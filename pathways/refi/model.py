"""A REFI-QDA project as frozen values: users, codes (known by their path of names), sources with
their coded selections, cases, variables and links. What the reader gives and the convention takes."""

from __future__ import annotations

import attrs


@attrs.frozen
class User:
    guid: str
    name: str


@attrs.frozen
class Code:
    guid: str
    name: str
    path: tuple[str, ...]
    """The names from the top-level code down to this one."""
    codable: bool
    description: str | None = None

    @property
    def text(self) -> str:
        return "/".join(self.path)


@attrs.frozen
class Coding:
    guid: str
    code: str
    """The GUID of the code applied."""
    user: str | None
    """The GUID of the `User` who created this coding."""


@attrs.frozen
class Selection:
    guid: str
    name: str
    source: str
    start: int
    end: int
    codings: tuple[Coding, ...]
    description: str | None = None
    notes: tuple[str, ...] = ()
    user: str | None = None


@attrs.frozen
class Source:
    guid: str
    name: str
    text: str | None
    """The plain text (no byte-order mark, line endings as stored); None when the file was not found."""
    where: str
    """Where the text was looked for (for messages)."""
    selections: tuple[Selection, ...] = ()


@attrs.frozen
class Case:
    guid: str
    name: str
    values: tuple[tuple[str, str], ...]
    """(variable name, text value) of its `VariableValue`s."""
    sources: tuple[str, ...] = ()
    selections: tuple[str, ...] = ()
    description: str | None = None


@attrs.frozen
class Link:
    guid: str
    name: str
    direction: str
    origin: str
    target: str


@attrs.frozen
class Project:
    name: str
    origin: str
    users: tuple[User, ...]
    codes: tuple[Code, ...]
    sources: tuple[Source, ...]
    cases: tuple[Case, ...]
    links: tuple[Link, ...]
    notes: tuple[tuple[str, str], ...] = ()
    """(GUID, text) of the project's `Note`s, which selections cite by `NoteRef`."""
    codebook_only: bool = False
    """A `.qdc` codebook (or a project with neither sources nor cases): nothing coded to import."""

    def selections(self) -> list[Selection]:
        return [selection for source in self.sources for selection in source.selections]
