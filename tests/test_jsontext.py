"""events/jsontext.py reads import lines and stored payloads with orjson where it gives exactly what
the standard library gives: the same values (an integer stays an integer), and the same canonical
text, which the hash chain covers."""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from events.errors import InvalidEvent
from events.hashing import canonical_json
from events.ingest.readers import jsonl_record
from events.jsontext import compact, load_stored, read_record

KEYS = st.text(max_size=8)
NUMBERS = st.one_of(st.integers(), st.integers(min_value=2 ** 53, max_value=2 ** 80),
                    st.floats(allow_nan=False, allow_infinity=False),
                    st.sampled_from([1e-05, -2.5e-07, 1e16, 1e-300, 123456789012345.0, 0.0, -0.0]))
VALUES = st.recursive(st.none() | st.booleans() | NUMBERS | st.text(),
                      lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
                      max_leaves=12)


def strict(text: str):
    return jsonl_record(text, 1)


def typed(value) -> str:
    """The value as canonical text: tells 1 from 1.0 and True from 1, as == does not."""
    return canonical_json(value)


@settings(max_examples=400, deadline=None)
@given(data=st.dictionaries(KEYS, VALUES, max_size=5), meta=st.one_of(st.just({}), st.dictionaries(KEYS, VALUES)),
       extra=st.dictionaries(st.sampled_from(["version", "occurred", "case", "x"]), VALUES, max_size=2),
       ascii_only=st.booleans())
def test_an_import_line_reads_and_encodes_as_the_standard_library_does(data, meta, extra, ascii_only):
    line = json.dumps({"type": "StateObserved", "case": "p-1", **extra, "data": data, "meta": meta},
                      ensure_ascii=ascii_only) + "\n"
    record, texts = read_record(line, strict)
    assert typed(record) == typed(json.loads(line))
    if texts is not None:
        assert texts == (canonical_json(record["data"]), canonical_json(record["meta"]) if record["meta"] else "{}")


@pytest.mark.parametrize("line", [
    '{"type":"T","data":{"level":1e-05}}',                    # orjson writes 0.00001
    '{"type":"T","data":{"n":1180591620717411303424}}',        # orjson reads a float
    '{"type":"T","version":1180591620717411303424,"data":{}}',
    '{"type":"T","data":{"n":1e400}}',                        # json reads inf, orjson refuses
    '{"type":"T","data":{"s":"\\ud800"}}',                     # a lone surrogate: json keeps it, orjson refuses
    '{"type":"T","data":{"a":1,"a":2}}',
    '{"type":"T","data":[1,2]}',
    '{"type":"T","data":{},"meta":{"w":[0.5,1e-07]}}',
    '{"type":"T","data":{"deep":' + "[" * 300 + "]" * 300 + '}}',  # orjson reads it, and writes no deeper than 255
])
def test_what_orjson_would_read_or_write_otherwise_goes_the_standard_librarys_way(line):
    record, texts = read_record(line, strict)
    assert typed(record) == typed(json.loads(line))
    if texts is not None:
        assert texts[0] == canonical_json(record["data"])


@pytest.mark.parametrize("line, reason", [
    ('{"type":"T","data":{"n":NaN}}', "NaN is not a JSON number"),
    ('{"type":"T",', "malformed JSON"),
    ('[1, 2]', "each line must be a JSON object"),
    ('\ufeff{"type":"T"}', "malformed JSON"),
])
def test_a_line_orjson_refuses_is_refused_with_the_standard_librarys_reason(line, reason):
    with pytest.raises(InvalidEvent, match=reason):
        read_record(line, strict)


@settings(max_examples=300, deadline=None)
@given(value=st.dictionaries(KEYS, st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2 ** 53, max_value=2 ** 53) | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4), max_leaves=12)))
def test_a_stored_payload_reads_as_the_standard_library_reads_it(value):
    text = canonical_json(value)
    assert typed(load_stored(text)) == typed(json.loads(text))


@settings(max_examples=400, deadline=None)
@given(value=st.one_of(VALUES, st.tuples(VALUES, VALUES), st.lists(st.tuples(st.text(), st.text()), max_size=4)))
@example(value=1e-05)  # a float that is the whole text
@example(value=2 ** 70)
def test_a_projection_column_is_written_as_the_standard_library_writes_it(value):
    # The tables' JSON columns (a step's effects, an edge's evidence, a loop's confidences) are
    # written by orjson only where it writes what `json` writes: floats and big integers included.
    assert compact(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
