"""Polarity over time (DESIGN, Additions: polarity over time): a link's sign at a date, and each loop's
polarity history. Pure: dated signs in, dated signs and polarities out.

- A link's sign at a date is the sign of its latest evidence dated at or before it. Evidence of the
  same date and opposite sign is settled by the majority of that date; a tie leaves the sign
  undetermined there (0, written `?`). Its history is the sign from each date on where it changed;
  a link whose sign changes is `shifting`.
- A loop's polarity at a date is the product of its links' signs there (undetermined when one of them
  is); its history starts at the date the loop closed and has an entry wherever that changes. The
  polarity in force at the end of the window (the end of the case, or the as-of point) is its polarity.

Dates are the steps' effective partial dates (`2013`, `2013-06`, `2013-06-12`); "equal date" is the
same partial date, and dates are ordered as steps are (a coarse date before the finer dates in it).
A date of None (a step no dated event precedes) comes first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from events import dates

UNDETERMINED = "undetermined"
POLARITIES = ("reinforcing", "dampening", UNDETERMINED)
SIGN_TEXT = {1: "+", -1: "-", 0: "?"}
LETTER = {"reinforcing": "R", "dampening": "D", UNDETERMINED: "U"}

SignHistory = tuple[tuple[str | None, int], ...]
"""(from date, sign) per change of a link's sign, oldest first: +1, -1, or 0 (undetermined)."""
PolarityHistory = tuple[tuple[str | None, str], ...]
"""(from date, polarity) per change of a loop's polarity, oldest first."""


def date_key(date: str | None) -> tuple[int, int, int]:
    """The order of partial dates, as steps are ordered (None first)."""
    return dates.sort_key(date) if date is not None else (0, 0, 0)


def sign_history(evidence: Iterable[tuple[str | None, int]]) -> SignHistory:
    """A link's dated history from its evidence, each (date, sign +1 or -1, or a date's net count of
    them), in any order: per date the majority sign (0 on a tie), consecutive equal signs collapsed."""
    tally: dict[str | None, int] = {}
    for date, sign in evidence:
        tally[date] = tally.get(date, 0) + sign
    history: list[tuple[str | None, int]] = []
    for date in sorted(tally, key=date_key):
        sign = (tally[date] > 0) - (tally[date] < 0)
        if not history or history[-1][1] != sign:
            history.append((date, sign))
    return tuple(history)


def in_force(history: Sequence[tuple[str | None, object]], date: str) -> object:
    """The value of a dated history at a date, as `--as-of DATE` sees it: its latest entry whose date
    can lie at or before it (`2013-06` is in force at `2013`, as `--as-of 2013` keeps its events);
    None before the first."""
    limit = dates.last_day(date)
    value = None
    for since, entry in history:
        if since is not None and dates.first_day(since) > limit:
            break
        value = entry
    return value


def _at(history: SignHistory, key: tuple[int, int, int]) -> int:
    """A link's sign at a point of step order: its latest entry not after it."""
    value = history[0][1]
    for since, sign in history:
        if date_key(since) > key:
            break
        value = sign
    return value


def polarity_of_signs(signs: Iterable[int]) -> str:
    """reinforcing for an even number of negative links, dampening for an odd one, undetermined when
    a link's sign is."""
    negative = 0
    for sign in signs:
        if sign == 0:
            return UNDETERMINED
        negative += sign < 0
    return "dampening" if negative % 2 else "reinforcing"


def loop_history(links: Sequence[SignHistory], closed: str | None) -> PolarityHistory:
    """A loop's polarity from the date it closed on, given its links' sign histories (each already
    begun by then): an entry at the closing date and at every later date where the polarity changes."""
    start = date_key(closed)
    moments = sorted({date for history in links for date, _ in history if date_key(date) > start}, key=date_key)
    history: list[tuple[str | None, str]] = []
    for date in [closed, *moments]:
        polarity = polarity_of_signs(_at(link, date_key(date)) for link in links)
        if not history or history[-1][1] != polarity:
            history.append((date, polarity))
    return tuple(history)


def turned(history: PolarityHistory | None) -> bool:
    """Whether a loop's polarity changed once it had closed."""
    return bool(history) and len(history) > 1  # type: ignore[arg-type]


def direction(history: PolarityHistory) -> str:
    """A turned loop's course, as summary counts it: `reinforcing -> dampening` (every polarity it had, in order)."""
    return " -> ".join(polarity for _, polarity in history)


def history_label(history: PolarityHistory) -> str:
    """A loop's course in short, as its diagram label gives it: `R -> D 2013-06` (each turn with its date)."""
    first, *rest = history
    return " -> ".join([LETTER[first[1]], *(f"{LETTER[polarity]} {since or 'undated'}" for since, polarity in rest)])


def history_text(history: PolarityHistory) -> str:
    """In words: `reinforcing from 2013-04, dampening from 2013-06`."""
    return ", ".join(f"{polarity} from {since or 'the undated start'}" for since, polarity in history)


def sign_history_text(history: SignHistory) -> str:
    """A shifting link's course: `+ from 2013-02, - from 2013-06` (`?` undetermined)."""
    return ", ".join(f"{SIGN_TEXT[sign]} from {since or 'the undated start'}" for since, sign in history)


def sign_turns_label(history: SignHistory) -> str:
    """A shifting link's mark on a diagram: `+ -> - 2013-06` (each change with its date)."""
    first, *rest = history
    return " -> ".join([SIGN_TEXT[first[1]], *(f"{SIGN_TEXT[sign]} {since or 'undated'}" for since, sign in rest)])
