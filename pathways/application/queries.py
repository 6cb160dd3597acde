"""The cross-case read commands, each one function from the store and the command's options to the
result its view shows: the summary, the leverage ranking, the discretion truth table, the diagrams
to draw and the report's contents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from events.store import EventStore

from pathways.analysis.discretion import Discretion, discretion, parse_outcome, pick_conditions
from pathways.analysis.leverage import TOP, Leverage, check_confidence, leverage
from pathways.analysis.pathway import Settings
from pathways.analysis import patterns
from pathways.analysis.casekinds import split_cases
from pathways.analysis.patterns import Summary
from pathways.application.passages import all_passages
from pathways.application.service import analyses, parse_accounts, parse_coders

Progress = Callable[[int], None] | None
__all__ = ["TOP", "diagrams", "ranking", "report_contents", "summary", "truth_table"]


def summary(store: EventStore, settings: Settings, *, as_of: str | None = None, recorded_before: str | None = None,
            account: str | None = None, by: str | None = None, turned: bool = False, unstitched: bool = False,
            progress: Progress = None) -> tuple[Summary, Leverage, int]:
    """Loop classes and patterns across the study cases, with the leverage ranking beside them (with
    `turned`, of the loops whose polarity turned only; with `unstitched`, of the loops one account tells
    whole), and how many street-level vignettes were left out."""
    found = analyses(store, settings, as_of=as_of, recorded_before=recorded_before,
                     accounts=parse_accounts(account), coders=parse_coders(store, by), progress=progress)
    studied, vignettes = split_cases(found)  # shares over the study cases, as the demo's headline counts them
    return (patterns.summarise(studied, turned_only=turned, unstitched_only=unstitched),
            leverage(studied, turned_only=turned, unstitched_only=unstitched), len(vignettes))


def ranking(store: EventStore, settings: Settings, *, as_of: str | None = None, account: str | None = None,
            by: str | None = None, min_confidence: str | None = None, turned: bool = False, unstitched: bool = False,
            progress: Progress = None) -> Leverage:
    """The variables and contact kinds on most loops, leaving out loops on links weaker than asked."""
    check_confidence(min_confidence)
    found = analyses(store, settings, as_of=as_of, accounts=parse_accounts(account), coders=parse_coders(store, by),
                     progress=progress)
    return leverage(found, min_confidence, turned_only=turned, unstitched_only=unstitched)


def truth_table(store: EventStore, settings: Settings, *, as_of: str | None = None, account: str | None = None,
                by: str | None = None, outcome: str = "bending,breaking", conditions: str | None = None,
                cut: float = 0.8, min_n: int = 1, progress: Progress = None) -> Discretion:
    """The street-level question's crisp-set truth table over the conditions asked for."""
    outcomes = parse_outcome(outcome)
    accounts = parse_accounts(account)
    present = pick_conditions(store.catalogue().conditions(), conditions)
    found = analyses(store, settings, as_of=as_of, accounts=accounts, coders=parse_coders(store, by),
                     progress=progress)
    return discretion(found, present, outcome=outcomes, cut=cut, min_n=min_n)


def diagrams(store: EventStore, settings: Settings, *, case: str | None, all_cases: bool, case_map: bool, kind: str,
             as_of: str | None = None, account: str | None = None, by: str | None = None, each_loop: bool = False,
             progress: Progress = None) -> list[Any]:
    """The diagrams `render` draws: each asked-for case's (pathway, loops or both), and the case map."""
    from pathways.outputs.render import files

    found = analyses(store, settings, case=case, as_of=as_of, accounts=parse_accounts(account),
                     coders=parse_coders(store, by), progress=progress)
    catalogue = store.catalogue()
    drawn = list(files.case_diagrams(found if (case or all_cases) else [], kind, catalogue, each_loop=each_loop))
    if case_map:
        drawn.append(files.map_diagram(patterns.summarise(found).transitions, catalogue))
    return drawn


def report_contents(store: EventStore, settings: Settings, *, as_of: str | None = None, account: str | None = None,
                    by: str | None = None, unstitched: bool = False, pseudonymise: bool = False,
                    progress: Progress = None) -> Any:
    """Everything the report shows, pseudonymised when asked (keyed pseudonyms, no free text); with
    `unstitched`, the cross-case pages count the loops one account tells whole."""
    from pathways.application.agreement import agreement_of, pairs_on_cases
    from pathways.outputs.pseudonymise import pseudonymise as strip
    from pathways.outputs.report import Contents

    found = analyses(store, settings, as_of=as_of, accounts=parse_accounts(account), coders=parse_coders(store, by),
                     progress=progress)
    catalogue = store.catalogue()
    head = None if pseudonymise else str(store.last())  # pseudonymised, hashes and positions go
    if pseudonymise:
        secret = store.log.keyring().project_secret()
        found = [strip(analysis, secret) for analysis in found]
    said = [f"as of {as_of}" if as_of else None, f"accounts: {account}" if account else None,
            f"coders: {by}" if by else None, "only the loops one account tells whole" if unstitched else None,
            "pseudonymised: case ids are keyed pseudonyms, no free text, dates to the year" if pseudonymise else None]
    studied = split_cases(found)[0]  # the shares over the study cases, as `summary` gives them
    kept = {} if pseudonymise else all_passages(store, [analysis.case for analysis in found])
    agreements = [] if pseudonymise else [agreement_of(store, settings, pair) for pair in pairs_on_cases(store)]
    return Contents(found, patterns.summarise(studied, unstitched_only=unstitched),
                    leverage(studied, unstitched_only=unstitched), discretion(found, catalogue.conditions()),
                    catalogue, head, note="; ".join(filter(None, said)) or None, passages=kept, agreements=agreements)
