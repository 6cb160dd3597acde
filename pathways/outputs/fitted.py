"""Tables that fit the terminal without breaking a word: short headers first, then columns left out.

Rich wraps a cell at its spaces, and folds a word only when a column is narrower than the word. A
`FittedTable` is built at print time for the width it gets: every column at least as wide as its
longest word; when they do not all fit, headers are shortened, then the columns of least use are
left out (the caption names them), never a word cut.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text


@attrs.frozen
class Column:
    name: str
    short: str | None = None
    """The header when space is short (abbreviated, with a full stop)."""
    drop: int = 0
    """0: always shown; otherwise left out in rising order (1 first) when the table is too wide."""
    justify: str = "left"


def _words(cell: str | Text) -> int:
    text = cell.plain if isinstance(cell, Text) else str(cell)
    return max((cell_len(word) for word in text.split()), default=0)


@attrs.define
class FittedTable:
    title: str
    columns: Sequence[Column]
    rows: list[Sequence[str | Text]] = attrs.field(factory=list)
    expand: bool = False

    def add_row(self, *cells: str | Text) -> None:
        self.rows.append(cells)

    def _needed(self, index: int, short: bool, edge: int) -> int:
        header = self._header(index, short)
        return max([cell_len(header) if " " not in header else _words(header),
                    *(_words(row[index]) for row in self.rows)]) + edge

    def _fits(self, shown: Sequence[int], short: bool, edge: int, width: int) -> bool:
        return sum(self._needed(i, short, edge) for i in shown) + 1 <= width

    def layout(self, width: int) -> tuple[list[int], bool, bool]:
        """The indexes of the columns shown, whether their headers are the short ones, and whether the
        table goes without its vertical rules (a column then costs its padding, 2, not 3)."""
        shown = list(range(len(self.columns)))
        for short, edge in ((False, 3), (True, 3), (True, 2)):
            if self._fits(shown, short, edge, width):
                return shown, short, edge == 2
        order = sorted((i for i, column in enumerate(self.columns) if column.drop), key=lambda i: self.columns[i].drop)
        for index in order:
            shown.remove(index)
            if self._fits(shown, True, 2, width):
                break
        return shown, True, True

    def _header(self, index: int, short: bool) -> str:
        column = self.columns[index]
        return column.short if short and column.short else column.name

    def table(self, width: int) -> Table:
        shown, short, compact = self.layout(width)
        left_out = [self.columns[i].name for i in range(len(self.columns)) if i not in shown]
        table = Table(title=self.title, expand=self.expand, **({"box": box.SIMPLE_HEAD} if compact else {}),
                      caption=f"left out at this width: {', '.join(left_out)} (a wider terminal or --json shows them)"
                      if left_out else None)
        for index in shown:
            table.add_column(self._header(index, short), justify=self.columns[index].justify,
                             min_width=self._needed(index, short, 0))
        for row in self.rows:
            table.add_row(*(row[index] for index in shown))
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.table(options.max_width)

