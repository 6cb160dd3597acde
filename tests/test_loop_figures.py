"""Loop diagrams a journal would print, checked on the rendered SVG's own coordinates."""

import math
import re
import xml.etree.ElementTree as ET

import pytest

from events.store import EventStore
from pathways import demo
from pathways.analysis.case import analyse_case
from pathways.outputs.render.engine import render
from pathways.outputs.render.files import loop_figure
from pathways.outputs.render.loopstyle import MINUS
from pathways.outputs.render.placement import centre, inside

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def no_system_dot(monkeypatch, tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.fixture(scope="module")
def demo_cases(tmp_path_factory):
    with EventStore(tmp_path_factory.mktemp("demo") / "demo.db") as store:
        store.append(demo.events())
        catalogue = store.catalogue()
        cases = ("ma-2009", "bd-restaurant", "ir-1995", "tr-guestworker")
        return {case: analyse_case(case, list(store.read(streams=[f"case:{case}"])), catalogue)
                for case in cases}, catalogue


def drawn(svg: bytes):
    """Node centres, edge paths and head texts (SVG coordinates), and the legend's lines."""
    nodes, edges, legend = {}, {}, []
    for group in ET.fromstring(svg).iter(f"{SVG}g"):
        title = group.find(f"{SVG}title").text if group.find(f"{SVG}title") is not None else None
        if group.get("class") == "node":
            shape = next(iter(group.iter(f"{SVG}ellipse")), None)
            if shape is not None:
                nodes[title] = (float(shape.get("cx")), float(shape.get("cy")))
            if title == "legend":
                legend = [text.text for text in group.iter(f"{SVG}text")]
        elif group.get("class") == "edge":
            path = group.find(f".//{SVG}path").get("d")
            texts = [(text.text, float(text.get("x")), float(text.get("y"))) for text in group.iter(f"{SVG}text")]
            edges[title.replace("&#45;&gt;", "->")] = (path, texts)
    return nodes, edges, legend


@pytest.mark.parametrize("case", ["ma-2009", "bd-restaurant"])
def test_each_loop_label_sits_in_its_own_cycle(demo_cases, case):
    analyses, catalogue = demo_cases
    analysis = analyses[case]
    nodes, edges, _ = drawn(render(loop_figure(analysis, catalogue), "svg"))
    centres = {loop.id: centre([nodes[f"v_{v}"] for v in loop.variables]) for loop in analysis.loops}
    assert len(analysis.loops) >= 2
    for loop in analysis.loops:
        spot = nodes[f"m_{loop.id}"]
        own = math.dist(spot, centres[loop.id])
        for other, point in centres.items():
            if other != loop.id:
                assert own < math.dist(spot, point), (loop.id, other)
        corners = [nodes[f"v_{v}"] for v in loop.variables]
        if len(corners) > 2:
            assert inside(spot, corners), loop.id
        else:  # between the two arrows, near the middle, clear of both
            (ax, ay), (bx, by) = corners
            span = math.dist(corners[0], corners[1])
            assert math.dist(spot, ((ax + bx) / 2, (ay + by) / 2)) < span / 3, loop.id
            for pair in ((0, 1), (1, 0)):
                key = f"v_{loop.variables[pair[0]]}->v_{loop.variables[pair[1]]}"
                points = [tuple(map(float, p.split(","))) for p in re.findall(r"-?[\d.]+,-?[\d.]+", edges[key][0])]
                assert min(math.dist(spot, p) for p in points) > 16, key


@pytest.mark.parametrize("case", ["ma-2009", "bd-restaurant", "ir-1995"])
def test_signs_are_true_minus_signs_at_the_arrowheads_and_apart(demo_cases, case):
    analyses, catalogue = demo_cases
    nodes, edges, _ = drawn(render(loop_figure(analyses[case], catalogue), "svg"))
    signs = []
    for key, (path, texts) in edges.items():
        (sign, x, y), = texts
        assert sign in ("+", MINUS, "+?", MINUS + "?") and "-" not in sign
        points = [tuple(map(float, p.split(","))) for p in re.findall(r"-?[\d.]+,-?[\d.]+", path)]
        assert math.dist((x, y - 6), points[-1]) < 30, key  # beside the arrowhead (text y is its baseline)
        signs.append((x, y))
    for index, one in enumerate(signs):
        for other in signs[index + 1:]:
            assert math.dist(one, other) > 12


def test_a_two_variable_loop_is_two_distinct_curves(demo_cases):
    analyses, catalogue = demo_cases
    analysis = analyses["ma-2009"]
    pair = next(loop for loop in analysis.loops if len(loop.variables) == 2)
    nodes, edges, _ = drawn(render(loop_figure(analysis, catalogue), "svg"))
    a, b = (f"v_{v}" for v in pair.variables)
    middle = [tuple(map(float, re.findall(r"-?[\d.]+,-?[\d.]+", edges[key][0])[2].split(",")))
              for key in (f"{a}->{b}", f"{b}->{a}")]
    assert math.dist(*middle) > 40  # the curves' middles, far apart: a lens, not two lines over each other
    (_, x1, y1), = edges[f"{a}->{b}"][1]
    (_, x2, y2), = edges[f"{b}->{a}"][1]
    assert math.dist((x1, y1), (x2, y2)) > 40


@pytest.mark.parametrize("case", ["ma-2009", "bd-restaurant", "ir-1995", "tr-guestworker"])
def test_the_legend_lists_only_what_the_diagram_uses(demo_cases, case):
    analyses, catalogue = demo_cases
    analysis = analyses[case]
    svg = render(loop_figure(analysis, catalogue), "svg")
    _, edges, legend = drawn(svg)
    keys = {line.replace("\xa0", " ").split("  ")[0] for line in legend}
    signs = "".join(texts[0][0] for _, texts in edges.values())
    assert ("+" in keys) == ("+" in signs) and (MINUS in keys) == (MINUS in signs)
    assert ("?" in keys) == ("?" in signs)
    assert ("R" in keys) == any(loop.polarity == "reinforcing" for loop in analysis.loops)
    assert ("D" in keys) == any(loop.polarity == "dampening" for loop in analysis.loops)
    text = svg.decode()
    assert ("dashed" in keys) == ('stroke-dasharray="5,2"' in text.split("<title>legend")[0])
    for colour, word in (("#2e8b3a", "green"), ("#c0392b", "red"), ("#b0b0b0", "light grey")):
        assert (word in keys) == (f'stroke="{colour}"' in text.split("<title>m_")[0]), word


def test_variables_are_named_as_the_tables_name_them(demo_cases):
    analyses, catalogue = demo_cases
    svg = render(loop_figure(analyses["ma-2009"], catalogue), "svg").decode()
    words = " ".join(re.findall(r">([^<>]+)</text>", svg))
    assert "integration" in words and "opposition" in words
    assert "actual integration" not in words and "perceived opposition" not in words


def test_each_loop_writes_one_figure_per_loop(cli, tmp_path):
    from .conftest import write_jsonl

    cli.ok("import", str(write_jsonl(tmp_path / "d.jsonl", list(_demo_records("bd-restaurant")))))
    written = cli.json("render", "bd-restaurant", "--kind", "loops", "--each-loop", "--out", str(tmp_path / "f"))
    loops = cli.json("loops", "bd-restaurant")
    ids = sorted(loop["id"] for loop in (loops if isinstance(loops, list) else loops["loops"]))
    assert sorted(p.rsplit("/", 1)[1] for p in written["files"]) == [f"bd-restaurant-loop-{i}.svg" for i in ids]
    for loop_id in ids:
        svg = (tmp_path / "f" / f"bd-restaurant-loop-{loop_id}.svg").read_bytes()
        nodes, edges, _ = drawn(svg)
        assert [name for name in nodes if name.startswith("m_")] == [f"m_{loop_id}"]
        assert f"Loop {loop_id} of bd-restaurant" in "".join(ET.fromstring(svg).itertext())


def _demo_records(case):
    import json

    for path in demo.case_files():
        if path.stem.split("-", 1)[1] == case:
            yield from (json.loads(line) for line in path.read_text().splitlines() if line.strip())
