"""REFI-QDA export (issue 32): `codebook --format qdc` and `export --format qdpx`, each validated against
the official schema, and the round trip: export, then import into a fresh database, gives the same
loops and, for every event, the same case, type, date, coder and quote."""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path

from hypothesis import assume, given, settings

from pathways.refi import reader

from .conftest import Cli, write_jsonl
from .refi_story import jsonl_records, loops, quote_of, schema, story, summary  # noqa: F401 (fixtures)
from .strategies import logs


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


def test_pathways_own_export_imported_into_its_log_is_known_and_synced(tmp_path):
    cli = Cli(tmp_path / "t.db")
    cli.ok("import", str(write_jsonl(tmp_path / "story.jsonl", jsonl_records())))
    out = tmp_path / "coded.qdpx"
    cli.ok("export", "--format", "qdpx", "--out", str(out))
    done = cli.json("import", str(out))
    assert (done["appended"], done["skipped"]) == (0, 15)  # the tool's project holds the log's own events
    with zipfile.ZipFile(out) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    ET = __import__("xml.etree.ElementTree", fromlist=["ElementTree"])
    ET.register_namespace("", "urn:QDA-XML:project:1.0")
    root = ET.fromstring(members["project.qde"])
    sources = root.find("{urn:QDA-XML:project:1.0}Sources")
    last = sources[-1]
    last.remove(last.findall("{urn:QDA-XML:project:1.0}PlainTextSelection")[-1])  # the expectation, uncoded
    members["project.qde"] = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    done = cli.json("import", str(out), "--sync")
    assert (done["appended"], done["retracted"]) == (1, 1)
    retraction = cli.log()[-1]
    expectation = [e for e in cli.log() if e["type"] == "ExpectationFormed"][0]
    assert retraction["data"]["ref"] == expectation["event_id"]


def test_events_without_a_coder_come_back_without_one(tmp_path, schema):
    records = [dict(record, recorded_by=None) if record["case"] == "ma-2009" else record for record in jsonl_records()]
    first, second = Cli(tmp_path / "a.db"), Cli(tmp_path / "b.db")
    first.ok("import", str(write_jsonl(tmp_path / "story.jsonl", records)))
    out = tmp_path / "out.qdpx"
    first.ok("export", "--format", "qdpx", "--out", str(out))
    with zipfile.ZipFile(out) as archive:
        schema.validate(archive.read("project.qde").decode("utf-8"))
    second.ok("import", str(out))
    assert summary(second) == summary(first)
    assert {row[3] for row in summary(second) if row[0] == "ma-2009"} == {None}
    assert loops(second) == loops(first)


def test_export_qdpx_needs_out(tmp_path, story):
    path, _, _ = story
    cli = Cli(tmp_path / "t.db")
    cli.ok("import", str(path))
    result = cli.run("export", "--format", "qdpx")
    assert result.exit_code == 2 and "--out" in result.stderr


# -- the law: export, then import into a fresh database, keeps the loops and every event -------------


REF_FREE = ("case", "variables", "signs", "polarity", "valence", "change", "reset_rooted", "anticipated",
            "ambiguous", "archetypes", "confidence")


def _shape(cli: Cli) -> tuple[list, list]:
    """The live events (case, type, date, coder, quote) and the loops without their refs (versions move
    when retracted events are left out)."""
    log = cli.log()
    retracted = {e["data"]["ref"] for e in log if e["type"] == "EventRetracted"}
    events = []
    for e in log:
        if e["type"] in ("EventRetracted", "LoopCoded") or f"{e['case']}#{e['version']}" in retracted:
            continue
        date = e["occurred"] or (e["data"].get("from") if e["type"] == "ContactAbsent" else None)
        events.append((e["case"], e["type"], date, e["recorded_by"], quote_of(e)))
    found = sorted(tuple(json.dumps(loop[key], sort_keys=True) for key in REF_FREE) for loop in cli.json("loops"))
    return sorted(events, key=repr), found


@settings(max_examples=25, deadline=None)
@given(logs(max_cases=3, max_steps=12))
def test_export_then_import_keeps_loops_and_events(records):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        first, second = Cli(folder / "a.db"), Cli(folder / "b.db")
        first.ok("import", str(write_jsonl(folder / "log.jsonl", records)))
        assume(any(row[1] != "CaseOpened" for row in _shape(first)[0]))  # a project with nothing coded is refused
        first.ok("export", "--format", "qdpx", "--out", str(folder / "p.qdpx"))
        second.ok("import", str(folder / "p.qdpx"))
        assert _shape(second) == _shape(first)


def test_a_new_export_is_for_its_owner_only(tmp_path, story):
    path, _, _ = story
    cli = Cli(tmp_path / "t.db")
    cli.ok("import", str(path))
    cli.ok("export", "--format", "qdpx", "--out", str(tmp_path / "out.qdpx"))
    assert (tmp_path / "out.qdpx").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []
