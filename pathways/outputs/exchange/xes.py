"""IEEE 1849 XES: one trace per case, one event per contact or absence in pathway order."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO
from xml.sax.saxutils import quoteattr

from events import dates

from pathways.analysis.case import CaseAnalysis
from pathways.analysis.patterns import ABSENCE

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
  <extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
  <global scope="trace">
    <string key="concept:name" value="__INVALID__"/>
  </global>
  <global scope="event">
    <string key="concept:name" value="__INVALID__"/>
    <date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>
  </global>
  <classifier name="Activity" keys="concept:name"/>
  <string key="concept:name" value="pathways: bureaucratic contacts"/>
"""


def _attribute(kind: str, key: str, value: object, indent: str) -> str:
    return f"{indent}<{kind} key={quoteattr(key)} value={quoteattr(str(value))}/>\n"


def write(analyses: Iterable[CaseAnalysis], out: IO[str]) -> int:
    """Write the log; returns the number of traces. Steps without any date are left out (XES needs a
    timestamp); a partial date is mapped to its first day and its precision kept as `date:precision`."""
    out.write(HEADER)
    traces = 0
    for analysis in analyses:
        profile = analysis.pathway.profile
        out.write("  <trace>\n")
        for key, value in (("concept:name", profile.case), ("origin", profile.origin), ("motive", profile.motive),
                           ("arrival", profile.arrival), ("cohort", profile.cohort)):
            if value is not None:
                out.write(_attribute("string", key, value, "    "))
        for step in analysis.pathway.steps:
            if step.type not in ("ContactRecorded", "ContactAbsent") or step.effective is None:
                continue
            out.write("    <event>\n")
            name = step.kind if step.type == "ContactRecorded" else ABSENCE
            stamp = f"{dates.first_day(step.effective).isoformat()}T00:00:00.000+00:00"
            pairs = [("string", "concept:name", name), ("string", "org:resource", step.actor),
                     ("string", "org:role", step.role), ("date", "time:timestamp", stamp),
                     ("string", "date:precision", dates.precision(step.effective)), ("string", "phase", step.phase),
                     ("string", "regime", step.regime), ("string", "perceived", step.perceived),
                     ("string", "ref", step.ref), ("string", "account", step.account),
                     ("string", "discretion", step.discretion),
                     *(("string", f"condition:{name}", value) for name, value in step.conditions)]
            for kind, key, value in pairs:
                if value is not None:
                    out.write(_attribute(kind, key, value, "      "))
            out.write("    </event>\n")
        out.write("  </trace>\n")
        traces += 1
    out.write("</log>\n")
    return traces
