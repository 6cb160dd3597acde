from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "test.db"


class Cli:
    """Runs the typer app against one database; `run` returns the click Result."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.runner = CliRunner()

    def run(self, *args: str, input: str | None = None):
        return self.runner.invoke(app, [*args, "--db", str(self.db)], input=input, catch_exceptions=False,
                                  env={"COLUMNS": "200"})

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.exit_code == 0, result.output + (result.stderr or "")
        return result.stdout

    def json(self, *args: str):
        return json.loads(self.ok(*args, "--json"))

    def log(self) -> list[dict]:
        if not self.db.exists():
            return []
        return [json.loads(line) for line in self.ok("log", "--json").splitlines()]


@pytest.fixture
def cli(db: Path) -> Cli:
    return Cli(db)


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path
