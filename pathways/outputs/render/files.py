"""Diagrams to files: names from validated case ids, no overwrite without `force`, atomic writes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import graphviz

from events.rules.catalogue import Catalogue
from events.errors import PathwaysError

from pathways.analysis.case import CaseAnalysis
from pathways.analysis.classify import Loop
from pathways.analysis.patterns import ABSENCE
from pathways.outputs.manifest import Manifest
from pathways.outputs.render.diagrams import case_map, loop_diagram, pathway_diagram
from pathways.outputs.render.engine import layout, render
from pathways.outputs.render.loopstyle import labelled
from pathways.outputs.render.placement import parse_layout, place
from pathways.outputs.wording import plural

KINDS = {"pathway": ("pathway",), "loops": ("loops",), "both": ("pathway", "loops")}


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise PathwaysError(f"unknown kind '{kind}' (use pathway, loops or both)", field="--kind")


def case_diagrams(analyses: Iterable[CaseAnalysis], kind: str, catalogue: Catalogue, *, each_loop: bool = False
                  ) -> Iterable[tuple[str, graphviz.Digraph]]:
    """(file stem, diagram) for each case and requested kind; with `each_loop`, one loop diagram per loop
    (CASE-loop-R1, ...) instead of the case's whole diagram."""
    check_kind(kind)
    for analysis in analyses:
        for part in KINDS[kind]:
            if part == "pathway":
                yield f"{analysis.case}-pathway", pathway_diagram(analysis, catalogue)
            elif each_loop:
                for loop in analysis.loops:
                    yield f"{analysis.case}-loop-{loop.id}", loop_figure(analysis, catalogue, loop)
            else:
                yield f"{analysis.case}-loops", loop_figure(analysis, catalogue)


FIT_POINTS = 660
"""The widest pathway the report shows inline at a desktop page's width (its 68rem, 1.2 times scaled)."""


def report_pathways(analysis: CaseAnalysis, catalogue: Catalogue, render_svg: Callable[[graphviz.Digraph], bytes],
                    fit: float = FIT_POINTS) -> tuple[bytes, bytes]:
    """The pathway for a report page, twice: for a desktop page in rows of three (of two when three come
    out wider than `fit` points), and for a phone in one column with its titles and legend wrapped short."""
    wide = render_svg(pathway_diagram(analysis, catalogue, row=3))
    if svg_width(wide) > fit:
        wide = render_svg(pathway_diagram(analysis, catalogue, row=2))
    return wide, render_svg(pathway_diagram(analysis, catalogue, row=1, narrow=True))


def svg_width(svg: bytes) -> float:
    """The width in points Graphviz gives an SVG (0 when it says none)."""
    import re

    found = re.search(rb'<svg\b[^>]*?\bwidth="([\d.]+)pt"', svg)
    return float(found[1]) if found else 0.0


SPRUNG_LINKS = 30
"""Up to this many links (6 variables linked every way), the first pass pulls each label in on springs;
beyond, it lays out the variables and arrows alone and the labels are placed by rule all the same.
Graphviz routing curved arrows among the springs' nodes grows steeply: with 20 labels, 0.07 s of CPU
at 20 links, 0.36 s at 30, 2.8 s at 42, minutes at 90; without them, 0.01 s at 42 and 4 s at 870."""


def loop_figure(analysis: CaseAnalysis, catalogue: Catalogue, only: Loop | None = None) -> graphviz.Digraph:
    """The loop diagram in two passes: a layout with the labels on springs (so it leaves them room), then
    the signs and labels placed in it by rule, everything else kept where it was."""
    links = len(only.variables) if only else len(analysis.graph.edges)
    sprung = links <= SPRUNG_LINKS
    first = parse_layout(layout(loop_diagram(analysis, catalogue, only=only, markers=sprung)),
                         keep=lambda name: name.startswith("v_"))
    loops = [only] if only else labelled(analysis.loops)
    placed = place(first, [(loop.id, [f"v_{v}" for v in loop.variables]) for loop in loops])
    return loop_diagram(analysis, catalogue, placed=placed, only=only)


def map_diagram(transitions: Sequence[tuple[str, str, int]], catalogue: Catalogue) -> tuple[str, graphviz.Digraph]:
    labels = {**catalogue.entries["kinds"], ABSENCE: {"label": "no contact"}}
    return "case-map", case_map(transitions, labels)


def write_diagrams(diagrams: Sequence[tuple[str, graphviz.Digraph]], out: Path, fmt: str, *, force: bool,
                   progress: Callable[[int], None] | None = None, whole: bool = False,
                   removed: list[Path] | None = None) -> list[Path]:
    """Render every diagram and write it under `out`; refuses (before writing any) to overwrite without force.
    `whole`: these are all the diagrams of the folder (`render --all`), so the files an earlier run wrote
    there and this one does not (a case erased since) are removed, and added to `removed`."""
    paths = [out / f"{stem}.{fmt}" for stem, _ in diagrams]
    manifest = Manifest(out, "render")
    if not force:
        existing = [path for path in paths if path.exists()]
        if existing:
            raise PathwaysError(f"{existing[0]} exists ({plural(len(existing), 'file')} would be overwritten; use --force)",
                                field="--out")
    if whole:
        manifest.check(paths, force=force)
    rendered = []
    for _, diagram in diagrams:  # all rendered before the folder is made: a failure leaves nothing behind
        rendered.append(render(diagram, fmt))
        if progress:
            progress(1)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PathwaysError(f"cannot create {out}: {error.strerror}", field="--out") from None
    for path, data in zip(paths, rendered):
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(data)
        os.replace(partial, path)
    gone = manifest.finish(paths, whole=whole)
    if removed is not None:
        removed.extend(gone)
    return paths
