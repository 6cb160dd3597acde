"""The terminal at 80 columns: words kept whole, counts said right, headings that say what they show."""

import re

import pytest

from cli import app
from pathways import demo

from .conftest import write_jsonl


@pytest.fixture
def demo_db(cli, tmp_path):
    import json

    records = [json.loads(line) for path in demo.case_files() for line in path.read_text().splitlines() if line.strip()]
    cli.ok("import", str(write_jsonl(tmp_path / "demo.jsonl", records)))
    return cli


def at(cli, columns, *args):
    result = cli.runner.invoke(app, [*args, "--db", str(cli.db)], catch_exceptions=False, env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.stdout


def words_of(text):
    return set(re.findall(r"[\w][\w#.-]*", text))


@pytest.mark.parametrize("columns", [80, 100])
def test_loops_at_80_columns_keep_every_word_whole(demo_db, columns):
    out = at(demo_db, columns, "loops")
    assert max(len(line) for line in out.splitlines()) <= columns
    loops = demo_db.json("loops")
    loops = loops if isinstance(loops, list) else loops["loops"]
    found = words_of(out)
    for loop in loops:
        for word in (loop["valence"], loop["polarity"], loop["case"], *loop["variables"]):
            assert word in found, word
    for fragment in ("unfavour", "favour", "dampen", "reinforc"):
        assert fragment not in found  # a word broken across lines leaves its head behind


def test_show_at_80_columns_wraps_no_word(demo_db):
    out = at(demo_db, 80, "show", "ma-2009")
    assert max(len(line) for line in out.splitlines()) <= 80
    found = words_of(out)
    for word in ("encouragement", "municipality", "favourable", "unfavourable", "licence-recognition"):
        assert word in found, word
    shortest = [w for w in found if w.isalpha() and len(w) <= 5]
    assert "encou" not in shortest and "munic" not in shortest


def test_counts_are_said_in_the_singular_for_one(cli, tmp_path):
    from .figures import FIGURES

    said = cli.ok("import", str(write_jsonl(tmp_path / "one.jsonl", FIGURES["fig1"][:1])))
    assert "imported 1 event from" in said
    assert "ok: 1 event, hash chain intact" in cli.ok("verify")
    assert "loops (1)" not in at(cli, 80, "loops")  # no loop yet: the table says 0
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig1"][1:])))
    assert "(1 loop)" not in at(cli, 200, "summary") and "1 loop in 1 case" in at(cli, 200, "summary")


def test_log_of_a_case_names_the_positions_it_shows(demo_db):
    out = at(demo_db, 120, "log", "ma-2009", "--limit", "3")
    heading = out.splitlines()[0].strip()
    match = re.fullmatch(r"events 1 to 3 of case ma-2009: log positions (\d+) to (\d+)", heading)
    assert match and int(match[2]) - int(match[1]) == 2
    rows = re.findall(r"^│ (\d+)\s+│ ma-2009#", out, re.M)
    assert rows == [match[1], str(int(match[1]) + 1), match[2]]


def _help(cli, *command):
    result = cli.runner.invoke(app, [*command, "--help"], env={"COLUMNS": "300"})
    assert result.exit_code == 0
    return " ".join(result.stdout.split())


def test_help_says_the_defaults_and_formats(cli):
    for what in ("link", "loop"):
        assert "researcher (default)" in _help(cli, "add", what)
    assert "migrant (default)" in _help(cli, "add", "contact")
    assert "ISO 8601" in _help(cli, "loops")
    assert "pathways catalogue list conditions" in _help(cli, "add", "contact")
    for command in (("add", "contact"), ("add", "state"), ("add", "link"), ("add", "loop"), ("retract",)):
        text = _help(cli, *command)
        assert re.search(r"case <str> The case \(its id", text), command


def test_verify_says_the_head_was_found_and_counts_right(cli, tmp_path):
    from .figures import FIGURES

    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", FIGURES["fig1"])))
    head = cli.ok("head").split()[0] if ":" in cli.ok("head").split()[0] else cli.json("head")
    head = head if isinstance(head, str) else f"{head['position']}:{head['hash']}"
    said = cli.ok("verify", "--head", head)
    assert f"the recorded head {head.split(':')[0]} was found, its hash unchanged" in said
    wrong = f"{head.split(':')[0]}:{'0' * 64}"
    result = cli.run("verify", "--head", wrong)
    assert result.exit_code == 1
    assert "the hash chain itself verifies over 6 events" in result.stderr
