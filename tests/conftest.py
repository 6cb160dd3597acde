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


# -- a throwaway PostgreSQL cluster ---------------------------------------------------------------

def _pg_bin() -> Path | None:
    """The folder of the server programs (initdb, pg_ctl), from PATH or Debian's versioned folders."""
    import glob
    import shutil

    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    return Path(folders[-1]) if folders and Path(folders[-1], "initdb").exists() else None


PG_MISSING = ("no PostgreSQL server programs (initdb, pg_ctl): the PostgreSQL tests are skipped; install them "
              "with `apt-get install postgresql` (or your system's package) to run them")


@pytest.fixture(scope="session")
def pg_cluster(tmp_path_factory):
    """A cluster of our own: initdb in a temporary folder, on a free port of 127.0.0.1, run by an
    unprivileged user when we are root, stopped and removed at the end (also after a failure)."""
    import os
    import pwd
    import shutil
    import socket
    import subprocess
    import tempfile

    bin_dir = _pg_bin()
    if bin_dir is None:
        if os.environ.get("CI") == "true":
            pytest.fail(PG_MISSING + " (CI=true: a missing server fails the run)", pytrace=False)
        pytest.skip(PG_MISSING)
    folder = Path(tempfile.mkdtemp(prefix="pathways-pg-"))
    user: dict = {}
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres") if "postgres" in {p.pw_name for p in pwd.getpwall()} \
            else pwd.getpwnam("nobody")
        os.chown(folder, account.pw_uid, account.pw_gid)
        user = {"user": account.pw_uid, "group": account.pw_gid}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = folder / "data"
    run = dict(check=True, capture_output=True, cwd=folder, **user)
    subprocess.run([str(bin_dir / "initdb"), "-D", str(data), "-U", "pathways", "--auth=trust", "-E", "UTF8",
                    "--no-instructions"], **run)
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    try:
        subprocess.run([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w",
                        "start"], **run)
        yield f"postgresql://pathways@127.0.0.1:{port}"
    finally:
        subprocess.run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, cwd=folder, **user)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(pg_cluster):
    """A fresh, empty database on the throwaway cluster."""
    import uuid

    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(f"{pg_cluster}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return f"{pg_cluster}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path):
    """The log on each backend: the same contract, one test written once."""
    if request.param == "sqlite":
        return str(tmp_path / "test.db")
    return request.getfixturevalue("pg_url")
