"""The cross-case read commands, each one function from the store and the command's options to the
result its view shows: the summary, the leverage ranking, the discretion truth table, the diagrams
to draw and the report's contents.

Each reads the cases one at a time (`service.each_analysis`) and folds them into counters as it goes
(`patterns.Tally`, `leverage.Ranking`, `discretion.Contacts`): at a million events a command holds its
counters and one case, not forty thousand analyses."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from events.store import EventStore

from pathways.analysis.case import CaseAnalysis
from pathways.analysis.casekinds import is_vignette
from pathways.analysis.discretion import Contacts, Discretion, parse_outcome, pick_conditions
from pathways.analysis.leverage import TOP, Leverage, Ranking, check_confidence
from pathways.analysis.pathway import Settings
from pathways.analysis.patterns import Summary, Tally
from pathways.application.passages import KeptPassages
from pathways.application.service import case_count, each_analysis, first, parse_accounts, parse_coders

Progress = Callable[[int], None] | None
__all__ = ["TOP", "diagrams", "ranking", "report_contents", "summary", "truth_table"]


def summary(store: EventStore, settings: Settings, *, as_of: str | None = None, recorded_before: str | None = None,
            account: str | None = None, by: str | None = None, turned: bool = False, unstitched: bool = False,
            progress: Progress = None) -> tuple[Summary, Leverage, int]:
    """Loop classes and patterns across the study cases, with the leverage ranking beside them (with
    `turned`, of the loops whose polarity turned only; with `unstitched`, of the loops one account tells
    whole), and how many street-level vignettes were left out."""
    tally, vignettes = Tally(turned_only=turned, unstitched_only=unstitched), 0
    ranked = Ranking(turned_only=turned, unstitched_only=unstitched)
    for analysis in each_analysis(store, settings, as_of=as_of, recorded_before=recorded_before,
                                  accounts=parse_accounts(account), coders=parse_coders(store, by), progress=progress):
        if is_vignette(analysis):  # shares over the study cases, as the demo's headline counts them
            vignettes += 1
        else:
            tally.add(analysis)
            ranked.add(analysis)
    return tally.result(), ranked.result(), vignettes


def ranking(store: EventStore, settings: Settings, *, as_of: str | None = None, account: str | None = None,
            by: str | None = None, min_confidence: str | None = None, turned: bool = False, unstitched: bool = False,
            progress: Progress = None) -> Leverage:
    """The variables and contact kinds on most loops, leaving out loops on links weaker than asked."""
    check_confidence(min_confidence)
    ranked = Ranking(min_confidence, turned_only=turned, unstitched_only=unstitched)
    for analysis in each_analysis(store, settings, as_of=as_of, accounts=parse_accounts(account),
                                  coders=parse_coders(store, by), progress=progress):
        ranked.add(analysis)
    return ranked.result()


def truth_table(store: EventStore, settings: Settings, *, as_of: str | None = None, account: str | None = None,
                by: str | None = None, outcome: str = "bending,breaking", conditions: str | None = None,
                cut: float = 0.8, min_n: int = 1, progress: Progress = None) -> Discretion:
    """The street-level question's crisp-set truth table over the conditions asked for."""
    outcomes = parse_outcome(outcome)
    accounts = parse_accounts(account)
    present = pick_conditions(store.catalogue().conditions(), conditions)
    contacts = Contacts()
    for analysis in each_analysis(store, settings, as_of=as_of, accounts=accounts, coders=parse_coders(store, by),
                                  progress=progress):
        contacts.add(analysis)
    return contacts.table(present, outcome=outcomes, cut=cut, min_n=min_n)


def diagrams(store: EventStore, settings: Settings, *, case: str | None, all_cases: bool, case_map: bool, kind: str,
             as_of: str | None = None, account: str | None = None, by: str | None = None, each_loop: bool = False,
             progress: Progress = None) -> list[Any]:
    """The diagrams `render` draws: each asked-for case's (pathway, loops or both), and the case map."""
    from pathways.outputs.render import files

    files.check_kind(kind)  # before any case is read
    coders = parse_coders(store, by)
    catalogue = store.catalogue()
    tally = Tally()
    drawn = []
    for analysis in each_analysis(store, settings, case=case, as_of=as_of, accounts=parse_accounts(account),
                                  coders=coders, progress=progress):
        tally.add(analysis)
        if case or all_cases:
            drawn.extend(files.case_diagrams([analysis], kind, catalogue, each_loop=each_loop))
    if case_map:
        drawn.append(files.map_diagram(tally.result().transitions, catalogue))
    return drawn


def report_contents(store: EventStore, settings: Settings, *, as_of: str | None = None, account: str | None = None,
                    by: str | None = None, unstitched: bool = False, pseudonymise: bool = False,
                    progress: Progress = None) -> Any:
    """Everything the report shows, pseudonymised when asked (keyed pseudonyms, no free text): the
    cases to be read once, one at a time, while the cross-case results are folded from them (ready
    when the last has gone past: `Contents.totals`); with `unstitched`, the cross-case pages count the
    loops one account tells whole. Call it, and write the report, with the store open."""
    from pathways.application.agreement import agreement_of, pairs_on_cases
    from pathways.outputs.pseudonymise import pseudonymise as strip
    from pathways.outputs.report import Contents, CrossCase

    found = first(each_analysis(store, settings, as_of=as_of, accounts=parse_accounts(account),
                                coders=parse_coders(store, by), progress=progress))
    catalogue = store.catalogue()
    head = None if pseudonymise else str(store.last())  # pseudonymised, hashes and positions go
    secret = store.log.keyring().project_secret() if pseudonymise else None
    tally, ranked = Tally(unstitched_only=unstitched), Ranking(unstitched_only=unstitched)
    contacts = Contacts()

    def each() -> Iterator[CaseAnalysis]:
        for analysis in found:
            if secret is not None:
                analysis = strip(analysis, secret)
            if not is_vignette(analysis):  # the shares over the study cases, as `summary` gives them
                tally.add(analysis)
                ranked.add(analysis)
            contacts.add(analysis)
            yield analysis

    def totals() -> CrossCase:
        return CrossCase(tally.result(), ranked.result(), contacts.table(catalogue.conditions()), contacts)

    said = [f"as of {as_of}" if as_of else None, f"accounts: {account}" if account else None,
            f"coders: {by}" if by else None, "only the loops one account tells whole" if unstitched else None,
            "pseudonymised: case ids are keyed pseudonyms, no free text, dates to the year" if pseudonymise else None]
    passages = {} if pseudonymise else KeptPassages(store)  # read a case at a time, as its page is written
    agreements = [] if pseudonymise else [agreement_of(store, settings, pair) for pair in pairs_on_cases(store)]
    return Contents(each(), case_count(store), totals, catalogue, head, note="; ".join(filter(None, said)) or None,
                    passages=passages, agreements=agreements)
