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


def _roles(pg_url: str) -> dict[str, str]:
    """The README's roles, under names of this test's own; their URLs."""
    import psycopg

    text = (ROOT / "README.md").read_text()
    sql = text.split("<!-- roles -->", 1)[1].split("```sql\n", 1)[1].split("```", 1)[0]
    suffix = uuid.uuid4().hex[:8]
    for role in ("writer", "reader", "auditor"):
        sql = sql.replace(f"pathways_{role}", f"{role}_{suffix}")
    with psycopg.connect(pg_url, autocommit=True) as owner:
        owner.execute(sql)
    base, database = pg_url.rsplit("/", 1)
    return {role: base.replace("pathways@", f"{role}_{suffix}@") + "/" + database
            for role in ("writer", "reader", "auditor")}


def _insert(url: str, stream: str, data: str, meta: str) -> None:
    """A row at the next position, as a writer with its own client could insert it."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        position = conn.execute("SELECT coalesce(max(position), 0) + 1 FROM events").fetchone()[0]
        version = conn.execute("SELECT coalesce(max(version), 0) + 1 FROM events WHERE stream = %s",
                               (stream,)).fetchone()[0]
        conn.execute("INSERT INTO events (position, event_id, stream, version, type, schema_version, occurred, "
                     "recorded_at, recorded_by, data, meta, prev_hash, hash) VALUES "
                     "(%s, %s, %s, %s, 'StateObserved', 1, '1999', '2026-01-01T00:00:00Z', NULL, %s, %s, 'x', 'y')",
                     (position, str(uuid.uuid4()), stream, version, data, meta))


def test_the_servers_trigger_refuses_the_writer_an_event_after_an_erasure_or_in_clear(pg_url):
    import psycopg

    assert run(pg_url, "init").exit_code == 0
    for case in ("c-1", "c-2"):
        assert run(pg_url, "case", "open", case, "--origin", "IR", "--motive", "asylum").exit_code == 0
    assert run(pg_url, "forget", "c-1", "--reason", "consent withdrawn").exit_code == 0
    writer = _roles(pg_url)["writer"]
    with psycopg.connect(pg_url) as conn:
        sealed = conn.execute("SELECT data FROM events WHERE stream = 'case:c-2'").fetchone()[0]
    with pytest.raises(psycopg.Error, match="nothing may follow its CaseForgotten"):
        _insert(writer, "case:c-1", sealed, '"sealed"')
    clear = '{"direction":"up","variable":"trust","notes":"FORGED NOTES"}'
    with pytest.raises(psycopg.Error, match="a payload in clear is refused"):
        _insert(writer, "case:c-2", clear, "{}")
    assert run(writer, "add", "state", "c-2", "--variable", "trust", "--direction", "up").exit_code == 0  # sealed: taken
    checked = run(pg_url, "verify")
    assert checked.exit_code == 0 and checked.stdout.startswith("ok: 4 events"), checked.output


OLD_TRIGGER = """
CREATE OR REPLACE FUNCTION pathways_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.position IS DISTINCT FROM (SELECT coalesce(max(position), 0) + 1 FROM events) THEN
    RAISE EXCEPTION 'the event log is append-only: an insert must add the next position';
  END IF;
  RETURN NEW;
END $$;
"""


def test_a_log_made_before_the_trigger_refused_it_gets_it_from_its_owner(pg_url):
    import psycopg

    assert run(pg_url, "init").exit_code == 0
    assert run(pg_url, "case", "open", "c-1", "--origin", "IR", "--motive", "asylum").exit_code == 0
    assert run(pg_url, "forget", "c-1", "--reason", "consent withdrawn").exit_code == 0
    with psycopg.connect(pg_url, autocommit=True) as owner:
        owner.execute(OLD_TRIGGER)  # as an older version made it
    writer = _roles(pg_url)["writer"]
    assert run(writer, "verify").exit_code == 0  # a writer may not replace the owner's function: left as it is
    with psycopg.connect(pg_url) as conn:
        sealed = conn.execute("SELECT data FROM events WHERE stream = 'case:c-1' AND version = 1").fetchone()[0]
    assert run(pg_url, "verify").exit_code == 0  # the owner's first command replaces it
    with pytest.raises(psycopg.Error, match="nothing may follow its CaseForgotten"):
        _insert(writer, "case:c-1", sealed, '"sealed"')
