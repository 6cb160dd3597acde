"""`verify`: the hash chain, the stream versions, the append-only triggers and (with the keys) the
sealed payloads, recomputed from what is stored; the first broken position named."""

from __future__ import annotations

from typing import Any

from events.envelope import COLUMNS, case_of
from events.hashing import GENESIS, chain_hash
from events.reports import Head, VerifyReport
from events.sealing.cipher import Sealer, Tampered, is_sealed


def verify_log(store: Any, head: Head | None = None) -> VerifyReport:
    """Recompute the hash chain and stream versions; name the first broken position. With `head`
    (an earlier `pathways head`), also prove the log still holds that event: truncation or a
    rewrite of the log from there on is then seen even though the rest chains up."""
    missing = store.log.missing_triggers()
    prev, checked, heads = GENESIS, 0, {}
    opener = store.sealer if store.sealed and store.log.keyring().exists() else None
    expected_position = 1
    for row in store.conn.execute(f"SELECT {COLUMNS} FROM events ORDER BY position"):
        position, event_id, stream, version, type_, schema_version, occurred, recorded_at, \
            recorded_by, data, meta, prev_hash, hash_ = row
        if position != expected_position:
            return VerifyReport(False, checked, position, f"position {expected_position} is missing")
        expected_position += 1
        if prev_hash != prev:
            return VerifyReport(False, checked, position, "prev_hash does not match the hash of the event before it")
        expected = chain_hash(prev, event_id=event_id, stream=stream, version=version, type=type_,
                              schema_version=schema_version, occurred=occurred,
                              recorded_at=recorded_at, recorded_by=recorded_by, data=data, meta=meta)
        if expected != hash_:
            return VerifyReport(False, checked, position, "the stored event does not match its hash (changed after it was written)")
        if version != heads.get(stream, 0) + 1:
            return VerifyReport(False, checked, position, f"version {version} of {stream} does not follow {heads.get(stream, 0)}")
        heads[stream] = version
        prev = hash_
        checked += 1
        if is_sealed(data) and opener is not None:
            try:
                _check_seal(store, opener, stream, version, event_id, data)
            except Tampered as error:
                return VerifyReport(False, checked - 1, position, error.reason)
    if head is not None and head.position > 0:
        held = store.hash_at(head.position)
        if held is None:
            return VerifyReport(False, checked, head.position,
                                f"the log ends at {checked}: the recorded head {head.position} is gone (truncated)")
        if held != head.hash:
            return VerifyReport(False, checked, head.position,
                                "the event at the recorded head has another hash: the log was rewritten from there")
    if missing:
        return VerifyReport(False, checked, None, f"append-only trigger(s) missing: {', '.join(sorted(missing))}")
    return VerifyReport(True, checked)

def _check_seal(store: Any, sealer: Sealer, stream: str, version: int, event_id: str, data: str) -> None:
    """With the keys at hand, a sealed payload must also decrypt: a forgery re-hashed from the
    first changed event on would pass the chain, never the cipher's tag (Tampered names it)."""
    case = case_of(stream)
    if case in store.forgotten() or not sealer.has_key(case):
        return
    sealer.open(case, stream, version, event_id, data)
