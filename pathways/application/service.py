"""What the read commands ask of the core: current analyses (caught up) or analyses at a past point."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import chain

import attrs

from events.errors import InvalidEvent, PathwaysError, StorageError, UnknownCase
from events import dates
from events.store import EventStore
from events.timestamps import parse_timestamp

from pathways.analysis.case import CaseAnalysis
from pathways.analysis.pathway import Settings
from pathways.projections.runner import STATE_TABLE, TABLES, CatchUp, Projector
from pathways.projections.timetravel import time_travel


def settings(reset_years: int, loop_bound: int, budget: str) -> Settings:
    """The analysis settings of a command's options (`budget`: PATHWAYS_LOOP_BUDGET, loops per case)."""
    if not budget.isascii() or not budget.isdigit() or len(budget) > 18 or int(budget) < 1:
        shown = budget if len(budget) <= 40 else f"{budget[:20]}...({len(budget):,} characters)"
        raise PathwaysError(f"'{shown}' is not a whole number of loops (1 to 18 digits)", field="PATHWAYS_LOOP_BUDGET")
    return Settings(reset_years=reset_years, loop_bound=loop_bound, loop_budget=int(budget))


def check_point(as_of: str | None, recorded_before: str | None) -> tuple[str | None, str | None]:
    """Validate --as-of (a partial date) and --recorded-before (a timestamp, canonical UTC)."""
    if as_of is not None:
        try:
            dates.validate(as_of)
        except ValueError as error:
            raise InvalidEvent(str(error), field="--as-of") from None
    if recorded_before is not None:
        try:
            recorded_before = parse_timestamp(recorded_before)
        except ValueError as error:
            raise InvalidEvent(str(error), field="--recorded-before") from None
    return as_of, recorded_before


ACCOUNTS = ("migrant", "caseworker", "file", "researcher", "other")


def parse_accounts(text: str | None) -> frozenset[str] | None:
    """`--account A[,B]`: whose accounts to keep (None: all)."""
    if text is None:
        return None
    chosen = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(chosen - set(ACCOUNTS))
    if unknown or not chosen:
        raise InvalidEvent(f"'{unknown[0] if unknown else text}' is not an account (use one or more of: "
                           f"{', '.join(ACCOUNTS)}, comma-separated)", field="--account")
    return chosen


def parse_coders(store: EventStore, text: str | None, field: str = "--by") -> frozenset[str] | None:
    """`--by CODER[,CODER]`: whose coding to keep (None: everyone's); a coder the log does not have is
    bad input naming the coders it has."""
    if text is None:
        return None
    chosen = frozenset(part.strip() for part in text.split(",") if part.strip())
    known = sorted(set().union(*store.coders().values()))
    unknown = sorted(chosen - set(known))
    if unknown or not chosen:
        has = f"the log has: {', '.join(known)}" if known else "the log records no coder"
        raise InvalidEvent(f"no coder '{unknown[0] if unknown else text}' in the log ({has})", field=field)
    return chosen


def analyses(store: EventStore, settings: Settings, *, case: str | None = None, as_of: str | None = None,
             recorded_before: str | None = None, accounts: frozenset[str] | None = None,
             coders: frozenset[str] | None = None,
             progress: Callable[[int], None] | None = None) -> list[CaseAnalysis]:
    """One case's analysis (or every case's), from the caught-up tables, or computed in memory at a
    past point or from some accounts or coders only. A list: for one case, or a command that shows
    every case; cross-case counts read `each_analysis` instead."""
    found = list(each_analysis(store, settings, case=case, as_of=as_of, recorded_before=recorded_before,
                               accounts=accounts, coders=coders, progress=progress))
    if case is not None and not found:
        raise UnknownCase(f"case '{case}' was not recorded before {recorded_before}", field="CASE")
    return found


def each_analysis(store: EventStore, settings: Settings, *, case: str | None = None, as_of: str | None = None,
                  recorded_before: str | None = None, accounts: frozenset[str] | None = None,
                  coders: frozenset[str] | None = None,
                  progress: Callable[[int], None] | None = None) -> Iterator[CaseAnalysis]:
    """The analyses of `analyses`, one at a time, in case order: read from the tables in chunks (or
    computed), each let go once the caller moves on, so a pass over every case holds one case's
    analysis (and a chunk of rows), not all of them. The options are checked now; the tables are
    caught up at the first case asked for (`first` does it at once)."""
    as_of, recorded_before = check_point(as_of, recorded_before)
    if case is not None:
        store.require_case(case, field="CASE")
    if as_of is not None or recorded_before is not None or accounts is not None or coders is not None:
        return time_travel(store, settings, cases=[case] if case else None, as_of=as_of,
                           recorded_before=recorded_before, accounts=accounts, coders=coders)
    return Projector(store, settings).current(case, progress)


def first(found: Iterator[CaseAnalysis]) -> Iterator[CaseAnalysis]:
    """`found` with its first analysis computed now (the catch-up done, under the caller's progress
    bar), the rest still one at a time."""
    head = next(found, None)
    return found if head is None else chain([head], found)


def case_count(store: EventStore) -> int:
    """How many cases the log holds that are not erased (a progress bar's total)."""
    erased = store.forgotten()
    return sum(1 for case in store.cases() if case not in erased)


@attrs.frozen
class Forgetting:
    case: str
    position: int
    events: int
    keys_destroyed: int
    already: bool
    note: str | None
    left: str | None = None
    """What of the erasure this role could not do, and who must finish it (None: all of it done)."""


def forget(store: EventStore, case: str, reason: str, *, recorded_by: str | None = None,
           waiting: Callable[..., None] | None = None) -> Forgetting:
    """Erase a case: CaseForgotten in the log, its key destroyed, its rows out of every table, the
    storage's side files emptied. Run again on an erased case, it finishes what a crash cut short,
    or what a role that may not rewrite the tables (a server's writer role) left to their owner. A
    failure once CaseForgotten is committed (a full disk) says so, and what is left (StorageError)."""
    stream = store.require_case(case, field="CASE", erased_ok=True)
    already = case in store.forgotten()
    held = store.sealed and store.sealer.has_key(case)
    committed, stage = store.kept.events, "destroying its key"
    tables = [*TABLES, STATE_TABLE]
    try:
        if already:
            store.destroy_forgotten_keys(waiting)  # a forget cut short: its key may still be held
        else:
            store.forget(case, reason, recorded_by=recorded_by, waiting=waiting)  # destroys the key once committed
        destroyed = int(held and not store.sealer.has_key(case))
        stage = "removing its rows from the projection tables"
        theirs = store.log.not_ours(tables)
        dropped = Projector(store).drop_case(case)
        stage = "emptying the storage's side files (WAL) and rewriting the tables"
        note = store.scrub(tables)
    except Exception as error:
        if not already and store.kept.events == committed:
            raise  # nothing was committed: the error says what stopped it
        raise _unfinished(store, case, stage, error) from None
    return Forgetting(case, store.forgotten()[case].position, store.head(stream), destroyed, already, note,
                      _left(case, theirs, rows_stay=not dropped and any(name in theirs for name in TABLES)))


def _left(case: str, theirs: dict[str, str], *, rows_stay: bool) -> str | None:
    """One sentence: what a forget left for the owner of the tables it may not rewrite."""
    if not theirs:
        return None
    owners = ", ".join(sorted(set(theirs.values())))
    rows = "its rows stay in the projection tables, and " if rows_stay else ""
    key = " (its key's among them)" if "case_keys" in theirs else ""
    return (f"{rows}the deleted rows' bytes{key} stay in the files of {', '.join(sorted(theirs))} until their "
            f"owner ({owners}) runs `pathways forget {case} --reason ...` again")


def _unfinished(store: EventStore, case: str, stage: str, error: Exception) -> StorageError:
    """What a forget stopped after its commit leaves, said truthfully, and how to finish it."""
    store._forgotten = None
    erased = store.forgotten().get(case)
    where = f" (position {erased.position})" if erased else ""
    try:
        key = ("its key is still in " + store.log.keyring().where if case in store.log.keyring().keys()
               else "its key is destroyed")
    except PathwaysError:
        key = "whether its key is destroyed could not be read"
    if isinstance(error, PathwaysError):
        cause = error.reason
    elif isinstance(error, OSError) and error.strerror:
        cause = error.strerror
    else:
        cause = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return StorageError(f"case {case} is erased only in part: CaseForgotten is committed{where} and {key}; "
                        f"{stage} failed: {cause}; run the same `pathways forget {case}` again to finish it")


def rebuild(store: EventStore, settings: Settings, progress: Callable[[int], None] | None = None) -> CatchUp:
    return Projector(store, settings).rebuild(progress)
