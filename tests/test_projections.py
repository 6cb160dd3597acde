"""The projection runner: catch-up equals rebuild, only touched cases are recomputed, time travel is read-only."""

import uuid

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathlib import Path

from events.ingest.readers import read_events, to_new_event
from events.store import EventStore
from pathways.analysis.pathway import Settings
from pathways.projections.runner import STATE_TABLE, TABLES, Projector

from .conftest import write_jsonl
from .figures import FIGURES
from .strategies import logs

CONTRACT = ["case", "id", "variables", "signs", "polarity", "valence", "change", "closing_event",
            "reset_rooted", "anticipated", "ambiguous", "archetypes", "evidence"]


def tables(store: EventStore) -> dict[str, list[tuple]]:
    """Every row of every table; sealed texts opened (each sealing draws a fresh nonce)."""
    def cell(case: object, value: object) -> object:
        if store.sealed and isinstance(value, str) and value.startswith("aesgcm1:"):
            return ("sealed", store.sealer.open_text(case, value))
        return value
    return {name: sorted((tuple(cell(row[0], value) for value in row)
                          for row in store.conn.execute(f"SELECT * FROM {name}").fetchall()), key=repr)
            for name in [*TABLES, STATE_TABLE]}


def with_ids(records):
    return [{**record, "event_id": str(uuid.uuid5(uuid.NAMESPACE_OID, str(index)))}
            for index, record in enumerate(records)]


def fresh_target(backend: str, tmp_path_factory, request) -> str:
    """A new, empty log on the backend: a file, or a database on the throwaway cluster."""
    if backend == "sqlite":
        return str(tmp_path_factory.mktemp("cu") / "log.db")
    from .pgcluster import create_database

    return create_database(request.getfixturevalue("pg_cluster"), "h_" + uuid.uuid4().hex[:12])


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=logs(max_cases=3, max_steps=10), cuts=st.lists(st.integers(0, 40), max_size=3))
def test_catch_up_after_any_split_equals_a_full_rebuild(backend, tmp_path_factory, request, records, cuts):
    records = with_ids(records)
    with EventStore(fresh_target(backend, tmp_path_factory, request)) as incremental:
        projector = Projector(incremental)
        start = 0
        for cut in sorted({min(cut, len(records)) for cut in cuts}) + [len(records)]:
            incremental.append(to_new_event(record) for record in records[start:cut])
            projector.catch_up()
            start = cut
        caught_up = tables(incremental)
    with EventStore(fresh_target(backend, tmp_path_factory, request)) as rebuilt:
        rebuilt.append(to_new_event(record) for record in records)
        Projector(rebuilt).rebuild()
        assert tables(rebuilt) == caught_up


def _figures_db(db):
    store = EventStore(db)
    store.append(to_new_event(record) for case in FIGURES.values() for record in case)
    return store


def test_catch_up_recomputes_only_the_cases_with_new_events(db):
    with _figures_db(db) as store:
        projector = Projector(store)
        assert projector.catch_up().cases == 4
        assert projector.catch_up().cases == 0
        store.append([to_new_event({"type": "StateObserved", "case": "fig2",
                                    "data": {"variable": "trust", "direction": "down"}})])
        result = projector.catch_up()
        assert (result.cases, result.rebuilt) == (1, False)


def test_a_catalogue_event_or_new_settings_rebuild_everything(db):
    with _figures_db(db) as store:
        projector = Projector(store)
        projector.catch_up()
        store.append([to_new_event({"type": "VariableDefined", "stream": "catalogue",
                                    "data": {"key": "homesickness", "desirability": -1}})])
        assert projector.catch_up().rebuilt
        result = Projector(store, Settings(reset_years=5)).catch_up()
        assert result.rebuilt and result.cases == 4


def test_the_checkpoint_moves_with_the_rows(db):
    with _figures_db(db) as store:
        projector = Projector(store)
        projector.catch_up()
        assert projector.checkpoint()[0] == store.last_position()


def test_time_travel_leaves_the_stored_projections_untouched(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig1"])))
    cli.ok("rebuild")
    with EventStore(cli.db) as store:
        before = tables(store)
    assert cli.json("loops", "fig1", "--as-of", "1995-12") == []
    assert [step["ref"] for step in cli.json("show", "fig1", "--as-of", "1995-05")["steps"]] == ["fig1#2"]
    assert len(cli.json("show", "fig1", "--recorded-before", "2199-01-01")["loops"]) == 1
    with EventStore(cli.db) as store:
        assert tables(store) == before


def test_recorded_before_shows_what_was_known_then(cli, tmp_path):
    early = [{**record, "recorded_at": "2024-01-01T00:00:00Z"} for record in FIGURES["fig1"][:3]]
    late = [{**record, "recorded_at": "2025-01-01T00:00:00Z"} for record in FIGURES["fig1"][3:]]
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", early + late)))
    assert cli.json("loops", "fig1", "--recorded-before", "2024-06-01") == []
    assert len(cli.json("loops", "fig1", "--recorded-before", "2025-06-01")) == 1
    result = cli.run("show", "fig1", "--recorded-before", "2023-01-01")
    assert result.exit_code == 2 and "was not recorded before" in result.stderr


def test_loops_json_keeps_the_contract(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", [r for case in FIGURES.values() for r in case])))
    loops = cli.json("loops")
    assert len(loops) == 6
    assert all(list(loop)[:len(CONTRACT)] == CONTRACT for loop in loops)  # DESIGN's names first; additions after
    fig1 = [{name: loop[name] for name in CONTRACT} for loop in cli.json("loops", "fig1")]
    assert fig1 == [{"case": "fig1", "id": "D1", "variables": ["effort", "opposition"], "signs": ["+", "-"],
                     "polarity": "dampening", "valence": "unfavourable", "change": "no-change",
                     "closing_event": "fig1#4", "reset_rooted": True, "anticipated": False, "ambiguous": False,
                     "archetypes": ["obstructed-effort"], "evidence": ["fig1#2", "fig1#3", "fig1#4"]}]


def test_show_json_and_rich_view(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig3"])))
    shown = cli.json("show", "fig3")
    assert shown["profile"]["motive"] == "family"
    assert [step["phase"] for step in shown["steps"]][:1] == ["reset"]
    assert {edge["sign"] for edge in shown["edges"]} == {"+", "-"}
    assert [reading["status"] for reading in shown["readings"]] == ["agrees"]
    text = cli.ok("show", "fig3")
    assert "civic-integration-2007" in text and "virtuous-encouragement" in text


def test_summary_counts_classes_and_agreement(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", [r for case in FIGURES.values() for r in case])))
    result = cli.json("summary")
    assert result["cases"] == 4 and result["loops"] == 6
    assert result["classes"]["reinforcing/unfavourable/change"] == 2
    assert result["cases_with_dampening_unfavourable"] == 1
    assert result["agreement"] == {"readings": 5, "agrees": 5, "disagrees": 0, "not-found": 0, "unread": 1}
    assert {"from": "permit-revocation", "to": "lawsuit", "count": 1} in result["transitions"]
    assert result["by_motive"]["asylum"] == {"dampening/unfavourable/no-change": 1}
    assert "agreement: 5 of 5" in cli.ok("summary")


def test_rebuild_and_unknown_case(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig2"])))
    assert cli.json("rebuild")["cases"] == 1
    result = cli.run("show", "nobody")
    assert result.exit_code == 2 and "no case 'nobody'" in result.stderr
    result = cli.run("loops", "fig2", "--as-of", "2007-13")
    assert result.exit_code == 2 and "--as-of" in result.stderr


def test_tables_of_an_older_layout_are_replaced_and_rebuilt(db):
    with _figures_db(db) as store:
        Projector(store).catch_up()
        store.conn.execute("ALTER TABLE pathway_steps DROP COLUMN until")  # as an older version left it
        result = Projector(store).catch_up()
        assert result.rebuilt and result.cases == 4
        assert [c.name for c in store.db["pathway_steps"].columns] == list(TABLES["pathway_steps"]["columns"])


def test_a_rebuild_on_every_core_writes_the_same_tables_as_one_process(target, tmp_path, monkeypatch):
    """The process pool of a big rebuild (forced here on a small log) against the serial path."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import synth

    source = tmp_path / "synth.jsonl"
    with source.open("w") as out:
        synth.write(60, out)
    with EventStore(target) as store:
        store.append(read_events(source))
        store.append([to_new_event({"type": "CaseForgotten", "case": "s0000003", "data": {"reason": "consent"}})])
        monkeypatch.setenv("PATHWAYS_WORKERS", "1")
        Projector(store).rebuild()
        serial = tables(store)
        monkeypatch.setenv("PATHWAYS_WORKERS", "2")
        monkeypatch.setenv("PATHWAYS_PARALLEL_MIN", "1")
        Projector(store).rebuild()
        assert tables(store) == serial
        assert len(serial["case_profiles"]) == 59  # the erased case is in neither
