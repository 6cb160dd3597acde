"""Dashed and dotted strokes spelt out as short segments, for a converter that draws every stroke solid.

MuPDF, which turns the embedded renderer's SVG into PDF and PNG, ignores `stroke-dasharray`: a period
without contact, an expected link and a low-confidence one would all come out solid. Graphviz writes
dashed strokes on `path` (one move, then cubic Bezier triples), `polygon`, `polyline` and `ellipse`
elements; each such element keeps its fill with no stroke, and a path of the dashes, in the element's
stroke colour and width, is drawn over it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

Point = tuple[float, float]

_ELEMENT = re.compile(r"<(path|polygon|polyline|ellipse)\b([^>]*?)/>")
_ATTRIBUTE = re.compile(r'([\w:-]+)="([^"]*)"')
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?|-?\.\d+")


def _pairs(text: str) -> list[Point]:
    numbers = [float(n) for n in _NUMBER.findall(text)]
    return list(zip(numbers[0::2], numbers[1::2]))


def outline(tag: str, attributes: dict[str, str]) -> list[Point]:
    """The element's stroke as a polyline (curves sampled)."""
    if tag == "ellipse":
        cx, cy, rx, ry = (float(attributes.get(name, 0)) for name in ("cx", "cy", "rx", "ry"))
        return [(cx + rx * math.cos(a * math.pi / 24), cy + ry * math.sin(a * math.pi / 24)) for a in range(49)]
    if tag in ("polygon", "polyline"):
        points = _pairs(attributes.get("points", ""))
        return points + points[:1] if tag == "polygon" and points else points
    points = _pairs(attributes.get("d", ""))
    line = points[:1]
    for start in range(0, len(points) - 3, 3):
        p0, p1, p2, p3 = points[start:start + 4]
        for step in range(1, 17):
            t = step / 16
            a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3
            line.append((a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]))
    return line


def dash_path(points: Sequence[Point], pattern: Sequence[float]) -> str:
    """SVG path data of the 'on' stretches of `pattern` (on, off, on, ...) along the polyline."""
    pattern = [max(value, 0.01) for value in (list(pattern) * 2 if len(pattern) % 2 else pattern)]
    out, index, left = [], 0, pattern[0]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        length, done = math.hypot(x1 - x0, y1 - y0), 0.0
        while length - done > 1e-9:
            step = min(left, length - done)
            if index % 2 == 0:
                a, b = done / length, (done + step) / length
                out.append(f"M{x0 + (x1 - x0) * a:.2f},{y0 + (y1 - y0) * a:.2f}"
                           f"L{x0 + (x1 - x0) * b:.2f},{y0 + (y1 - y0) * b:.2f}")
            done, left = done + step, left - step
            if left <= 1e-9:
                index = (index + 1) % len(pattern)
                left = pattern[index]
    return "".join(out)


def _spelt(match: re.Match) -> str:
    tag, text = match.group(1), match.group(2)
    attributes = dict(_ATTRIBUTE.findall(text))
    pattern = [float(n) for n in _NUMBER.findall(attributes.get("stroke-dasharray", ""))]
    if not pattern or attributes.get("stroke", "none") == "none":
        return match.group(0)
    points = outline(tag, attributes)
    kept = {key: value for key, value in attributes.items() if key != "stroke-dasharray"}
    kept["stroke"] = "none"
    body = " ".join(f'{key}="{value}"' for key, value in kept.items())
    width = attributes.get("stroke-width", "1")
    return (f"<{tag} {body}/>" + f'<path fill="none" stroke="{attributes["stroke"]}" stroke-width="{width}" '
            f'd="{dash_path(points, pattern)}"/>')


def spelt_out(svg: str) -> str:
    """`svg` with every dashed or dotted stroke drawn as its dashes."""
    return _ELEMENT.sub(_spelt, svg)
