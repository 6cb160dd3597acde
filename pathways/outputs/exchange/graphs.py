"""Causal graphs for network and system-dynamics tools: GraphML and OASIS XMILE."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import IO
from xml.sax.saxutils import escape, quoteattr

from events.rules.catalogue import Catalogue

from pathways.analysis.case import CaseAnalysis
from pathways.analysis.polarity import SIGN_TEXT

GRAPHML_KEYS = (  # (id, for, name, type)
    ("label", "node", "label", "string"), ("desirability", "node", "desirability", "int"),
    ("node_case", "node", "case", "string"), ("variable", "node", "variable", "string"),
    ("edge_case", "edge", "case", "string"),
    ("sign", "edge", "sign", "string"), ("sign_value", "edge", "sign_value", "int"),
    ("evidence_count", "edge", "evidence_count", "int"), ("ambiguous", "edge", "ambiguous", "boolean"),
    ("origins", "edge", "origins", "string"), ("loops", "edge", "loops", "string"),
    ("cases", "edge", "cases", "int"), ("confidence", "edge", "confidence", "string"),
    ("loop_opened_by", "graph", "loop_opened_by", "string"), ("loop_confidence", "graph", "loop_confidence", "string"),
)
EDGE_FIELDS = ("sign", "sign_value", "evidence_count", "ambiguous", "origins", "loops", "cases", "confidence")


def _loop_membership(analysis: CaseAnalysis, prefix: str = "") -> dict[tuple[str, str], list[str]]:
    member: dict[tuple[str, str], list[str]] = defaultdict(list)
    for loop in analysis.loops:
        for index, variable in enumerate(loop.variables):
            member[(variable, loop.variables[(index + 1) % len(loop.variables)])].append(prefix + loop.id)
    return member


def _data(key: str, value: object) -> str:
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f'<data key="{key}">{escape(str(value))}</data>'


def _loop_fields(loops: Iterable, prefix: str = "") -> dict[str, str]:
    """Each loop's opener and confidence, as `ID=value` lists (graph data: GraphML has no loop element)."""
    loops = list(loops)
    return {"loop_opened_by": " ".join(f"{prefix}{loop.id}={loop.opened_by or '-'}" for loop in loops),
            "loop_confidence": " ".join(f"{prefix}{loop.id}={loop.confidence}" for loop in loops)}


def _parts(edges: list[dict], catalogue: Catalogue, out: IO[str], case: str | None, prefix: str) -> None:
    """The nodes and edges of one graph part: a case's (`case`, its node ids `prefix` + variable) or the pool."""
    tag = "" if case is None else _data("node_case", case)
    for variable in sorted({edge[end] for edge in edges for end in ("source", "target")}):
        entry = catalogue.entries["variables"].get(variable, {})
        out.write(f'    <node id={quoteattr(prefix + variable)}>{_data("label", entry.get("label", variable))}'
                  f'{_data("desirability", catalogue.desirability(variable))}{tag}{_data("variable", variable)}</node>\n')
    for edge in edges:
        fields = "".join(_data(key, edge[key]) for key in EDGE_FIELDS if edge.get(key) is not None)
        out.write(f'    <edge source={quoteattr(prefix + edge["source"])} target={quoteattr(prefix + edge["target"])}>'
                  f'{"" if case is None else _data("edge_case", case)}{fields}</edge>\n')


def _case_edges(analysis: CaseAnalysis, member: dict[tuple[str, str], list[str]]) -> list[dict]:
    return [{"source": e.source, "target": e.target, "sign": e.sign_text, "sign_value": e.sign,
             "evidence_count": len(e.evidence), "ambiguous": e.ambiguous, "origins": " ".join(e.origins),
             "loops": " ".join(member.get((e.source, e.target), [])), "cases": 1, "confidence": e.confidence}
            for e in analysis.graph.edges]


def write_graphml(analyses: Iterable[CaseAnalysis], catalogue: Catalogue, out: IO[str], *, pooled: bool = False,
                  one_case: bool = False) -> int:
    """One directed graph in the file, so that networkx and Gephi read all of it (a reader takes a
    file's first graph only): every case's causal graph as its own part, node ids `CASE:VARIABLE`
    (`VARIABLE` for `one_case`), each node and edge naming its `case`; or one graph pooled over the
    cases. Streams: a case's part is written as it comes. Returns the number of cases written."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n'
              '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
              'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
              'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
              'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
    for key, scope, name, kind in GRAPHML_KEYS:
        out.write(f'  <key id="{key}" for="{scope}" attr.name="{name}" attr.type="{kind}"/>\n')
    cases = 0
    pool: dict[tuple[str, str], dict] = {}
    loop_parts: list[dict[str, str]] = []
    graph_id = "pooled" if pooled else None
    for analysis in analyses:
        if graph_id is None:
            graph_id = analysis.case if one_case else "cases"
            out.write(f'  <graph id={quoteattr(graph_id)} edgedefault="directed">\n')
        named = "" if one_case and not pooled else f"{analysis.case}:"  # loop ids, pooled or of many cases
        edges = _case_edges(analysis, _loop_membership(analysis, named if pooled else ""))
        loop_parts.append(_loop_fields(analysis.loops, named))
        cases += 1
        if not pooled:
            _parts(edges, catalogue, out, analysis.case, named)
            continue
        for edge in edges:
            merged = pool.setdefault((edge["source"], edge["target"]), {
                "source": edge["source"], "target": edge["target"], "signs": Counter(), "evidence_count": 0,
                "origins": set(), "loops": [], "cases": 0, "ambiguous": False})
            merged["signs"][edge["sign_value"]] += 1
            merged["evidence_count"] += edge["evidence_count"]
            merged["origins"].update(edge["origins"].split())
            merged["loops"].extend(edge["loops"].split())
            merged["cases"] += 1
            merged["ambiguous"] |= edge["ambiguous"]  # seen with both signs within a case
    if graph_id is None:  # no case: an empty graph, still one
        out.write('  <graph id="cases" edgedefault="directed">\n')
    elif graph_id == "pooled":
        out.write('  <graph id="pooled" edgedefault="directed">\n')
        _parts(sorted(_pooled(pool), key=lambda e: (e["source"], e["target"])), catalogue, out, None, "")
    loops = {key: " ".join(filter(None, (part[key] for part in loop_parts))) for key in ("loop_opened_by", "loop_confidence")}
    out.write(f'    {_data("loop_opened_by", loops["loop_opened_by"])}{_data("loop_confidence", loops["loop_confidence"])}\n'
              "  </graph>\n</graphml>\n")  # graph data may follow the nodes: the file streams
    return cases


def _pooled(pool: dict[tuple[str, str], dict]) -> Iterable[dict]:
    """Each pooled edge's sign (the majority; 0 where undetermined in every case), ambiguous when the
    cases disagree or any case saw it with both signs."""
    for merged in pool.values():
        plus, minus = merged["signs"][1], merged["signs"][-1]
        sign = 0 if not plus and not minus else 1 if plus >= minus else -1
        yield {**merged, "sign": SIGN_TEXT[sign], "sign_value": sign,
               "ambiguous": merged["ambiguous"] or bool(plus and minus),
               "origins": " ".join(sorted(merged["origins"])), "loops": " ".join(merged["loops"])}


XMILE_NS = "http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"


def _name(variable: str) -> str:
    """XMILE names use underscores for spaces; our keys have hyphens, which are fine but quoted in equations."""
    return variable.replace("-", "_")


def write_xmile(analyses: Iterable[CaseAnalysis], catalogue: Catalogue, out: IO[str]) -> int:
    """Each case's causal loop diagram as an XMILE model: variables as auxiliaries, signed links as
    connectors with `polarity`, loop labels as text boxes; one `<model>` per case."""
    out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<xmile version="1.0" xmlns="{XMILE_NS}">\n'
              "  <header>\n    <vendor>pathways</vendor>\n    <product version=\"0.1.0\">pathways</product>\n"
              "    <options>\n      <uses_outputs/>\n    </options>\n  </header>\n")
    models = 0
    for analysis in analyses:
        variables = analysis.graph.variables()
        out.write(f"  <model name={quoteattr(analysis.case)}>\n    <variables>\n")
        for variable in variables:
            label = catalogue.entries["variables"].get(variable, {}).get("label", variable)
            out.write(f"      <aux name={quoteattr(_name(variable))}>\n        <doc>{escape(label)}</doc>\n"
                      "        <eqn>0</eqn>\n      </aux>\n")
        out.write("    </variables>\n    <views>\n      <view>\n")
        for index, variable in enumerate(variables):
            out.write(f'        <aux name={quoteattr(_name(variable))} x="{100 + 150 * (index % 5)}" '
                      f'y="{100 + 120 * (index // 5)}"/>\n')
        for index, edge in enumerate(analysis.graph.edges):
            polarity = f' polarity="{edge.sign_text}"' if edge.sign else ""  # undetermined: no polarity stated
            out.write(f'        <connector uid="{index + 1}"{polarity}>\n'
                      f"          <from>{escape(_name(edge.source))}</from>\n"
                      f"          <to>{escape(_name(edge.target))}</to>\n        </connector>\n")
        for index, loop in enumerate(analysis.loops):
            out.write(f'        <text_box uid="{len(analysis.graph.edges) + index + 1}" x="{60 + 80 * index}" '
                      f'y="40" width="70" height="24">{escape(loop.id)}: {escape(loop.polarity)}, '
                      f"{escape(loop.valence)}, {escape(loop.change)}, opened by {escape(loop.opened_by or '-')}, "
                      f"confidence {escape(str(loop.confidence))}</text_box>\n")
        out.write("      </view>\n    </views>\n  </model>\n")
        models += 1
    out.write("</xmile>\n")
    return models
