"""The codebook a team curates: a project's own roles, definitions, the `codebook` listing, archetypes
whose signs must agree with their polarity, and per-case exports that import into a fresh database."""

import json


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
