"""Transcripts kept with their cases (`import --with-sources`): a source's plain text as `SourceText`
events, split under the event limits and joined back in order, and a quote's paragraph found in it.

Pure: texts and events in, records and passages out. The text is kept exactly as the source holds it
(line endings as they are), so that the positions of `meta.refi` count in it as they did in the tool.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from events.rules.limits import TEXT

from pathways.refi.convention import ID_NAMESPACE

TYPE = "SourceText"
PART = TEXT
"""Code points a part holds at most: a string's limit. In UTF-8 with JSON's escapes that is at most
4 bytes a code point, well under the limit of an event's bytes."""
CONTEXT = 600
"""Code points of a paragraph shown on either side of a quote at most (a transcript without line
breaks is one paragraph): cut at a space, marked with an ellipsis."""


@attrs.frozen
class Transcript:
    source: str
    """The REFI-QDA source GUID."""
    name: str
    text: str


@attrs.frozen
class Passage:
    """A quote in its paragraph: the text before it, the quote (as the positions cut it), the text after."""

    source: str
    """The transcript's name."""
    before: str
    quote: str
    after: str


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def part_id(case: str, source: str, text: str, part: int, key: bytes | None) -> str:
    """A part's event id: the same project imported again gives the same ids (and appends nothing), a
    changed text new ones. Ids stay in clear (and after `forget`), so the text enters them through a
    keyed hash (`key`: the project's secret): nobody holding a guessed transcript can confirm it."""
    keyed = hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest() if key else digest(text)
    return str(uuid.uuid5(ID_NAMESPACE, f"source-text:{case}:{source}:{keyed}:{part}"))


def split(text: str, size: int = PART) -> list[tuple[int, str]]:
    """The text in parts of at most `size` code points, each with the code point it starts at (an
    empty text is one empty part). Slicing a Python string never splits a character."""
    if size < 1:
        raise ValueError("a part holds at least one code point")
    return [(start, text[start:start + size]) for start in range(0, len(text), size)] or [(0, "")]


def records(case: str, source: str, name: str, text: str, size: int = PART,
            key: bytes | None = None) -> list[dict[str, Any]]:
    """The import records keeping one source's text in a case, in order (`key`: see `part_id`)."""
    whole = digest(text)
    pieces = split(text, size)
    return [{"type": TYPE, "case": case, "event_id": part_id(case, source, text, index, key),
             "data": {"source": source, "name": name, "digest": whole, "part": index, "parts": len(pieces),
                      "start": start, "text": piece}}
            for index, (start, piece) in enumerate(pieces, start=1)]


def join(events: Iterable[Any]) -> dict[str, Transcript]:
    """The transcripts a case's live events keep, by source GUID: for each source the newest text whose
    parts are all there, its parts joined in order. `events` are `Event` tuples in version order."""
    texts: dict[tuple[str, str], dict[int, Any]] = {}
    newest: dict[str, tuple[int, str]] = {}
    for event in events:
        if event.type != TYPE or not event.data:
            continue
        data = event.data
        key = (data["source"], data.get("digest") or "")
        texts.setdefault(key, {})[data["part"]] = event
        if all(p in texts[key] for p in range(1, data["parts"] + 1)):
            newest[data["source"]] = (event.version, key[1])
    found = {}
    for source, (_, text_digest) in newest.items():
        parts = texts[(source, text_digest)]
        ordered = [parts[p].data for p in sorted(parts)]
        if not source:
            continue  # a pseudonymised placeholder: no text
        found[source] = Transcript(source, ordered[0].get("name") or source, "".join(d["text"] for d in ordered))
    return found


_BLANK_LINE = re.compile(r"(?:\r\n|\r|\n)[ \t]*(?:\r\n|\r|\n)")
_LINE_END = re.compile(r"\r\n|\r|\n")


def paragraph(text: str, start: int, end: int) -> tuple[int, int]:
    """The paragraph holding the code points `start` to `end`: between blank lines where the text has
    them, else between line ends (a transcript of one line a turn); a quote across paragraphs gets
    all of them."""
    breaks = _BLANK_LINE if _BLANK_LINE.search(text) else _LINE_END
    first, last = 0, len(text)
    for found in breaks.finditer(text):
        if found.end() <= start:
            first = found.end()
        elif found.start() >= end:
            last = found.start()
            break
    return first, last


def passage(transcript: Transcript, start: int, end: int) -> Passage | None:
    """The quote at these positions in its paragraph (cut to CONTEXT on either side); None when the
    positions do not lie in the text."""
    text = transcript.text
    if not 0 <= start <= end <= len(text) or start == end:
        return None
    first, last = paragraph(text, start, end)
    before, after = text[first:start], text[end:last]
    if len(before) > CONTEXT:
        cut = before[-CONTEXT:]
        before = "…" + (cut.split(" ", 1)[1] if " " in cut[:-1] else cut)
    if len(after) > CONTEXT:
        cut = after[:CONTEXT]
        after = (cut.rsplit(" ", 1)[0] if " " in cut[1:] else cut) + "…"
    return Passage(transcript.name, before.lstrip(), text[start:end], after.rstrip())


def passages(events: Iterable[Any]) -> dict[str, Passage]:
    """Each event's quote in its paragraph, by event id, for the events coded in a kept transcript
    (`meta.refi` names its source and positions) whose quote, as it stands, is the text there: a quote
    amended since (a name taken out, say) is not shown in the words it replaced. `events`: the case's
    live events, as they stand."""
    events = list(events)
    transcripts = join(events)
    found = {}
    for event in events:
        refi = event.meta.get("refi") if isinstance(event.meta, Mapping) else None
        if not isinstance(refi, Mapping) or refi.get("source") not in transcripts:
            continue
        start, end = refi.get("start"), refi.get("end")
        if isinstance(start, int) and isinstance(end, int):
            found_passage = passage(transcripts[refi["source"]], start, end)
            quote = event.data.get("quote") if isinstance(event.data, Mapping) else None
            if found_passage is not None and (quote is None or quote == found_passage.quote):
                found[event.event_id] = found_passage  # an amended quote no longer lies there: shown alone
    return found
