"""The shape of the pathways codebook as code paths (`contact`, `actor/ind`, `effect/trust/down`), and
a project's own codebook mapped onto it with `--map FILE.toml`:

    [codes]
    "Contacts/IND" = "actor/ind"
    "Feelings/Distrust" = "effect/trust/down"
    [variables]
    "Country" = "origin"

Codes are known by their path of names from the top-level code; case variables by their name."""

from __future__ import annotations

import tomllib
from pathlib import Path

import attrs

from events import dates
from events.rules.catalogue import Catalogue
from events.errors import InvalidEvent

EVENT_CODES = {"contact": "ContactRecorded", "absence": "ContactAbsent", "state": "StateObserved",
               "expectation": "ExpectationFormed", "link": "LinkCoded"}
ENUMERATIONS = {
    "perceived": ("favourable", "unfavourable", "mixed", "neutral"),
    "discretion": ("by-the-rules", "extra-mile", "bending", "breaking", "distancing"),
    "account": ("migrant", "caseworker", "file", "researcher", "other"),
    "direction": ("up", "down", "none"), "sign": ("+", "-"), "confidence": ("low", "medium", "high"),
}
CATALOGUE_GROUPS = {"actor": "actors", "role": "roles", "kind": "kinds", "variable": "variables",
                    "from": "variables", "to": "variables"}
DATE_GROUPS = ("occurred", "until")
VALUE_GROUPS = (*CATALOGUE_GROUPS, *ENUMERATIONS, *DATE_GROUPS)
CASE_VARIABLES = ("origin", "motive", "arrival")


def problem(path: str, catalogue: Catalogue | None = None) -> str | None:
    """Why `path` is not a codable pathways code (None: it is one). With a catalogue, values are
    checked against the keys in force too."""
    parts = path.split("/")
    head = parts[0]
    if len(parts) == 1:
        if head in EVENT_CODES:
            return None
        if head in VALUE_GROUPS or head in ("effect", "condition"):
            return f"'{head}' is a group of codes, not a code to apply"
        return f"'{head}' is not a pathways code (event codes: {', '.join(EVENT_CODES)})"
    if head in VALUE_GROUPS:
        return None if len(parts) == 2 else f"'{path}' is too deep: {head} holds one level of values"
    if head in ("effect", "condition"):
        if len(parts) != 3:
            return f"'{path}' must be {head}/{'VARIABLE/DIRECTION' if head == 'effect' else 'CONDITION/VALUE'}"
        return _nested_problem(parts, catalogue)
    return f"'{path}' is not under a pathways group (groups: {', '.join((*VALUE_GROUPS, 'effect', 'condition'))})"


def value_problem(group: str, value: str, catalogue: Catalogue | None) -> str | None:
    """Why `value` is not a value of a value group."""
    if group in ENUMERATIONS and value not in ENUMERATIONS[group]:
        return f"'{value}' is not a {group} (use one of: {', '.join(ENUMERATIONS[group])})"
    if group in DATE_GROUPS and not dates.is_valid(value):
        return f"'{value}' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"
    if catalogue is not None and group in CATALOGUE_GROUPS and not catalogue.has(CATALOGUE_GROUPS[group], value):
        return f"'{value}' is not a known {CATALOGUE_GROUPS[group][:-1]} ({catalogue.listing(CATALOGUE_GROUPS[group])})"
    return None


def _nested_problem(parts: list[str], catalogue: Catalogue | None) -> str | None:
    head, name, value = parts
    if head == "effect":
        return value_problem("direction", value, None) or value_problem("variable", name, catalogue)
    if catalogue is None:
        return None
    try:
        catalogue.check_conditions({name: value}, field="condition")
    except InvalidEvent as error:
        return error.reason
    return None


@attrs.frozen
class CodeMap:
    codes: dict[str, str] = attrs.field(factory=dict)
    """A project code path -> a pathways code path."""
    variables: dict[str, str] = attrs.field(factory=dict)
    """A case variable's name -> origin, motive or arrival."""


def load(path: Path, catalogue: Catalogue) -> CodeMap:
    """A `--map` file; a target that is no pathways code (or no case field) is refused naming its line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise InvalidEvent(f"cannot read: {error.strerror}", file=str(path), field="--map") from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidEvent(f"not TOML ({error})", file=str(path)) from None
    unknown = sorted(set(table) - {"codes", "variables"})
    if unknown:
        raise InvalidEvent(f"unknown table [{unknown[0]}] (use [codes] and [variables])", file=str(path),
                           line=_line_of(text, unknown[0]))
    codes, variables = table.get("codes", {}), table.get("variables", {})
    for name, target in [*codes.items(), *variables.items()]:
        if not isinstance(target, str) or isinstance(target, dict):
            raise InvalidEvent(f"'{name}' must map to a text", file=str(path), line=_line_of(text, name))
    for name, target in codes.items():
        reason = problem(target, catalogue)
        if reason is None and "/" in target and target.split("/")[0] in VALUE_GROUPS:
            reason = value_problem(*target.split("/", 1), catalogue)
        if reason is not None:
            raise InvalidEvent(f"'{name}' = '{target}': {reason}", file=str(path), line=_line_of(text, name))
    for name, target in variables.items():
        if target not in CASE_VARIABLES:
            raise InvalidEvent(f"'{name}' = '{target}': a case variable maps to {', '.join(CASE_VARIABLES)}",
                               file=str(path), line=_line_of(text, name))
    return CodeMap(dict(codes), dict(variables))


def _line_of(text: str, key: str) -> int | None:
    """The line that defines `key` (tomllib gives values, not where they came from)."""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith((f'"{key}"', f"'{key}'", f"{key} ", f"{key}=", f"[{key}]")):
            return number
    return None
