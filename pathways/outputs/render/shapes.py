"""Node shapes sized to their labels. Graphviz fits a label into the ellipse inscribed in a polygon
of more than four sides, so a hexagon comes out about twice as wide and tall as its words (a box, a
`tab`, a `component` or a `note` it sizes as the label's box, with their extras outside the words).
Here the hexagon gets the smallest size whose slanted sides clear every line of its label."""

from __future__ import annotations

NARROW, WIDE = set("ijlftrI.,:;'!|()[] -"), set("mwMW@%")
PAD = 6.0
"""Points of clearance between a line of the label and the border."""


def text_width(line: str, fontsize: float) -> float:
    """A line's width in points in Helvetica, estimated from the classes of its characters (on the wide side)."""
    ems = sum(0.3 if ch in NARROW else 0.86 if ch in WIDE else 0.68 if ch.isupper() else 0.56 for ch in line)
    return ems * fontsize


def hexagon_size(lines: list[str], fontsize: float) -> tuple[float, float]:
    """(width, height) in points of the smallest hexagon (flat top and bottom, its top edge half its width,
    as Graphviz draws one) that holds these lines centred, each clear of the slanted sides."""
    leading = fontsize * 1.2
    h = leading * len(lines)
    best: tuple[float, float, float] | None = None
    for step in range(1, 41):  # at least a quarter line more than the text: clear of the flat top and bottom
        height = h + 2 * PAD + step * leading / 4
        width = 0.0
        for index, line in enumerate(lines):
            top, bottom = -h / 2 + index * leading, -h / 2 + (index + 1) * leading
            reach = max(abs(top), abs(bottom))  # the line's corner farthest from the middle
            # the half-width at |y| is W/2 * (1 - |y|/H): the line's half-width and its clearance must fit
            width = max(width, (text_width(line, fontsize) + 2 * PAD) / (1 - reach / height))
        if best is None or width * height < best[0]:
            best = (width * height, width, height)
    return best[1], best[2]


def fitted(shape: str, text: str, fontsize: float) -> dict[str, str]:
    """The node attributes that size `shape` to its label (`text`, lines joined by `\\n`); none for the
    shapes Graphviz sizes right."""
    lines = text.split("\\n")
    if shape == "hexagon":
        width, height = hexagon_size(lines, fontsize)
        return {"fixedsize": "true", "width": f"{width / 72:.3f}", "height": f"{height / 72:.3f}"}
    return {}
