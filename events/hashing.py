"""The SHA-256 chain: each event's hash covers its canonical JSON and its predecessor's hash.

The stored `data` and `meta` columns hold canonical JSON text, so the hash is computed from the
stored text itself: any edit behind the log's back, even of white space, breaks the chain.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept: the same value always gives the same text (exactly what
    `json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` gives, without
    building an encoder per call)."""
    return _CANONICAL.encode(value)


_QUOTED: dict[str | None, str] = {}


def _quoted(text: str | None) -> str:
    """JSON text of a stream name or coder (few distinct values, met again and again: kept)."""
    quoted = _QUOTED.get(text)
    if quoted is None:
        quoted = json.dumps(text, ensure_ascii=False)
        if len(_QUOTED) < 100_000:
            _QUOTED[text] = quoted
    return quoted


def chain_hash(prev_hash: str, *, event_id: str, stream: str, version: int, type: str,
               schema_version: int, occurred: str | None, recorded_at: str,
               recorded_by: str | None, data: str, meta: str) -> str:
    """Hash of one event given its predecessor's hash; `data` and `meta` are canonical JSON text.

    The body is the canonical JSON object of the event's fields (keys in sorted order), written
    out by hand so the payload text is not parsed and dumped again. Position is not covered: the
    chain itself fixes the order, and an exported log re-imported elsewhere keeps its hashes.
    """
    # event_id, occurred, recorded_at and type are validated to plain ASCII without quotes or
    # backslashes, so quoting them by hand gives the same text as json.dumps; stream and
    # recorded_by may hold anything and go through json.dumps.
    when = "null" if occurred is None else f'"{occurred}"'
    body = (f'{{"data":{data},"event_id":"{event_id}","meta":{meta},'
            f'"occurred":{when},"recorded_at":"{recorded_at}",'
            f'"recorded_by":{_quoted(recorded_by)},"schema_version":{schema_version},'
            f'"stream":{_quoted(stream)},"type":"{type}","version":{version}}}')
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()
