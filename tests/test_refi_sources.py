"""Transcripts, if asked (issue 32, item 3): `pathways import PROJECT.qdpx --with-sources` keeps each
source's plain text as sealed `SourceText` events of its case, split under the event limits;
`show --context` and the report show each quote in its paragraph, highlighted; `forget` erases the
text with the case; `export --format qdpx` writes the kept transcript back, positions kept."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app
from events.rules.limits import EVENT_BYTES, TEXT
from pathways.refi import transcripts

from .conftest import Cli, write_jsonl
from .refi_builder import Qdpx
from .refi_story import build_qdpx

ARRIVAL = "Interviewer: when did you come? Respondent: in 1995, in the winter, with my brother."
COUNSEL = ("Then the counsellor said: learn the language first. I did not know what to make <of it> & so I "
           "waited for a letter.")
REFUSAL = "Later the IND refused my permit. That was the worst day of those years."
QUOTES = ("learn the language first", "the IND refused my permit")


def _project(path: Path, paragraphs: list[str] | None = None, *, newline: str = "\r\n\r\n",
             quotes: tuple[str, ...] = QUOTES) -> tuple[Path, Qdpx, str, list[str]]:
    """One case, one CRLF transcript of paragraphs between blank lines, two coded contacts (the second
    caused by the first)."""
    project = Qdpx("MAXQDA 2022")
    anna = project.user("anna")
    source = project.source("interview ir-1", paragraphs or [ARRIVAL, COUNSEL, REFUSAL], newline=newline)
    codes = (["pathways/contact", "pathways/actor/coa", "pathways/kind/counselling", "pathways/effect/effort/up",
              "pathways/occurred/1995"],
             ["pathways/contact", "pathways/actor/ind", "pathways/kind/permit-decision",
              "pathways/effect/opposition/up", "pathways/occurred/1996"])
    guids = [project.select(source, quote, list(coded), user=anna) for quote, coded in zip(quotes, codes)]
    project.link(guids[0], guids[1])
    project.case("ir-1", {"origin": "IR", "motive": "asylum", "arrival": "1995"}, sources=[source])
    return project.write(path), project, source, guids


def _kept(cli: Cli) -> list[dict]:
    return [e for e in cli.log() if e["type"] == "SourceText"]


def _joined(events: list[dict]) -> dict[str, str]:
    found: dict[str, list[dict]] = {}
    for event in events:
        found.setdefault(event["data"]["source"], []).append(event["data"])
    return {source: "".join(d["text"] for d in sorted(parts, key=lambda d: d["part"])) for source, parts in found.items()}


def _database_bytes(db: Path) -> bytes:
    return b"".join(path.read_bytes() for path in db.parent.glob(db.name + "*") if path.is_file())


# -- import ----------------------------------------------------------------------------------------

def test_without_with_sources_only_the_positions_are_kept(tmp_path):
    path, _, _, _ = _project(tmp_path / "p.qdpx")
    cli = Cli(tmp_path / "t.db")
    cli.ok("import", str(path))
    assert _kept(cli) == []
    assert all("refi" in e["meta"] for e in cli.log() if e["type"] == "ContactRecorded")
    shown = cli.ok("show", "ir-1", "--context")
    assert "0 of 2 in a kept transcript" in shown and "--with-sources" in shown
    assert "I did not know what to make" not in shown  # no paragraph without the transcript


def test_with_sources_keeps_each_text_exactly_and_a_second_import_appends_nothing(tmp_path):
    path, project, source, _ = _project(tmp_path / "p.qdpx")
    story, story_project, _ = build_qdpx(tmp_path / "story.qdpx")  # a CRLF source, a BOM, a non-BMP character
    cli = Cli(tmp_path / "t.db")
    done = cli.json("import", str(path), "--with-sources")
    assert done["transcripts"] == 1 and done["appended"] == 4  # the opening, two contacts, one part
    cli.ok("import", str(story), "--with-sources")
    texts = {guid.lower(): s["text"] for guid, s in {**project.sources, **story_project.sources}.items()}
    assert _joined(_kept(cli)) == texts  # CRLFs kept, the byte-order mark not part of the text
    assert {e["case"] for e in _kept(cli)} == {"ir-1", "ir-1995", "ma-2009"}
    plain = Cli(tmp_path / "plain.db")
    plain.ok("import", str(path))
    shown, without = cli.json("show", "ir-1"), plain.json("show", "ir-1")
    assert [step["type"] for step in shown["steps"]] == ["ContactRecorded", "ContactRecorded"]  # a text is no step
    assert shown["profile"] == without["profile"] and shown["loops"] == without["loops"]
    before = cli.log()
    for file in (path, story):
        again = cli.json("import", str(file), "--with-sources")
        assert again["appended"] == 0
    assert cli.log() == before


def test_with_sources_goes_with_a_refi_qda_project(tmp_path):
    cli = Cli(tmp_path / "t.db")
    file = write_jsonl(tmp_path / "cases.jsonl", [{"type": "CaseOpened", "case": "a", "data": {"origin": "IR", "motive": "asylum"}}])
    result = cli.run("import", str(file), "--with-sources")
    assert result.exit_code == 2
    assert "--with-sources goes with a REFI-QDA project" in result.stderr
    assert not cli.db.exists() or cli.log() == []


def test_a_source_larger_than_an_event_splits_and_rejoins(tmp_path):
    filler = "".join(f"Sentence {n} of a long interview about the years in the city \U0001F91E. " for n in range(5000))
    assert len(filler.encode("utf-8")) > EVENT_BYTES
    boundary = TEXT - 10  # a quote across the first two parts
    quote_across = filler[boundary:boundary + 30]
    end_quote = "the very last words"
    text = filler + "\n" + end_quote + "."
    project = Qdpx()
    anna = project.user("anna")
    source = project.source("long interview", [text])
    first = project.select(source, quote_across, ["pathways/contact", "pathways/actor/coa", "pathways/kind/counselling",
                                                  "pathways/effect/effort/up", "pathways/occurred/1995"],
                           user=anna, at=(boundary, boundary + 30), name="")
    project.select(source, end_quote, ["pathways/state", "pathways/variable/effort", "pathways/direction/up",
                                       "pathways/occurred/1996"], user=anna)
    project.case("long-1", {"origin": "IR", "motive": "asylum"}, sources=[source])
    path = project.write(tmp_path / "long.qdpx")
    cli = Cli(tmp_path / "t.db")
    cli.ok("import", str(path), "--with-sources")
    parts = _kept(cli)
    assert len(parts) == -(-len(text) // TEXT) > 1
    assert [p["data"]["part"] for p in parts] == list(range(1, len(parts) + 1))
    assert all(len(json.dumps(p["data"], ensure_ascii=False).encode()) < EVENT_BYTES for p in parts)
    assert _joined(parts) == {source: text}
    shown = {p["quote"]: p for p in cli.json("show", "long-1", "--context")["passages"]}
    assert set(shown) == {quote_across, end_quote}
    assert shown[end_quote]["before"] == "" and shown[end_quote]["after"] == "."  # its own line is its paragraph
    assert shown[quote_across]["before"].startswith("…") and shown[quote_across]["after"].endswith("…")
    assert first  # the selection across the parts was imported by its GUID


# -- show --context and the report ------------------------------------------------------------------

def test_show_context_highlights_each_quote_in_its_paragraph(tmp_path):
    path, _, _, _ = _project(tmp_path / "p.qdpx")
    cli = Cli(tmp_path / "t.db")
    cli.ok("import", str(path), "--with-sources")
    result = CliRunner().invoke(app, ["show", "ir-1", "--context", "--db", str(cli.db)],
                                env={"COLUMNS": "200", "FORCE_COLOR": "1"}, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    highlighted = re.findall(r"\x1b\[1;30;43m(.*?)\x1b\[0m", result.stdout)
    assert highlighted == list(QUOTES)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    assert "2 of 2 in a kept transcript" in plain
    assert "Then the counsellor said: learn the language first. I did not know what to make <of it> & so" in plain
    assert "Later the IND refused my permit. That was the worst day" in plain
    assert "when did you come" not in plain  # another paragraph
    passages = cli.json("show", "ir-1", "--context")["passages"]
    assert [(p["ref"], p["before"], p["quote"]) for p in passages] == [
        ("ir-1#2", "Then the counsellor said: ", QUOTES[0]), ("ir-1#3", "Later ", QUOTES[1])]


def test_the_report_shows_each_quote_marked_in_its_paragraph_escaped(tmp_path):
    path, _, _, _ = _project(tmp_path / "p.qdpx")
    cli = Cli(tmp_path / "t.db")
    cli.ok("import", str(path), "--with-sources")
    cli.ok("report", "--out", str(tmp_path / "report"))
    page = (tmp_path / "report" / "cases" / "ir-1.html").read_text(encoding="utf-8")
    assert ("Then the counsellor said: <mark>learn the language first</mark>. I did not know what to make "
            "&lt;of it&gt; &amp; so I waited for a letter.") in page
    assert "Later <mark>the IND refused my permit</mark>. That was the worst day" in page
    assert "<of it>" not in page and "when did you come" not in page
    cli.ok("report", "--out", str(tmp_path / "shared"), "--pseudonymise")
    shared = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "shared").rglob("*.html"))
    assert "<mark>" not in shared and "I did not know" not in shared


def test_forget_erases_the_kept_transcript(tmp_path):
    path, _, _, _ = _project(tmp_path / "p.qdpx")
    cli = Cli(tmp_path / "t.db")
    cli.ok("import", str(path), "--with-sources")
    phrase = "waited for a letter"  # in the transcript, in no quote
    assert phrase in cli.ok("show", "ir-1", "--context")
    assert phrase.encode() not in _database_bytes(cli.db)  # sealed under the case's key
    cli.ok("forget", "ir-1", "--reason", "withdrew consent")
    assert cli.run("show", "ir-1", "--context").exit_code != 0
    assert phrase not in cli.ok("export", "--format", "jsonl")
    assert phrase not in json.dumps(cli.log())
    assert phrase.encode() not in _database_bytes(cli.db)


def test_a_pseudonymised_export_keeps_no_word_of_a_transcript_and_still_imports(tmp_path):
    path, _, _, _ = _project(tmp_path / "p.qdpx")
    cli = Cli(tmp_path / "t.db")
    cli.ok("import", str(path), "--with-sources")
    shared = cli.ok("export", "--format", "jsonl", "--pseudonymise")
    assert "counsellor said" not in shared and "interview ir-1" not in shared
    other = Cli(tmp_path / "other.db")
    other.ok("import", str(write_jsonl(tmp_path / "shared.jsonl", [json.loads(line) for line in shared.splitlines()])))
    assert len(other.json("loops")) == len(cli.json("loops"))


# -- the round trip --------------------------------------------------------------------------------

def test_export_writes_the_kept_transcript_and_the_round_trip_keeps_positions(tmp_path):
    path, project, source, guids = _project(tmp_path / "p.qdpx")
    story, _, _ = build_qdpx(tmp_path / "story.qdpx")
    cli = Cli(tmp_path / "t.db")
    cli.ok("import", str(path), "--with-sources")
    cli.ok("import", str(story), "--with-sources")
    out = tmp_path / "out.qdpx"
    cli.ok("export", "--format", "qdpx", "--out", str(out))
    with zipfile.ZipFile(out) as archive:
        assert archive.read(f"sources/{source}.txt").decode("utf-8") == project.sources[source]["text"]
    fresh = Cli(tmp_path / "fresh.db")
    fresh.ok("import", str(out), "--with-sources")

    def positions(c: Cli) -> dict:
        return {e["meta"]["refi"]["selection"]: (e["case"], e["type"], e["meta"]["refi"]["source"],
                                                  e["meta"]["refi"]["start"], e["meta"]["refi"]["end"])
                for e in c.log() if e["type"] not in ("CaseOpened", "SourceText")}

    assert positions(fresh) == positions(cli) and len(positions(cli)) == 17
    assert _joined(_kept(fresh)) == _joined(_kept(cli))
    assert fresh.json("show", "ir-1", "--context")["passages"] == cli.json("show", "ir-1", "--context")["passages"]
    assert sorted(map(json.dumps, fresh.json("loops"))) == sorted(map(json.dumps, cli.json("loops")))
    assert cli.json("import", str(out), "--with-sources")["appended"] == 0  # the same log knows it all


def test_export_without_a_kept_transcript_writes_the_quotes_as_before(tmp_path):
    path, _, source, _ = _project(tmp_path / "p.qdpx")
    cli = Cli(tmp_path / "t.db")
    cli.ok("import", str(path))
    out = tmp_path / "out.qdpx"
    cli.ok("export", "--format", "qdpx", "--out", str(out))
    with zipfile.ZipFile(out) as archive:
        texts = [archive.read(name).decode() for name in archive.namelist() if name.startswith("sources/")]
        assert f"sources/{source}.txt" not in archive.namelist()
    assert texts == ["\n".join(QUOTES)]


# -- the laws of the parts and the paragraphs --------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=300), st.integers(1, 40))
def test_parts_join_back_to_the_text(text, size):
    records = transcripts.records("c-1", "g", "n", text, size=size)
    assert all(len(r["data"]["text"]) <= size for r in records)
    assert [r["data"]["part"] for r in records] == list(range(1, len(records) + 1))
    assert all(r["data"]["start"] == sum(len(x["data"]["text"]) for x in records[:i]) for i, r in enumerate(records))
    events = [SimpleNamespace(type=r["type"], data=r["data"], version=i) for i, r in enumerate(reversed(records))]
    assert transcripts.join(events)["g"].text == text  # in whatever order the parts come


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab \n\r", max_size=80), st.data())
def test_a_paragraph_holds_its_quote(text, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    first, last = transcripts.paragraph(text, start, end)
    assert first <= start <= end <= last
    found = transcripts.passage(transcripts.Transcript("g", "n", text), start, end)
    assert (found is None) == (start == end)
    if found is not None:
        assert found.quote == text[start:end]


def test_kept_transcripts_work_the_same_on_each_backend(target, tmp_path):
    path, project, source, _ = _project(tmp_path / "p.qdpx")
    runner = CliRunner()

    def run(*args: str):
        result = runner.invoke(app, [*args, "--db", target], env={"COLUMNS": "200"}, catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        return result.stdout

    assert json.loads(run("import", str(path), "--with-sources", "--json"))["transcripts"] == 1
    assert json.loads(run("import", str(path), "--with-sources", "--json"))["appended"] == 0
    kept = [json.loads(line) for line in run("log", "--json").splitlines()]
    assert _joined([e for e in kept if e["type"] == "SourceText"]) == {source: project.sources[source]["text"]}
    passages = json.loads(run("show", "ir-1", "--context", "--json"))["passages"]
    assert [p["quote"] for p in passages] == list(QUOTES)
    run("report", "--out", str(tmp_path / "report"))
    assert "said: <mark>learn the language first</mark>" in (tmp_path / "report" / "cases" / "ir-1.html").read_text()


def test_an_amended_quote_is_not_shown_in_the_words_it_replaced(tmp_path):
    path, _, _, _ = _project(tmp_path / "p.qdpx")
    cli = Cli(tmp_path / "t.db")
    cli.ok("import", str(path), "--with-sources")
    cli.ok("amend", "ir-1", "#3", "--reason", "the permit's office named", "--quote", "[office] refused my permit")
    passages = cli.json("show", "ir-1", "--context")["passages"]
    assert [p["ref"] for p in passages] == ["ir-1#2"]  # the amended one is shown alone, as it stands
    cli.ok("report", "--out", str(tmp_path / "report"))
    page = (tmp_path / "report" / "cases" / "ir-1.html").read_text(encoding="utf-8")
    assert "<mark>the IND refused my permit</mark>" not in page and "<mark>learn the language first</mark>" in page


def test_a_kept_transcripts_event_ids_do_not_confirm_a_guessed_text(tmp_path):
    path, _, source, _ = _project(tmp_path / "p.qdpx")
    text = "\r\n\r\n".join([ARRIVAL, COUNSEL, REFUSAL])
    unkeyed = {transcripts.part_id("ir-1", source, text, 1, None)}
    ids = []
    for name in ("a.db", "b.db"):
        cli = Cli(tmp_path / name)
        cli.ok("import", str(path), "--with-sources")
        assert cli.json("import", str(path), "--with-sources")["appended"] == 0  # the same ids again
        ids.append({e["event_id"] for e in _kept(cli)})
        assert len(_joined(_kept(cli))) == 1
    assert not ids[0] & unkeyed and not ids[1] & unkeyed  # the text's plain hash is in no id
    assert not ids[0] & ids[1]  # keyed by each project's secret
