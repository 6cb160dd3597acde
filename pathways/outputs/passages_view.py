"""`show --context`: each quote of a case in its paragraph of the transcript, the quote highlighted."""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Group
from rich.padding import Padding
from rich.text import Text

from pathways.outputs.wording import signed_text

HIGHLIGHT = "bold black on yellow"


def _lines(text: str) -> str:
    """Line ends as the terminal reads them (a transcript keeps its CRLFs)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def passages_view(analysis, passages: Mapping[str, object]) -> Group:
    """Step by step, the quote in its paragraph (`refi.transcripts.Passage`, by event id); a quote with
    no kept transcript is shown alone, and the heading says how to keep the transcripts."""
    parts: list[Text | Padding] = []
    quoted = [step for step in analysis.pathway.steps if step.quote or step.event_id in passages]
    kept = sum(1 for step in quoted if step.event_id in passages)
    heading = f"quotes in their paragraphs: {kept} of {len(quoted)} in a kept transcript"
    if kept < len(quoted):
        heading += " (`pathways import PROJECT.qdpx --with-sources` keeps the transcripts of a REFI-QDA project)"
    parts.append(Text(heading, style="bold"))
    for step in quoted:
        found = passages.get(step.event_id)
        where = f" ({found.source})" if found is not None else f" ({step.source})" if step.source else ""
        parts.append(Text(f"#{step.ref.rsplit('#', 1)[-1]} {signed_text(step.label)}{where}", style="bold"))
        if found is None:
            parts.append(Padding(Text.assemble("“", (_lines(step.quote or ""), HIGHLIGHT), "”"), (0, 0, 0, 2)))
            continue
        parts.append(Padding(Text.assemble(_lines(found.before), (_lines(found.quote), HIGHLIGHT), _lines(found.after)),
                             (0, 0, 0, 2)))
    return Group(*parts)
