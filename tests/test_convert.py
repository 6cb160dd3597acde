"""SVG to PDF and PNG: dashed strokes stay dashed, tooltip links keep what they hold."""

import math
import re

import pymupdf
from hypothesis import given
from hypothesis import strategies as st

from pathways.outputs.render.convert import svg_to_png, unwrapped
from pathways.outputs.render.dashes import dash_path, spelt_out


def _row(svg: bytes, y: int) -> list[int]:
    with pymupdf.open(stream=svg_to_png(svg, dpi=72), filetype="png") as image:
        pixmap = image[0].get_pixmap()
        return [pixmap.pixel(x, y)[0] for x in range(pixmap.width)]


def test_a_dashed_line_comes_out_dashed_and_a_solid_one_solid():
    template = ('<svg xmlns="http://www.w3.org/2000/svg" width="100pt" height="20pt" viewBox="0 0 100 20">'
                '<path fill="none" stroke="black" stroke-width="2" {dash} d="M0,10C30,10 70,10 100,10"/></svg>')
    dashed = _row(template.format(dash='stroke-dasharray="5,2"').encode(), 10)
    solid = _row(template.format(dash="").encode(), 10)
    assert sum(v < 128 for v in solid) >= 98
    assert 55 <= sum(v < 128 for v in dashed) <= 85  # 5 on in every 7


def test_a_dashed_ellipse_keeps_its_fill():
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="40pt" height="40pt" viewBox="0 0 40 40"><ellipse '
           'fill="#ff0000" stroke="black" stroke-dasharray="5,2" cx="20" cy="20" rx="15" ry="15"/></svg>')
    text = spelt_out(svg)
    assert 'fill="#ff0000"' in text and 'stroke="none"' in text and "stroke-dasharray" not in text


@given(st.lists(st.tuples(st.floats(-500, 500), st.floats(-500, 500)), min_size=2, max_size=8),
       st.floats(0.5, 20), st.floats(0.5, 20))
def test_dashes_cover_the_on_share_of_the_line(points, on, off):
    total = sum(math.dist(a, b) for a, b in zip(points, points[1:]))
    drawn = 0.0
    for x0, y0, x1, y1 in re.findall(r"M(-?[\d.]+),(-?[\d.]+)L(-?[\d.]+),(-?[\d.]+)", dash_path(points, [on, off])):
        drawn += math.dist((float(x0), float(y0)), (float(x1), float(y1)))
    assert drawn <= total + 0.05 * len(points)
    assert drawn >= total * on / (on + off) - (on + 0.05) * len(points)


def test_tooltip_links_are_unwrapped_with_their_content_kept():
    svg = b'<svg><g><a xlink:title="a &gt; b"><text>R1</text></a></g></svg>'
    assert unwrapped(svg) == b"<svg><g><text>R1</text></g></svg>"
