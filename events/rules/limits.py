"""Limits on what an event may hold, checked on the way in (the numbers live in `schemas/limits.json`).

Whatever the log accepts must stay analysable, renderable and exportable: no nesting that blows
the stack, no text that breaks XML or a terminal, no number that is not JSON, no date that
overflows a calendar, no list that makes the causal graph quadratic.
"""

from __future__ import annotations

import math
import re
from typing import Any

import schemas

from events.errors import InvalidEvent

LIMITS = schemas.limits()
DEPTH, TEXT, LIST = LIMITS["depth"], LIMITS["text"], LIMITS["list"]
LISTS = {"effects": LIMITS["effects"], "because": LIMITS["refs"], "evidence": LIMITS["refs"]}
INTEGER = LIMITS["integer"]
FIRST_YEAR, LAST_YEAR = LIMITS["first_year"], LIMITS["last_year"]
RESET_YEARS = LIMITS["reset_years"]
EVENT_BYTES = LIMITS["event_bytes"]

# C0 controls but tab, newline and carriage return; DEL and C1 controls (ANSI escapes start here);
# lone surrogates (not UTF-8) and the two non-characters XML refuses.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_FORBIDDEN_IN_NAMES = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def check_text(text: str, field: str, *, name: bool = False) -> None:
    """A string we can store, hash, print and put in XML; `name`: no line breaks either."""
    if len(text) > TEXT:
        raise InvalidEvent(f"text of {len(text):,} characters is over the limit of {TEXT:,}", field=field)
    bad = (_FORBIDDEN_IN_NAMES if name else _FORBIDDEN).search(text)
    if bad:
        raise InvalidEvent(f"holds the control or invalid character U+{ord(bad.group()):04X}", field=field)


def check_value(value: Any, field: str) -> None:
    """Walk a JSON value (iteratively: a deep value must not blow our own stack) and refuse what
    breaks the limits, naming the first offending field."""
    pending: list[tuple[Any, str, int]] = [(value, field, 0)]
    while pending:
        item, path, depth = pending.pop()
        kind = type(item)
        if kind is str:
            check_text(item, path)
        elif kind is dict:
            if depth >= DEPTH:
                raise InvalidEvent(f"nests deeper than the limit of {DEPTH} levels", field=path)
            for key, sub in item.items():
                check_text(key, f"{path} (a key)", name=True)
                pending.append((sub, f"{path}.{key}", depth + 1))
        elif kind is list:
            if depth >= DEPTH:
                raise InvalidEvent(f"nests deeper than the limit of {DEPTH} levels", field=path)
            bound = LISTS.get(path.rsplit(".", 1)[-1], LIST)
            if len(item) > bound:
                raise InvalidEvent(f"has {len(item):,} items, over the limit of {bound}", field=path)
            pending.extend((sub, f"{path}[{index}]", depth + 1) for index, sub in enumerate(item))
        elif kind is int:
            if not -INTEGER <= item <= INTEGER:
                raise InvalidEvent(f"a whole number beyond ±{INTEGER} (not exact in JSON)", field=path)
        elif kind is float:
            if not math.isfinite(item):
                raise InvalidEvent(f"{item} is not a JSON number", field=path)
        elif item is not None and kind is not bool:
            raise InvalidEvent(f"{kind.__name__} is not a JSON value", field=path)


# In canonical JSON text, what could break a limit: an escape (a control character, or a line break
# in a key), a run of 16 digits (an integer beyond 2^53), a character refused in text, NaN or Infinity.
_REFUSED_BEYOND_ASCII = re.compile("[\x80-\x9f\ud800-\udfff\ufffe\uffff]")
_LONG_NUMBER = re.compile("[0-9]{16}")
_SHORTEST_LIST_BOUND = min(LIST, *LISTS.values())


def _suspect(text: str) -> bool:
    """Whether the text holds anything that could break a limit (cheapest scans first)."""
    if "\\" in text or "NaN" in text or "Infinity" in text or "\x7f" in text:
        return True
    if not text.isascii() and _REFUSED_BEYOND_ASCII.search(text):
        return True
    return sum(map(text.count, "0123456789")) >= 16 and _LONG_NUMBER.search(text) is not None


def check_encoded(value: Any, text: str, field: str) -> None:
    """`check_value`, skipped when the value's canonical JSON text proves every limit holds: no string
    longer than the whole text, no deeper nesting than it has brackets, no longer list than it has
    commas, nothing suspect in it. Most payloads pass so, in a few scans at C speed; any other is
    walked and the offending field named."""
    if (len(text) <= TEXT and text.count("{") + text.count("[") <= DEPTH
            and text.count(",") < _SHORTEST_LIST_BOUND and not _suspect(text)):
        return
    check_value(value, field)


def check_year(year: int, text: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"'{text}' lies outside the years {FIRST_YEAR} to {LAST_YEAR}")
