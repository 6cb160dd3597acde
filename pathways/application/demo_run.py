"""`demo`: the study's cases and the street-level vignettes loaded into a fresh open database,
rebuilt, and analysed as the demo shows them."""

from __future__ import annotations

from typing import Any

import attrs

from events.store import EventStore

from pathways import demo as bundled
from pathways.analysis.case import CaseAnalysis
from pathways.analysis.discretion import Discretion, discretion
from pathways.analysis.leverage import Leverage, leverage
from pathways.analysis.pathway import Settings
from pathways.analysis.patterns import Summary, summarise
from pathways.application import service


@attrs.frozen
class DemoRun:
    found: list[CaseAnalysis]
    """The study's cases (the vignettes have one contact each and no loops)."""
    every: list[CaseAnalysis]
    events: int
    summary: Summary
    leverage: Leverage
    discretion: Discretion
    single: Discretion
    """The truth table over the one condition the sources state most often."""
    diagrams: list[Any]


def run_demo(store: EventStore, settings: Settings) -> DemoRun:
    """Load the bundled cases into a new open database (public data), rebuild, analyse."""
    from pathways.outputs.render import files

    report = store.append(bundled.events(), file="bundled demo cases")
    service.rebuild(store, settings)
    every = service.analyses(store, settings)
    catalogue = store.catalogue()
    studied = set(bundled.study_cases())
    found = [analysis for analysis in every if analysis.case in studied]
    result = summarise(found)
    # The article rarely states all three conditions for one story; the one it states most often:
    single = {"policy-assessment": catalogue.conditions()["policy-assessment"]}
    drawn = list(files.case_diagrams(found, "both", catalogue))
    drawn.append(files.map_diagram(result.transitions, catalogue))
    return DemoRun(found, every, report.appended + report.skipped, result, leverage(found),
                   discretion(every, catalogue.conditions()), discretion(every, single), drawn)
