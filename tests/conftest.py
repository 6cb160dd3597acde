from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import settings
from typer.testing import CliRunner

from cli import app

# No per-example deadline: a deadline is a wall-clock assert, and a loaded machine (two cores, a suite
# beside a benchmark) misses it while the law under test holds.
settings.register_profile("pathways", deadline=None)
settings.load_profile("pathways")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "test.db"


class Cli:
    """Runs the typer app against one database; `run` returns the click Result."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.runner = CliRunner()

    def run(self, *args: str, input: str | None = None):
        recording = args[:1] in (("case",), ("add",)) or args[:2] == ("catalogue", "add")
        if recording and isinstance(self.db, Path) and not self.db.exists():
            self.ok("init")  # a researcher runs `pathways init` first: recording never makes a database
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


# -- a throwaway PostgreSQL cluster ---------------------------------------------------------------

@pytest.fixture(scope="session")
def pg_cluster():
    """The cluster of tests/pgcluster.py for the whole session; skipped (failed under CI=true) without
    the server programs."""
    import os

    from .pgcluster import MISSING, server_programs, throwaway_cluster

    if server_programs() is None:
        if os.environ.get("CI") == "true":
            pytest.fail(MISSING + " (CI=true: a missing server fails the run)", pytrace=False)
        pytest.skip(MISSING)
    with throwaway_cluster() as url:
        yield url


@pytest.fixture
def pg_url(pg_cluster):
    """A fresh, empty database on the throwaway cluster."""
    import uuid

    from .pgcluster import create_database

    return create_database(pg_cluster, "t_" + uuid.uuid4().hex[:12])


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path):
    """The log on each backend: the same contract, one test written once."""
    if request.param == "sqlite":
        return str(tmp_path / "test.db")
    return request.getfixturevalue("pg_url")
