"""Parts of the pathway diagram: which drawn step marks each loop's closing, and a legend of the marks used."""

from __future__ import annotations

import textwrap
from collections import defaultdict
from collections.abc import Mapping, Sequence

from events.rules.catalogue import Catalogue

from pathways.analysis.case import CaseAnalysis

FAMILY_WORDS = {"box": "a state body", "component": "the municipality (local)", "hexagon": "reception",
                "tab": "education", "ellipse": "civil society, or an observed state", "box3d": "the market"}


def closing_marks(analysis: CaseAnalysis, drawn: Sequence) -> dict[str, list[str]]:
    """Drawn step ref -> the loops it closes. A loop closed by an event the diagram does not draw (a coded
    link, a reading) is marked on the last drawn step at or before it, as `R1 (by link #16)`."""
    order = {step.ref: step.order for step in analysis.pathway.steps}
    refs = {step.ref for step in drawn}
    marks: dict[str, list[str]] = defaultdict(list)
    for loop in analysis.loops:
        if loop.closing_event in refs:
            marks[loop.closing_event].append(loop.id)
            continue
        at = order.get(loop.closing_event)
        before = [step for step in drawn if at is not None and step.order <= at]
        if before:
            marks[before[-1].ref].append(f"{loop.id} (by #{loop.closing_event.rsplit('#', 1)[-1]})")
    return marks


def pathway_legend(drawn: Sequence, shapes: Mapping[str, str], catalogue: Catalogue,
                   marks: Mapping[str, list[str]], beyond: bool) -> list[tuple[str, str]]:
    """The legend's lines, each only for a mark the diagram draws."""
    types = {step.type for step in drawn}
    families = []
    for step in drawn:
        if step.type == "ContactRecorded":
            family = catalogue.entries["actors"].get(step.actor, {}).get("family", "state")
            families.append(shapes.get(family, "box"))
    lines = [("fill", "perceived: green favourable, red unfavourable, amber mixed, grey neutral")]
    lines += [(f"{shape} shape", f"a contact with {FAMILY_WORDS.get(shape, shape)}") for shape in dict.fromkeys(families)]
    if "ContactAbsent" in types:
        lines.append(("dashed box", "a period without contact"))
    if "ExpectationFormed" in types:
        lines.append(("note shape, blue border", "an expectation (a mini-theory)"))
    if "StateObserved" in types:
        lines.append(("small ellipse", "a state observed"))
    lines += [("solid arrow", "the next step in time"), ("dashed arrow", "because (cause to effect)")]
    if marks:
        lines.append(("double border", "closes a loop"))
    if beyond:
        lines.append(("* purple border", "the bureaucrat went beyond the rules (extra mile, bending, breaking)"))
    return lines


def legend_text(lines: Sequence[tuple[str, str]], width: int | None = None) -> str:
    """The legend as one left-justified DOT label (`\\l` ends a line); with `width`, each entry wrapped
    at whole words, its later lines indented."""
    text = []
    for key, words in lines:
        entry = f"{key}: {words}".replace("\\", "\\\\")
        parts = textwrap.wrap(entry, width, subsequent_indent="   ", break_on_hyphens=False,
                              break_long_words=False) if width else [entry]
        text += [f"{part}\\l" for part in parts]
    return "".join(text)
