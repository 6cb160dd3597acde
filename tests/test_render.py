"""Diagrams: parsed SVG, rendering without a system Graphviz, golden DOT structure, escaping."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from events.ingest.readers import to_new_event
from events.store import EventStore
from pathways.analysis.case import analyse_case
from pathways.analysis.pathway import Settings
from pathways.outputs.render.diagrams import loop_diagram, pathway_diagram
from pathways.outputs.render.engine import render
from pathways.outputs.render.files import loop_figure

from .conftest import write_jsonl
from .figures import FIGURES, contact, state

SVG = "{http://www.w3.org/2000/svg}"
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(autouse=True)
def no_system_dot(monkeypatch, tmp_path):
    """Every test here renders with the embedded Graphviz: PATH holds no `dot`."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("PATHWAYS_RENDERER", raising=False)


def analysed(db, case, records=None, settings=Settings()):
    with EventStore(db) as store:
        store.append(to_new_event(record) for record in (records or FIGURES[case]))
        events = list(store.read(streams=[f"case:{case}"]))
        return analyse_case(case, events, store.catalogue(), settings), store.catalogue()


def parse(svg: bytes):
    root = ET.fromstring(svg)
    groups = {"node": {}, "edge": {}}
    for group in root.iter(f"{SVG}g"):
        kind = group.get("class")
        if kind in groups:
            title = group.find(f"{SVG}title").text
            groups[kind][title] = [text.text for text in group.iter(f"{SVG}text")]
    return groups["node"], groups["edge"]


@pytest.mark.parametrize("case, loops, signed", [
    ("fig1", ["D1"], {("effort", "opposition"): "+", ("opposition", "effort"): "-"}),
    ("fig2", ["R1"], {("resentment", "pressure"): "+", ("pressure", "resentment"): "+"}),
    ("fig4", ["R1", "R2"], {("pressure", "financial-security"): "-", ("financial-security", "compliance"): "+",
                            ("compliance", "pressure"): "-", ("resentment", "compliance"): "-"}),
])
def test_loop_diagram_svg_has_variables_signed_edges_and_loop_labels(db, case, loops, signed):
    analysis, catalogue = analysed(db, case)
    nodes, edges = parse(render(loop_figure(analysis, catalogue), "svg"))
    assert {f"v_{v}" for pair in signed for v in pair} <= set(nodes)
    for (source, target), sign in signed.items():
        assert edges[f"v_{source}->v_{target}"] == [sign.replace("-", "\u2212")]
    assert [nodes[f"m_{loop}"] for loop in loops] == [[loop] for loop in loops]
    assert "legend" in nodes


def test_pathway_diagram_svg_has_steps_phases_and_closing_marks(db):
    analysis, catalogue = analysed(db, "fig3")
    svg = render(pathway_diagram(analysis, catalogue), "svg")
    nodes, edges = parse(svg)
    assert {"s5", "s6", "s7", "s8"} <= set(nodes)
    assert "closes R1" in nodes["s7"]
    assert "education-centre: coaching" in nodes["s6"]
    assert {"s5->s6", "s6->s7", "s7->s8"} <= set(edges)
    clusters = [group.find(f"{SVG}title").text for group in ET.fromstring(svg).iter(f"{SVG}g")
                if group.get("class") == "cluster"]
    assert clusters == ["cluster_reset"]
    assert "civic-integration-2007" in "".join(ET.fromstring(svg).itertext())


def _structure(dot: str):
    nodes = set(re.findall(r"^\t+(\w+) \[", dot, re.M))
    edges = set(re.findall(r"^\t+(\w+) -> (\w+)", dot, re.M))
    heads = set(re.findall(r'^\t+(\w+) -> (\w+) \[.*headlabel="([+\u2212])"', dot, re.M))
    return nodes, edges, heads


@pytest.mark.parametrize("name, build", [("fig1-loops", loop_figure), ("fig1-pathway", pathway_diagram)])
def test_dot_matches_the_golden_source_in_structure(db, name, build):
    analysis, catalogue = analysed(db, "fig1")
    assert _structure(build(analysis, catalogue).source) == _structure((GOLDEN / f"{name}.dot").read_text())


def test_user_text_is_escaped_for_dot_and_svg(db):
    nasty = 'He said "no" <b>{x}</b> \\N back\\slash & more'
    records = [FIGURES["fig1"][0],
               contact("fig1", "1995-06", "coa", "counselling", [("effort", "down")], "unfavourable",
                       outcome=nasty, quote=nasty),
               state("fig1", "1996", "trust", "down", because=["fig1#2"])]
    analysis, catalogue = analysed(db, "fig1", records)
    svg = render(pathway_diagram(analysis, catalogue), "svg")
    nodes, _ = parse(svg)  # parses: the SVG is well formed
    text = " ".join(nodes["s2"])
    for piece in ['"no"', "<b>{x}</b>", "\\N", "back\\slash", "&"]:
        assert piece in text


def _svg_size(svg: bytes) -> tuple[float, float]:
    root = ET.fromstring(svg)
    return float(root.get("width").removesuffix("pt")), float(root.get("height").removesuffix("pt"))


def test_pdf_and_png_without_system_graphviz(cli, tmp_path):
    """No `dot` on PATH (the fixture): PDF and PNG still come, one page a figure in the figure's size."""
    import shutil
    import struct

    import pymupdf

    assert shutil.which("dot") is None
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig4"])))
    cli.ok("render", "fig4", "--format", "svg", "--out", str(tmp_path / "svg"))
    for fmt in ("pdf", "png"):
        written = cli.json("render", "fig4", "--format", fmt, "--out", str(tmp_path / fmt))
        assert written["renderer"] == "embedded (WebAssembly)"
        assert sorted(Path(p).name for p in written["files"]) == [f"fig4-loops.{fmt}", f"fig4-pathway.{fmt}"]
    for stem in ("fig4-loops", "fig4-pathway"):
        width, height = _svg_size((tmp_path / "svg" / f"{stem}.svg").read_bytes())
        pdf = (tmp_path / "pdf" / f"{stem}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF-")
        with pymupdf.open(stream=pdf, filetype="pdf") as document:
            assert document.page_count == 1
            page = document[0]
            assert (round(page.rect.width), round(page.rect.height)) == (round(width), round(height))
            fonts = page.get_fonts()
            assert fonts and all(font[1] != "n/a" for font in fonts)  # each font has its file embedded
        png = (tmp_path / "png" / f"{stem}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        pixels = struct.unpack(">II", png[16:24])
        assert pixels == (round(width * 2), round(height * 2))  # 144 dpi: twice the SVG's points
        at = png.index(b"pHYs")  # and the PNG says so, so it prints at the figure's size
        assert struct.unpack(">IIB", png[at + 4:at + 13]) == (5669, 5669, 1)  # 144 dpi in pixels a metre
    with pymupdf.open(stream=(tmp_path / "pdf" / "fig4-loops.pdf").read_bytes(), filetype="pdf") as document:
        words = document[0].get_text()
    assert "R1" in words and "R2" in words  # the loop labels (inside Graphviz's tooltip links) are drawn


def test_a_failed_render_leaves_no_folder(cli, tmp_path, monkeypatch):
    from pathways.outputs.render import files

    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig1"])))

    def broken(graph, fmt):
        raise RuntimeError("embedded Graphviz failed: test")

    monkeypatch.setattr(files, "render", broken)
    result = cli.run("render", "fig1", "--format", "png", "--out", str(tmp_path / "d" / "figures"))
    assert result.exit_code == 4 and "embedded Graphviz failed" in result.stderr
    assert not (tmp_path / "d").exists()


def test_dot_format_names_no_renderer(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig1"])))
    said = cli.ok("render", "fig1", "--kind", "loops", "--format", "dot", "--out", str(tmp_path / "d"))
    assert said.strip() == f"wrote 1 file to {tmp_path / 'd'}/"
    assert cli.json("render", "fig1", "--format", "dot", "--out", str(tmp_path / "d"), "--force")["renderer"] is None


def test_render_command_writes_named_files_and_refuses_to_overwrite(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", [r for case in FIGURES.values() for r in case])))
    out = tmp_path / "d"
    written = cli.json("render", "--all", "--out", str(out))
    assert written["renderer"] == "embedded (WebAssembly)"
    assert sorted(Path(p).name for p in written["files"]) == sorted(
        f"{case}-{kind}.svg" for case in FIGURES for kind in ("pathway", "loops"))
    result = cli.run("render", "fig1", "--out", str(out))
    assert result.exit_code == 2 and "--force" in result.stderr
    cli.ok("render", "fig1", "--kind", "loops", "--out", str(out), "--force")
    cli.ok("render", "--map", "--out", str(out))
    nodes, edges = parse((out / "case-map.svg").read_bytes())
    assert edges["k_permit-revocation->k_lawsuit"] == ["1"]
    cli.ok("render", "fig2", "--format", "dot", "--out", str(out), "--as-of", "2007")
    assert "m_R1" not in (out / "fig2-loops.dot").read_text()


def test_a_twenty_variable_case_renders(db):
    variables = ["integration", "desired-integration", "discrepancy", "effort", "motivation", "trust", "resentment",
                 "wellbeing", "stress", "financial-security", "health", "language", "employment",
                 "legal-security", "encouragement", "engagement", "pressure", "opposition", "belonging",
                 "compliance"]
    records = [FIGURES["fig1"][0]]
    for index, variable in enumerate(variables):
        records.append(state("fig1", f"{1996 + index}", variable, "up" if index % 3 else "down",
                             because=[f"fig1#{index + 1}"] if index else []))
    records.append(state("fig1", "2020", "integration", "up", because=[f"fig1#{len(variables) + 1}"]))
    analysis, catalogue = analysed(db, "fig1", records, Settings(loop_bound=20))
    assert [len(loop.variables) for loop in analysis.loops] == [20]
    nodes, edges = parse(render(loop_figure(analysis, catalogue), "svg"))
    assert len([n for n in nodes if n.startswith("v_")]) == 20
    assert len(edges) == 20  # the loop marker's edges are invisible
    assert nodes[f"m_{analysis.loops[0].id}"] == [analysis.loops[0].id]


def _size(svg: bytes) -> tuple[float, float]:
    root = ET.fromstring(svg)
    return float(root.get("width").removesuffix("pt")), float(root.get("height").removesuffix("pt"))


def test_a_20_step_pathway_wraps_to_a_page_shaped_layout(db):
    records = [FIGURES["fig1"][0]]
    for index in range(20):
        records.append(contact("fig1", f"{1995 + index // 2}-{index % 2 * 6 + 1:02d}", "coa",
                               ["counselling", "course", "exam", "relocation"][index % 4], [("effort", "up")],
                               "favourable", outcome=f"what step {index} did, in a few words"))
    analysis, catalogue = analysed(db, "fig1", records)
    width, height = _size(render(pathway_diagram(analysis, catalogue), "svg"))
    assert 1 / 1.8 <= width / height <= 1.8, (width, height)  # A4 is 1.41 either way; one strip was over 10


def test_a_two_variable_loop_label_sits_off_its_arrows(db):
    from pathways.outputs.render.engine import positions

    analysis, catalogue = analysed(db, "fig1")
    placed = positions(loop_figure(analysis, catalogue))
    (ax, ay), (bx, by), (mx, my) = placed["v_effort"], placed["v_opposition"], placed["m_D1"]
    distance = abs((bx - ax) * (ay - my) - (ax - mx) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5
    assert distance < 0.3  # inches: between the two arrows, which bow apart, near the line through both