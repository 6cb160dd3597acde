"""REFI-QDA exchange (issue 32): `pathways import FILE.qdpx`, `--map`, `--sync`, `qda inspect`,
`codebook --format qdc` and `export --format qdpx`, on projects shaped like the tools' exports."""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.exchange.refi import reader
from pathways.exchange.refi.convention import convert

from .conftest import Cli, write_jsonl
from .refi_builder import Qdpx
from .refi_story import STORY, build_qdpx, jsonl_records

SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "refi-qda" / "Project-mrt2019.xsd"


@pytest.fixture(scope="module")
def schema():
    if not SCHEMA.is_file():
        message = f"REFI-QDA SCHEMA MISSING: {SCHEMA} is absent, exports are NOT validated against the official schema"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: a missing schema fails the run)", pytrace=False)
        pytest.skip(message)
    import xmlschema

    return xmlschema.XMLSchema(str(SCHEMA))


def quote_of(event: dict) -> str | None:
    data = event["data"]
    return data.get("quote") or data.get("statement") or event["meta"].get("quote")


def summary(cli: Cli) -> list[tuple]:
    return [(e["case"], e["type"], e["occurred"], e["recorded_by"], quote_of(e)) for e in cli.log()]


def loops(cli: Cli) -> list[dict]:
    return sorted(cli.json("loops"), key=lambda loop: (loop["case"], loop["id"]))


@pytest.fixture
def story(tmp_path):
    path, project, guids = build_qdpx(tmp_path / "story.qdpx")
    return path, project, guids


# -- the must-show project -----------------------------------------------------------------------

def test_the_project_imports_to_the_loops_of_the_equivalent_json_lines(tmp_path, story):
    path, project, guids = story
    qda, jsonl = Cli(tmp_path / "qda.db"), Cli(tmp_path / "jsonl.db")
    qda.ok("import", str(path))
    jsonl.ok("import", str(write_jsonl(tmp_path / "story.jsonl", jsonl_records())))
    assert len(loops(qda)) >= 4
    assert loops(qda) == loops(jsonl)
    assert [row[1:] for row in summary(qda)] == [row[1:] for row in summary(jsonl)]


def test_quotes_coders_and_positions_come_from_the_selections(tmp_path, story):
    path, project, guids = story
    cli = Cli(tmp_path / "t.db")
    cli.ok("import", str(path))
    events = [e for e in cli.log() if e["type"] != "CaseOpened"]
    by_selection = {e["meta"]["refi"]["selection"]: e for e in events}
    texts = {guid: source["text"] for guid, source in project.sources.items()}
    assert len(events) == 15
    for guid, (case, _, _, date, quote, _, coder) in zip(guids, STORY):
        event = by_selection[guid]
        refi = event["meta"]["refi"]
        assert quote_of(event) == quote == texts[refi["source"]][refi["start"]:refi["end"]]
        assert (event["case"], event["occurred"], event["recorded_by"]) == (case, date, coder)
    crlf = by_selection[guids[0]]["meta"]["refi"]
    assert crlf["end"] - crlf["start"] == len("The counsellor said:\r\nlearn the language first.")  # CRLF counts 2
    emoji = by_selection[guids[-1]]["meta"]["refi"]
    assert emoji["end"] - emoji["start"] == len(STORY[-1][4])  # the non-BMP character counts one
    # the selection was made by anna, the event code's Coding by bram: the coder is bram
    assert by_selection[guids[2]]["recorded_by"] == "bram"


def test_a_second_import_appends_nothing(tmp_path, story):
    path, _, _ = story
    cli = Cli(tmp_path / "t.db")
    cli.ok("import", str(path))
    before = cli.log()
    assert cli.json("import", str(path))["appended"] == 0
    assert cli.log() == before


def test_a_dry_run_writes_nothing(tmp_path, story):
    path, _, _ = story
    cli = Cli(tmp_path / "t.db")
    assert "would import 17 events" in cli.ok("import", str(path), "--dry-run")
    assert cli.log() == []


# -- export ----------------------------------------------------------------------------------------

def test_the_export_validates_and_imports_back_to_the_same_loops_and_events(tmp_path, story, schema):
    path, _, _ = story
    first, second = Cli(tmp_path / "a.db"), Cli(tmp_path / "b.db")
    first.ok("import", str(path))
    out = tmp_path / "out.qdpx"
    first.ok("export", "--format", "qdpx", "--out", str(out))
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        qde = archive.read("project.qde")
        sources = [archive.read(name) for name in names if name.startswith("sources/")]
    assert names[0] == "project.qde" and all(n == "project.qde" or n.startswith("sources/") for n in names)
    assert qde.startswith(b"<?xml") and not any(text.startswith(b"\xef\xbb\xbf") for text in sources)
    schema.validate(qde.decode("utf-8"))
    for tag in (b"<Link ", b"<Set ", b"<Graph ", b'direction="OneWay"'):
        assert tag in qde
    second.ok("import", str(out))
    assert loops(second) == loops(first)
    assert summary(second) == summary(first)


def test_the_pseudonymised_export_validates_and_keeps_the_loop_classes(tmp_path, story, schema):
    path, _, _ = story
    first, second = Cli(tmp_path / "a.db"), Cli(tmp_path / "b.db")
    first.ok("import", str(path))
    out = tmp_path / "shared.qdpx"
    first.ok("export", "--format", "qdpx", "--pseudonymise", "--out", str(out))
    with zipfile.ZipFile(out) as archive:
        qde = archive.read("project.qde").decode("utf-8")
        texts = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("sources/"))
    schema.validate(qde)
    assert "ir-1995" not in qde and "anna" not in qde and "counsellor said" not in qde and texts == b""
    second.ok("import", str(out))
    classes = lambda cli: sorted((l["variables"], l["polarity"], l["valence"], l["change"]) for l in loops(cli))
    assert classes(second) == classes(first)


def test_one_case_exports_alone(tmp_path, story, schema):
    path, _, _ = story
    cli = Cli(tmp_path / "a.db")
    cli.ok("import", str(path))
    out = tmp_path / "one.qdpx"
    cli.ok("export", "--format", "qdpx", "--case", "ma-2009", "--out", str(out))
    with zipfile.ZipFile(out) as archive:
        qde = archive.read("project.qde").decode("utf-8")
    schema.validate(qde)
    assert 'name="ma-2009"' in qde and 'name="ir-1995"' not in qde


def test_the_codebook_validates_and_holds_the_catalogue(tmp_path, schema):
    cli = Cli(tmp_path / "t.db")
    out = tmp_path / "pathways.qdc"
    assert "wrote the pathways codebook" in cli.ok("codebook", "--format", "qdc", "--out", str(out))
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<?xml") and 'xmlns="urn:QDA-XML:codebook:1.0"' in text
    # The project schema's CodeType is the codebook's: its codes, set in a project, validate.
    codes = text.split("<Codes>", 1)[1].rsplit("</Codes>", 1)[0]
    schema.validate(f'<Project xmlns="urn:QDA-XML:project:1.0" name="x"><CodeBook><Codes>{codes}</Codes>'
                    "</CodeBook></Project>")
    project = reader.read(out)
    paths = {code.text for code in project.codes}
    assert {"pathways/contact", "pathways/actor/ind", "pathways/effect/trust/down",
            "pathways/condition/motivation/high", "pathways/kind/permit-decision"} <= paths
    groups = {code.text for code in project.codes if not code.codable}
    assert {"pathways", "pathways/effect", "pathways/effect/trust", "pathways/actor"} <= groups
