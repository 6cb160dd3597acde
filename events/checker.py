"""The subset of JSON Schema our event schemas use, compiled into plain closures.

Validating with a general JSON Schema engine cost more than everything else in an import together.
The schema documents stay the contract; this compiler reads them, refuses any keyword it does not
implement (so a schema can never be silently under-checked), and in the same walk collects the
values our annotations mark (`x-catalogue`, `x-ref`, `x-date`) for the catalogue and ref checks.
A property test holds it to the reference validator (jsonschema) on generated payloads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from .errors import InvalidEvent

# (mark, argument, field path, value) for each annotated value met while checking.
Found = list[tuple[str, Any, str, Any]]
Check = Callable[[Any, str, Found], None]

ANNOTATIONS = ("x-catalogue", "x-ref", "x-date", "x-conditions")
IGNORED = {"$schema", "title", "description", "x-stream", "x-version", *ANNOTATIONS}
SUPPORTED = {"type", "enum", "pattern", "required", "properties", "additionalProperties", "items", "minItems",
             "minimum", "maximum", "anyOf"} | IGNORED
TYPE_NAMES = {"string": "a string", "number": "a number", "integer": "a whole number", "object": "a JSON object",
              "array": "a list", "boolean": "true or false", "null": "null"}


def _is_type(value: Any, name: str) -> bool:
    if name == "string":
        return isinstance(value, str)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if isinstance(value, bool):
        return False
    if name == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, (int, float))
    raise ValueError(f"unsupported type {name!r}")


def _ecma(pattern: str) -> re.Pattern[str]:
    """A JSON Schema (ECMA-262) pattern in Python: `\\d` is ASCII only there, and `$` is the end of the
    text, where Python's `$` also matches before a trailing newline."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + "\\Z"
    return re.compile(pattern, re.ASCII)


def _json_equal(a: Any, b: Any) -> bool:
    """JSON equality: 1 == 1.0, but true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def compile_schema(schema: Mapping[str, Any]) -> Check:
    """A function (value, path, found) that raises InvalidEvent on the first violation."""
    unknown = set(schema) - SUPPORTED
    if unknown:
        raise ValueError(f"schema keyword(s) not supported by the compiled checker: {sorted(unknown)}")
    steps: list[Check] = []
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        for name in names:
            _is_type(None, name)  # refuses unknown type names at compile time
        expected = " or ".join(TYPE_NAMES[name] for name in names)
        exact = {"string": str, "object": dict, "array": list}
        plain = tuple(exact[name] for name in names if name in exact)

        def check_type(value: Any, path: str, found: Found) -> None:
            if type(value) in plain:  # the common case, without the general test
                return
            if not any(_is_type(value, name) for name in names):
                raise InvalidEvent(f"must be {expected}, not {value!r}", field=path)
        steps.append(check_type)
    if "enum" in schema:
        allowed = list(schema["enum"])
        listed = ", ".join(str(item) for item in allowed)

        def check_enum(value: Any, path: str, found: Found) -> None:
            if not any(_json_equal(value, item) for item in allowed):
                raise InvalidEvent(f"{value!r} is not one of: {listed}", field=path)
        steps.append(check_enum)
    if "pattern" in schema:
        pattern = _ecma(schema["pattern"])
        if schema.get("x-date"):
            reason = "is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD"
        elif schema.get("x-ref"):
            reason = "is not an event ref (CASE#VERSION or an event id)"
        else:
            reason = f"does not match {schema['pattern']}"

        def check_pattern(value: Any, path: str, found: Found) -> None:
            if isinstance(value, str) and not pattern.search(value):
                raise InvalidEvent(f"{value!r} {reason}", field=path)
        steps.append(check_pattern)
    for bound, test, word in (("minimum", lambda v, b: v >= b, "at least"), ("maximum", lambda v, b: v <= b, "at most")):
        if bound in schema:
            limit = schema[bound]

            def check_bound(value: Any, path: str, found: Found, limit=limit, test=test, word=word) -> None:
                if isinstance(value, (int, float)) and not isinstance(value, bool) and not test(value, limit):
                    raise InvalidEvent(f"must be {word} {limit}", field=path)
            steps.append(check_bound)
    if "anyOf" in schema:
        options = [compile_schema(option) for option in schema["anyOf"]]

        def check_any(value: Any, path: str, found: Found) -> None:
            for option in options:
                trial: Found = []
                try:
                    option(value, path, trial)
                except InvalidEvent:
                    continue
                found.extend(trial)
                return
            raise InvalidEvent(f"{value!r} matches none of the allowed forms", field=path)
        steps.append(check_any)
    if any(key in schema for key in ("properties", "required", "additionalProperties")):
        steps.append(_object_check(schema))
    if "items" in schema or "minItems" in schema:
        steps.append(_array_check(schema))
    marks = [(mark, schema[mark]) for mark in ANNOTATIONS if mark in schema]

    def check(value: Any, path: str, found: Found) -> None:
        for step in steps:
            step(value, path, found)
        for mark, argument in marks:
            found.append((mark, argument, path, value))
    return check


def _object_check(schema: Mapping[str, Any]) -> Check:
    properties = {name: compile_schema(sub) for name, sub in schema.get("properties", {}).items()}
    required = list(schema.get("required", ()))
    closed = schema.get("additionalProperties", True) is False
    if schema.get("additionalProperties", True) not in (True, False):
        raise ValueError("additionalProperties must be true or false")

    def check_object(value: Any, path: str, found: Found) -> None:
        if not isinstance(value, dict):
            return
        if closed:
            for key in value:
                if key not in properties:
                    raise InvalidEvent(f"unknown key '{key}'", field=f"{path}.{key}")
        for key in required:
            if key not in value:
                raise InvalidEvent("is required but missing", field=f"{path}.{key}")
        for key, item in value.items():
            sub = properties.get(key)
            if sub is not None:
                sub(item, f"{path}.{key}", found)
    return check_object


def _array_check(schema: Mapping[str, Any]) -> Check:
    items = compile_schema(schema["items"]) if "items" in schema else None
    least = schema.get("minItems", 0)

    def check_array(value: Any, path: str, found: Found) -> None:
        if not isinstance(value, list):
            return
        if len(value) < least:
            raise InvalidEvent(f"needs at least {least} item(s)", field=path)
        if items is not None:
            for index, item in enumerate(value):
                items(item, f"{path}[{index}]", found)
    return check_array
