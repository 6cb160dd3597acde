"""Issue 30, `pathways agree --coders A,B`: agreement on links, loops and contacts, Krippendorff's alpha by
the `krippendorff` package."""

from __future__ import annotations

import math

import krippendorff
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .coders_case import coded, double_coded, opened
from .conftest import Cli, write_jsonl


def package_alpha(pairs):
    """The package's alpha on two coders' values (None for a unit a coder lacks counts as a value), or
    None where the package cannot give one (a single value throughout)."""
    categories = sorted({str(value) for pair in pairs for value in pair})
    if len(categories) < 2:
        return None
    data = [[categories.index(str(a)) for a, _ in pairs], [categories.index(str(b)) for _, b in pairs]]
    value = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    return None if math.isnan(value) else value


@pytest.fixture
def two(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "dc.jsonl", double_coded())))
    return cli


def test_the_must_show_case(two):
    result = two.json("agree", "--coders", "coder-a,coder-b")
    assert result["coders"] == ["coder-a", "coder-b"] and result["single_coded"] == []
    [case] = result["cases"]
    assert case["case"] == "dc"
    links = case["links"]
    assert {key: links[key] for key in ("units", "same", "opposite", "only")} == {
        "units": 6, "same": 3, "opposite": 1, "only": {"coder-a": 1, "coder-b": 1}}
    # effort>encouragement +/+, effort>opposition +/+, encouragement>effort +/none, opposition>effort -/-,
    # stress>wellbeing none/-, trust>stress -/+
    expected = package_alpha([("+", "+"), ("+", "+"), ("+", None), ("-", "-"), (None, "-"), ("-", "+")])
    assert links["alpha"] == pytest.approx(expected)
    loops = case["loops"]
    assert {key: loops[key] for key in ("units", "same_class", "other_class", "only")} == {
        "units": 2, "same_class": 1, "other_class": 0, "only": {"coder-a": 1, "coder-b": 0}}
    same = "dampening/undetermined/undetermined"
    assert loops["alpha"] == pytest.approx(package_alpha([(same, same), ("reinforcing/undetermined/undetermined",
                                                                         None)]))
    assert result["pooled"]["links"] == {key: value for key, value in links.items()
                                         if key != "differ"} | {"differ": [
        {**row, "unit": f"dc: {row['unit']}"} for row in links["differ"]]}
    assert case["contacts"]["units"] == 0 and case["contacts"]["perceived"]["alpha"] is None


def test_full_agreement_is_alpha_one(cli, tmp_path):
    links = [("effort", "opposition", "+"), ("opposition", "effort", "-")]
    cli.ok("import", str(write_jsonl(tmp_path / "f.jsonl", [opened("f")] + [
        coded("f", coder, *link) for coder in ("coder-a", "coder-b") for link in links])))
    case = cli.json("agree", "--coders", "coder-a,coder-b", "f")["cases"][0]
    assert case["links"]["alpha"] == 1.0 and case["links"]["verdict"] == "good"
    assert case["links"]["same"] == 2 and case["links"]["differ"] == []


def test_every_unit_different(cli, tmp_path):
    cli.ok("import", str(write_jsonl(tmp_path / "d.jsonl", [
        opened("d"), coded("d", "coder-a", "effort", "trust", "+"), coded("d", "coder-a", "trust", "effort", "-"),
        coded("d", "coder-b", "effort", "trust", "-"), coded("d", "coder-b", "trust", "effort", "+")])))
    links = cli.json("agree", "--coders", "coder-a,coder-b")["cases"][0]["links"]
    assert links["same"] == 0 and links["opposite"] == 2
    assert links["alpha"] == pytest.approx(package_alpha([("+", "-"), ("-", "+")])) and links["alpha"] < 0
    assert links["verdict"] == "not reliable"


def test_alpha_is_null_where_it_is_undefined(cli, tmp_path):
    # every link the same sign and both coders agree: a single value, nothing tells agreement from chance
    cli.ok("import", str(write_jsonl(tmp_path / "u.jsonl", [opened("u")] + [
        coded("u", coder, "effort", "trust", "+") for coder in ("coder-a", "coder-b")])))
    result = cli.json("agree", "--coders", "coder-a,coder-b")
    assert result["cases"][0]["links"]["alpha"] is None and result["cases"][0]["links"]["verdict"] == "undefined"
    assert result["cases"][0]["loops"]["units"] == 0 and result["cases"][0]["loops"]["alpha"] is None
    shown = cli.ok("agree", "--coders", "coder-a,coder-b")
    assert "undefined" in shown and "0.8 or more good" in shown


def test_contacts_match_on_actor_kind_and_date_and_compare_perceived_and_discretion(cli, tmp_path):
    def contact(coder, kind, perceived, discretion=None):
        return {"type": "ContactRecorded", "case": "c", "occurred": "1996", "recorded_by": coder,
                "data": {"actor": "coa", "kind": kind, "perceived": perceived, "role": "counsellor",
                         **({"discretion": discretion} if discretion else {})}}
    cli.ok("import", str(write_jsonl(tmp_path / "c.jsonl", [
        opened("c"), contact("coder-a", "counselling", "favourable", "bending"),
        contact("coder-b", "counselling", "favourable", "by-the-rules"),
        contact("coder-a", "course", "unfavourable"), contact("coder-b", "course", "unfavourable"),
        contact("coder-b", "meeting", "neutral")])))
    contacts = cli.json("agree", "--coders", "coder-a,coder-b")["cases"][0]["contacts"]
    assert contacts["units"] == 3 and contacts["only"] == {"coder-a": 0, "coder-b": 1}
    assert contacts["same"] == 1 and contacts["other"] == 1  # the course the same, the counselling not
    assert contacts["perceived"]["same"] == 2 and contacts["discretion"]["same"] == 1
    assert contacts["perceived"]["alpha"] == pytest.approx(package_alpha(
        [("favourable", "favourable"), ("unfavourable", "unfavourable"), (None, "neutral")]))
    assert contacts["discretion"]["alpha"] == pytest.approx(package_alpha(
        [("bending", "by-the-rules"), ("uncoded", "uncoded"), (None, "uncoded")]))


def test_cases_one_coder_alone_coded_are_single_coded_and_the_case_argument_limits(two, tmp_path):
    two.ok("import", str(write_jsonl(tmp_path / "s.jsonl", [opened("solo"), coded("solo", "coder-b", "effort",
                                                                                 "trust", "+")])))
    result = two.json("agree", "--coders", "coder-a,coder-b")
    assert [case["case"] for case in result["cases"]] == ["dc"] and result["single_coded"] == ["solo"]
    only = two.json("agree", "--coders", "coder-a,coder-b", "solo")
    assert only["cases"] == [] and only["single_coded"] == ["solo"]
    assert "no case coded by both" in two.ok("agree", "--coders", "coder-a,coder-b", "solo")
    reversed_ = two.json("agree", "--coders", "coder-b,coder-a", "dc")["cases"][0]["links"]
    assert reversed_["only"] == {"coder-b": 1, "coder-a": 1}


def test_the_table_names_each_kind_and_the_reading(two):
    shown = two.ok("agree", "--coders", "coder-a,coder-b")
    for word in ("links", "loops", "perceived", "discretion", "pooled", "only coder-a", "Krippendorff"):
        assert word in shown


@pytest.mark.parametrize("coders, reason", [
    ("coder-a", "'coder-a' does not name two different coders (use --coders A,B)"),
    ("coder-a,coder-a", "'coder-a,coder-a' does not name two different coders (use --coders A,B)"),
    ("coder-a,coder-z", "no coder 'coder-z' in the log (the log has: coder-a, coder-b)"),
])
def test_bad_coders_are_one_line(two, coders, reason):
    result = two.run("agree", "--coders", coders)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"error: field '--coders': {reason}"]


def test_an_unknown_case_is_refused(two):
    result = two.run("agree", "--coders", "coder-a,coder-b", "nobody")
    assert result.exit_code == 2 and "no case 'nobody'" in result.stderr


VARIABLES = ("effort", "trust", "stress", "opposition")
SIGNS = st.sampled_from(["+", "-", None])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(codings=st.lists(st.tuples(st.sampled_from(VARIABLES), st.sampled_from(VARIABLES), SIGNS, SIGNS)
                        .filter(lambda row: row[0] != row[1] and (row[2] or row[3])), min_size=1, max_size=8,
                        unique_by=lambda row: (row[0], row[1]))
       .filter(lambda rows: any(row[2] for row in rows) and any(row[3] for row in rows)))
def test_link_counts_and_alpha_agree_with_the_package_on_random_codings(tmp_path_factory, codings):
    """Each row: a link, coder-a's sign for it (None: not coded), coder-b's."""
    path = tmp_path_factory.mktemp("agree")
    cli = Cli(path / "a.db")
    records = [opened("r")] + [coded("r", coder, source, target, sign)
                               for source, target, a, b in codings for coder, sign in (("coder-a", a), ("coder-b", b))
                               if sign]
    cli.ok("import", str(write_jsonl(path / "r.jsonl", records)))
    result = cli.json("agree", "--coders", "coder-a,coder-b")
    links = result["cases"][0]["links"]
    pairs = [(a, b) for _, _, a, b in codings]
    assert links["units"] == len(codings)
    assert links["same"] == sum(a == b for a, b in pairs)
    assert links["opposite"] == sum(a is not None and b is not None and a != b for a, b in pairs)
    assert links["only"] == {"coder-a": sum(b is None for _, b in pairs), "coder-b": sum(a is None for a, _ in pairs)}
    expected = package_alpha(pairs)
    assert (links["alpha"] is None) if expected is None else links["alpha"] == pytest.approx(expected)
