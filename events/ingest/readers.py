"""Readers and writers of the import format: JSON Lines and CSV, one event envelope per line or row.

The envelope is the one `log --json` prints, so a log exported and imported elsewhere keeps its ids,
times and hashes. Required: `type`, `case` (or `stream`), `data`. Optional: `occurred`, `event_id`,
`recorded_by`, `recorded_at`, `meta`, `schema_version`, `version` (the event's expected version in
its stream). `position`, `prev_hash` and `hash` are accepted and ignored: the log gives its own.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from events.envelope import Event, NewEvent, case_stream
from events.errors import InvalidEvent
from events.rules.limits import EVENT_BYTES

REQUIRED = ("type", "data")
OPTIONAL = ("case", "stream", "occurred", "event_id", "recorded_by", "recorded_at", "meta",
            "schema_version", "version", "position", "prev_hash", "hash")
KNOWN = frozenset(REQUIRED + OPTIONAL)
CSV_COLUMNS = ("position", "event_id", "stream", "case", "version", "type", "schema_version", "occurred",
               "recorded_at", "recorded_by", "data", "meta", "prev_hash", "hash")
FORMATS = ("jsonl", "csv")


def detect_format(path: str | Path, given: str | None = None) -> str:
    if given:
        if given not in FORMATS:
            raise InvalidEvent(f"unknown import format '{given}' (use jsonl or csv)", file=str(path))
        return given
    return "csv" if str(path).lower().endswith(".csv") else "jsonl"


def count_records(path: str | Path) -> int:
    """Lines in the file (an upper bound on records, for a progress bar)."""
    with open(path, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def open_import(path: str | Path) -> IO[str]:
    """An import file opened as text; InvalidEvent naming it if it cannot be read."""
    try:
        return open(path, encoding="utf-8-sig", newline="")  # -sig: tolerate a byte-order mark
    except OSError as error:
        raise InvalidEvent(f"cannot read: {error.strerror}", file=str(path)) from None


def not_utf8(error: UnicodeDecodeError, name: str) -> InvalidEvent:
    return InvalidEvent(f"not UTF-8 text ({error.reason})", file=name)


def read_events(path: str | Path, fmt: str | None = None) -> Iterator[NewEvent]:
    """Stream the events of an import file; a bad line raises InvalidEvent naming file, line and field."""
    fmt = detect_format(path, fmt)
    name = str(path)
    with open_import(path) as handle:
        records = _jsonl_records(handle) if fmt == "jsonl" else _csv_records(handle)
        try:
            for line, record in records:
                try:
                    yield to_new_event(record, line=line)
                except InvalidEvent as error:
                    raise error.located(file=name, line=line)
        except UnicodeDecodeError as error:
            raise not_utf8(error, name) from None
        except InvalidEvent as error:
            raise error.located(file=name)


def jsonl_lines(handle: IO[str]) -> Iterator[tuple[int, str]]:
    """(line number, text) of every line that is not blank."""
    for line, text in enumerate(handle, start=1):
        if text.strip():
            yield line, text


def jsonl_record(text: str, line: int) -> dict[str, Any]:
    """One line of JSON Lines as the envelope it must be (a JSON object)."""
    record = loads(text, line=line)
    if not isinstance(record, dict):
        raise InvalidEvent("each line must be a JSON object", line=line)
    return record


def _jsonl_records(handle: IO[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    for line, text in jsonl_lines(handle):
        yield line, jsonl_record(text, line)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_STRICT = json.JSONDecoder(parse_constant=_refuse_constant)  # one decoder, not one per line


def _number_reason(error: ValueError) -> str:
    """Python's own words for an integer too long to read advise `sys.set_int_max_str_digits()`, which a
    user of pathways cannot call: say what the number is instead."""
    too_long = re.search(r"value has (\d+) digits", str(error))
    if too_long and "integer string conversion" in str(error):
        return f"a number of {int(too_long[1]):,} digits: no field takes more than {sys.get_int_max_str_digits():,}"
    return str(error)


def loads(text: str, *, line: int | None = None, field: str | None = None) -> Any:
    """Strict JSON: no NaN or Infinity; a number too long, or nesting too deep for the parser, is
    refused as malformed like any other bad text (one line, never a traceback)."""
    try:
        return _STRICT.decode(text)
    except json.JSONDecodeError as error:
        reason = error.msg.removesuffix(" at")  # "Invalid control character at" + our "at column"
        raise InvalidEvent(f"malformed JSON ({reason} at column {error.colno})", line=line, field=field) from None
    except ValueError as error:  # NaN, Infinity, an integer of thousands of digits
        raise InvalidEvent(f"malformed JSON ({_number_reason(error)})", line=line, field=field) from None
    except RecursionError:
        raise InvalidEvent("malformed JSON (nested too deeply to read)", line=line, field=field) from None


def _csv_records(handle: IO[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    csv.field_size_limit(max(csv.field_size_limit(), 4 * EVENT_BYTES))  # a cell may hold a whole payload
    reader = csv.DictReader(handle)
    header = reader.fieldnames or []
    missing = [column for column in REQUIRED if column not in header]
    if "case" not in header and "stream" not in header:
        missing.append("case")
    if missing:
        raise InvalidEvent(f"CSV header lacks column(s): {', '.join(missing)}", line=1, field=missing[0])
    unknown = [column for column in header if column not in KNOWN]
    if unknown:
        raise InvalidEvent(f"unknown CSV column '{unknown[0]}'", line=1, field=unknown[0])
    for row in reader:
        line = reader.line_num
        if None in row:
            raise InvalidEvent("more cells than the header has columns", line=line)
        record: dict[str, Any] = {}
        for column, cell in row.items():
            if cell is None:
                raise InvalidEvent("fewer cells than the header has columns", line=line, field=column)
            if cell == "":
                continue
            if column in ("data", "meta"):
                record[column] = loads(cell, line=line, field=column)
            elif column in ("version", "schema_version", "position"):
                try:
                    record[column] = int(cell)
                except ValueError:
                    shown = repr(cell) if len(cell) <= 40 else f"a cell of {len(cell):,} characters"
                    raise InvalidEvent(f"{shown} is not a whole number", line=line, field=column) from None
            else:
                record[column] = undefuse(cell)
        yield line, record


def to_new_event(record: dict[str, Any], *, line: int | None = None) -> NewEvent:
    """One envelope (a dict) as a NewEvent; unknown keys and missing ones are refused."""
    if not KNOWN.issuperset(record):
        unknown = sorted(set(record) - KNOWN)
        raise InvalidEvent(f"unknown key '{unknown[0]}'", line=line, field=unknown[0])
    for key in REQUIRED:
        if key not in record:
            raise InvalidEvent("is required but missing", line=line, field=key)
    stream = record.get("stream")
    case = record.get("case")
    if case is not None:
        if not isinstance(case, str):
            raise InvalidEvent("must be a string", line=line, field="case")
        if stream is not None and stream != case_stream(case):
            raise InvalidEvent(f"case '{case}' and stream '{stream}' disagree", line=line, field="stream")
        stream = case_stream(case)
    if stream is None:
        raise InvalidEvent("is required but missing (or give `stream`)", line=line, field="case")
    for key in ("version", "schema_version"):
        if key in record and record[key] is not None and (not isinstance(record[key], int) or isinstance(record[key], bool)):
            raise InvalidEvent("must be a whole number", line=line, field=key)
    for key in ("occurred", "event_id", "recorded_at"):
        if record.get(key) is not None and not isinstance(record[key], str):
            raise InvalidEvent("must be a string", line=line, field=key)
    version = record.get("version")
    if record.get("occurred") == "":  # an empty date is no date, as an empty CSV cell is
        record = {**record, "occurred": None}
    return NewEvent(
        stream=stream, type=record["type"], data=record["data"], occurred=record.get("occurred"),
        event_id=record.get("event_id"), recorded_by=record.get("recorded_by"),
        recorded_at=record.get("recorded_at"),
        meta=record.get("meta") if record.get("meta") is not None else {},
        schema_version=record.get("schema_version"),
        expected_version=version - 1 if version is not None else None, line=line)


def write_jsonl(events: Iterable[Event], out: IO[str]) -> int:
    count = 0
    for event in events:
        out.write(json.dumps(event.envelope(), ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(events: Iterable[Event], out: IO[str]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for event in events:
        envelope = event.envelope()
        writer.writerow([_cell(column, envelope[column]) for column in CSV_COLUMNS])
        count += 1
    return count


def _cell(column: str, value: Any) -> str:
    if column in ("data", "meta"):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return "" if value is None else defuse(str(value))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def defuse(cell: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading `'` (one more `'` for a cell that
    already starts with one, so `undefuse` gives back exactly what was written)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def undefuse(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell

