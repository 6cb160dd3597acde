"""Rows into the read-model tables, in batches, inside the runner's write transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from events import collector

from pathways.projections.tables import TABLES

FLUSH_ROWS = 20_000


def delete_cases(conn: Any, cases: Sequence[str]) -> None:
    for start in range(0, len(cases), 500):
        part = cases[start:start + 500]
        marks = ",".join("?" * len(part))
        for name in TABLES:
            conn.execute(f"DELETE FROM {name} WHERE \"case\" IN ({marks})", part)


def delete_all(conn: Any) -> None:
    for name in TABLES:
        conn.execute(f"DELETE FROM {name}")


def write_cases(conn: Any, cases: Iterable[tuple[dict[str, list[tuple]], int]],
                progress: Callable[[int], None] | None) -> int:
    """Write each case's rows (and its event count, for progress) in batches; how many cases."""
    with collector.paused():
        return _write_all(conn, cases, progress)


def _write_all(conn: Any, cases: Iterable[tuple[dict[str, list[tuple]], int]],
               progress: Callable[[int], None] | None) -> int:
    buffers: dict[str, list[tuple]] = {name: [] for name in TABLES}
    count = pending = 0
    for tables, events in cases:
        for name, rows in tables.items():
            buffers[name].extend(rows)
            pending += len(rows)
        count += 1
        if pending >= FLUSH_ROWS:
            _flush(conn, buffers)
            pending = 0
        if progress:
            progress(events)
    _flush(conn, buffers)
    return count


def _flush(conn: Any, buffers: dict[str, list[tuple]]) -> None:
    for name, rows in buffers.items():
        if rows:
            columns = TABLES[name]["columns"]
            quoted = ", ".join(f'"{c}"' for c in columns)
            sql = (f"INSERT INTO {name} ({quoted}) "
                   f"VALUES ({', '.join('?' * len(columns))})")
            conn.executemany(sql, rows)
            rows.clear()
