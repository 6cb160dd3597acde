"""Analyses made fit to share: keyed pseudonyms for case ids, no free text, dates to the year.

A pseudonym is an HMAC-SHA256 of the case id under the project's secret: stable within one project
(the same case has the same pseudonym in every report and export), unlinkable to the case id
without the secret. What remains: the coded structure (actors, roles, kinds, effects, perceived
valence, discretion and conditions, signs, loops and their classes), the origin, motive and cohort,
and years. What goes: case ids, event ids, quotes, sources, outcomes, notes, statements, levels,
months and days.
"""

from __future__ import annotations

import hashlib
import hmac

import attrs

from events.rules.validate import Ref

from pathways.analysis.case import CaseAnalysis
from pathways.analysis.causal import CausalGraph
from pathways.analysis.pathway import Pathway, Step



def pseudonym(case: str, secret: bytes) -> str:
    return "p" + hmac.new(secret, case.encode("utf-8"), hashlib.sha256).hexdigest()[:12]


def rewrite(text: str, case: str, alias: str, versions: dict[str, int] | None = None) -> str | None:
    """A ref of this case (`CASE#N`, maybe `:VARIABLE`) under the pseudonym; a ref by event id as the
    same `ALIAS#N` when `versions` knows the event (event ids are never shared: they would link back
    to the log); None for anything else."""
    try:
        ref = Ref.parse(text)
    except ValueError:
        return None
    variable = f":{ref.variable}" if ref.variable else ""
    if ref.event_id is not None:
        version = (versions or {}).get(ref.event_id.lower())
        return None if version is None else f"{alias}#{version}{variable}"
    if ref.case != case:
        return None
    return f"{alias}#{ref.version}{variable}"


def year(date: str | None) -> str | None:
    return date[:4] if date else None


def pseudonymise(analysis: CaseAnalysis, secret: bytes) -> CaseAnalysis:
    """The same analysis with the case's identity and free text taken out."""
    case = analysis.case
    alias = pseudonym(case, secret)

    def ref(text: str | None) -> str | None:
        return rewrite(text, case, alias) if text else None

    profile = attrs.evolve(analysis.pathway.profile, case=alias, notes=None, arrival=year(analysis.pathway.profile.arrival))
    steps = tuple(_step(step, alias, ref) for step in analysis.pathway.steps)
    edges = tuple(attrs.evolve(edge, evidence=tuple(ref(r) for r in edge.evidence),
                               citations=tuple((ref(r), sign) for r, sign in edge.citations), history=_years(edge.history))
                  for edge in analysis.graph.edges)
    loops = tuple(attrs.evolve(loop, case=alias, closing_event=ref(loop.closing_event), opened_by=ref(loop.opened_by),
                               evidence=tuple(ref(r) for r in loop.evidence),
                               polarity_history=_years(loop.polarity_history), coders=(), sources=())
                  for loop in analysis.loops)
    readings = tuple(attrs.evolve(reading, case=alias, ref=ref(reading.ref), note=None, recorded_by=None)
                     for reading in analysis.readings)
    return attrs.evolve(analysis, pathway=Pathway(profile, steps), graph=CausalGraph(edges), loops=loops,
                        readings=readings)


def _years(history: tuple | None) -> tuple | None:
    """A dated history (a link's signs, a loop's polarities) with its dates cut to the year."""
    return None if history is None else tuple((year(since), value) for since, value in history)


def _step(step: Step, alias: str, ref) -> Step:
    if step.type == "ContactAbsent":
        label = f"no contact{' with ' + step.actor if step.actor else ''} {year(step.effective) or ''}..{year(step.until) or ''}"
    elif step.type == "StateObserved":
        label = " ".join(f"{variable} {direction}" for variable, direction in step.effects) or "a level observed"
    else:
        label = step.label
    return step._replace(case=alias, ref=ref(step.ref), event_id="", occurred=year(step.occurred),
                         effective=year(step.effective), until=year(step.until), outcome=None, quote=None,
                         source=None, coder=None, label=label, because=tuple(r for r in map(ref, step.because) if r is not None),
                         data={})


FREE_TEXT = ("quote", "source", "outcome", "notes", "statement", "note", "reason", "label")
"""Payload fields that hold words of a person or of a coder: never in a pseudonymised export."""
DATES = {"CaseOpened": ("arrival",), "ContactAbsent": ("from", "to")}
"""The dates inside payloads (a LinkCoded's `from` and `to` are variables, not dates)."""
REFS = ("because", "evidence")


def pseudonymise_envelope(envelope: dict, secret: bytes, versions: dict[str, int] | None = None) -> dict | None:
    """An event in the import format, fit to share: the case a pseudonym, refs within the case rewritten
    (a ref by event id as `ALIAS#N`, from `versions`, which this call fills as the log is read in
    order), free text and metadata dropped, dates cut to the year, no coder, no ids, no hashes. It still
    imports (versions and refs keep their order). None: a retraction whose target cannot be named."""
    case = envelope.get("case")
    data = dict(envelope["data"])
    if case is None:  # a catalogue definition: the project's own keys, nothing of a person
        return {"type": envelope["type"], "stream": envelope["stream"], "schema_version": envelope["schema_version"],
                "data": data}
    alias = pseudonym(case, secret)
    if versions is not None:
        versions[envelope["event_id"]] = envelope["version"]

    def ref(text: str) -> str | None:
        return rewrite(text, case, alias, versions)

    if envelope["type"] == "SourceText":  # a transcript: its place kept (versions stay in step), no word of it,
        return {"type": "SourceText", "case": alias, "schema_version": envelope["schema_version"], "occurred": None,
                "data": {"source": "", "part": 1, "parts": 1, "start": 0, "text": ""}}  # nor its length
    for key in FREE_TEXT:
        data.pop(key, None)
    if isinstance(data.get("level"), str):
        data.pop("level")
    for key in DATES.get(envelope["type"], ()):
        if data.get(key):
            data[key] = year(data[key])
    for key in REFS:
        if key in data:
            data[key] = [r for r in (ref(text) for text in data[key]) if r is not None]
            if not data[key]:
                data.pop(key)
    if envelope["type"] == "EventRetracted":
        target = ref(data["ref"])
        if target is None:
            return None
        data = {"ref": target, "reason": "withdrawn"}
    return {"type": envelope["type"], "case": alias, "schema_version": envelope["schema_version"],
            "occurred": year(envelope.get("occurred")), "data": data}
