"""Law: whatever `import` is fed, it imports or refuses with one line and exit 2; after any accepted
import, every read command succeeds (issue 15: nothing accepted may break analysis)."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from .conftest import Cli
from .strategies import logs

JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)


@st.composite
def mutated(draw) -> bytes:
    """A valid history with one value somewhere replaced by an arbitrary JSON value."""
    records = draw(logs(max_cases=2, max_steps=6))
    index = draw(st.integers(0, len(records) - 1))
    target = records[index]
    path = [target]
    while isinstance(path[-1], (dict, list)) and path[-1] and draw(st.booleans()):
        container = path[-1]
        key = draw(st.sampled_from(sorted(container) if isinstance(container, dict) else range(len(container))))
        path.append(container[key])
    container = path[-1] if isinstance(path[-1], (dict, list)) and path[-1] else target
    if isinstance(container, dict):
        container[draw(st.sampled_from(sorted(container)) | st.text(max_size=6))] = draw(JSON)
    else:
        container[draw(st.integers(0, len(container) - 1))] = draw(JSON)
    return "".join(json.dumps(record) + "\n" for record in records).encode()


@st.composite
def hostile_text(draw) -> bytes:
    """A valid history whose free text and metadata are arbitrary: most of these must be accepted."""
    records = draw(logs(max_cases=2, max_steps=6))
    for record in records:
        if draw(st.booleans()):
            record["meta"] = draw(st.dictionaries(st.text(max_size=8), JSON, max_size=3))
        if record["type"] == "ContactRecorded":
            record["data"]["quote"] = draw(st.text(max_size=40))
            record["data"]["outcome"] = draw(st.text(max_size=40))
        if record["type"] == "CaseOpened" and draw(st.booleans()):
            record["data"]["notes"] = draw(st.text(max_size=40))
    return "".join(json.dumps(record) + "\n" for record in records).encode()


FILES = st.one_of(
    st.binary(max_size=400),
    st.lists(JSON, max_size=4).map(lambda values: "".join(json.dumps(v) + "\n" for v in values).encode()),
    mutated(),
    hostile_text(),
)
READS = [["log"], ["log", "--json"], ["verify"], ["loops", "--json"], ["summary", "--json"], ["summary"],
         ["export", "--format", "xes"], ["export", "--format", "csv"], ["export", "--format", "graphml"]]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(content=FILES)
def test_import_accepts_or_refuses_in_one_line_and_what_it_accepts_can_be_read(tmp_path_factory, content):
    folder: Path = tmp_path_factory.mktemp("fuzz")
    cli = Cli(folder / "fuzz.db")
    source = folder / "in.jsonl"
    source.write_bytes(content)
    result = cli.run("import", str(source))
    event("accepted" if result.exit_code == 0 else "refused")
    if result.exit_code != 0:
        assert result.exit_code == 2, result.output
        assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error: ")
        return
    for command in READS:
        assert cli.run(*command).exit_code == 0, (command, cli.run(*command).output)
    for case in {record["case"] for record in cli.log() if record["case"]}:
        assert cli.run("show", case).exit_code == 0
        assert cli.run("render", case, "--out", str(folder / "d"), "--force").exit_code == 0
