"""The report's quotes in their paragraphs (transcripts kept by `import --with-sources`): the quote
marked with `<mark>` inside its paragraph, every word escaped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def quoted(step: Any, passages: Mapping[str, Any]) -> str:
    """A step's quote as a blockquote: in its paragraph with the quote marked where the transcript is
    kept, else the quote alone; nothing for a step without a quote."""
    found = passages.get(step.event_id)
    if found is not None:
        return (f'<blockquote class="passage">{escape(_lines(found.before))}<mark>{escape(_lines(found.quote))}'
                f"</mark>{escape(_lines(found.after))} <cite>({escape(found.source)})</cite></blockquote>")
    if not step.quote:
        return ""
    return (f"<blockquote>“{escape(step.quote)}”" + (f" ({escape(step.source)})" if step.source else "")
            + "</blockquote>")


def in_paragraphs(steps: Sequence[Any], passages: Mapping[str, Any]) -> str:
    """Every step coded in a kept transcript, its quote marked in its paragraph, in step order."""
    items = [f"<li>{escape(step.ref)} {escape(step.effective or '')}: {escape(step.label)}{quoted(step, passages)}</li>"
             for step in steps if step.event_id in passages]
    return f'<ul class="passages">{"".join(items)}</ul>'
