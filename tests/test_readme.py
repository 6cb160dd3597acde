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
