"""REFI-QDA import (issue 32): `pathways import FILE.qdpx`, `--map`, `--sync` and `qda inspect`, on
projects shaped like the tools' exports. The exports and the round trip: test_refi_export.py."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.refi import reader
from pathways.refi.convention import convert

from .conftest import Cli, write_jsonl
from .refi_builder import Qdpx
from .refi_story import STORY, jsonl_records, loops, quote_of, story, summary  # noqa: F401 (story is a fixture)

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


# -- refusals: one line naming the selection or case, exit 2, nothing written ---------------------

def _small(tmp_path: Path, **changes) -> Path:
    """A one-case project with two coded selections and a link, bent by `changes`."""
    project = Qdpx()
    user = project.user("anna")
    source = project.source("interview", ["The IND refused my permit.", "I stopped trying."])
    first_codes = changes.get("first_codes", ["pathways/contact", "pathways/actor/ind", "pathways/kind/permit-decision",
                                              "pathways/effect/effort/down", "pathways/occurred/1996"])
    first = project.select(source, "The IND refused my permit.", first_codes, user=user,
                           name=changes.get("name"), at=changes.get("at"))
    second_codes = changes.get("second_codes", ["pathways/state", "pathways/variable/effort",
                                                "pathways/direction/down", "pathways/occurred/1997"])
    second = project.select(source, "I stopped trying.", second_codes, user=user)
    project.link(first, second)
    project.case("ir-1995", changes.get("variables", {"origin": "IR", "motive": "asylum"}), sources=[source])
    project.write(tmp_path / "small.qdpx")
    return tmp_path / "small.qdpx"


def refused(cli: Cli, path: Path, *args: str) -> str:
    result = cli.run("import", str(path), *args)
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1
    assert cli.log() == []
    return result.stderr


@pytest.mark.parametrize("changes, said", [
    ({"name": "The counsellor helped me"}, "its text does not match its source"),
    ({"at": (20, 400)}, "positions 20-400 do not lie in its source"),
    ({"first_codes": ["pathways/contact", "pathways/state", "pathways/actor/ind", "pathways/kind/exam"]},
     "contradicting codes: contact and state"),
    ({"first_codes": ["pathways/contact", "pathways/actor/ind", "pathways/actor/coa", "pathways/kind/exam"]},
     "contradicting codes: actor/ind and actor/coa"),
    ({"first_codes": ["Feelings/Distrust"]}, "which is not an event"),
    ({"second_codes": ["pathways/variable/effort"]}, "but no event code"),
    ({"first_codes": ["pathways/contact", "pathways/actor/ind", "pathways/kind/exam", "pathways/until/1999"]},
     "'until/1999' does not apply to a contact"),
    ({"first_codes": ["pathways/absence", "pathways/actor/ind", "pathways/effect/effort/down"]},
     "an absence needs a code in occurred (its start)"),
    ({"second_codes": ["pathways/expectation", "pathways/from/effort"]}, "needs a code in to, sign (its one link)"),
])
def test_bad_selections_are_refused_naming_them(tmp_path, changes, said):
    path = _small(tmp_path, **changes)
    message = refused(Cli(tmp_path / "t.db"), path)
    assert said in message and ("selection " in message or "link " in message)


def test_a_case_without_origin_is_refused_naming_it(tmp_path):
    path = _small(tmp_path, variables={"motive": "asylum"})
    message = refused(Cli(tmp_path / "t.db"), path)
    assert "case " in message and "'ir-1995'" in message and "no origin" in message


def test_a_refusal_of_the_store_names_the_selection(tmp_path):
    path = _small(tmp_path, first_codes=["pathways/contact", "pathways/actor/nobody", "pathways/kind/exam",
                                         "pathways/effect/effort/down"])
    message = refused(Cli(tmp_path / "t.db"), path)
    assert "small.qdpx: selection " in message and "'The IND refused my permit.', field 'data.actor'" in message
    assert "nobody" in message


def test_the_codebook_only_exports_of_atlas_ti_and_nvivo_are_refused(tmp_path):
    atlas = Qdpx("ATLAS.ti 23.2.1", sources_folder="Sources")
    atlas.user("Researcher")
    for code in ("Contacts/IND", "Contacts/COA", "Feelings/Distrust"):
        atlas.code(code)
    atlas_file = atlas.write(tmp_path / "atlas-codebook.qdpx")
    nvivo = Qdpx("NVivo 14", braced=True)
    for code in ("Nodes/Authorities", "Nodes/Emotions/Anger"):
        nvivo.code(code)
    ET = __import__("xml.etree.ElementTree", fromlist=["ElementTree"])
    book = nvivo.xml()
    codebook = ET.Element("{urn:QDA-XML:codebook:1.0}CodeBook", origin="NVivo 14")
    codes = book.find("{urn:QDA-XML:project:1.0}CodeBook/{urn:QDA-XML:project:1.0}Codes")
    codebook.append(codes)
    nvivo_file = tmp_path / "nvivo.qdc"
    nvivo_file.write_bytes(ET.tostring(codebook, encoding="utf-8", xml_declaration=True))
    cli = Cli(tmp_path / "t.db")
    for path, tool in ((atlas_file, "ATLAS.ti 23.2.1"), (nvivo_file, "NVivo 14")):
        message = refused(cli, path)
        assert f"no pathways codes: the project ({tool}) is a codebook only" in message and "--map" in message


def _own_codebook(tmp_path: Path) -> Qdpx:
    project = Qdpx("ATLAS.ti 23.2.1", sources_folder="Sources")
    user = project.user("anna")
    source = project.source("interview", ["The IND refused my permit.", "I did not trust them any more."])
    first = project.select(source, "The IND refused my permit.", ["Events/Contact", "Contacts/IND",
                                                                  "Events/Decision", "Feelings/Distrust"], user=user)
    second = project.select(source, "I did not trust them any more.", ["Events/State", "Feelings/Trust",
                                                                       "Moves/Down"], user=user)
    project.link(first, second)
    project.case("ir-1995", {"Country": "IR", "Reason": "asylum"}, sources=[source])
    project.write(tmp_path / "own.qdpx")
    return project


MAP = """[codes]
"Events/Contact" = "contact"
"Events/State" = "state"
"Contacts/IND" = "actor/ind"
"Events/Decision" = "kind/permit-decision"
"Feelings/Distrust" = "effect/trust/down"
"Feelings/Trust" = "variable/trust"
"Moves/Down" = "direction/down"

[variables]
"Country" = "origin"
"Reason" = "motive"
"""


def test_a_project_with_its_own_codebook_is_refused_with_its_codes_and_mapped_with_map(tmp_path):
    _own_codebook(tmp_path)
    cli = Cli(tmp_path / "t.db")
    message = refused(cli, tmp_path / "own.qdpx")
    assert "coded with its own codebook" in message and "Events/Contact (1)" in message and "--map" in message
    (tmp_path / "map.toml").write_text(MAP, encoding="utf-8")
    cli.ok("import", str(tmp_path / "own.qdpx"), "--map", str(tmp_path / "map.toml"))
    contact, state = [e for e in cli.log() if e["type"] != "CaseOpened"]
    assert contact["data"]["actor"] == "ind" and contact["data"]["effects"] == [{"variable": "trust", "direction": "down"}]
    assert state["data"]["variable"] == "trust" and state["data"]["because"] == [contact["event_id"]]


@pytest.mark.parametrize("line, target", [(4, '"Contacts/IND" = "actor/nobody"'),
                                          (6, '"Feelings/Distrust" = "effect/trust/sideways"'),
                                          (7, '"Feelings/Trust" = "mood/trust"'),
                                          (12, '"Reason" = "purpose"')])
def test_an_unknown_map_target_is_refused_naming_its_line(tmp_path, line, target):
    _own_codebook(tmp_path)
    lines = MAP.splitlines()
    lines[line - 1] = target
    (tmp_path / "map.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = refused(Cli(tmp_path / "t.db"), tmp_path / "own.qdpx", "--map", str(tmp_path / "map.toml"))
    assert f"map.toml, line {line}:" in message


# -- how tools store sources ------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["Sources", "relative", "absolute", "content", "braced", "bom-crlf"])
def test_sources_as_the_tools_store_them(tmp_path, kind):
    media = tmp_path / "media"
    media.mkdir()
    project = Qdpx("NVivo 14" if kind == "braced" else "ATLAS.ti 23", braced=kind == "braced",
                   sources_folder="Sources" if kind == "Sources" else "sources",
                   base_path=str(media) if kind in ("relative", "absolute") else None)
    user = project.user("anna")
    mode = kind if kind in ("relative", "absolute", "content") else "internal"
    source = project.source("interview", ["Première visite\u00e9.", "The IND refused my permit \U0001F622."],
                            mode=mode, newline="\r\n" if kind == "bom-crlf" else "\n", bom=kind == "bom-crlf")
    project.select(source, "The IND refused my permit \U0001F622.", ["pathways/contact", "pathways/actor/ind",
                                                                     "pathways/kind/permit-decision"], user=user)
    project.case("ir-1995", {"origin": "IR", "motive": "asylum"}, sources=[source])
    cli = Cli(tmp_path / "t.db")
    cli.ok("import", str(project.write(tmp_path / "p.qdpx")))
    contact = cli.log()[-1]
    assert contact["data"]["quote"] == "The IND refused my permit \U0001F622."
    assert contact["meta"]["refi"]["start"] == len("Première visite\u00e9.") + (2 if kind == "bom-crlf" else 1)


# -- --sync and changed selections ------------------------------------------------------------------

def test_sync_retracts_a_selection_gone_from_the_project(tmp_path):
    project = Qdpx()
    user = project.user("anna")
    source = project.source("interview", ["The IND refused my permit.", "I stopped trying."])
    project.select(source, "The IND refused my permit.", ["pathways/contact", "pathways/actor/ind",
                                                          "pathways/kind/permit-decision"], user=user)
    gone = project.select(source, "I stopped trying.", ["pathways/state", "pathways/variable/effort"], user=user)
    project.case("ir-1995", {"origin": "IR", "motive": "asylum"}, sources=[source])
    cli = Cli(tmp_path / "t.db")
    cli.ok("import", str(project.write(tmp_path / "p.qdpx")))
    project.sources[source]["selections"].pop()  # uncoded in the tool and exported again
    project.write(tmp_path / "p.qdpx")
    assert cli.json("import", str(tmp_path / "p.qdpx"))["appended"] == 0
    done = cli.json("import", str(tmp_path / "p.qdpx"), "--sync")
    assert (done["appended"], done["retracted"]) == (1, 1)
    retraction = cli.log()[-1]
    assert retraction["type"] == "EventRetracted" and retraction["data"]["reason"] == f"selection {gone} is gone from p.qdpx"
    assert cli.json("import", str(tmp_path / "p.qdpx"), "--sync")["appended"] == 0  # once only
    assert cli.json("show", "ir-1995")["profile"]["retracted"] == 1


def test_a_changed_selection_is_refused_naming_it_and_amended_with_sync(tmp_path):
    project = Qdpx()
    user = project.user("anna")
    source = project.source("interview", ["The IND refused my permit."])
    guid = project.select(source, "The IND refused my permit.", ["pathways/contact", "pathways/actor/ind",
                                                                 "pathways/kind/permit-decision"], user=user)
    project.case("ir-1995", {"origin": "IR", "motive": "asylum"}, sources=[source])
    cli = Cli(tmp_path / "t.db")
    cli.ok("import", str(project.write(tmp_path / "p.qdpx")))
    project.sources[source]["selections"][0]["codes"].append("pathways/perceived/unfavourable")
    project.write(tmp_path / "p.qdpx")
    result = cli.run("import", str(tmp_path / "p.qdpx"))
    assert result.exit_code == 1 and guid in result.stderr and "changed since it was imported" in result.stderr
    assert len(cli.log()) == 2
    assert cli.json("import", str(tmp_path / "p.qdpx"), "--sync")["appended"] == 1
    correction = cli.log()[-1]
    assert correction["type"] == "EventAmended" and correction["data"]["reason"] == "its codes changed in p.qdpx"
    step = cli.json("show", "ir-1995")["steps"][0]
    assert (step["ref"], step["perceived"], step["actor"]) == ("ir-1995#2", "unfavourable", "ind")
    assert cli.json("import", str(tmp_path / "p.qdpx"), "--sync")["appended"] == 0  # as it stands now


# -- inspect ----------------------------------------------------------------------------------------

def test_inspect_shows_users_cases_sources_codes_and_what_an_import_records(tmp_path, story):
    path, _, _ = story
    cli = Cli(tmp_path / "t.db")
    found = json.loads(cli.runner.invoke(__import__("cli").app, ["qda", "inspect", str(path), "--json"]).stdout)
    assert [user["name"] for user in found["users"]] == ["anna", "bram"]
    assert {case["name"]: case["variables"]["origin"] for case in found["cases"]} == {"ir-1995": "IR", "ma-2009": "MA"}
    assert found["would_record"] == {"CaseOpened": 2, "ContactAbsent": 1, "ContactRecorded": 6,
                                     "ExpectationFormed": 1, "LinkCoded": 1, "StateObserved": 6}
    assert dict((c["path"], c["used"]) for c in found["codes"])["pathways/actor/ind"] == 3
    assert found["refusal"] is None and cli.log() == []
    text = cli.runner.invoke(__import__("cli").app, ["qda", "inspect", str(path)], env={"COLUMNS": "200"}).stdout
    assert "an import would record: 2 CaseOpened" in text and "ir-1995" in text


# -- the law: positions are code points of the text as stored ----------------------------------------

TEXT = st.lists(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from(["\r\n", "\n", "😀"]),
                min_size=1, max_size=30).map("".join).filter(lambda t: t.strip())


@settings(max_examples=30, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=4), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_every_selection_reads_back_its_text(paragraphs, newline, bom):
    with tempfile.TemporaryDirectory() as folder:
        project = Qdpx()
        user = project.user("anna")
        source = project.source("interview", paragraphs, newline=newline, bom=bom)
        text = newline.join(paragraphs)
        at, spans = 0, []
        for paragraph in paragraphs:
            start = text.index(paragraph, at)
            spans.append((start, start + len(paragraph)))
            project.select(source, paragraph, ["pathways/state", "pathways/variable/effort"], user=user, name="",
                           at=(start, start + len(paragraph)))
            at = start + len(paragraph)
        project.case("ir-1995", {"origin": "IR", "motive": "asylum"}, sources=[source])
        conversion = convert(reader.read(project.write(Path(folder) / "p.qdpx")))
    assert not conversion.problems
    states = [r for r in conversion.records if r["type"] == "StateObserved"]
    assert sorted((r["meta"]["refi"]["start"], r["meta"]["refi"]["end"]) for r in states) == sorted(spans)
    assert sorted(r["data"]["quote"] for r in states) == sorted(paragraphs)


def test_links_to_notes_and_cases_without_events_are_not_the_conventions(tmp_path):
    project = Qdpx("NVivo 14", sources_folder="Sources", braced=True)
    user = project.user("anna")
    source = project.source("interview", ["The IND refused my permit."])
    selection = project.select(source, "The IND refused my permit.", ["pathways/contact", "pathways/actor/ind",
                                                                      "pathways/kind/permit-decision"], user=user)
    project.link(project.guid(), selection)  # an NVivo annotation: a Note linked to the passage
    project.case("ir-1995", {"origin": "IR", "motive": "asylum"}, sources=[source])
    project.case("other", {"Gender": "f"})  # a case the tool keeps, with nothing pathways coded
    cli = Cli(tmp_path / "t.db")
    cli.ok("import", str(project.write(tmp_path / "p.qdpx")))
    assert [(e["case"], e["type"]) for e in cli.log()] == [("ir-1995", "CaseOpened"), ("ir-1995", "ContactRecorded")]


def test_map_and_sync_go_with_a_project(tmp_path):
    cli = Cli(tmp_path / "t.db")
    path = write_jsonl(tmp_path / "story.jsonl", jsonl_records())
    for option in (("--map", str(tmp_path / "map.toml")), ("--sync",)):
        result = cli.run("import", str(path), *option)
        assert result.exit_code == 2 and "goes with a REFI-QDA project" in result.stderr
    assert cli.log() == []


def test_inspect_maps_with_the_catalogue_of_the_database(tmp_path):
    _own_codebook(tmp_path)
    cli = Cli(tmp_path / "t.db")
    cli.ok("catalogue", "add", "actor", "legal-aid", "--label", "Legal aid office", "--family", "civil")
    (tmp_path / "map.toml").write_text(MAP.replace('"actor/ind"', '"actor/legal-aid"'), encoding="utf-8")
    found = cli.json("qda", "inspect", str(tmp_path / "own.qdpx"), "--map", str(tmp_path / "map.toml"))
    assert found["refusal"] is None and found["would_record"]["ContactRecorded"] == 1
