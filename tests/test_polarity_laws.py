"""Polarity over time (issue 31): the rule as a table, and its laws. A loop's polarity `--as-of` a date
is the polarity computed on the log cut at that date, and the one its history gives there; a case
whose evidence never disagrees in sign keeps the loops and classes it had (the demo's, in a golden
made before the rule changed)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from events import dates
from events.ingest.readers import to_new_event
from events.store import EventStore
from pathways import demo
from pathways.application import service
from pathways.analysis.pathway import Settings
from pathways.analysis.polarity import (direction, history_label, in_force, loop_history, polarity_of_signs,
                               sign_history)

GOLDEN = Path(__file__).parent / "golden" / "demo-loops.json"


@pytest.mark.parametrize("evidence, history", [
    ([("2013-02", 1), ("2013-03", 1), ("2013-06", -1)], (("2013-02", 1), ("2013-06", -1))),  # the latest, not most
    ([("2013-06", -1), ("2013-02", 1), ("2013-03", 1)], (("2013-02", 1), ("2013-06", -1))),  # in any order
    ([("2011-05", 1), ("2011-05", -1)], (("2011-05", 0),)),                                   # a tie: undetermined
    ([("2011-05", 1), ("2011-05", 1), ("2011-05", -1)], (("2011-05", 1),)),                   # same date: majority
    ([("2011", 1), ("2012", 1), ("2012", -1), ("2013", -1)], (("2011", 1), ("2012", 0), ("2013", -1))),
    ([("2013-06", -1), ("2013", 1)], (("2013", 1), ("2013-06", -1))),  # a coarse date before the finer in it
    ([("2013", 1), (None, -1)], ((None, -1), ("2013", 1))),               # undated comes first
    ([("1999", 1), ("2000", 1)], (("1999", 1),)),                         # never changes: one entry
])
def test_a_links_sign_at_each_date(evidence, history):
    assert sign_history(evidence) == history


@pytest.mark.parametrize("links, closed, history", [
    ([(("2013-02", 1), ("2013-06", -1)), (("2013-04", 1),)], "2013-04",
     (("2013-04", "reinforcing"), ("2013-06", "dampening"))),
    ([(("1995-05", 1), ("1995-06", -1)), (("1996", -1),)], "1996", (("1996", "reinforcing"),)),  # turned before
    ([(("2011-05", 0), ("2012", -1)), (("2011-05", 1),)], "2011-05",
     (("2011-05", "undetermined"), ("2012", "dampening"))),
    ([(("2001", 1), ("2002", -1)), (("2001", -1), ("2002", 1))], "2001", (("2001", "dampening"),)),  # both at once
])
def test_a_loops_polarity_from_its_closing_on(links, closed, history):
    assert loop_history(links, closed) == history


def test_the_words_of_a_history():
    history = (("2013-04", "reinforcing"), ("2013-06", "dampening"), ("2014", "reinforcing"))
    assert history_label(history) == "R -> D 2013-06 -> R 2014"
    assert direction(history) == "reinforcing -> dampening -> reinforcing"
    assert in_force(history, "2013-05") == "reinforcing" and in_force(history, "2013") == "dampening"
    assert in_force(history, "2013-03") is None and in_force(history, "2020") == "reinforcing"


@given(st.lists(st.sampled_from([1, -1, 0]), min_size=2, max_size=8))
def test_polarity_is_the_parity_of_negative_links_unless_one_is_undetermined(signs):
    expected = "undetermined" if 0 in signs else "dampening" if signs.count(-1) % 2 else "reinforcing"
    assert polarity_of_signs(signs) == expected


VARIABLES = ["effort", "trust", "stress"]


@st.composite
def dated_logs(draw) -> list[dict]:
    """One case: coded links and state observations (with `because` refs to earlier ones) whose dates
    never go back, often the same month twice (same-date ties), some only a year."""
    records = [{"type": "CaseOpened", "case": "t", "data": {"origin": "IR", "motive": "asylum", "arrival": "2000"}}]
    month, stated = 0, []
    for version in range(2, draw(st.integers(2, 12)) + 2):
        month += draw(st.sampled_from([0, 0, 1, 2, 5]))
        year, part = 2001 + month // 12, month % 12 + 1
        coarse = draw(st.booleans()) and part == 1  # `2001` sorts before `2001-01`: only at a year's start
        occurred = f"{year}" if coarse else f"{year}-{part:02d}"
        source, target = draw(st.lists(st.sampled_from(VARIABLES), min_size=2, max_size=2, unique=True))
        if stated and draw(st.booleans()):
            cause = draw(st.sampled_from(stated))
            records.append({"type": "StateObserved", "case": "t", "occurred": occurred, "data": {
                "variable": target, "direction": draw(st.sampled_from(["up", "down"])), "because": [f"t#{cause}"]}})
        elif draw(st.booleans()):
            records.append({"type": "StateObserved", "case": "t", "occurred": occurred,
                            "data": {"variable": source, "direction": draw(st.sampled_from(["up", "down"]))}})
        else:
            records.append({"type": "LinkCoded", "case": "t", "occurred": occurred,
                            "data": {"from": source, "to": target, "sign": draw(st.sampled_from(["+", "-"]))}})
        if records[-1]["type"] == "StateObserved":
            stated.append(version)
    return records


def _stored(path: Path, records: list[dict]) -> EventStore:
    store = EventStore(path)
    store.append(to_new_event({**record, "event_id": str(uuid.uuid5(uuid.NAMESPACE_OID, str(index)))})
                 for index, record in enumerate(records))
    return store


def _loops(store: EventStore, as_of: str | None = None) -> dict:
    found = service.analyses(store, Settings(), as_of=as_of)  # what `loops [--as-of]` prints
    return {loop.variables: loop for analysis in found for loop in analysis.loops}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=dated_logs(), pick=st.integers(0, 100))
def test_time_travel_is_the_log_cut_at_that_date_and_the_history_there(tmp_path_factory, records, pick):
    when = sorted({record["occurred"] for record in records[1:]}, key=dates.sort_key)
    as_of = when[pick % len(when)]
    if pick % 3 == 0:
        as_of = as_of[:4]  # a year holds every finer date in it
    cut = [records[0], *(r for r in records[1:] if dates.first_day(r["occurred"]) <= dates.last_day(as_of))]
    folder = tmp_path_factory.mktemp("law")
    with _stored(folder / "full.db", records) as full, _stored(folder / "cut.db", cut) as shortened:
        then, on_the_cut, now = _loops(full, as_of), _loops(shortened), _loops(full)
        conflicting = any(edge.ambiguous for analysis in service.analyses(full, Settings())
                          for edge in analysis.graph.edges)
    assert {v: (l.id, l.polarity, l.signs) for v, l in then.items()} == {
        v: (l.id, l.polarity, l.signs) for v, l in on_the_cut.items()}
    event("a loop turned" if any(loop.turned for loop in now.values()) else "no loop turned")
    event("a polarity differs then" if any(now[v].polarity != loop.polarity for v, loop in then.items()) else "same")
    for variables, loop in then.items():  # what the full history says held then
        later = now[variables]
        assert (in_force(later.polarity_history, as_of) if later.polarity_history else later.polarity) == loop.polarity
    if not conflicting:
        assert all(loop.polarity_history is None and loop.polarity != "undetermined" for loop in now.values())


def test_the_demo_loops_are_the_ones_before_polarity_over_time(cli):
    """No demo case has evidence of both signs on a link: its loops, ids and classes are unchanged, and
    none carries a history (the golden is `loops --json` on the demo, made before the rule changed)."""
    with EventStore(cli.db) as store:
        store.append(demo.events())
    golden = json.loads(GOLDEN.read_text())
    loops = cli.json("loops")
    assert [{name: loop[name] for name in golden[0]} for loop in loops] == golden
    assert all(loop["polarity_history"] is None and not loop["ambiguous"] for loop in loops)
    assert cli.json("summary")["turned"] == {"loops": 0, "by_direction": {}}
    assert cli.json("summary")["agreement"] == {"readings": 13, "agrees": 13, "disagrees": 0, "not-found": 0,
                                                  "unread": 6}
