"""Hypothesis strategies: random but valid case histories, as import records."""

from __future__ import annotations

from hypothesis import strategies as st

VARIABLES = ["effort", "trust", "resentment", "pressure", "integration", "encouragement", "opposition"]
DIRECTIONS = ["up", "down", "none"]
PERCEIVED = ["favourable", "unfavourable", "mixed", "neutral"]


@st.composite
def case_records(draw, case: str, max_steps: int = 12) -> list[dict]:
    """CaseOpened, then contacts, absences, state observations, links, expectations and retractions,
    with `because` refs (some naming one effect) to earlier live events of the case that carry an
    effect. Dates never go back (causes come first); some events have none."""
    year = draw(st.integers(1970, 2015))
    records = [{"type": "CaseOpened", "case": case, "data": {
        "origin": draw(st.sampled_from(["IR", "MA", "TR", "BD"])), "arrival": str(year),
        "motive": draw(st.sampled_from(["asylum", "family", "labour"]))}}]
    effects_of: dict[int, list[str]] = {1: []}
    retractable: list[int] = []
    month = (year - 1) * 12
    for version in range(2, draw(st.integers(1, max_steps)) + 2):
        kind = draw(st.sampled_from(["contact", "contact", "contact", "state", "absence", "link",
                                     "expectation", "retract"]))
        month += draw(st.integers(0, 14))
        occurred = draw(st.one_of(st.none(), st.just(f"{month // 12}-{month % 12 + 1:02d}")))
        earlier = [v for v in range(2, version) if effects_of.get(v) and v in retractable]
        because = []
        for ref in draw(st.lists(st.sampled_from(earlier), max_size=2, unique=True)) if earlier else []:
            named = effects_of.get(ref) or []
            if named and draw(st.booleans()):
                because.append(f"{case}#{ref}:{draw(st.sampled_from(named))}")
            else:
                because.append(f"{case}#{ref}")
        effects = [{"variable": v, "direction": draw(st.sampled_from(DIRECTIONS))}
                   for v in draw(st.lists(st.sampled_from(VARIABLES), min_size=1, max_size=2, unique=True))]
        if kind == "retract" and retractable:
            withdrawn = draw(st.sampled_from(retractable))
            retractable.remove(withdrawn)
            data = {"ref": f"{case}#{withdrawn}", "reason": "miscoded"}
            record = {"type": "EventRetracted", "case": case, "data": data}
            effects = []
        elif kind == "state":
            record = {"type": "StateObserved", "case": case,
                      "data": {"variable": effects[0]["variable"], "direction": effects[0]["direction"],
                               **({"because": because} if because else {})}}
            effects = effects[:1]
        elif kind == "absence":
            record = {"type": "ContactAbsent", "case": case,
                      "data": {"from": str(month // 12), "actor": "municipality", "effects": effects,
                               "perceived": draw(st.sampled_from(PERCEIVED))}}
        elif kind in ("link", "expectation"):
            source, target = draw(st.lists(st.sampled_from(VARIABLES), min_size=2, max_size=2, unique=True))
            sign = draw(st.sampled_from(["+", "-"]))
            record = ({"type": "LinkCoded", "case": case, "data": {"from": source, "to": target, "sign": sign}}
                      if kind == "link" else
                      {"type": "ExpectationFormed", "case": case,
                       "data": {"links": [{"from": source, "to": target, "sign": sign}]}})
            effects = []
        else:
            record = {"type": "ContactRecorded", "case": case, "data": {
                "actor": draw(st.sampled_from(["ind", "coa", "municipality", "education-centre"])),
                "kind": draw(st.sampled_from(["permit-decision", "coaching", "course", "obligation-letter"])),
                "perceived": draw(st.sampled_from(PERCEIVED)), "effects": effects,
                **({"because": because} if because else {})}}
        if occurred:
            record["occurred"] = occurred
        effects_of[version] = [e["variable"] for e in effects]
        if record["type"] != "EventRetracted":
            retractable.append(version)
        records.append(record)
    return records


@st.composite
def logs(draw, max_cases: int = 3, max_steps: int = 12) -> list[dict]:
    """Several cases' records, interleaved in a random order that keeps each case's own order."""
    cases = [draw(case_records(f"c{index}", max_steps)) for index in range(draw(st.integers(1, max_cases)))]
    order = draw(st.permutations([index for index, records in enumerate(cases) for _ in records]))
    cursors = [0] * len(cases)
    merged = []
    for index in order:
        merged.append(cases[index][cursors[index]])
        cursors[index] += 1
    return merged
