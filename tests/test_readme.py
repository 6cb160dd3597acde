"""The README's walkthrough runs top to bottom on a fresh database, as a newcomer would run it."""

from __future__ import annotations

import shlex
from pathlib import Path

from typer.testing import CliRunner

from cli import app

README = Path(__file__).resolve().parent.parent / "README.md"


def walkthrough() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- walkthrough -->", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = shlex.split(block.replace("\\\n", " "), comments=True)
    lines, current = [], []
    for word in commands:  # shlex drops the line ends: every command starts with `pathways`
        if word == "pathways" and current:
            lines.append(current)
            current = []
        current.append(word)
    return [*lines, current]


def test_the_walkthrough_runs_top_to_bottom(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))  # the embedded renderer, as on a fresh machine
    runner = CliRunner()
    commands = walkthrough()
    assert len(commands) > 20
    for command in commands:
        assert command[0] == "pathways"
        result = runner.invoke(app, command[1:], env={"COLUMNS": "120"})
        assert result.exit_code == 0, (command, result.output)
    assert (tmp_path / "pathways.db").exists() and (tmp_path / "report" / "index.html").exists()


def _excerpt() -> list[str]:
    text = README.read_text(encoding="utf-8")
    block = text.split("`make demo` ends like this", 1)[1].split("```\n", 1)[1].split("```", 1)[0]
    return [chunk.strip("\n") for chunk in block.split("\n...\n")]


def test_the_demo_excerpt_is_the_demo_output(tmp_path, monkeypatch):
    import re

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    result = CliRunner().invoke(app, ["demo"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    def timeless(text: str) -> str:  # the one figure that varies; rich pads lines to the width
        return "\n".join(line.rstrip() for line in re.sub(r"\d+\.\ds in all", "N s in all", text).splitlines())

    output = timeless(result.stdout)
    chunks = _excerpt()
    assert len(chunks) >= 2
    for chunk in chunks:
        assert timeless(chunk) in output, chunk
