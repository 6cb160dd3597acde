"""The street-level question as a crisp-set truth table (qualitative comparative analysis).

The study's claim: street-level bureaucrats go beyond the rules when high client motivation,
extreme personal distress and a negative view of the policy meet. Each non-retracted contact that
records `discretion` is a unit; its conditions are present (1) or absent (0) by the catalogue's
`present` value; the outcome is its discretion being in the outcome set (bending or breaking by
default). Contacts without `discretion` are counted as uncoded, contacts missing a condition as
incomplete; neither enters the table.

The minimisation is a small Quine-McCluskey of our own (about forty lines, tested on its own): the
truth tables here have three to six conditions, and the QCA packages on PyPI (fosqca, ba) are early
0.x releases built for wider jobs; a dependency is not worth its weight for a few set operations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations
from typing import Any

import attrs

from pathways.analysis.case import CaseAnalysis

OUTCOME = ("bending", "breaking")
CUT = 0.8
MIN_N = 1
NO_ROLE = "unspecified"


@attrs.frozen
class Row:
    config: tuple[int, ...]
    contacts: int
    outcome: int
    refs: tuple[str, ...]
    sufficient: bool

    @property
    def consistency(self) -> float:
        return self.outcome / self.contacts


@attrs.frozen
class Table:
    rows: tuple[Row, ...]
    claim_consistency: float | None
    claim_coverage: float | None


@attrs.frozen
class Discretion:
    outcome: tuple[str, ...]
    conditions: tuple[str, ...]
    present: Mapping[str, str]
    cut: float
    table: Table
    uncoded: int
    incomplete: int
    solution: tuple[str, ...]
    by_role: Mapping[str, Table]

    def to_json(self) -> dict[str, Any]:
        """`discretion --json` exactly as DESIGN fixes it."""
        return {"outcome": list(self.outcome), "conditions": list(self.conditions), "present": dict(self.present),
                "cut": self.cut, "rows": self._rows(self.table), "uncoded": self.uncoded,
                "incomplete": self.incomplete, "claim": self._claim(self.table), "solution": list(self.solution),
                "by_role": {role: {"rows": self._rows(table), "claim": self._claim(table)}
                            for role, table in self.by_role.items()}}

    def _rows(self, table: Table) -> list[dict[str, Any]]:
        return [{"config": dict(zip(self.conditions, row.config)), "contacts": row.contacts, "outcome": row.outcome,
                 "consistency": row.consistency, "sufficient": row.sufficient, "refs": list(row.refs)}
                for row in table.rows]

    @staticmethod
    def _claim(table: Table) -> dict[str, float | None]:
        return {"consistency": table.claim_consistency, "coverage": table.claim_coverage}


@attrs.frozen
class Unit:
    """A contact with discretion coded, as the truth table needs it (not the whole step)."""

    ref: str
    role: str | None
    discretion: str
    conditions: tuple[tuple[str, str], ...]


class Contacts:
    """The contacts of many cases folded one case at a time (`add` each analysis), kept as units: the
    truth table over any conditions is then made from them (`table`), with no case's analysis kept."""

    def __init__(self) -> None:
        self.units: list[Unit] = []
        self.uncoded = 0

    def add(self, analysis: CaseAnalysis) -> None:
        for step in analysis.pathway.steps:
            if step.type != "ContactRecorded":
                continue
            if step.discretion is None:
                self.uncoded += 1
            else:
                self.units.append(Unit(step.ref, step.role, step.discretion, step.conditions))

    def table(self, present: Mapping[str, str], *, outcome: Sequence[str] = OUTCOME, cut: float = CUT,
              min_n: int = MIN_N) -> Discretion:
        """The truth table over the conditions of `present` (condition -> the value that counts as
        present, in the order to show them)."""
        conditions = tuple(present)
        units: list[tuple[Unit, tuple[int, ...]]] = []
        incomplete = 0
        for unit in self.units:
            coded = dict(unit.conditions)
            if any(name not in coded for name in conditions):
                incomplete += 1
                continue
            units.append((unit, tuple(int(coded[name] == present[name]) for name in conditions)))
        outcome = tuple(outcome)
        table = _table(units, outcome, cut, min_n)
        roles = sorted({unit.role or NO_ROLE for unit, _ in units})
        by_role = {role: _table([(u, c) for u, c in units if (u.role or NO_ROLE) == role], outcome, cut, min_n)
                   for role in roles}
        solution = tuple(term(implicant, conditions)
                         for implicant in minimise({row.config for row in table.rows if row.sufficient}))
        return Discretion(outcome, conditions, dict(present), cut, table, self.uncoded, incomplete, solution,
                          by_role)


def discretion(analyses: Iterable[CaseAnalysis], present: Mapping[str, str], *,
               outcome: Sequence[str] = OUTCOME, cut: float = CUT, min_n: int = MIN_N) -> Discretion:
    """The truth table of the contacts in `analyses` over the conditions of `present` (condition ->
    the value that counts as present, in the order to show them). One pass over `analyses`."""
    contacts = Contacts()
    for analysis in analyses:
        contacts.add(analysis)
    return contacts.table(present, outcome=outcome, cut=cut, min_n=min_n)


def _table(units: Sequence[tuple[Unit, tuple[int, ...]]], outcome: Sequence[str], cut: float, min_n: int) -> Table:
    grouped: dict[tuple[int, ...], list[Unit]] = {}
    for unit, config in units:
        grouped.setdefault(config, []).append(unit)
    rows = []
    for config, members in grouped.items():
        k = sum(unit.discretion in outcome for unit in members)
        rows.append(Row(config, len(members), k, tuple(unit.ref for unit in members),
                        k / len(members) >= cut and len(members) >= min_n))
    rows.sort(key=lambda row: (-row.consistency, -row.contacts, tuple(-bit for bit in row.config)))
    claim = next((row for row in rows if all(row.config)), None)
    with_outcome = sum(row.outcome for row in rows)
    return Table(tuple(rows), claim.consistency if claim else None,
                 claim.outcome / with_outcome if claim and with_outcome else (0.0 if with_outcome else None))


Implicant = tuple[int | None, ...]
"""A product term: 1 present, 0 absent, None the condition does not matter."""


def minimise(configs: set[tuple[int, ...]]) -> list[Implicant]:
    """The conservative solution: prime implicants of the sufficient configurations (no remainders
    used), then a smallest set of them covering every configuration (essential ones first)."""
    if not configs:
        return []
    primes: set[Implicant] = set()
    current: set[Implicant] = set(configs)
    while current:
        merged: set[Implicant] = set()
        used: set[Implicant] = set()
        for a, b in combinations(sorted(current, key=_key), 2):
            differs = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
            if len(differs) == 1 and a[differs[0]] is not None and b[differs[0]] is not None:
                merged.add(a[:differs[0]] + (None,) + a[differs[0] + 1:])
                used.update((a, b))
        primes |= current - used
        current = merged
    return _cover(sorted(primes, key=_key), configs)


def _covers(implicant: Implicant, config: tuple[int, ...]) -> bool:
    return all(bit is None or bit == value for bit, value in zip(implicant, config))


def _cover(primes: list[Implicant], configs: set[tuple[int, ...]]) -> list[Implicant]:
    chosen = [p for p in primes if any(sum(_covers(q, c) for q in primes) == 1 and _covers(p, c) for c in configs)]
    left = {c for c in configs if not any(_covers(p, c) for p in chosen)}
    rest = [p for p in primes if p not in chosen]
    for size in range(len(rest) + 1):
        for extra in combinations(rest, size):
            if all(any(_covers(p, c) for p in extra) for c in left):
                return sorted(chosen + list(extra), key=_key)
    return sorted(primes, key=_key)  # unreachable: all primes together cover every configuration


def _key(implicant: Implicant) -> tuple:
    """Fewer literals first; then, condition by condition, present before absent before "does not matter"."""
    return (sum(bit is not None for bit in implicant), [2 if bit is None else 1 - bit for bit in implicant])


def term(implicant: Implicant, conditions: Sequence[str]) -> str:
    """`motivation*distress*~policy-assessment`; a term where no condition matters is `1`."""
    parts = [name if bit else f"~{name}" for bit, name in zip(implicant, conditions) if bit is not None]
    return "*".join(parts) or "1"


DISCRETION = ("by-the-rules", "extra-mile", "bending", "breaking", "distancing")


def parse_outcome(text: str) -> tuple[str, ...]:
    """`--outcome bending,breaking`: discretion values, each a known one."""
    from events.errors import InvalidEvent

    chosen = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    wrong = [value for value in chosen if value not in DISCRETION]
    if wrong or not chosen:
        raise InvalidEvent(f"'{wrong[0] if wrong else text}' is not a discretion value (use: {', '.join(DISCRETION)})",
                           field="--outcome")
    return chosen


def pick_conditions(present: Mapping[str, str], text: str | None) -> dict[str, str]:
    """`--conditions a,b`: those catalogue conditions, in the order given (all, in catalogue order, without it)."""
    from events.errors import InvalidEvent

    if text is None:
        return dict(present)
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    wrong = [name for name in chosen if name not in present]
    if wrong or not chosen:
        raise InvalidEvent(f"'{wrong[0] if wrong else text}' is not a condition (known: {', '.join(present)})",
                           field="--conditions")
    return {name: present[name] for name in chosen}
