"""Payload checks: JSON Schema validation by fastjsonschema, our annotations collected, one-line errors.

The schema documents are the contract. fastjsonschema compiles each into Python once (per type
version); a valid payload then costs one call of straight-line code. Its errors become our reasons,
naming the field as the rest of the program does (`data.effects[0].variable`). The values our
annotations mark (`x-catalogue`, `x-ref`, `x-date`, `x-conditions`) are collected afterwards, by a
walk that visits only the annotated parts of the payload. Patterns are read as ECMA-262, as the
standard says: `$` ends the text (Python's `$` also matches before a trailing newline).
A property test holds this to the reference validator (jsonschema) on generated payloads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import fastjsonschema

from events.errors import InvalidEvent

# (mark, argument, field path, value) for each annotated value of a valid payload.
Found = list[tuple[str, Any, str, Any]]
Check = Callable[[Any, str, Found], None]

ANNOTATIONS = ("x-catalogue", "x-ref", "x-date", "x-conditions")
IGNORED = {"$schema", "title", "description", "x-stream", "x-version", *ANNOTATIONS}
SUPPORTED = {"type", "enum", "pattern", "required", "properties", "additionalProperties", "items", "minItems",
             "minimum", "maximum", "anyOf"} | IGNORED
"""The keywords the annotation walk follows. Any other is refused when a schema is compiled, so that
an annotation can never hide where the walk does not look."""
TYPE_NAMES = {"string": "a string", "number": "a number", "integer": "a whole number", "object": "a JSON object",
              "array": "a list", "boolean": "true or false", "null": "null"}


def compile_schema(schema: Mapping[str, Any]) -> Check:
    """A function (value, path, found) that raises InvalidEvent on the first violation and appends
    the annotated values of a valid payload to `found`."""
    _refuse_unsupported(schema)
    validate = fastjsonschema.compile(_ecma(schema))
    collect = _collector(schema)

    def check(value: Any, path: str, found: Found) -> None:
        try:
            validate(value)
        except fastjsonschema.JsonSchemaValueException as error:
            raise _reason(error, path) from None
        if collect is not None:
            collect(value, path, found)
    return check


def _refuse_unsupported(schema: Any) -> None:
    if isinstance(schema, Mapping):
        unknown = set(schema) - SUPPORTED
        if unknown:
            raise ValueError(f"schema keyword(s) not supported by the checker: {sorted(unknown)}")
        for sub in [*schema.get("properties", {}).values(), *schema.get("anyOf", ()), schema.get("items")]:
            _refuse_unsupported(sub)


def _ecma(schema: Any) -> Any:
    """The document with every pattern's closing `$` as `\\Z` (and its `$schema` dropped: the draft
    is 2020-12 throughout, and fastjsonschema reads the keywords we use the same in every draft)."""
    if isinstance(schema, Mapping):
        copied = {key: _ecma(value) for key, value in schema.items() if key != "$schema"}
        pattern = copied.get("pattern")
        if isinstance(pattern, str) and pattern.endswith("$") and not pattern.endswith("\\$"):
            copied["pattern"] = pattern[:-1] + "\\Z"
        return copied
    if isinstance(schema, list):
        return [_ecma(item) for item in schema]
    return schema


def _annotated(schema: Any) -> bool:
    if not isinstance(schema, Mapping):
        return False
    return (any(mark in schema for mark in ANNOTATIONS)
            or any(_annotated(sub) for sub in schema.get("properties", {}).values())
            or _annotated(schema.get("items"))
            or any(_annotated(option) for option in schema.get("anyOf", ())))


def _collector(schema: Mapping[str, Any]) -> Check | None:
    """A walk over the annotated parts only (None: nothing annotated below here)."""
    if not _annotated(schema):
        return None
    marks = [(mark, schema[mark]) for mark in ANNOTATIONS if mark in schema]
    properties = {name: walk for name, sub in schema.get("properties", {}).items()
                  if (walk := _collector(sub)) is not None}
    items = _collector(schema["items"]) if "items" in schema else None
    options = [(fastjsonschema.compile(_ecma(option)), _collector(option)) for option in schema.get("anyOf", ())
               if _annotated(option)]

    def collect(value: Any, path: str, found: Found) -> None:
        if properties and isinstance(value, dict):
            for name, walk in properties.items():
                if name in value:
                    walk(value[name], f"{path}.{name}", found)
        if items is not None and isinstance(value, list):
            for index, item in enumerate(value):
                items(item, f"{path}[{index}]", found)
        for valid, walk in options:  # the first option the value matches, as validation took it
            try:
                valid(value)
            except fastjsonschema.JsonSchemaValueException:
                continue
            if walk is not None:
                walk(value, path, found)
            break
        for mark, argument in marks:
            found.append((mark, argument, path, value))
    return collect


def _reason(error: fastjsonschema.JsonSchemaValueException, path: str) -> InvalidEvent:
    """The library's error as our one line: what is wrong, naming the field."""
    field = path + (error.name or "data")[len("data"):]
    value, rule, definition = error.value, error.rule, error.definition or {}
    if rule == "type":
        names = definition["type"] if isinstance(definition["type"], list) else [definition["type"]]
        return InvalidEvent(f"must be {' or '.join(TYPE_NAMES[name] for name in names)}, not {value!r}", field=field)
    if rule == "enum":
        return InvalidEvent(f"{value!r} is not one of: {', '.join(str(item) for item in definition['enum'])}",
                            field=field)
    if rule == "pattern":
        if definition.get("x-date"):
            return InvalidEvent(f"{value!r} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD", field=field)
        if definition.get("x-ref"):
            return InvalidEvent(f"{value!r} is not an event ref (CASE#VERSION or an event id)", field=field)
        return InvalidEvent(f"{value!r} does not match {definition['pattern'].replace(chr(92) + 'Z', '$')}",
                            field=field)
    if rule == "required":
        missing = [key for key in definition["required"] if key not in value]
        return InvalidEvent("is required but missing", field=f"{field}.{missing[0]}")
    if rule == "additionalProperties":
        unknown = [key for key in value if key not in definition.get("properties", {})]
        return InvalidEvent(f"unknown key '{unknown[0]}'", field=f"{field}.{unknown[0]}")
    if rule == "minItems":
        return InvalidEvent(f"needs at least {definition['minItems']} item(s)", field=field)
    if rule in ("minimum", "maximum"):
        word = "at least" if rule == "minimum" else "at most"
        return InvalidEvent(f"must be {word} {definition[rule]}", field=field)
    if rule == "anyOf":
        if isinstance(value, dict):  # its keys, never its values (free text of a case)
            return InvalidEvent(f"an object with the keys {', '.join(sorted(value)) or '(none)'} matches none of "
                                "the allowed forms", field=field)
        return InvalidEvent(f"{value!r} matches none of the allowed forms", field=field)
    return InvalidEvent(re.sub(r"^data", field, str(error.message)), field=field)
