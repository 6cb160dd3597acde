"""Pathway diagrams: whole words, a legend of the marks used, every loop's closing marked."""

import xml.etree.ElementTree as ET

from pathways.outputs.render.diagrams import pathway_diagram
from pathways.outputs.render.engine import render

from .test_loop_figures import SVG, demo_cases, no_system_dot  # noqa: F401 - fixtures

WHOLE = ("extra-mile", "permit-application", "civic-integration-2007")


def _nodes(svg: bytes) -> dict[str, list[str]]:
    found = {}
    for group in ET.fromstring(svg).iter(f"{SVG}g"):
        if group.get("class") == "node":
            found[group.find(f"{SVG}title").text] = [t.text or "" for t in group.iter(f"{SVG}text")]
    return found


def test_no_word_is_split_across_lines(demo_cases):
    analyses, catalogue = demo_cases
    lines = [line for texts in _nodes(render(pathway_diagram(analyses["ma-2009"], catalogue), "svg")).values()
             for line in texts]
    assert not [line for line in lines if line.rstrip().endswith("-")]
    assert any("extra-mile" in line for line in lines)


def test_a_loop_closed_by_a_coded_link_is_marked_on_a_drawn_step(demo_cases):
    analyses, catalogue = demo_cases
    analysis = analyses["tr-guestworker"]
    assert [loop.id for loop in analysis.loops] == ["R1"]
    svg = render(pathway_diagram(analysis, catalogue), "svg")
    marked = [name for name, texts in _nodes(svg).items() if any("closes R1" in t for t in texts)]
    assert len(marked) == 1
    group = next(g for g in ET.fromstring(svg).iter(f"{SVG}g")
                 if g.get("class") == "node" and g.find(f"{SVG}title").text == marked[0])
    shapes = [shape for shape in group.iter() if shape.tag in (f"{SVG}polygon", f"{SVG}ellipse", f"{SVG}path")]
    assert len(shapes) >= 2  # the double border


def test_the_pathway_legend_names_only_shapes_drawn(demo_cases):
    analyses, catalogue = demo_cases
    legend = " ".join(_nodes(render(pathway_diagram(analyses["ma-2009"], catalogue), "svg"))["legend"])
    assert "component shape" in legend and "box3d" not in legend  # the municipality; no market contact
    assert "note shape" in legend and "a period without contact" not in legend
    assert "solid arrow" in legend and "dashed arrow" in legend
