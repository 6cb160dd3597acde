"""The shortcut of `limits.check_encoded` (scan the canonical text, walk only what looks suspect)
must refuse exactly what the full walk `limits.check_value` refuses, naming the same field."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from events.rules import limits
from events.errors import InvalidEvent
from events.hashing import canonical_json

# Text biased towards what the scan looks for: escapes, digits, DEL and C1 controls, NaN, non-ASCII.
TEXT = st.lists(st.sampled_from(list("ab 0123456789\\\"\n\t\x00\x1b\x7f\x85\x9f\u00e9\u4e2d\ufffe")
                                + ["NaN", "Infinity", "0123456789012345"]), max_size=20).map("".join)
NUMBERS = st.one_of(st.integers(-2 ** 60, 2 ** 60), st.integers(-10 ** 20, 10 ** 20),
                    st.floats(allow_nan=False, allow_infinity=False))
VALUES = st.recursive(st.one_of(st.none(), st.booleans(), NUMBERS, TEXT),
                      lambda inner: st.one_of(st.lists(inner, max_size=4),
                                              st.dictionaries(TEXT, inner, max_size=4)),
                      max_leaves=30)


def outcome(check, *args):
    try:
        check(*args)
    except InvalidEvent as error:
        return error.field, error.reason
    return None


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(TEXT, VALUES, max_size=5))
def test_the_scan_shortcut_refuses_what_the_walk_refuses(value):
    text = canonical_json(value)
    assert outcome(limits.check_encoded, value, text, "data") == outcome(limits.check_value, value, "data")


def test_the_shortcut_can_refuse():
    # The property above is only worth something if both sides refuse now and then.
    for value in ({"n": 2 ** 60}, {"t": "a\x7fb"}, {"t": "\x85"}, {"k\n": 1}, {"t": "x" * (limits.TEXT + 1)}):
        assert outcome(limits.check_encoded, value, canonical_json(value), "data") is not None
