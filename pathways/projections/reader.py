"""The read-model tables read back as result objects: one case, or all of them in chunks."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from events.errors import UnknownCase

from pathways.analysis.case import CaseAnalysis
from pathways.projections.tables import ORDER, TABLES, DamagedRow, Seal, assemble

Repair = Callable[[str], "CaseAnalysis | None"]
"""(case) -> the case's analysis from the log, its rows written again where that can be done (None:
the case is no longer in the log); called for a case whose stored rows are damaged."""


class TableReader:
    """Reads the tables through one connection; `opener` opens the sealed rows of a case (None: an
    open log). A case whose rows cannot be read back as written goes to `repair`
    (without one: DamagedRow, one line, exit 1)."""

    def __init__(self, conn: Any, where: str, opener: Seal | None, *, repair: Repair | None = None) -> None:
        self.conn, self.where, self.opener, self.repair = conn, where, opener, repair

    def cases(self) -> list[str]:
        return sorted(case for (case,) in self.conn.execute('SELECT "case" FROM case_profiles'))

    def load(self, case: str) -> CaseAnalysis:
        """One case's analysis as stored; UnknownCase if the tables hold no such case."""
        row = self.conn.execute(f'SELECT {self._columns("case_profiles")} FROM case_profiles WHERE "case" = ?',
                                (case,)).fetchone()
        if row is None:
            raise UnknownCase(f"no case '{case}' in {self.where}", field="CASE")
        rows = [self._rows_of(name, [case]) for name in TABLES if name != "case_profiles"]
        found = self._assembled(row, rows)
        if found is None:
            raise UnknownCase(f"no case '{case}' in {self.where}", field="CASE")
        return found

    def load_all(self) -> Iterator[CaseAnalysis]:
        cases = self.cases()
        for start in range(0, len(cases), 500):
            part = cases[start:start + 500]
            marks = ",".join("?" * len(part))
            profiles = self.conn.execute(f'SELECT {self._columns("case_profiles")} FROM case_profiles '
                                         f'WHERE "case" IN ({marks})', part).fetchall()
            grouped = [self._grouped(name, part) for name in TABLES if name != "case_profiles"]
            for row in sorted(profiles, key=lambda row: row[0]):
                found = self._assembled(row, [group.get(row[0], []) for group in grouped])
                if found is not None:
                    yield found

    def _assembled(self, profile: tuple, rows: list[list[tuple]]) -> CaseAnalysis | None:
        try:
            return assemble(profile, *rows, opener=self.opener)
        except DamagedRow:
            if self.repair is None:
                raise
            return self.repair(profile[0])

    @staticmethod
    def _columns(name: str) -> str:
        return ", ".join(f'"{c}"' for c in TABLES[name]["columns"])

    def _rows_of(self, name: str, cases: Sequence[str]) -> list[tuple]:
        return self._grouped(name, cases).get(cases[0], [])

    def _grouped(self, name: str, cases: Sequence[str]) -> dict[str, list[tuple]]:
        """Rows by case, each case's in their order (sorted here: text order in SQL follows the server's
        collation, and must not differ between backends)."""
        marks = ",".join("?" * len(cases))
        grouped: dict[str, list[tuple]] = {}
        for row in self.conn.execute(f'SELECT {self._columns(name)} FROM {name} WHERE "case" IN ({marks})',
                                     list(cases)):
            grouped.setdefault(row[0], []).append(row)
        key = ORDER[name]
        try:
            return {case: sorted(rows, key=key) for case, rows in grouped.items()}
        except TypeError:  # an ordinal that is no number: damage, which reading the rows then names
            return grouped
