"""Sealing faults on a PostgreSQL server (the throwaway cluster of conftest): a password in the URL's
query never shown, and the server's trigger refusing what may not follow an erasure (issue 29)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app

ROOT = Path(__file__).resolve().parent.parent
SECRET = "Wq7pZr9SeKrEt"


def run(url: str, *args: str, env: dict | None = None):
    return CliRunner().invoke(app, [*args, "--db", url], env={"COLUMNS": "150", **(env or {})})


@pytest.mark.parametrize("query", [f"?password={SECRET}", f"?sslmode=disable&password={SECRET}",
                                   f"?pass%77ord={SECRET}&application_name=x"])
def test_a_password_in_the_urls_query_is_never_shown(pg_url, query):
    url = pg_url + query  # the cluster trusts every login: the password is taken, and ignored
    created = run(url, "init")
    assert created.exit_code == 0, created.output
    assert SECRET not in created.output and created.output.count("***") == 2  # the log and its keys
    said = run(url, "case", "open", "c-1", "--origin", "IR", "--motive", "asylum")
    assert said.exit_code == 0 and SECRET not in said.output
    missing = pg_url.rsplit("/", 1)[0] + "/no_such_database" + query
    refused = run(missing, "verify")
    assert refused.exit_code == 3 and "cannot connect" in refused.stderr
    assert SECRET not in refused.output and "***" in refused.stderr
