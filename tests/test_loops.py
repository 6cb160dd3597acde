"""The loop rules, on the study's four figures and on small hand-made graphs."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.rules.catalogue import shipped
from events.ingest.readers import to_new_event
from events.store import EventStore
from pathways.analysis.case import analyse_case
from pathways.analysis.classify import polarity_of
from pathways.analysis.loops import Budget, canonical, enumerate_cycles, strong_components
from pathways.analysis.pathway import Settings

from .figures import FIGURES, contact, state


def analyse(db, records, case, **kwargs):
    with EventStore(db) as store:
        store.append(to_new_event(record) for record in records)
        events = list(store.read(streams=[f"case:{case}"]))
        return analyse_case(case, events, store.catalogue(), **kwargs)


def summary(loop):
    return (loop.variables, loop.polarity, loop.valence, loop.change)


def test_figure_1_obstructed_effort(db):
    result = analyse(db, FIGURES["fig1"], "fig1")
    assert [summary(loop) for loop in result.loops] == [
        (("effort", "opposition"), "dampening", "unfavourable", "no-change")]
    loop = result.loops[0]
    assert loop.id == "D1" and loop.signs == ("+", "-")
    assert loop.archetypes == ("obstructed-effort",)
    assert loop.reset_rooted and loop.closing_event == "fig1#4"
    assert loop.evidence == ("fig1#2", "fig1#3", "fig1#4")


def test_figure_2_neglect_then_pressure(db):
    result = analyse(db, FIGURES["fig2"], "fig2")
    assert [summary(loop) for loop in result.loops] == [
        (("pressure", "resentment"), "reinforcing", "unfavourable", "no-change")]
    assert result.loops[0].archetypes == ("neglect-resentment",)
    assert result.loops[0].reset_rooted  # rooted in the absence of contact from arrival on
    assert ("engagement", "pressure") not in result.graph.index()  # the ref names resentment only


def test_figure_3_encouraged_effort_with_the_goal_seeking_core(db):
    result = analyse(db, FIGURES["fig3"], "fig3")
    by_variables = {loop.variables: loop for loop in result.loops}
    encouraged = by_variables[("effort", "encouragement")]
    assert (encouraged.polarity, encouraged.valence, encouraged.change) == ("reinforcing", "favourable", "change")
    assert encouraged.archetypes == ("virtuous-encouragement",)
    core = by_variables[("discrepancy", "effort", "integration")]
    assert core.polarity == "dampening" and core.archetypes == ("goal-seeking",)
    assert all(reading.status == "agrees" for reading in result.readings)


def test_figure_4_lawsuit_spiral_is_two_reinforcing_loops(db):
    result = analyse(db, FIGURES["fig4"], "fig4")
    assert sorted(summary(loop) for loop in result.loops) == [
        (("compliance", "pressure", "financial-security"), "reinforcing", "unfavourable", "change"),
        (("compliance", "pressure", "resentment"), "reinforcing", "unfavourable", "change")]
    assert [loop.id for loop in result.loops] == ["R1", "R2"]
    spiral = next(loop for loop in result.loops if "financial-security" in loop.variables)
    assert spiral.archetypes == ("sanction-spiral",)
    assert [reading.status for reading in result.readings] == ["agrees", "agrees"]


@pytest.mark.parametrize("case", sorted(FIGURES))
def test_every_figure_agrees_with_the_authors_reading(db, case):
    result = analyse(db, FIGURES[case], case)
    assert result.readings and all(reading.status == "agrees" for reading in result.readings)


def test_the_closing_event_is_the_one_that_completes_the_cycle(db):
    records = FIGURES["fig1"][:3]
    assert analyse(db, records, "fig1").loops == ()
    result = analyse(db, [FIGURES["fig1"][3]], "fig1")  # appended to the same database
    assert result.loops[0].closing_event == "fig1#4"


def test_as_of_before_the_closing_event_shows_no_loop(db):
    assert analyse(db, FIGURES["fig1"], "fig1", as_of="1995-12").loops == ()


def test_as_of_after_the_closing_event_shows_the_loop(db):
    assert len(analyse(db, FIGURES["fig1"], "fig1", as_of="1996").loops) == 1


def test_a_retraction_that_breaks_the_cycle_removes_the_loop(db):
    retract = {"type": "EventRetracted", "case": "fig1", "data": {"ref": "fig1#4", "reason": "misread"}}
    result = analyse(db, FIGURES["fig1"] + [retract], "fig1")
    assert result.loops == ()
    assert result.pathway.profile.retracted == 1
    assert result.readings[0].status == "not-found"


def test_a_ref_naming_one_effect_links_only_that_variable(db):
    records = [FIGURES["fig2"][0], FIGURES["fig2"][1], FIGURES["fig2"][2]]
    edges = analyse(db, records, "fig2").graph.index()
    assert ("resentment", "pressure") in edges and ("engagement", "pressure") not in edges


def test_conflicting_signs_make_an_ambiguous_edge(db):
    records = [FIGURES["fig1"][0],
               state("fig1", "1995-04", "effort", "up"),
               contact("fig1", "1995-05", "coa", "counselling", [("opposition", "up")], because=["fig1#2"]),
               contact("fig1", "1995-06", "coa", "counselling", [("opposition", "down")], because=["fig1#2"]),
               contact("fig1", "1995-07", "coa", "counselling", [("opposition", "down")], because=["fig1#2"]),
               state("fig1", "1996", "effort", "down", because=["fig1#3"])]
    result = analyse(db, records, "fig1")
    edge = result.graph.index()[("effort", "opposition")]
    assert edge.ambiguous and edge.sign == -1
    assert result.loops[0].ambiguous and result.loops[0].polarity == "reinforcing"


def test_a_loop_resting_on_an_expectation_is_anticipated(db):
    records = [FIGURES["fig1"][0],
               {"type": "ExpectationFormed", "case": "fig1",
                "data": {"statement": "a diploma opens doors", "links": [{"from": "effort", "to": "employment", "sign": "+"}]}},
               state("fig1", "1997", "employment", "down"),
               state("fig1", "1998", "effort", "down", because=["fig1#3"])]
    result = analyse(db, records, "fig1")
    assert [(loop.variables, loop.anticipated, loop.polarity) for loop in result.loops] == [
        (("effort", "employment"), True, "reinforcing")]


def _balanced(perceived):
    """effort <-> encouragement, closed by three contacts; every variable nets to zero afterwards."""
    return [FIGURES["fig1"][0],
            contact("fig1", "1996", "coa", "meeting", [("effort", "up")], perceived[0]),
            contact("fig1", "1996-02", "coa", "coaching", [("encouragement", "up")], perceived[1], because=["fig1#2"]),
            contact("fig1", "1996-03", "coa", "coaching", [("effort", "up")], perceived[2], because=["fig1#3"]),
            state("fig1", "1997", "effort", "down"), state("fig1", "1997", "effort", "down"),
            state("fig1", "1997", "encouragement", "down")]


@pytest.mark.parametrize("perceived, valence", [
    (("favourable", "favourable", "unfavourable"), "favourable"),
    (("unfavourable", "mixed", "unfavourable"), "unfavourable"),
    (("favourable", "unfavourable", "neutral"), "undetermined"),
])
def test_at_a_zero_sum_the_perceived_majority_of_the_evidence_decides(db, perceived, valence):
    result = analyse(db, _balanced(perceived), "fig1")
    assert [(loop.variables, loop.valence) for loop in result.loops] == [(("effort", "encouragement"), valence)]


def test_the_reset_phase_length_is_configurable(db):
    result = analyse(db, FIGURES["fig1"], "fig1", settings=Settings(reset_years=1))
    assert [step.phase for step in result.pathway.steps[:3]] == ["reset", "reset", "settled"]


def test_steps_carry_phase_regime_and_running_state(db):
    result = analyse(db, FIGURES["fig3"], "fig3")
    dated = [step for step in result.pathway.steps if step.occurred]
    assert [step.regime for step in dated] == ["civic-integration-2007"] * 4
    assert dated[-1].state == (("effort", 2), ("employment", 1), ("encouragement", 1), ("integration", 1))


def test_loops_beyond_the_bound_are_counted_not_dropped():
    ring = [(f"v{i}", f"v{(i + 1) % 5}") for i in range(5)] + [("v0", "v1"), ("v1", "v0")]
    cycles = enumerate_cycles(ring, bound=3)
    assert cycles.cycles == (("v0", "v1"),) and cycles.beyond_bound == 1


def networkx_cycles(edges, bound):
    import networkx as nx

    graph = nx.DiGraph((a, b) for a, b in edges if a != b)
    return tuple(sorted(canonical(cycle) for cycle in nx.simple_cycles(graph, length_bound=bound)))


graphs = st.lists(st.tuples(st.sampled_from("abcdefghij"), st.sampled_from("abcdefghij")), max_size=30)


@given(graphs, st.integers(2, 10))
def test_the_cycles_are_the_ones_networkx_finds(edges, bound):
    """Small graphs take the engine's own walk, larger parts networkx: the set is the same."""
    assert enumerate_cycles(edges, bound).cycles == networkx_cycles(edges, bound)


@given(graphs)
def test_strong_components_are_the_ones_networkx_finds(edges):
    import networkx as nx

    successors = {}
    for a, b in edges:
        successors.setdefault(a, set()).add(b)
        successors.setdefault(b, set())
    ours = sorted(sorted(part) for part in strong_components(successors))
    assert ours == sorted(sorted(part) for part in nx.strongly_connected_components(nx.DiGraph(successors)))


def test_more_cycles_than_the_budget_are_a_floor_on_a_small_graph():
    complete = [(a, b) for a in "abcde" for b in "abcde" if a != b]  # 84 cycles, all within the bound
    assert len(enumerate_cycles(complete, 8).cycles) == 84
    capped = enumerate_cycles(complete, 8, Budget(cycles=10))
    assert len(capped.cycles) == 10 and not capped.complete


@given(st.lists(st.sampled_from("abcdefg"), min_size=2, max_size=7, unique=True), st.integers(0, 6))
def test_loop_identity_is_rotation_invariant(variables, shift):
    shift %= len(variables)
    assert canonical(variables) == canonical(variables[shift:] + variables[:shift])
    assert set(canonical(variables)) == set(variables)


@given(st.lists(st.sampled_from("+-"), min_size=2, max_size=8))
def test_polarity_is_the_parity_of_negative_links(signs):
    assert polarity_of(signs) == ("dampening" if signs.count("-") % 2 else "reinforcing")


@given(st.lists(st.sampled_from(["up", "down"]), min_size=3, max_size=6))
@settings(deadline=None)  # each example writes a database: on a loaded machine it took 530-670 ms, past 200 ms
def test_computed_polarity_on_a_because_chain_matches_the_parity(tmp_path_factory, directions):
    """A chain v0 -> v1 -> ... -> v0 built from because refs: its loop's polarity is the sign parity."""
    variables = ["effort", "trust", "stress", "language", "wellbeing", "health"][:len(directions)]
    records = [{"type": "CaseOpened", "case": "p", "data": {"origin": "IR", "motive": "asylum", "arrival": "2000"}}]
    for index, (variable, direction) in enumerate(zip(variables, directions)):
        because = [f"p#{index + 1}"] if index else []
        records.append(state("p", f"{2001 + index}", variable, direction, because))
    records.append(state("p", "2010", variables[0], directions[0], [f"p#{len(directions) + 1}"]))
    result = analyse(tmp_path_factory.mktemp("p") / "p.db", records, "p")
    loop = next(loop for loop in result.loops if len(loop.variables) == len(variables))
    values = [1 if d == "up" else -1 for d in directions]
    negative = sum(values[i] * values[(i + 1) % len(values)] < 0 for i in range(len(values)))
    assert loop.signs.count("-") == negative
    assert loop.polarity == ("dampening" if negative % 2 else "reinforcing")


@pytest.mark.parametrize("when, motive, phase, regime", [
    ("1975", "labour", "settled", "guest-worker"),
    ("1996", "asylum", "reset", "integration-policy"),
    ("2006-06", "family", "reset", "newcomers-act"),
    ("2008", "family", "pre-arrival", "integration-abroad"),
    ("2008", "asylum", "pre-arrival", "civic-integration-2007"),
    ("2010", "family", "reset", "civic-integration-2007"),
    ("2015", "family", "settled", "civic-integration-2013"),
    ("2023", "asylum", "reset", "civic-integration-2022"),
    ("2023", "eu", "reset", "eu-free-movement"),
])
def test_the_regime_in_force_depends_on_date_category_and_phase(when, motive, phase, regime):
    from pathways.analysis.pathway import regime_of

    assert regime_of(when, motive, shipped(), phase) == regime
