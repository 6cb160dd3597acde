"""The databases a log can live in, behind one small interface (`Backend`): one module per database.

A backend owns the connection, the schema and its append-only triggers, the write lock, settings,
the table helpers the projections use, where the keys of sealed cases are kept, and the one place
where its driver's errors become ours. Everything above it (the append, reading, verifying) is
written once against this interface; `tests/test_store.py` runs the same contract on both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from events.errors import PathwaysError
from events.sealing.cipher import Keyring


class Backend(Protocol):
    path: Any
    conn: Any
    read_only: bool
    created: bool

    def begin_write(self, waiting: Callable[[float], None] | None = None, *, wait: bool = True) -> None: ...
    def begin_read(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def close(self) -> None: ...
    def stream(self, sql: str, params: Any = ()) -> Iterator[tuple]: ...
    def missing_triggers(self) -> set[str]: ...
    def setting(self, name: str) -> str | None: ...
    def set_setting(self, name: str, value: str) -> None: ...
    def keyring(self) -> Keyring: ...
    def prepare_keys(self) -> None: ...
    def scrub(self, tables: Sequence[str] = ()) -> str | None: ...
    def not_ours(self, tables: Sequence[str]) -> dict[str, str]: ...
    def table_columns(self, names: list[str]) -> dict[str, list[str]]: ...
    def create_table(self, name: str, columns: dict[str, type], pk: str | tuple[str, ...]) -> None: ...
    def drop_table(self, name: str) -> None: ...
    def create_index(self, name: str, columns: list[str]) -> None: ...

    @property
    def target(self) -> str | None: ...


def is_server(target: object) -> bool:
    """A `--db` value that names a database server (a `postgresql://` URL), not a file."""
    from events.backends.postgres import is_url

    return is_url(target)


def shown_target(target: str) -> str:
    """A `--db` value as messages show it: a server URL without its password, a path as it is."""
    from events.backends.postgres import is_url, shown

    return shown(target) if is_url(target) else target


def open_backend(path: str | Path, *, create: bool, busy_seconds: float) -> Backend:
    """The backend a `--db` value names: a `postgresql://` URL, or a SQLite file path."""
    from events.backends.postgres import PostgresLog, is_url
    from events.backends.sqlite import SQLiteLog

    if is_url(path):
        return PostgresLog(str(path), create=create, busy_seconds=busy_seconds)
    return SQLiteLog(Path(path), create=create, busy_seconds=busy_seconds)


def translate(error: BaseException, where: str) -> PathwaysError | None:
    """The one place where a backend's errors become ours (None: not a storage error we know)."""
    from events.backends.postgres import translate as from_postgres
    from events.backends.sqlite import translate as from_sqlite

    return from_sqlite(error, where) or from_postgres(error, where)
