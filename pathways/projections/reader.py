"""The read-model tables read back as result objects: one case, or all of them in chunks."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from events.errors import UnknownCase

from pathways.analysis.case import CaseAnalysis
from pathways.projections.tables import ORDER, TABLES, Seal, assemble


class TableReader:
    """Reads the tables through one connection; `opener` opens the sealed free text of a case."""

    def __init__(self, conn: Any, where: str, opener: Seal) -> None:
        self.conn, self.where, self.opener = conn, where, opener

    def cases(self) -> list[str]:
        return sorted(case for (case,) in self.conn.execute('SELECT "case" FROM case_profiles'))

    def load(self, case: str) -> CaseAnalysis:
        """One case's analysis as stored; UnknownCase if the tables hold no such case."""
        row = self.conn.execute('SELECT * FROM case_profiles WHERE "case" = ?', (case,)).fetchone()
        if row is None:
            raise UnknownCase(f"no case '{case}' in {self.where}", field="CASE")
        return assemble(row, *(self._rows_of(name, [case]) for name in TABLES if name != "case_profiles"),
                        opener=self.opener)

    def load_all(self) -> Iterator[CaseAnalysis]:
        cases = self.cases()
        for start in range(0, len(cases), 500):
            part = cases[start:start + 500]
            marks = ",".join("?" * len(part))
            profiles = self.conn.execute(f'SELECT * FROM case_profiles WHERE "case" IN ({marks})', part).fetchall()
            grouped = [self._grouped(name, part) for name in TABLES if name != "case_profiles"]
            for row in sorted(profiles, key=lambda row: row[0]):
                yield assemble(row, *(group.get(row[0], []) for group in grouped), opener=self.opener)

    def _rows_of(self, name: str, cases: Sequence[str]) -> list[tuple]:
        return self._grouped(name, cases).get(cases[0], [])

    def _grouped(self, name: str, cases: Sequence[str]) -> dict[str, list[tuple]]:
        """Rows by case, each case's in their order (sorted here: text order in SQL follows the server's
        collation, and must not differ between backends)."""
        marks = ",".join("?" * len(cases))
        grouped: dict[str, list[tuple]] = {}
        columns = ", ".join(f'"{c}"' for c in TABLES[name]["columns"])
        for row in self.conn.execute(f'SELECT {columns} FROM {name} WHERE "case" IN ({marks})', list(cases)):
            grouped.setdefault(row[0], []).append(row)
        key = ORDER[name]
        return {case: sorted(rows, key=key) for case, rows in grouped.items()}
