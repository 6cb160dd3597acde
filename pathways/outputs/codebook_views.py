"""The codebook (`pathways codebook`) as a terminal table or as Markdown for a methods appendix."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from rich.table import Table
from rich.text import Text

TITLES = {"actors": "Actors (organisations)", "roles": "Street-level roles", "kinds": "Kinds of contact",
          "variables": "Variables of the causal graph", "archetypes": "Loop archetypes",
          "conditions": "Conditions of street-level discretion"}


def codebook_table(codebook: Any) -> Table:
    note = f" ({codebook.unreadable} events of sealed cases without their key not counted)" if codebook.unreadable else ""
    table = Table(title=f"the codebook: {len(codebook.codes)} keys in force{note}")
    for column in ("catalogue", "key", "label", "definition", "added by", "uses"):
        table.add_column(column, overflow="fold", justify="right" if column == "uses" else "left")
    for code in codebook.codes:
        table.add_row(code.catalogue, code.key, Text(code.label or ""), Text(code.definition or "-"),
                      code.added_by, str(code.uses))
    return table


def _cell(text: str | None) -> str:
    return (text or "").replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def codebook_markdown(codebook: Any) -> str:
    """One section per catalogue: key, label, definition, who added it, live events using it."""
    parts = ["# Codebook", "",
             "Every key in force: shipped with pathways or added by the project (`added by` names the coder); "
             "`uses` counts the live events that use it"
             + (f" ({codebook.unreadable} events of sealed cases without their key not counted)."
                if codebook.unreadable else "."), ""]
    for name, codes in groupby(codebook.codes, key=lambda code: code.catalogue):
        parts += [f"## {TITLES.get(name, name)}", "", "| key | label | definition | added by | uses |",
                  "|---|---|---|---|---:|"]
        parts += [f"| `{code.key}` | {_cell(code.label)} | {_cell(code.definition)} | {_cell(code.added_by)} "
                  f"| {code.uses} |" for code in codes]
        parts.append("")
    return "\n".join(parts)
