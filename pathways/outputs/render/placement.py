"""Where a loop diagram's signs and loop labels go, computed from a first layout (points, y up).

Pure geometry: a first Graphviz pass gives the variables' centres and sizes and the arrows' curves;
this module bends the two arrows of a two-variable loop apart, puts each sign beside its arrowhead
(clear of the other arrows and signs) and each loop's label inside its own cycle, as near the cycle's
centre as the arrows allow and nearer to it than to any other loop's centre. The second pass draws
the graph with every position kept (`nop2`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import attrs

Point = tuple[float, float]

ARROW = 10.0
"""Points from an arrow's last curve point to its tip (Graphviz's arrowhead at arrowsize 1)."""
LABEL_RADIUS = 16.2
"""A loop label's circle (0.45 inch wide)."""
SIGN_BACK, SIGN_SIDE = 15.0, 11.0
"""A sign sits this far back from its arrow's tip and this far to one side of it."""
BOW = 0.3
"""How far each arrow of a two-variable loop bows out, as a share of the distance between them."""


@attrs.frozen
class Box:
    centre: Point
    half: Point
    """Half the width and half the height."""


@attrs.frozen
class Layout:
    """The first pass: variables as boxes, arrows as (curve points, tip), keyed by (source, target)."""

    nodes: Mapping[str, Box]
    edges: Mapping[tuple[str, str], tuple[tuple[Point, ...], Point]]


@attrs.frozen
class Placement:
    nodes: Mapping[str, Point]
    edges: Mapping[tuple[str, str], tuple[tuple[Point, ...], Point]]
    signs: Mapping[tuple[str, str], Point]
    labels: Mapping[str, Point]


def parse_layout(data: Mapping, keep: Callable[[str], bool] = lambda name: True) -> Layout:
    """A Layout from Graphviz's `-Tjson` output of the first pass: the nodes `keep` accepts, the edges between them."""
    names = {item["_gvid"]: item["name"] for item in data.get("objects", ())}
    nodes = {}
    for item in data.get("objects", ()):
        if "pos" in item and keep(item["name"]):
            x, y = (float(value) for value in item["pos"].split(","))
            nodes[item["name"]] = Box((x, y), (float(item["width"]) * 36, float(item["height"]) * 36))
    edges = {}
    for item in data.get("edges", ()):
        points, tip = [], None
        for token in item.get("pos", "").split():
            parts = token.split(",")
            if parts[0] == "e":
                tip = (float(parts[1]), float(parts[2]))
            elif parts[0] != "s":
                points.append((float(parts[0]), float(parts[1])))
        if points and names[item["tail"]] in nodes and names[item["head"]] in nodes:
            edges[(names[item["tail"]], names[item["head"]])] = (tuple(points), tip or points[-1])
    return Layout(nodes, edges)


def _sub(a: Point, b: Point) -> Point:
    return a[0] - b[0], a[1] - b[1]


def _unit(vector: Point) -> Point:
    length = math.hypot(*vector) or 1.0
    return vector[0] / length, vector[1] / length


def _boundary(box: Box, towards: Point) -> Point:
    """Where the line from the box's centre towards a point leaves the ellipse inside the box."""
    dx, dy = _sub(towards, box.centre)
    scale = 1 / (math.hypot(dx / box.half[0], dy / box.half[1]) or 1.0)
    return box.centre[0] + dx * scale, box.centre[1] + dy * scale


def bowed(source: Box, target: Box) -> tuple[tuple[Point, ...], Point]:
    """One arrow of a two-variable loop: a curve bowed to its right, so the reverse arrow bows the other way."""
    (ax, ay), (bx, by) = source.centre, target.centre
    dx, dy = bx - ax, by - ay
    offset = max(BOW * math.hypot(dx, dy), 2.2 * LABEL_RADIUS)
    nx, ny = _unit((dy, -dx))  # right of the direction of travel
    one = (ax + dx / 3 + nx * offset, ay + dy / 3 + ny * offset)
    two = (ax + 2 * dx / 3 + nx * offset, ay + 2 * dy / 3 + ny * offset)
    start, tip = _boundary(source, one), _boundary(target, two)
    ux, uy = _unit(_sub(tip, two))
    end = (tip[0] - ux * ARROW, tip[1] - uy * ARROW)
    return (start, one, two, end), tip


def samples(curve: tuple[Point, ...], tip: Point, per_segment: int = 12) -> list[Point]:
    """Points along a piecewise cubic Bezier curve and on to its tip."""
    found = []
    for start in range(0, len(curve) - 3, 3):
        p0, p1, p2, p3 = curve[start:start + 4]
        for step in range(per_segment + 1):
            t = step / per_segment
            a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3
            found.append((a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]))
    return [*found, tip]


def inside(point: Point, polygon: Sequence[Point]) -> bool:
    """Even-odd rule."""
    x, y, result = point[0], point[1], False
    for (x1, y1), (x2, y2) in zip(polygon, [*polygon[1:], polygon[0]]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            result = not result
    return result


def centre(points: Sequence[Point]) -> Point:
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def _clear_of_box(point: Point, box: Box, margin: float) -> bool:
    return (abs(point[0] - box.centre[0]) > box.half[0] + margin
            or abs(point[1] - box.centre[1]) > box.half[1] + margin)


def _distance(point: Point, points: Sequence[Point]) -> float:
    return min((math.dist(point, other) for other in points), default=math.inf)


def place(layout: Layout, loops: Sequence[tuple[str, Sequence[str]]]) -> Placement:
    """Arrows (two-variable loops bowed apart), signs and loop labels for `loops` ((id, variables) pairs)."""
    edges = dict(layout.edges)
    for source, target in layout.edges:
        if (target, source) in layout.edges:
            edges[(source, target)] = bowed(layout.nodes[source], layout.nodes[target])
    lines = {key: samples(*edge) for key, edge in edges.items()}
    signs = _signs(edges, lines, layout.nodes)
    labels = _labels(layout.nodes, edges, lines, signs, loops)
    return Placement({name: box.centre for name, box in layout.nodes.items()}, edges, signs, labels)


class _Near:
    """Points in square cells of `cell` points a side, so that what lies within `cell` of a point is
    found in the nine cells around it instead of among every point: exact for distances up to `cell`."""

    def __init__(self, cell: float) -> None:
        self.cell = cell
        self.cells: dict[tuple[int, int], list[tuple[Point, object]]] = {}

    def add(self, point: Point, tag: object = None) -> None:
        self.cells.setdefault((int(point[0] // self.cell), int(point[1] // self.cell)), []).append((point, tag))

    def _around(self, point: Point):
        cx, cy = int(point[0] // self.cell), int(point[1] // self.cell)
        for x in (cx - 1, cx, cx + 1):
            for y in (cy - 1, cy, cy + 1):
                yield from self.cells.get((x, y), ())

    def nearest(self, point: Point, cap: float, skip: object = None) -> float:
        """The distance to the nearest point not tagged `skip`, or `cap` when none is nearer (`cap` <= cell)."""
        return min((math.dist(point, other) for other, tag in self._around(point) if tag != skip or tag is None),
                   default=cap)

    def closer_than(self, point: Point, distance: float) -> bool:
        """Whether some point lies nearer than `distance` (<= cell)."""
        return any(math.dist(point, other) < distance for other, _ in self._around(point))


SIGN_ROOM = 60.0
"""A sign's room is judged up to this far: farther arrows and signs do not matter."""


def _signs(edges, lines, nodes: Mapping[str, Box]) -> dict[tuple[str, str], Point]:
    """Each sign beside its arrowhead, on the side farther from the other arrows and the signs placed."""
    placed: dict[tuple[str, str], Point] = {}
    ink = _Near(SIGN_ROOM)
    for key, line in lines.items():
        for point in line:
            ink.add(point, key)
    for key in sorted(edges):
        curve, tip = edges[key]
        ux, uy = _unit(_sub(tip, curve[-1]))
        base = (tip[0] - ux * SIGN_BACK, tip[1] - uy * SIGN_BACK)
        options = [(base[0] - uy * side, base[1] + ux * side) for side in (SIGN_SIDE, -SIGN_SIDE)]

        def room(point: Point) -> float:
            boxed = min((0.0 if not _clear_of_box(point, box, 4) else 1.0) for box in nodes.values())
            return boxed * 1000 + min(ink.nearest(point, SIGN_ROOM, skip=key), SIGN_ROOM)

        placed[key] = max(options, key=room)
        ink.add(placed[key], ("sign", key))  # the signs placed count as ink for the next
    return placed


def _labels(nodes, edges, lines, signs, loops) -> dict[str, Point]:
    """Each loop's label at the grid point nearest its cycle's centre that is inside the cycle, nearer
    its centre than any other loop's, clear of the labels placed and (the stricter the better) of the
    variables, the arrows and the signs. The arrows and signs are looked up in cells (`_Near`), and
    what does not depend on strictness is judged once a point."""
    centres = {loop: centre([nodes[v].centre for v in variables]) for loop, variables in loops}
    placed: dict[str, Point] = {}
    ink, marks = _Near(LABEL_RADIUS + 4), _Near(LABEL_RADIUS + 8)
    for line in lines.values():
        for point in line:
            ink.add(point)
    for point in signs.values():
        marks.add(point)
    for loop, variables in loops:
        own = centres[loop]
        if len(variables) == 2:
            a, b = variables
            polygon = [*lines[(a, b)], *lines[(b, a)]]
        else:
            polygon = [nodes[v].centre for v in variables]
        low = (min(x for x, _ in polygon) - 1, min(y for _, y in polygon))
        high = (max(x for x, _ in polygon) + 1, max(y for _, y in polygon))
        rivals = [point for other, point in centres.items() if other != loop]
        taken = list(placed.values())

        def fits(point: Point) -> bool:
            """Inside the cycle (outside its bounds never is), nearest its own centre, clear of the labels."""
            if not (low[0] <= point[0] <= high[0] and low[1] <= point[1] <= high[1]) or not inside(point, polygon):
                return False
            mine = math.dist(point, own)
            if any(math.dist(point, r) <= mine for r in rivals):
                return False
            return _distance(point, taken) >= 2.2 * LABEL_RADIUS

        def level(point: Point) -> int:
            """2: clear of the variables, arrows and signs; 1: of the variables only; 0: of neither."""
            if not all(_clear_of_box(point, box, LABEL_RADIUS + 2) for box in nodes.values()):
                return 0
            return 1 if ink.closer_than(point, LABEL_RADIUS + 4) or marks.closer_than(point, LABEL_RADIUS + 8) else 2

        grid = sorted(((own[0] + dx * 4.0, own[1] + dy * 4.0) for dx in range(-40, 41) for dy in range(-40, 41)),
                      key=lambda point: math.dist(point, own))
        first: dict[int, Point] = {}  # the nearest fitting point at each level, in one pass
        for point in grid:
            if fits(point):
                first.setdefault(level(point), point)
                if 2 in first:
                    break
        spot = first.get(2) or first.get(1) or first.get(0) or own
        placed[loop] = spot
    return placed
