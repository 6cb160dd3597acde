"""The bundled study cases: they import cleanly and their computed loops agree with the authors' readings."""

import json
import pytest

from events.store import EventStore
from pathways import demo
from pathways.analysis.case import analyse_case

CASES = [path.stem.split("-", 1)[1] for path in demo.case_files()]
# The study's reading of each case (DOMAIN.md, section 5): (polarity, valence, change or None if unstated).
READINGS = {
    "ir-1995": [("dampening", "unfavourable", "no-change")],
    "ma-1977": [("reinforcing", "unfavourable", "no-change")],
    "ma-2009": [("reinforcing", "favourable", "change"), ("dampening", "unfavourable", None)],
    "bd-restaurant": [("reinforcing", "unfavourable", "change")] * 2,
    "al-business": [("dampening", "unfavourable", "no-change")],
    "tr-guestworker": [("reinforcing", "unfavourable", "no-change")],
    "ma-1990s-divorce": [("reinforcing", "unfavourable", "change")],
    "gh-2010": [("reinforcing", "unfavourable", None), ("reinforcing", "favourable", None)],
    "oudkomer-exempt": [("dampening", "favourable", "no-change")],
    "voluntary-course-group": [("reinforcing", "unfavourable", None)],
}


@pytest.fixture(scope="module")
def analyses(tmp_path_factory):
    with EventStore(tmp_path_factory.mktemp("demo") / "demo.db") as store:
        store.append(demo.events())
        catalogue = store.catalogue()
        return {case: analyse_case(case, list(store.read(streams=[f"case:{case}"])), catalogue) for case in CASES}


def test_every_case_of_the_study_is_bundled():
    assert sorted(CASES) == sorted(READINGS)


def test_no_personal_names_and_short_attributed_quotes():
    for path in demo.case_files():
        for line in path.read_text().splitlines():
            record = json.loads(line)
            quote = record["data"].get("quote") or record["meta"].get("quote")
            if quote:
                assert len(quote.split()) <= 12
                assert record["data"].get("source") or record["meta"].get("source")


@pytest.mark.parametrize("case", sorted(READINGS))
def test_the_coded_readings_match_the_study(analyses, case):
    readings = analyses[case].readings
    assert [(r.polarity, r.valence, r.change) for r in readings] == READINGS[case]


@pytest.mark.parametrize("case", sorted(READINGS))
def test_computed_loops_agree_with_the_authors_reading(analyses, case):
    readings = analyses[case].readings
    assert readings
    for reading in readings:
        assert reading.status == "agrees", (reading.variables, reading.agreement)
        loop = next(loop for loop in analyses[case].loops if loop.id == reading.matched)
        assert loop.polarity == reading.polarity and loop.valence == reading.valence
        if reading.change:
            assert loop.change == reading.change


def test_the_coach_loop_draws_on_a_mini_theory(analyses):
    coach = next(loop for loop in analyses["ma-2009"].loops if loop.variables == ("effort", "encouragement"))
    assert coach.anticipated and coach.archetypes == ("virtuous-encouragement",)


def test_demo_command_writes_every_diagram(cli, tmp_path):
    out = tmp_path / "demo-out"
    result = cli.runner.invoke(__import__("cli").app, ["demo", "--out", str(out), "--db", str(cli.db)],
                               env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "13 of 13 researcher readings agree, 6 computed loops unread" in result.stdout
    assert "dampening-unfavourable loop" in result.stdout
    names = sorted(path.name for path in out.iterdir() if path.name != ".pathways-manifest.json")
    assert len(names) == 2 * len(CASES) + 1 and "case-map.svg" in names
    assert json.loads((out / ".pathways-manifest.json").read_text())["files"]["render"] == names  # what demo wrote
    again = cli.runner.invoke(__import__("cli").app, ["demo", "--out", str(out), "--db", str(cli.db)])
    assert again.exit_code == 0  # re-running on the same database is a no-op import
    assert len(cli.log()) == sum(len(path.read_text().splitlines())
                                 for path in [*demo.case_files(), *demo.street_level_files()])
