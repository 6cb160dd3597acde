"""The codebook a team curates: a project's own roles, definitions, the `codebook` listing, archetypes
whose signs must agree with their polarity, and per-case exports that import into a fresh database."""

import json

from hypothesis import given, strategies as st

from events.errors import InvalidEvent
from events.rules.catalogue import shipped
from pathways.analysis.classify import polarity_of


def test_an_archetype_whose_signs_contradict_its_polarity_is_refused(cli):
    result = cli.run("catalogue", "add", "archetype", "quiet-spiral", "--link", "effort:opposition:+",
                     "--link", "opposition:effort:-", "--polarity", "reinforcing")
    assert result.exit_code == 2
    assert "dampening loop (1 negative link(s): opposition->effort" in result.output
    assert "not the reinforcing one" in result.output
    assert not any(e["stream"] == "catalogue" for e in cli.log())
    cli.ok("catalogue", "add", "archetype", "quiet-spiral", "--link", "effort:opposition:+",
           "--link", "opposition:effort:-", "--polarity", "dampening")
    result = cli.run("catalogue", "add", "archetype", "loud-spiral", "--link", "effort:opposition:-",
                     "--link", "opposition:effort:-", "--polarity", "dampening")
    assert result.exit_code == 2 and "reinforcing loop (2 negative link(s)" in result.output


def _case(cli, case: str = "nl-1") -> None:
    cli.ok("case", "open", case, "--origin", "IR", "--motive", "asylum", "--arrival", "2015")


def test_a_project_role_is_used_by_a_contact_and_listed_in_the_codebook(cli):
    _case(cli)
    refused = cli.run("add", "contact", "nl-1", "--actor", "municipality", "--role", "mayor", "--kind", "meeting")
    assert refused.exit_code == 2 and "catalogue add role" in refused.output
    cli.ok("catalogue", "add", "role", "mayor", "--label", "Mayor", "--by", "coder-a",
           "--definition", "The mayor, met in person: not a caseworker")
    cli.ok("add", "contact", "nl-1", "--actor", "municipality", "--role", "mayor", "--kind", "meeting",
           "--occurred", "2016")
    cli.ok("add", "contact", "nl-1", "--actor", "municipality", "--role", "mayor", "--kind", "meeting",
           "--occurred", "2017")
    cli.ok("retract", "nl-1", "#3", "--reason", "coded twice")
    codes = {(c["catalogue"], c["key"]): c for c in cli.json("codebook")["codes"]}
    assert codes[("roles", "mayor")] == {**codes[("roles", "mayor")], "origin": "project", "added_by": "coder-a",
                                         "definition": "The mayor, met in person: not a caseworker", "uses": 1}
    assert codes[("roles", "mayor")]["added_at"]
    assert codes[("actors", "municipality")]["origin"] == "shipped"
    assert codes[("actors", "municipality")]["uses"] == 1  # the retracted contact does not count
    assert codes[("variables", "integration")]["definition"].startswith("The actual state of integration")
    assert not any(key[0] == "regimes" for key in codes)
    table = cli.ok("codebook")
    assert "mayor" in table and "coder-a" in table
    markdown = cli.ok("codebook", "--markdown")
    assert "## Street-level roles" in markdown
    assert "| `mayor` | Mayor | The mayor, met in person: not a caseworker | coder-a | 1 |" in markdown


def test_every_catalogue_kind_takes_a_definition(cli):
    for args in (("actor", "petition-office", "--family", "local"), ("variable", "homesickness",
                 "--desirability", "-1"), ("kind", "home-visit"), ("role", "neighbour"),
                 ("condition", "caseload", "--values", "high,low", "--present", "high"),
                 ("archetype", "homesick-spiral", "--link", "homesickness:effort:-", "--link", "effort:homesickness:-",
                  "--polarity", "reinforcing")):
        cli.ok("catalogue", "add", *args, "--definition", f"what {args[1]} means")
    defined = {c["key"]: c["definition"] for c in cli.json("codebook")["codes"] if c["origin"] == "project"}
    assert defined == {key: f"what {key} means" for key in ("petition-office", "homesickness", "home-visit",
                                                            "neighbour", "caseload", "homesick-spiral")}
    assert {e["schema_version"] for e in cli.log() if e["type"] != "RoleDefined"} == {2}


def test_a_version_1_catalogue_event_still_reads(cli, tmp_path):
    path = tmp_path / "v1.jsonl"
    path.write_text(json.dumps({"stream": "catalogue", "type": "KindDefined", "schema_version": 1,
                                "data": {"key": "home-visit", "label": "Home visit"}}) + "\n")
    cli.ok("import", str(path))
    _case(cli)
    cli.ok("add", "contact", "nl-1", "--actor", "municipality", "--kind", "home-visit")
    [code] = [c for c in cli.json("codebook")["codes"] if c["key"] == "home-visit"]
    assert code["definition"] is None and code["uses"] == 1 and code["label"] == "Home visit"


def test_codebook_qdc_still_writes_its_file(cli, tmp_path):
    out = tmp_path / "codes.qdc"
    assert "wrote the pathways codebook" in cli.ok("codebook", "--format", "qdc", "--out", str(out))
    assert out.read_text(encoding="utf-8").startswith("<?xml")
    result = cli.run("codebook", "--format", "qdc")
    assert result.exit_code == 2 and "--out" in result.output


def test_a_per_case_export_using_project_keys_imports_into_a_fresh_database(cli, tmp_path):
    cli.ok("catalogue", "add", "kind", "home-visit", "--definition", "a caseworker at the door")
    cli.ok("catalogue", "add", "kind", "petition")  # defined, but not used by the case
    cli.ok("catalogue", "add", "variable", "homesickness", "--desirability", "-1")
    cli.ok("catalogue", "add", "condition", "caseload", "--values", "high,low", "--present", "high")
    _case(cli)
    cli.ok("add", "contact", "nl-1", "--actor", "municipality", "--kind", "home-visit", "--effect",
           "homesickness:up", "--condition", "caseload=high", "--occurred", "2016")
    for fmt in ("jsonl", "csv"):
        out = tmp_path / f"nl-1.{fmt}"
        cli.ok("export", "--format", fmt, "--case", "nl-1", "--out", str(out))
        fresh = type(cli)(tmp_path / f"fresh-{fmt}.db")
        fresh.ok("import", str(out))
        assert [c["key"] for c in fresh.json("codebook")["codes"] if c["origin"] == "project"] == \
            ["home-visit", "homesickness", "caseload"]
        assert [s["kind"] for s in fresh.json("show", "nl-1")["steps"]] == ["home-visit"]
        again = fresh.run("import", str(out))  # the same definitions again: a no-op
        assert again.exit_code == 0, again.output


def test_an_identical_definition_is_a_no_op_and_a_different_one_a_conflict(cli, tmp_path):
    cli.ok("catalogue", "add", "kind", "home-visit", "--label", "Home visit")
    same = tmp_path / "same.jsonl"
    same.write_text(json.dumps({"stream": "catalogue", "type": "KindDefined",
                                "data": {"key": "home-visit", "label": "Home visit"}}) + "\n")
    before = len(cli.log())
    cli.ok("import", str(same))
    assert len(cli.log()) == before
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"stream": "catalogue", "type": "KindDefined",
                                 "data": {"key": "home-visit", "label": "Visit at home"}}) + "\n")
    result = cli.run("import", str(other))
    assert result.exit_code == 1
    assert "kind 'home-visit' is already defined, with another label" in result.output
    assert len(cli.log()) == before
    assert "nothing recorded" in cli.ok("catalogue", "add", "kind", "home-visit", "--label", "Home visit")
    refused = cli.run("catalogue", "add", "kind", "home-visit", "--label", "Visit")
    assert refused.exit_code == 1 and "already defined, with another label" in refused.output
    assert len(cli.log()) == before


@given(st.lists(st.sampled_from("+-"), min_size=1, max_size=6))
def test_an_archetype_is_accepted_exactly_with_the_polarity_its_loops_are_classified_with(signs):
    variables = [f"v{index}" for index in range(len(signs))]
    links = [{"from": variables[i], "to": variables[(i + 1) % len(signs)], "sign": sign} for i, sign in enumerate(signs)]
    right = polarity_of(signs)
    wrong = "dampening" if right == "reinforcing" else "reinforcing"
    catalogue = shipped().with_definition("ArchetypeDefined", {"key": "law", "links": links, "polarity": right})
    assert catalogue.entries["archetypes"]["law"]["polarity"] == right
    try:
        shipped().with_definition("ArchetypeDefined", {"key": "law", "links": links, "polarity": wrong})
    except InvalidEvent as refused:
        assert f"make a {right} loop" in str(refused)
    else:
        raise AssertionError("a contradicting polarity was accepted")
