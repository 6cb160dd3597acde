"""What the read commands ask of the core: current analyses (caught up) or analyses at a past point."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from events.errors import InvalidEvent, PathwaysError, StorageError, UnknownCase
from events import dates
from events.store import EventStore
from events.timestamps import parse_timestamp

from pathways.analysis.case import CaseAnalysis
from pathways.analysis.pathway import Settings
from pathways.projections.runner import CatchUp, Projector
from pathways.projections.timetravel import time_travel


def settings(reset_years: int, loop_bound: int, budget: str) -> Settings:
    """The analysis settings of a command's options (`budget`: PATHWAYS_LOOP_BUDGET, loops per case)."""
    if not budget.isascii() or not budget.isdigit() or int(budget) < 1:
        raise PathwaysError(f"'{budget}' is not a whole number of loops", field="PATHWAYS_LOOP_BUDGET")
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


def analyses(store: EventStore, settings: Settings, *, case: str | None = None, as_of: str | None = None,
             recorded_before: str | None = None, accounts: frozenset[str] | None = None,
             progress: Callable[[int], None] | None = None) -> list[CaseAnalysis]:
    """One case's analysis (or every case's), from the caught-up tables, or computed in memory at a
    past point or from some accounts only."""
    as_of, recorded_before = check_point(as_of, recorded_before)
    if case is not None:
        store.require_case(case, field="CASE")
    if as_of is not None or recorded_before is not None or accounts is not None:
        found = list(time_travel(store, settings, cases=[case] if case else None, as_of=as_of,
                                 recorded_before=recorded_before, accounts=accounts))
        if case is not None and not found:
            raise UnknownCase(f"case '{case}' was not recorded before {recorded_before}", field="CASE")
        return found
    return list(Projector(store, settings).current(case, progress))


@attrs.frozen
class Forgetting:
    case: str
    position: int
    events: int
    keys_destroyed: int
    already: bool
    note: str | None


def forget(store: EventStore, case: str, reason: str, *, recorded_by: str | None = None,
           waiting: Callable[..., None] | None = None) -> Forgetting:
    """Erase a case: CaseForgotten in the log, its key destroyed, its rows out of every table, the
    storage's side files emptied. Run again on an erased case, it finishes what a crash cut short.
    A failure once CaseForgotten is committed (a full disk) says so, and what is left (StorageError)."""
    stream = store.require_case(case, field="CASE", erased_ok=True)
    already = case in store.forgotten()
    held = store.sealed and store.sealer.has_key(case)
    committed, stage = store.committed_events, "destroying its key"
    try:
        if already:
            store.destroy_forgotten_keys(waiting)  # a forget cut short: its key may still be held
        else:
            store.forget(case, reason, recorded_by=recorded_by, waiting=waiting)  # destroys the key once committed
        destroyed = int(held and not store.sealer.has_key(case))
        stage = "removing its rows from the projection tables"
        Projector(store).drop_case(case)
        stage = "emptying the storage's side files (WAL)"
        note = store.scrub()
    except Exception as error:
        if not already and store.committed_events == committed:
            raise  # nothing was committed: the error says what stopped it
        raise _unfinished(store, case, stage, error) from None
    return Forgetting(case, store.forgotten()[case].position, store.head(stream), destroyed, already, note)


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
