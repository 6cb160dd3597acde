"""Words said right: counted nouns (`1 loop`, `2 loops`) and signed arrows in the one notation (`─+→`, `─−→`)."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """`count` and `word`, in the plural (`many`, or `word` + s) unless the count is one."""
    return f"{count} {word if count == 1 else many or word + 's'}"


MINUS = "\u2212"
"""The true minus sign: the one sign notation (`+`, `−`) of the terminal, the report and the figures."""


def arrow(sign: str | None = None) -> str:
    """A signed arrow as every view draws one, `─+→` or `─−→` (`─→` without a sign)."""
    return f"─{MINUS if sign == '-' else sign or ''}→"


def signed_text(text: str) -> str:
    """A text holding arrows written `─-→` (a step's label as the analysis makes it) in the one notation."""
    return text.replace("─-→", arrow("-"))
