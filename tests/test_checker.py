"""Law: the compiled schema checker accepts exactly what the reference validator (jsonschema) accepts."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
import re

from jsonschema import ValidationError
from jsonschema.validators import extend, validator_for

import schemas
from events.rules.checker import compile_schema
from events.errors import InvalidEvent


def _strings(document, found):
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "enum":
                found.update(item for item in value if isinstance(item, str))
            _strings(value, found)
            if key == "properties":
                found.update(value)
    elif isinstance(document, list):
        for item in document:
            _strings(item, found)
    return found


def _ecma_pattern(validator, pattern, instance, schema):
    """JSON Schema patterns are ECMA-262: `$` ends the text and `\\d` is ASCII. jsonschema uses Python's
    `re` as it is, where `$` also matches before a trailing newline; the reference here is the standard."""
    if validator.is_type(instance, "string"):
        text = pattern[:-1] + "\\Z" if pattern.endswith("$") else pattern
        if not re.search(text, instance, re.ASCII):
            yield ValidationError(f"{instance!r} does not match {pattern!r}")


def reference_for(document):
    base = validator_for(document)
    return extend(base, {"pattern": _ecma_pattern})(document)


DOCUMENTS = schemas.event_schemas()
WORDS = sorted(_strings(DOCUMENTS, set()) | {
    "1995", "1995-06", "1995-13", "95", "ir-1#2", "ir-1#2:trust", "#2", "IR", "ir", "trust", "nonsense", "",
    "8f14e45f-ceea-4e7a-9b0b-1e2f3a4b5c6d", "high", "+", "-", "a b", "1995\n", "ir-1#2\n", "\u0661\u0669\u0669\u0665"})
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.sampled_from([0.5, 1.0, -0.5, 2.5]),
                    st.sampled_from(WORDS))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.sampled_from(WORDS), inner, max_size=4)), max_leaves=8)


def valid(schema):
    """Values the schema accepts, built from its own keywords."""
    if "anyOf" in schema:
        return st.one_of([valid(option) for option in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([valid({**schema, "type": name}) for name in kind])
    if kind == "object":
        properties = schema.get("properties", {})
        required = schema.get("required", [])
        optional = [name for name in properties if name not in required]

        @st.composite
        def build(draw):
            chosen = required + draw(st.lists(st.sampled_from(optional), unique=True)) if optional else required
            return {name: draw(valid(properties[name])) for name in chosen}
        return build()
    if kind == "array":
        return st.lists(valid(schema.get("items", {})), min_size=schema.get("minItems", 0), max_size=3)
    if kind == "string":
        return st.from_regex(schema["pattern"]) if "pattern" in schema else st.text(max_size=5)
    if kind in ("number", "integer"):
        return st.integers(schema.get("minimum", -3), schema.get("maximum", 3))
    return SCALARS


@st.composite
def mutated(draw, schema):
    """A valid payload with, often, one value replaced, one key added or one key dropped."""
    payload = draw(valid(schema))
    change = draw(st.sampled_from(["none", "none", "replace", "add", "drop"]))
    if isinstance(payload, dict) and payload and change != "none":
        key = draw(st.sampled_from(sorted(payload)))
        if change == "replace":
            payload[key] = draw(VALUES)
        elif change == "add":
            payload[draw(st.sampled_from(WORDS))] = draw(VALUES)
        else:
            del payload[key]
    return payload


def payloads(document):
    return mutated(document)


@pytest.mark.parametrize("key", sorted(DOCUMENTS), ids=lambda key: f"{key[0]}.v{key[1]}")
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_compiled_checker_agrees_with_jsonschema(key, data):
    document = DOCUMENTS[key]
    reference = reference_for(document)
    compiled = compile_schema(document)
    payload = data.draw(st.one_of(payloads(document), VALUES))
    try:
        compiled(payload, "data", [])
        accepted = True
    except InvalidEvent:
        accepted = False
    assert accepted == reference.is_valid(payload), payload


def test_unsupported_keywords_are_refused_at_compile_time():
    with pytest.raises(ValueError, match="not supported"):
        compile_schema({"type": "object", "patternProperties": {}})
