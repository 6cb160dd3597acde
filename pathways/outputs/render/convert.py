"""SVG to PDF and PNG without a system Graphviz or cairo: the embedded renderer's SVG through MuPDF.

PyMuPDF installs from the package registry as one wheel with no dependencies and carries its own
fonts, so the PDF embeds the Helvetica it draws with (a Type0 font with its font file) and the PNG
needs no system font. Graphviz wraps a node with a tooltip in `<a xlink:title=...>`; MuPDF draws
nothing inside `<a>`, so those wrappers are taken off first (the content stays, the tooltips go:
neither a PDF nor a PNG can show one), and dashed strokes are spelt out (`dashes`).
"""

from __future__ import annotations

import re

from pathways.outputs.render.dashes import spelt_out

PNG_DPI = 144
"""Pixels per inch of a PNG: twice the SVG's 72 points an inch, so a figure prints sharp at its size."""

_ANCHOR = re.compile(r"""<a(?:\s+[^\s=>/]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*>|</a\s*>""")


def unwrapped(svg: bytes) -> bytes:
    """The SVG without its `<a>` wrappers (every element they held stays where it was), its dashed
    strokes spelt out as dashes (MuPDF draws every stroke solid)."""
    return spelt_out(_ANCHOR.sub("", svg.decode("utf-8"))).encode("utf-8")


def _document(svg: bytes):
    import pymupdf

    return pymupdf.open(stream=unwrapped(svg), filetype="svg")


def svg_to_pdf(svg: bytes) -> bytes:
    """One page the figure's size (points), text in embedded fonts."""
    with _document(svg) as document:
        return document.convert_to_pdf()


def svg_to_png(svg: bytes, dpi: int = PNG_DPI) -> bytes:
    """The figure at `dpi`, its resolution recorded in the PNG, so its printed size is the figure's."""
    with _document(svg) as document:
        pixmap = document[0].get_pixmap(dpi=dpi, alpha=False)
        pixmap.set_dpi(dpi, dpi)
        return pixmap.tobytes("png")


def convert(svg: bytes, fmt: str) -> bytes:
    """`svg` as `fmt` (pdf or png)."""
    if fmt == "pdf":
        return svg_to_pdf(svg)
    if fmt == "png":
        return svg_to_png(svg)
    raise ValueError(f"cannot convert SVG to {fmt}")
