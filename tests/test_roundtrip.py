"""Law: a log exported as JSON Lines and imported into a fresh database gives identical events and hashes."""

import io

from hypothesis import HealthCheck, given, settings

from events.ingest import readers as event_io
from events.ingest.readers import to_new_event
from events.store import EventStore

from .strategies import logs


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=logs())
def test_export_then_import_keeps_every_hash(tmp_path_factory, records):
    folder = tmp_path_factory.mktemp("rt")
    with EventStore(folder / "a.db", seal=False) as first:  # the same hashes need the same stored text
        first.append(to_new_event(record) for record in records)
        exported = io.StringIO()
        event_io.write_jsonl(first.read(), exported)
    exported_path = folder / "log.jsonl"
    exported_path.write_text(exported.getvalue())
    with EventStore(folder / "b.db", seal=False) as second:
        second.append(event_io.read_events(exported_path))
        again = io.StringIO()
        event_io.write_jsonl(second.read(), again)
        assert second.verify().ok
    assert again.getvalue() == exported.getvalue()


def test_cli_log_json_round_trips_through_import(cli, tmp_path):
    cli.ok("init", "--open")
    cli.ok("case", "open", "a", "--origin", "IR", "--motive", "asylum", "--arrival", "1995")
    cli.ok("add", "contact", "a", "--actor", "coa", "--kind", "relocation", "--effect", "wellbeing:down",
           "--quote", "Wir mussten \"wieder\" umziehen — <again>")
    exported = tmp_path / "log.jsonl"
    exported.write_text(cli.ok("log", "--json"))
    from .conftest import Cli

    other = Cli(tmp_path / "other.db")
    other.ok("init", "--open")
    other.ok("import", str(exported))
    assert other.ok("log", "--json") == exported.read_text()
