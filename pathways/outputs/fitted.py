"""Tables that fit the terminal without breaking a word: short headers first, then columns left out.

Rich wraps a cell at its spaces, and folds a word only when a column is narrower than the word. A
`FittedTable` is built at print time for the width it gets: every column at least as wide as its
longest word; when they do not all fit, headers are shortened, then the columns of least use are
left out (a note below names them), never a word cut. The widths are set here, not left to rich:
its shrinking of a too-wide table does not heed a column's minimum, and the table ran past the edge.
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

    def _wanted(self, index: int, short: bool) -> int:
        """The column's width with no cell wrapped: its longest line."""
        return max([cell_len(self._header(index, short)), *(_lines(row[index]) for row in self.rows)])

    def _fits(self, shown: Sequence[int], short: bool, compact: bool, width: int) -> bool:
        return sum(self._needed(i, short, 0) for i in shown) + _chrome(len(shown), compact) <= width

    def layout(self, width: int) -> tuple[list[int], bool, bool]:
        """The indexes of the columns shown, whether their headers are the short ones, and whether the
        table goes without its vertical rules (see `_chrome` for what a column then costs)."""
        shown = list(range(len(self.columns)))
        for short, compact in ((False, False), (True, False), (True, True)):
            if self._fits(shown, short, compact, width):
                return shown, short, compact
        order = sorted((i for i, column in enumerate(self.columns) if column.drop), key=lambda i: self.columns[i].drop)
        for index in order:
            shown.remove(index)
            if self._fits(shown, True, True, width):
                break
        return shown, True, True

    def widths(self, shown: Sequence[int], short: bool, compact: bool, width: int) -> list[int]:
        """Each shown column's width: its longest word, and of the room left what the columns want more
        (their longest line), the columns that want least first, so that as many cells as fit stay on
        one line; rich never narrows a column below a word (its own shrinking does not heed a column's
        minimum: the table then ran past the terminal, cut at its edge)."""
        needed = [self._needed(i, short, 0) for i in shown]
        more = [max(self._wanted(i, short) - least, 0) for i, least in zip(shown, needed)]
        left = max(width - _chrome(len(shown), compact) - sum(needed), 0)
        given = [0] * len(shown)
        for index in sorted(range(len(shown)), key=lambda j: more[j]):
            given[index] = min(more[index], left)
            left -= given[index]
        return [least + extra for least, extra in zip(needed, given)]

    def _header(self, index: int, short: bool) -> str:
        column = self.columns[index]
        return column.short if short and column.short else column.name

    def left_out(self, width: int) -> list[str]:
        shown = self.layout(width)[0]
        return [self.columns[i].name for i in range(len(self.columns)) if i not in shown]

    def table(self, width: int) -> Table:
        shown, short, compact = self.layout(width)
        table = Table(title=self.title, expand=self.expand,
                      **({"box": box.SIMPLE_HEAD, "show_edge": False, "padding": (0, 1, 0, 0)} if compact else {}))
        for index, fixed in zip(shown, self.widths(shown, short, compact, width)):
            table.add_column(self._header(index, short), justify=self.columns[index].justify, width=fixed)
        for row in self.rows:
            table.add_row(*(row[index] for index in shown))
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.table(options.max_width)
        left_out = self.left_out(options.max_width)
        if left_out:  # below the table, wrapped at the terminal's width (a caption is cut at the table's)
            yield Text(f"left out at this width: {', '.join(left_out)} (a wider terminal or --json shows them)",
                       style="dim")


def _lines(cell: str | Text) -> int:
    text = cell.plain if isinstance(cell, Text) else str(cell)
    return max((cell_len(line) for line in text.splitlines()), default=0)


def _chrome(columns: int, compact: bool) -> int:
    """What a table of this many columns spends on rules and padding: with rules, a space either side of
    each cell and a rule between and around them (3 a column, plus 1); compact, a space after each cell
    and a blank rule between them, no edge (2 a column, less 1)."""
    return 2 * columns - 1 if compact else 3 * columns + 1
