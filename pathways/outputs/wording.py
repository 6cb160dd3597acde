"""Counted nouns said right: `1 loop`, `2 loops`."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """`count` and `word`, in the plural (`many`, or `word` + s) unless the count is one."""
    return f"{count} {word if count == 1 else many or word + 's'}"
