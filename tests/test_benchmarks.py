"""The benchmark script runs end to end at a tiny size, so it cannot rot. No timing is asserted."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_smoke(tmp_path):
    out = tmp_path / "table.md"
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--cases", "20", "--quick",
                             "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    table = out.read_text()
    for row in ("bulk import", "full rebuild", "ceiling of any rebuild", "catch-up", "loop enumeration",
                "one append through the CLI", "render a case's two diagrams", "peak memory", "eventsourcing",
                "peak memory of `summary --json`", "peak memory of `leverage --json`", "peak memory of `report`",
                "loop diagram as DOT of a case of 7 variables linked every way"):
        assert row in table


def test_synthetic_data_is_deterministic_and_imports(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import io

    import synth

    first, second = io.StringIO(), io.StringIO()
    assert synth.write(30, first, seed=5) == synth.write(30, second, seed=5)
    assert first.getvalue() == second.getvalue()
    path = tmp_path / "s.jsonl"
    path.write_text(first.getvalue())
    from events.ingest.readers import read_events
    from events.store import EventStore
    from pathways.projections.runner import Projector

    with EventStore(tmp_path / "s.db") as store:
        report = store.append(read_events(path))
        assert report.appended == len(first.getvalue().splitlines())
        Projector(store).rebuild()
        assert store.conn.execute("SELECT count(*) FROM loops").fetchone()[0] > 0


def test_benchmark_memory_smoke(tmp_path):
    out = tmp_path / "memory.md"
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--cases", "20", "--memory",
                             "--quick", "--no-report", "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    table = out.read_text()
    assert "peak memory of `summary --json`" in table and "peak memory of `leverage --json`" in table
    assert "peak memory of `report`" not in table and "2,365 loops" in table


def test_benchmark_scale_smoke(tmp_path):
    out = tmp_path / "scale.md"
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--cases", "20", "--scale",
                             "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert all(row in out.read_text() for row in ("import, sealed", "rebuild, sealed", "catch-up"))
