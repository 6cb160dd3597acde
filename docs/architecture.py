"""Draws docs/architecture.svg: the layers (which package may import which) and the path one event
takes from an import file to a loop and a figure. Run `python docs/architecture.py` after a change to
the layout; `tests/test_docs_architecture.py` fails while the SVG is out of date."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import graphviz

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [  # (cluster, [(node, label)]) from the top down
    ("command line", [("cli", "cli.py\nparse, call one function, render")]),
    ("pathways", [("application", "application/\nservice, queries, exports, demo run"),
                  ("outputs", "outputs/\nrender/, report, exchange/,\nterminal, pseudonymise"),
                  ("refi", "refi/ (pure)\nREFI-QDA both ways: reader,\nconvention, mapping, writer"),
                  ("projections", "projections/\nrunner, tables, reader, writer,\nparallel, timetravel"),
                  ("analysis", "analysis/ (pure)\npathway, causal, loops, classify,\ndiscretion, leverage, patterns")]),
    ("events: the log", [("store", "store.py (EventStore)\nlog.py (EventLog: the sink)"),
                         ("ingest", "ingest/\nreaders, pipeline"),
                         ("append", "append/\nprepare, batch, refs, transaction"),
                         ("backends", "backends/\nsqlite, postgres"),
                         ("sealing", "sealing/\ncipher, keyfile, backup"),
                         ("rules", "rules/\nvalidate, checker, catalogue,\nupcasters, limits"),
                         ("core", "envelope, dates, hashing,\nerrors, timestamps, jsontext")]),
    ("data", [("schemas", "schemas/\nJSON Schemas, catalogues, limits")]),
]
IMPORTS = [("cli", "application"), ("cli", "outputs"), ("application", "outputs"), ("application", "projections"),
           ("application", "analysis"), ("application", "refi"), ("refi", "rules"), ("refi", "core"), ("outputs", "analysis"), ("projections", "analysis"),
           ("projections", "store"), ("analysis", "rules"), ("analysis", "core"), ("application", "store"),
           ("store", "ingest"), ("store", "append"), ("store", "backends"), ("ingest", "append"),
           ("append", "rules"), ("append", "sealing"), ("backends", "sealing"), ("rules", "schemas"),
           ("rules", "core")]
FLOW = [("file", "ingest", "1 read"), ("ingest", "append", "2 prepare\n(workers)"),
        ("append", "backends", "3 check, seal,\nhash, insert"), ("backends", "projections", "4 catch up"),
        ("projections", "analysis", "5 a case's events"), ("analysis", "projections", "6 pathway, graph,\nloops, classes"),
        ("projections", "outputs", "7 analyses"), ("outputs", "figure", "8 draw")]


LEGEND = ("grey arrow: imports (a package uses the one it points to; never the other way)    "
          "blue arrow: one event, from an import file to a figure, in numbered steps")


def diagram() -> graphviz.Digraph:
    graph = graphviz.Digraph("architecture", graph_attr={"rankdir": "TB", "fontname": "Helvetica", "fontsize": "11",
                                                          "nodesep": "0.35", "ranksep": "0.45",
                                                          "labelloc": "b", "label": LEGEND},
                             node_attr={"shape": "box", "style": "rounded,filled", "fillcolor": "#f4f4f4",
                                        "fontname": "Helvetica", "fontsize": "10"},
                             edge_attr={"color": "#999999", "arrowsize": "0.6"})
    for index, (title, nodes) in enumerate(LAYERS):
        with graph.subgraph(name=f"cluster_{index}") as layer:
            layer.attr(label=title, style="rounded,dashed", color="#bbbbbb", fontcolor="#555555")
            for name, text in nodes:
                layer.node(name, text)
    graph.node("file", "import file\n(JSON Lines, CSV)", shape="note", fillcolor="#e8f0fb")
    graph.node("figure", "loop diagram,\nreport, JSON", shape="note", fillcolor="#e8f0fb")
    for source, target in IMPORTS:
        graph.edge(source, target)
    for source, target, text in FLOW:
        graph.edge(source, target, label=text, color="#1f5fbf", fontcolor="#1f5fbf", fontsize="9", penwidth="1.6",
                   constraint="false" if source in ("backends", "analysis") else "true")
    return graph


def svg() -> bytes:
    """The diagram through the embedded Graphviz, whatever the machine has: the same bytes everywhere."""
    sys.path.insert(0, str(ROOT))
    from pathways.outputs.render.engine import render

    os.environ["PATHWAYS_RENDERER"] = "embedded"
    return render(diagram(), "svg")


if __name__ == "__main__":
    (ROOT / "docs" / "architecture.svg").write_bytes(svg())
