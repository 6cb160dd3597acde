"""Friendly command-line values (`trust:down`, `#3`, `effort:employment:+`) turned into event payloads."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from events.envelope import NewEvent, case_stream
from events.errors import InvalidEvent

_SHORT_REF = re.compile(r"^#?(?P<version>[1-9][0-9]*)(?P<rest>:.*)?\Z")


def expand_ref(case: str, text: str, *, flag: str) -> str:
    """`#3` or `3` (optionally `:VARIABLE`) within CASE becomes `CASE#3`; full refs pass unchanged."""
    if not isinstance(text, str) or not text:
        raise InvalidEvent("an empty ref", field=flag)
    match = _SHORT_REF.match(text)
    if match:
        return f"{case}#{match['version']}{match['rest'] or ''}"
    return text


def expand_refs(case: str, texts: Iterable[str] | None, *, flag: str) -> list[str]:
    return [expand_ref(case, text, flag=flag) for text in texts or []]


def parse_effect(text: str) -> dict[str, str]:
    """`VARIABLE:up|down|none` (also `VARIABLE+`, `VARIABLE-`)."""
    if text.endswith(("+", "-")) and ":" not in text:
        return {"variable": text[:-1], "direction": "up" if text.endswith("+") else "down"}
    variable, sep, direction = text.rpartition(":")
    if not sep or direction not in ("up", "down", "none") or not variable:
        raise InvalidEvent(f"'{text}' is not VARIABLE:up, VARIABLE:down or VARIABLE:none", field="--effect")
    return {"variable": variable, "direction": direction}


def parse_link(text: str) -> dict[str, str]:
    """`FROM:TO:+` or `FROM:TO:-`."""
    parts = text.split(":")
    if len(parts) != 3 or parts[2] not in ("+", "-") or not all(parts[:2]):
        raise InvalidEvent(f"'{text}' is not FROM:TO:+ or FROM:TO:-", field="--link")
    return {"from": parts[0], "to": parts[1], "sign": parts[2]}


def parse_pairs(items: Iterable[str], *, flag: str) -> dict[str, str]:
    """Repeated `KEY=VALUE` options as a mapping."""
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidEvent(f"'{item}' is not KEY=VALUE", field=flag)
        pairs[key] = value
    return pairs


def parse_confidence(text: str | None) -> str | float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return text


def payload(**fields: Any) -> dict[str, Any]:
    """Drop the options the user did not give (None, empty lists and mappings)."""
    return {key: value for key, value in fields.items() if value is not None and value != [] and value != {}}


def new_event(case: str, type_: str, data: Mapping[str, Any], *, occurred: str | None = None,
              recorded_by: str | None = None, meta: Mapping[str, Any] | None = None,
              expected_version: int | None = None) -> NewEvent:
    return NewEvent(stream=case_stream(case), type=type_, data=dict(data), occurred=occurred,
                    recorded_by=recorded_by, meta=dict(meta or {}), expected_version=expected_version)


def correction_fields(case: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The payload fields an `amend` gives, from its options as the `add` commands take them (an
    option left out is not in the result; `from`/`to` are an absence's period or a link's variables)."""
    parsers = {
        "condition": ("conditions", lambda items: parse_pairs(items, flag="--condition")),
        "effect": ("effects", lambda items: [parse_effect(item) for item in items]),
        "because": ("because", lambda items: expand_refs(case, items, flag="--because")),
        "evidence": ("evidence", lambda items: expand_refs(case, items, flag="--evidence")),
        "link": ("links", lambda items: [parse_link(item) for item in items]),
        "confidence": ("confidence", parse_confidence),
        "variables": ("variables", lambda text: [item.strip() for item in text.split(",") if item.strip()]),
    }
    fields: dict[str, Any] = {}
    for option, value in options.items():
        if value is None or value == []:
            continue
        field, parse = parsers.get(option, (option, None))
        fields[field] = parse(value) if parse else value
    return fields


def loop_reading(*, variables: str | None, polarity: str | None, none: bool, **rest: Any) -> dict[str, Any]:
    """A LoopCoded payload: a loop read (its variables in cycle order and its polarity), or with `none`
    the reading that the case holds no loop (then only a note and whose account)."""
    if none:
        given = [flag for flag, value in (("--variables", variables), ("--polarity", polarity),
                                          ("--valence", rest.get("valence")), ("--change", rest.get("change")))
                 if value is not None]
        if given:
            raise InvalidEvent(f"a --none reading names no loop: leave out {', '.join(given)}", field=given[0])
        return payload(none=True, note=rest.get("note"), account=rest.get("account"))
    if variables is None or polarity is None:
        flag = "--variables" if variables is None else "--polarity"
        raise InvalidEvent("a reading needs --variables and --polarity (or --none: no loop in the case)", field=flag)
    return payload(variables=[item.strip() for item in variables.split(",") if item.strip()], polarity=polarity,
                   **rest)
