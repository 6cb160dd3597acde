"""Readings judged both ways: a `--none` reading (no loop in the case), computed loops that no reading
covers (`unread`), and the coder and note of every reading."""

import json

import pytest


def _case_with_loop(cli, case: str) -> None:
    cli.ok("case", "open", case, "--origin", "IR", "--motive", "asylum", "--arrival", "1995")
    cli.ok("add", "contact", case, "--actor", "coa", "--kind", "counselling", "--effect", "effort:up",
           "--occurred", "1995")
    cli.ok("add", "link", case, "--from", "effort", "--to", "opposition", "--sign", "+")
    cli.ok("add", "link", case, "--from", "opposition", "--to", "effort", "--sign", "-")


def test_readings_both_ways_agree_and_count_the_unread(cli, tmp_path):
    _case_with_loop(cli, "read-1")
    cli.ok("add", "loop", "read-1", "--variables", "effort,opposition", "--polarity", "dampening",
           "--note", "the counsellor pushes back", "--by", "coder-a")
    cli.ok("case", "open", "none-1", "--origin", "MA", "--motive", "family", "--arrival", "1977")
    cli.ok("add", "contact", "none-1", "--actor", "municipality", "--kind", "registration", "--occurred", "1977")
    cli.ok("add", "loop", "none-1", "--none", "--note", "a single registration, no feedback", "--by", "coder-b")
    _case_with_loop(cli, "unread-1")

    summary = cli.json("summary")
    assert summary["agreement"] == {"readings": 2, "agrees": 2, "disagrees": 0, "not-found": 0, "unread": 1}
    [loop] = cli.json("loops", "unread-1")
    assert summary["unread"] == [{"case": "unread-1", "loop": loop["id"]}]
    by_ref = {r["ref"]: r for r in summary["readings"]}
    assert by_ref["none-1#3"]["none"] is True and by_ref["none-1#3"]["status"] == "agrees"
    assert by_ref["none-1#3"]["recorded_by"] == "coder-b"
    assert by_ref["read-1#5"]["note"] == "the counsellor pushes back"

    [reading] = cli.json("show", "read-1")["readings"]
    assert reading["recorded_by"] == "coder-a" and reading["note"] == "the counsellor pushes back"
    assert reading["status"] == "agrees"
    table = cli.ok("show", "none-1")
    assert "coder-b" in table and "no loop" in table and "a single registration" in table
    text = cli.ok("summary")
    assert "2 of 2 readings agree" in text and "1 computed loops unread" in text and "unread-1" in text

    out = tmp_path / "site"
    cli.ok("report", "--out", str(out))
    pages = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.html"))
    assert "1 computed loops are unread" in pages and loop["id"] in pages
    assert "coder-b" in pages and "a single registration, no feedback" in pages


def test_a_none_reading_disagrees_where_a_loop_is_computed(cli):
    _case_with_loop(cli, "loop-1")
    cli.ok("add", "loop", "loop-1", "--none")
    [reading] = cli.json("show", "loop-1")["readings"]
    assert reading["status"] == "disagrees" and reading["agreement"] == {"none": False}
    assert cli.json("summary")["agreement"]["unread"] == 1


@pytest.mark.parametrize("args, flag", [
    (("--none", "--variables", "effort,opposition"), "--variables"),
    (("--none", "--polarity", "dampening"), "--polarity"),
    (("--polarity", "dampening"), "--variables"),
])
def test_a_reading_is_a_loop_or_none(cli, args, flag):
    _case_with_loop(cli, "loop-1")
    before = len(cli.log())
    result = cli.run("add", "loop", "loop-1", *args)
    assert result.exit_code == 2 and flag in result.output
    assert len(cli.log()) == before


def test_an_imported_none_reading_with_variables_is_refused(cli, tmp_path):
    _case_with_loop(cli, "loop-1")
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"case": "loop-1", "type": "LoopCoded",
                                "data": {"none": True, "variables": ["effort"], "polarity": "dampening"}}) + "\n")
    result = cli.run("import", str(path))
    assert result.exit_code == 2 and "bad.jsonl" in result.output


def test_a_reading_note_is_sealed_in_the_read_model(cli):
    cli.ok("init")
    cli.ok("case", "open", "none-1", "--origin", "MA", "--motive", "family", "--arrival", "1977")
    cli.ok("add", "loop", "none-1", "--none", "--note", "Quillonmarsh never came back", "--by", "coder-b")
    [reading] = cli.json("show", "none-1")["readings"]  # the command that shows it opens it
    assert reading["note"] == "Quillonmarsh never came back" and reading["recorded_by"] == "coder-b"
    cli.ok("summary")
    files = [p for p in cli.db.parent.iterdir() if p.name.startswith(cli.db.name) and not p.name.endswith(".keys")]
    assert files and not any(b"Quillonmarsh" in path.read_bytes() for path in files)
