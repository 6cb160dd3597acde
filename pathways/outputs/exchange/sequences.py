"""Year-by-year state sequences for TraMineR-style sequence analysis: SPELL rows and an STS table.

Time is counted in whole years since arrival (0 = the arrival year); steps before arrival and cases
without an arrival date are left out. The state of a year (the alphabet):

- FAV: contacts that year, all perceived favourable;   UNF: all unfavourable;
- MIX: mixed, or favourable and unfavourable together;  NEU: contacts, none perceived either way;
- ABS: no contact, inside a recorded period of absent contact;  NON: nothing recorded.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from typing import IO

from events import dates

from pathways.analysis.case import CaseAnalysis

ALPHABET = ("FAV", "UNF", "MIX", "NEU", "ABS", "NON")


def yearly_states(analysis: CaseAnalysis) -> list[str]:
    """The state of each year from arrival to the last dated step (empty without an arrival)."""
    arrival = analysis.pathway.profile.arrival
    if arrival is None:
        return []
    start = dates.parse(arrival)[0]
    perceived: dict[int, set[str]] = {}
    absent: set[int] = set()
    last = 0
    for step in analysis.pathway.steps:
        if step.effective is None:
            continue
        offset = dates.parse(step.effective)[0] - start
        if step.type == "ContactAbsent":
            until = dates.parse(step.until)[0] - start if step.until else offset
            absent.update(range(max(offset, 0), until + 1))
            last = max(last, until)
        elif offset >= 0:
            last = max(last, offset)
            if step.type == "ContactRecorded":
                perceived.setdefault(offset, set()).add(step.perceived or "neutral")
    return [_state(perceived.get(year), year in absent) for year in range(last + 1)]


def _state(seen: set[str] | None, absent: bool) -> str:
    if seen:
        if "mixed" in seen or {"favourable", "unfavourable"} <= seen:
            return "MIX"
        if "favourable" in seen:
            return "FAV"
        if "unfavourable" in seen:
            return "UNF"
        return "NEU"
    return "ABS" if absent else "NON"


def write_spell(analyses: Iterable[CaseAnalysis], out: IO[str]) -> int:
    """SPELL rows (case, begin, end, state): runs of equal yearly states, begin and end inclusive."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["case", "begin", "end", "state"])
    rows = 0
    for analysis in analyses:
        states = yearly_states(analysis)
        begin = 0
        for year in range(1, len(states) + 1):
            if year == len(states) or states[year] != states[begin]:
                writer.writerow([analysis.case, begin, year - 1, states[begin]])
                rows += 1
                begin = year
    return rows


def write_sts(analyses: Callable[[], Iterable[CaseAnalysis]], out: IO[str]) -> int:
    """One row per case, one column per year since arrival (y0, y1, ...); shorter sequences end in NA.

    Takes a function returning a fresh iterable: a first pass finds the longest sequence, a second
    writes, so memory stays flat in the number of cases.
    """
    width = max((len(yearly_states(analysis)) for analysis in analyses()), default=0)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["case", *(f"y{year}" for year in range(width))])
    rows = 0
    for analysis in analyses():
        states = yearly_states(analysis)
        if states:
            writer.writerow([analysis.case, *states, *(["NA"] * (width - len(states)))])
            rows += 1
    return rows
