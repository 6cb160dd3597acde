"""Benchmarks: each figure beside a baseline measured in the same run, on the same data, as a ratio.

    python benchmarks/run.py                    # 2,000 synthetic cases (~50,000 events)
    python benchmarks/run.py --cases 40000      # ~1,000,000 events (minutes)
    python benchmarks/run.py --cases 20 --quick # the smoke test's size
    python benchmarks/run.py --cases 40000 --memory  # only the cross-case commands' memory, the dense drawing

Ratios hold on a noisy machine where seconds do not. Rows whose peer is missing (no system `dot`,
no `eventsourcing` installed) say so instead of a figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import synth  # noqa: E402

from events.ingest.readers import read_events  # noqa: E402
from events.envelope import COLUMNS  # noqa: E402
from events.backends.sqlite import SCHEMA, WRITE_CACHE_KIB  # noqa: E402
from events.store import EventStore  # noqa: E402
from pathways.projections.runner import Projector  # noqa: E402

BIN = Path(sys.executable).parent


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


@contextmanager
def environment(**values: str | None) -> Iterator[None]:
    """Environment variables set (None: unset, or left unset) for the duration, then restored."""
    previous = {name: os.environ.get(name) for name in values}

    def apply(settings: dict[str, str | None]) -> None:
        for name, value in settings.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    apply(values)
    try:
        yield
    finally:
        apply(previous)


def best_of(times: int, action: Callable[[], object]) -> float:
    return min(timed(action) for _ in range(times))


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(self, name: str, figure: str, baseline: str, ratio: float | None, target: str) -> None:
        self.rows.append((name, figure, baseline, f"{ratio:.2f}" if ratio is not None else "-", target))
        print(f"  {name}: {figure} | {baseline} | ratio {self.rows[-1][3]} | target {target}", file=sys.stderr)

    def markdown(self) -> str:
        lines = ["| measure | pathways | baseline | ratio | target |", "|---|---|---|---|---|"]
        lines += [f"| {' | '.join(row)} |" for row in self.rows]
        return "\n".join(lines)


SQLITE_DEFAULT_CACHE_KIB = 2000
"""SQLite's own default page cache (`PRAGMA cache_size = -2000`)."""


def _raw_insert_seconds(rows: list[tuple], raw_db: Path, *, cache_kib: int = WRITE_CACHE_KIB) -> float:
    """The baseline: the same stored rows into the same table and triggers, one executemany, with the
    store's settings (journal, sync, page cache; or another page cache)."""
    def insert() -> None:
        conn = sqlite3.connect(raw_db, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"PRAGMA cache_size = -{cache_kib}")
        conn.executescript(SCHEMA)
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO events ({COLUMNS}) VALUES ({','.join('?' * 13)})", rows)
        conn.execute("COMMIT")
        conn.close()
    return timed(insert)


def bench_import(source: Path, work: Path, events: int, table: Table, *, seal: bool = True,
                 alone: bool = False) -> Path:
    """`pathways import` (validation, hashing, sealing; the lines parsed and checked by a worker
    process beside the writer) against a raw executemany of the rows it stored. With `alone`, the
    same in one process."""
    from events.ingest import pipeline

    kind = "sealed" if seal else "open"
    name = f"{kind}, one process" if alone else kind
    db = work / f"bench-{kind}{'-alone' if alone else ''}.db"
    with environment(PATHWAYS_WORKERS="1" if alone else os.environ.get("PATHWAYS_WORKERS")):
        workers = pipeline.processes(events, busy_writer=True)
        with EventStore(db, seal=seal) as store:
            ours = timed(lambda: store.import_file(source))
            rows = store.conn.execute(f"SELECT {COLUMNS} FROM events ORDER BY position").fetchall()
    raw = _raw_insert_seconds(rows, work / f"raw-{kind}{'-alone' if alone else ''}.db")
    target = seal and not alone
    default = _raw_insert_seconds(rows, work / f"raw-{kind}-default.db", cache_kib=SQLITE_DEFAULT_CACHE_KIB) \
        if target else None
    del rows
    helpers = f", writer + {workers} worker{'s' * (workers > 1)}" if workers else ""
    table.add(f"bulk import, validated and hashed, {name}{helpers} (events/s)", f"{events / ours:,.0f}",
              f"{events / raw:,.0f} raw executemany", raw / ours, ">= 0.40" if target else "report")
    if default is not None:  # the baseline of earlier rounds, before the store's page cache grew
        table.add("the same import vs raw executemany with SQLite's default page cache (events/s)",
                  f"{events / ours:,.0f}", f"{events / default:,.0f} raw executemany, 2 MiB cache",
                  default / ours, "report")
    return db


def bench_cli_append(db: Path, work: Path, table: Table, repeats: int) -> None:
    pathways = BIN / "pathways"
    sqlite_utils = BIN / "sqlite-utils"
    case = json.loads(subprocess.run([pathways, "log", "--json", "--db", db], capture_output=True, text=True,
                                     check=True).stdout.splitlines()[0])["case"]
    ours = [timed(lambda: subprocess.run([pathways, "add", "state", case, "--variable", "trust", "--direction", "up",
                                          "--db", db], check=True, capture_output=True)) for _ in range(repeats)]
    target = work / "su.db"
    row = json.dumps({"case": case, "variable": "trust", "direction": "up"})
    theirs = [timed(lambda: subprocess.run([sqlite_utils, "insert", target, "rows", "-"], input=row, text=True,
                                           check=True, capture_output=True)) for _ in range(repeats)]
    a, b = statistics.median(ours), statistics.median(theirs)
    table.add("one append through the CLI, whole process (ms)", f"{a * 1000:.0f}",
              f"{b * 1000:.0f} sqlite-utils insert", a / b, "<= 1.20")


def _scan_seconds(store: EventStore) -> float:
    def scan() -> None:
        for row in store.conn.execute(f"SELECT {COLUMNS} FROM events ORDER BY position"):
            json.loads(row[9])
            json.loads(row[10])
    return best_of(2, scan)


def bench_rebuild(db: Path, events: int, table: Table, *, kind: str = "sealed") -> None:
    """A full rebuild (loops included) with the default workers, and in one process, against a raw
    ordered scan of the log with JSON decoding."""
    from pathways.projections import parallel

    with EventStore(db) as store:
        from pathways.analysis.pathway import Settings
        from pathways.projections.timetravel import time_travel

        list(time_travel(store, Settings(), cases=store.cases()[:1]))  # imports and keys loaded, untimed
        processes = parallel.workers(events)
        pooled = timed(Projector(store).rebuild)
        alone = pooled
        if processes:
            with environment(PATHWAYS_WORKERS="1"):
                alone = timed(Projector(store).rebuild)
        raw = _scan_seconds(store)
    if processes:
        table.add(f"full rebuild, {kind}, {processes} workers (events/s)", f"{events / pooled:,.0f}",
                  f"{events / raw:,.0f} raw ordered scan + JSON", raw / pooled, ">= 0.25 and >= 100,000/s")
    table.add(f"full rebuild, {kind}, one process (events/s)", f"{events / alone:,.0f}",
              f"{events / raw:,.0f} raw ordered scan + JSON", raw / alone, "report" if processes else
              ">= 0.25 and >= 100,000/s")


def bench_rebuild_floor(db: Path, work: Path, events: int, table: Table) -> None:
    """The least any rebuild that writes these tables must do, with no analysis at all: read every
    event back as a rebuild reads it (decrypted, parsed, upcast) and insert the rows the rebuild wrote,
    through one writer (SQLite has one). On this machine's cores that bounds any rebuild of this
    design, however fast its analysis: the writer's inserts alone at 1/insert, all of it at cores/(read
    + insert). `db` holds the rows of a rebuild."""
    from events import collector
    from pathways.projections.tables import TABLES

    scratch = sqlite3.connect(work / "floor.db", isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "secure_delete = ON",
                   f"cache_size = -{WRITE_CACHE_KIB}"):
        scratch.execute(f"PRAGMA {pragma}")
    with EventStore(db) as store, collector.paused():
        source = store.conn
        for (sql,) in source.execute("SELECT sql FROM sqlite_master WHERE tbl_name IN "
                                     f"({','.join('?' * len(TABLES))}) AND sql IS NOT NULL", list(TABLES)):
            scratch.execute(sql)
        read = best_of(2, lambda: sum(1 for _ in store.read(by_stream=True, live=True)))

        def rows_only() -> None:
            for name in TABLES:
                for _ in source.execute(f"SELECT * FROM {name}"):
                    pass

        def rows_inserted() -> None:
            scratch.execute("BEGIN")
            for name in TABLES:
                scratch.execute(f"DELETE FROM {name}")
                marks = ",".join("?" * len(TABLES[name]["columns"]))
                scratch.executemany(f"INSERT INTO {name} VALUES ({marks})", source.execute(f"SELECT * FROM {name}"))
            scratch.execute("COMMIT")
        insert = max(best_of(2, rows_inserted) - best_of(2, rows_only), 1e-9)
    scratch.close()
    cores = os.cpu_count() or 1
    ceiling = min(events / insert, cores * events / (read + insert))
    table.add(f"ceiling of any rebuild of these tables, {cores} cores, no analysis: read {read / events * 1e6:.1f} µs "
              f"+ insert rows {insert / events * 1e6:.1f} µs an event (events/s)",
              f"{ceiling:,.0f}", "100,000 the target", ceiling / 100_000, "report")


def bench_catch_up(db: Path, events: int, table: Table) -> None:
    with EventStore(db) as store:
        big = _catch_up_seconds(store)
    small = Path(tempfile.mkdtemp()) / "small.db"
    with EventStore(small) as store:
        store.append(read_events(_tiny_source(small.parent)))
        baseline = _catch_up_seconds(store)
    table.add(f"catch-up after one new event at {events:,} events (ms)", f"{big * 1000:.1f}",
              f"{baseline * 1000:.1f} at ~500 events", big / baseline, "< 50 ms, flat")


def _catch_up_seconds(store: EventStore, samples: int = 5) -> float:
    """Median time of a catch-up after appending one event to a caught-up store."""
    projector = Projector(store)
    projector.catch_up()
    case = store.cases()[0]
    times = []
    for _ in range(samples):
        store.append([_one_state(case)])
        times.append(timed(projector.catch_up))
    return statistics.median(times)


def _one_state(case: str):
    from events.envelope import NewEvent

    return NewEvent(stream=f"case:{case}", type="StateObserved", data={"variable": "trust", "direction": "up"})


def _tiny_source(folder: Path) -> Path:
    path = folder / "tiny.jsonl"
    with path.open("w") as out:
        synth.write(20, out, seed=3)
    return path


def bench_loops(db: Path, table: Table) -> None:
    import networkx as nx

    from pathways.analysis.loops import enumerate_cycles

    with EventStore(db) as store:  # a sealed log's edges are opened by the reader, as every command gets them
        graphs: dict[str, list[tuple[str, str]]] = {
            analysis.case: [(edge.source, edge.target) for edge in analysis.graph.edges]
            for analysis in Projector(store).current() if analysis.graph.edges}

    def ours() -> int:
        return sum(len(enumerate_cycles(edges, 8).cycles) for edges in graphs.values())

    def theirs() -> int:
        total = 0
        for edges in graphs.values():
            graph = nx.DiGraph()
            graph.add_edges_from((a, b) for a, b in edges if a != b)
            total += sum(1 for _ in nx.simple_cycles(graph, length_bound=8))
        return total
    assert ours() == theirs(), "the engine and networkx must find the same cycles"
    a, b = best_of(3, ours), best_of(3, theirs)
    table.add(f"loop enumeration over {len(graphs):,} case graphs (ms)", f"{a * 1000:.0f}",
              f"{b * 1000:.0f} networkx.simple_cycles", a / b, "<= 1.00")


def bench_render(db: Path, table: Table) -> None:
    from pathways.outputs.render import files
    from pathways.outputs.render.engine import render

    with EventStore(db) as store:
        projector = Projector(store)
        case = max(projector.cases()[:50], key=lambda c: len(projector.load(c).loops))
        analysis = projector.load(case)
        catalogue = store.catalogue()

    def both() -> None:
        for _, diagram in files.case_diagrams([analysis], "both", catalogue):
            render(diagram, "svg")
    with environment(PATHWAYS_RENDERER="embedded"):
        embedded = best_of(3, both)
    if shutil.which("dot"):
        system = best_of(3, both)
        table.add("render a case's two diagrams, SVG (ms)", f"{embedded * 1000:.0f} embedded",
                  f"{system * 1000:.0f} system dot", embedded / system, "report")
    else:
        table.add("render a case's two diagrams, SVG (ms)", f"{embedded * 1000:.0f} embedded",
                  "no system dot here", None, "report")



def _tree_rss_kib(root: int) -> int:
    """Resident memory of a process and all its descendants (the rebuild's workers), in KiB."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, grown = {root}, True
    while grown:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        grown = bool(more)
        tree |= more
    total = 0
    for pid in tree:
        try:
            total += int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text()).group(1))
        except (OSError, AttributeError):
            continue
    return total


def _sampled(code: str, *args: object, quiet: bool = False) -> tuple[float, int]:
    """Run `code` in a fresh interpreter; its wall time and the peak resident memory of its whole
    process tree (workers included), sampled every 50 ms, in KiB. `quiet`: its output discarded."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code, *map(str, args)],
                               stdout=subprocess.DEVNULL if quiet else None)
    peak_kib = 0
    while process.poll() is None:
        peak_kib = max(peak_kib, _tree_rss_kib(process.pid))
        time.sleep(0.05)
    if process.returncode != 0:
        raise RuntimeError(f"the measured run failed ({process.returncode})")
    return time.perf_counter() - started, peak_kib


_SETUP = "import sys; sys.path.insert(0, sys.argv[2]); from events.store import EventStore; "
REBUILD = _SETUP + "from pathways.projections.runner import Projector; Projector(EventStore(sys.argv[1])).rebuild()"
IMPORT = _SETUP + "EventStore(sys.argv[1]).import_file(sys.argv[3])"
IDLE = _SETUP + "import pathways.projections.runner, events.ingest.readers"


def bench_memory(db: Path, events: int, table: Table) -> None:
    """Peak resident memory of a rebuild in its own process, its workers included, beside the same
    imports doing no work."""
    _, peak_kib = _sampled(REBUILD, db, HERE.parent)
    _, base_kib = _sampled(IDLE, db, HERE.parent)
    table.add(f"peak memory of a rebuild at {events:,} events, workers included (MiB)", f"{peak_kib / 1024:.0f}",
              f"{base_kib / 1024:.0f} the same imports, no work", peak_kib / base_kib, "< 1 GiB")


def _dense_case(db: Path, variables: int) -> None:
    """One case whose variables are linked every way (`variables` * (`variables` - 1) coded links)."""
    import itertools

    from events.envelope import NewEvent

    keys = [item["key"] for item in json.loads((HERE.parent / "schemas/catalogue/variables.json").read_text())["items"]]
    extra = [f"v{i}" for i in range(max(0, variables - len(keys)))]
    names = (keys + extra)[:variables]
    with EventStore(db) as store:
        if extra:
            store.append([NewEvent(stream="catalogue", type="VariableDefined", data={"key": key, "desirability": 1})
                          for key in extra])
        store.append([NewEvent(stream="case:dense", type="CaseOpened",
                               data={"origin": "IR", "motive": "asylum", "arrival": "1995"})]
                     + [NewEvent(stream="case:dense", type="LinkCoded", data={"from": a, "to": b, "sign": "+"})
                        for a, b in itertools.permutations(names, 2)])
        Projector(store).catch_up()


def _dot_seconds(db: Path, case: str | None = None) -> tuple[float, int, int]:
    """Seconds to write a case's loop diagram as DOT (the two passes and the placement; the embedded
    Graphviz loaded beforehand), and its links and loops."""
    from pathways.outputs.render import files
    from pathways.outputs.render.engine import layout, render

    with EventStore(db) as store:
        projector = Projector(store)
        analysis = projector.load(case or max(projector.cases()[:50], key=lambda c: len(projector.load(c).loops)))
        catalogue = store.catalogue()
    with environment(PATHWAYS_RENDERER="embedded"):
        import graphviz

        layout(graphviz.Digraph())  # the WebAssembly module compiled, untimed
        seconds = timed(lambda: [render(diagram, "dot") for _, diagram in
                                 files.case_diagrams([analysis], "loops", catalogue)])
    return seconds, len(analysis.graph.edges), len(analysis.loops)


def bench_dense_render(db: Path, work: Path, table: Table, *, quick: bool = False) -> None:
    """A dense case's loop diagram written as DOT (issue 29: 7 variables linked every way, 2,365 loops, took
    126 s; 30 variables, 870 links, over 300 s), beside the benchmark's case of most loops."""
    ordinary, links, loops = _dot_seconds(db)
    for variables in (7,) if quick else (7, 30):
        dense = work / f"dense-{variables}.db"
        _dense_case(dense, variables)
        seconds, dense_links, dense_loops = _dot_seconds(dense, "dense")
        table.add(f"loop diagram as DOT of a case of {variables} variables linked every way, {dense_links} links, "
                  f"{dense_loops:,} loops (s)", f"{seconds:.1f}",
                  f"{ordinary:.2f} a synthetic case of {links} links, {loops} loops", seconds / ordinary, "seconds")


COMMAND = _SETUP + "import cli; sys.argv = ['pathways', *sys.argv[3:], '--db', sys.argv[1]]; cli.main()"
"""A command of the program as a user runs it (`cli.main`), in a process of its own."""
CROSS_CASE = (("summary --json", ["summary", "--json"]), ("leverage --json", ["leverage", "--json"]),
              ("report", ["report", "--force", "--out"]))


REPORT_CASES = 2_000
"""The most cases whose report a full run draws: two figures a case, about 0.15 s a case here, so a
report of 10,000 cases would hold the run for most of an hour."""


def bench_cross_case_memory(db: Path, work: Path, events: int, table: Table, *, report: bool | None = True) -> None:
    """Peak resident memory of the commands that read every case (`summary --json`, `leverage --json`,
    `report`), each in its own process on caught-up tables, beside a rebuild of the same log measured
    in the same run (its workers included): the cross-case commands read the cases one at a time.
    Without `report`, the report is left out (it draws two figures a case: hours at 40,000 cases here);
    with `report` None, left out for the size of the run, and a row says so."""
    _, rebuild_kib = _sampled(REBUILD, db, HERE.parent)
    for name, args in CROSS_CASE if report else CROSS_CASE[:-1]:
        if args[-1] == "--out":
            args = [*args, str(work / "report")]
        seconds, peak_kib = _sampled(COMMAND, db, HERE.parent, *args, quiet=True)
        table.add(f"peak memory of `{name}` at {events:,} events ({seconds:,.0f} s) (MiB)", f"{peak_kib / 1024:.0f}",
                  f"{rebuild_kib / 1024:.0f} a rebuild, workers included", peak_kib / rebuild_kib, "< 1 GiB")
    if report is None:  # left out for its size: said
        table.add("peak memory of `report` (MiB)", "-", f"left out above {REPORT_CASES:,} cases "
                  f"(`--memory --cases {REPORT_CASES}` measures it)", None, "< 1 GiB")


def bench_scale(source: Path, work: Path, events: int, table: Table) -> None:
    """What grows with the log, each in its own process: time and peak memory of a sealed import and
    of a rebuild (workers included), then catch-up. No baselines (they would hold every row)."""
    db = work / "scale.db"
    seconds, peak = _sampled(IMPORT, db, HERE.parent, source)
    table.add(f"import, sealed, {events:,} events: events/s ({seconds:,.0f} s)", f"{events / seconds:,.0f}",
              f"peak {peak / 1024:,.0f} MiB", None, "report")
    seconds, peak = _sampled(REBUILD, db, HERE.parent)
    table.add(f"rebuild, sealed, {events:,} events: events/s ({seconds:,.0f} s)", f"{events / seconds:,.0f}",
              f"peak {peak / 1024:,.0f} MiB, workers included", None, "< 1 GiB")
    with EventStore(db) as store:
        big = _catch_up_seconds(store)
    table.add(f"catch-up after one new event at {events:,} events (ms)", f"{big * 1000:.1f}", "-", None, "< 50 ms")


def bench_eventsourcing(source: Path, work: Path, events: int, table: Table) -> None:
    """Appending a batch through each library's API, both encrypting: ours (`EventStore.append`:
    schema checks, references, hash chain, sealing) against the eventsourcing library's
    (`EventStore.put`: its mapper encodes each domain event as JSON and encrypts it with AES-GCM,
    then its recorder inserts). Their recorder alone, given bytes made beforehand, is reported too:
    the storage layer, the floor of any append. Both sides' events are built before the clock starts."""
    try:
        from eventsourcing.cryptography import AESCipher
        from eventsourcing.domain import DomainEvent
        from eventsourcing.persistence import DatetimeAsISO, EventStore as TheirStore, JSONTranscoder, Mapper
        from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore
        from eventsourcing.utils import Environment
    except ImportError:
        table.add("append + read back vs eventsourcing (events/s)", "-", "eventsourcing not installed "
                  "(make bench installs it)", None, "report")
        return
    import datetime
    import uuid

    class Coded(DomainEvent):  # one class for every type, as our envelope carries the type
        type: str
        data: dict

    records = [json.loads(line) for line in source.open()]
    versions: dict[str, int] = {}
    domain_events = []
    now = datetime.datetime.now(datetime.timezone.utc)
    for record in records:
        versions[record["case"]] = versions.get(record["case"], 0) + 1
        domain_events.append(Coded(originator_id=uuid.uuid5(uuid.NAMESPACE_URL, record["case"]),
                                   originator_version=versions[record["case"]], timestamp=now,
                                   type=record["type"], data=record["data"]))
    del records
    transcoder = JSONTranscoder()
    transcoder.register(DatetimeAsISO())
    cipher = AESCipher(Environment(env={"CIPHER_KEY": AESCipher.create_key(32)}))
    mapper = Mapper(transcoder, cipher=cipher)

    def their_store(name: str) -> SQLiteApplicationRecorder:
        recorder = SQLiteApplicationRecorder(SQLiteDatastore(str(work / name)))
        recorder.create_table()
        return recorder

    api_recorder = their_store("es-api.db")
    theirs_api = timed(lambda: TheirStore(mapper, api_recorder).put(domain_events))
    stored = [mapper.to_stored_event(event) for event in domain_events]
    del domain_events
    recorder = their_store("es-raw.db")
    theirs_raw = timed(lambda: recorder.insert_events(stored))
    del stored

    def their_read() -> None:
        start = 1
        while True:
            batch = recorder.select_notifications(start, 10_000)
            if not batch:
                break
            for notification in batch:
                transcoder.decode(cipher.decrypt(notification.state))
            start = batch[-1].id + 1
    theirs_read = timed(their_read)
    db = work / "es-ours.db"
    proposed = list(read_events(source))  # built beforehand, as their domain events are
    with EventStore(db) as store:
        ours_write = timed(lambda: store.append(proposed))
        ours_read = timed(lambda: sum(1 for _ in store.read()))
    proposed.clear()
    figure = f"{events / ours_write:,.0f}"
    table.add("append a batch through the API, sealed, vs eventsourcing's API, encrypted (events/s)", figure,
              f"{events / theirs_api:,.0f} eventsourcing EventStore.put", theirs_api / ours_write, ">= 1.00")
    table.add("the same append vs eventsourcing's recorder given encrypted bytes (events/s)", figure,
              f"{events / theirs_raw:,.0f} eventsourcing insert_events", theirs_raw / ours_write, "report")
    table.add("read back the whole log, decrypted, vs eventsourcing (events/s)", f"{events / ours_read:,.0f}",
              f"{events / theirs_read:,.0f} eventsourcing, decrypted", theirs_read / ours_read, "report")


def bench_postgres(source: Path, events: int, table: Table) -> None:
    """Import, rebuild and catch-up on a throwaway PostgreSQL cluster, each beside a raw psycopg
    baseline in the same run: COPY of the same rows into a bare table, and an ordered scan with JSON."""
    from tests.pgcluster import create_database, server_programs, throwaway_cluster

    if server_programs() is None:
        table.add("PostgreSQL rows", "-", "no server programs here (apt-get install postgresql)", None, "report")
        return
    import psycopg

    from events.backends.postgres import SCHEMA as PG_SCHEMA

    with throwaway_cluster() as cluster:
        url = create_database(cluster, "bench")
        with EventStore(url) as store:
            ours = timed(lambda: store.import_file(source))
            rows = store.conn.execute(f"SELECT {COLUMNS} FROM events ORDER BY position").fetchall()
        raw_url = create_database(cluster, "raw")

        def copy() -> None:
            with psycopg.connect(raw_url) as conn:
                conn.execute(PG_SCHEMA.split("CREATE OR REPLACE FUNCTION")[0])  # the bare table, no triggers
                with conn.cursor().copy(f"COPY events ({COLUMNS}) FROM STDIN") as stream:
                    for row in rows:
                        stream.write_row(row)
        raw = timed(copy)
        table.add("PostgreSQL: bulk import, validated, hashed and sealed (events/s)", f"{events / ours:,.0f}",
                  f"{events / raw:,.0f} raw COPY", raw / ours, "report")
        with EventStore(url) as store:
            rebuild = timed(Projector(store).rebuild)

            def scan() -> None:
                with psycopg.connect(url) as conn, conn.cursor(name="scan") as cursor:
                    cursor.execute(f"SELECT {COLUMNS} FROM events ORDER BY position")
                    for row in cursor:
                        json.loads(row[9])
                        json.loads(row[10])
            raw_scan = best_of(2, scan)
            table.add("PostgreSQL: full rebuild, sealed (events/s)", f"{events / rebuild:,.0f}",
                      f"{events / raw_scan:,.0f} raw ordered scan + JSON", raw_scan / rebuild, "report")
            big = _catch_up_seconds(store)
        table.add(f"PostgreSQL: catch-up after one new event at {events:,} events (ms)", f"{big * 1000:.1f}",
                  "-", None, "< 50 ms")


def main() -> None:
    parser = argparse.ArgumentParser(description="pathways benchmarks")
    parser.add_argument("--cases", type=int, default=2000, help="synthetic cases (about 25 events each)")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (the smoke test)")
    parser.add_argument("--out", type=Path, help="also write the table (Markdown) here")
    parser.add_argument("--scale", action="store_true",
                        help="only what grows with the log: sealed import, rebuild, catch-up, peak memory")
    parser.add_argument("--memory", action="store_true",
                        help="only the peak memory of the commands that read every case (beside a rebuild's) "
                             "and the drawing of a dense case")
    parser.add_argument("--no-report", action="store_true",
                        help="with --memory: leave out the report (two figures drawn a case: hours at 40,000 cases)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pathways-bench-"))
    source = work / "cases.jsonl"
    with source.open("w") as out:
        events = synth.write(args.cases, out)
    print(f"{args.cases:,} synthetic cases, {events:,} events; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
          file=sys.stderr)
    table = Table()
    if args.memory:
        db = work / "memory.db"
        with EventStore(db) as store:
            store.import_file(source)
        bench_cross_case_memory(db, work, events, table, report=not args.no_report)
        bench_dense_render(db, work, table, quick=args.quick)
        print(table.markdown())
        if args.out:
            args.out.write_text(table.markdown() + "\n")
        shutil.rmtree(work, ignore_errors=True)
        return
    if args.scale:
        bench_scale(source, work, events, table)
        print(table.markdown())
        if args.out:
            args.out.write_text(table.markdown() + "\n")
        shutil.rmtree(work, ignore_errors=True)
        return
    db = bench_import(source, work, events, table)
    bench_import(source, work, events, table, alone=True)
    open_db = bench_import(source, work, events, table, seal=False)
    bench_rebuild(db, events, table)
    bench_rebuild(open_db, events, table, kind="open")
    bench_rebuild_floor(db, work, events, table)
    bench_catch_up(db, events, table)
    bench_loops(db, table)
    bench_cli_append(db, work, table, 3 if args.quick else 7)
    bench_render(db, table)
    bench_memory(db, events, table)
    bench_cross_case_memory(db, work, events, table, report=True if args.cases <= REPORT_CASES else None)
    bench_dense_render(db, work, table, quick=args.quick)
    bench_eventsourcing(source, work, events, table)
    bench_postgres(source, events, table)
    text = table.markdown()
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
