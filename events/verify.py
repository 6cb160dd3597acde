"""`verify`: the hash chain, the stream versions, the append-only triggers and (with the keys) the
sealed payloads, recomputed from what is stored; the first broken position named."""

from __future__ import annotations

from typing import Any

from events.envelope import COLUMNS, case_of
from events.hashing import GENESIS, chain_hash
from events.reports import Head, VerifyReport
from events.sealing.cipher import Sealer, Tampered, is_sealed, looks_sealed


def verify_log(store: Any, head: Head | None = None) -> VerifyReport:
    """Recompute the hash chain and stream versions; name the first broken position. With `head`
    (an earlier `pathways head`), also prove the log still holds that event: truncation or a
    rewrite of the log from there on is then seen even though the rest chains up."""
    missing = store.log.missing_triggers()
    prev, checked, heads = GENESIS, 0, {}
    keyring = store.log.keyring() if store.sealed else None
    if keyring is not None and keyring.exists():
        keyring.keys()  # another database's key file is refused here (exit 3), not taken for tampering
    opener = store.sealer if keyring is not None and keyring.exists() else None
    expected_position = 1
    ended: set[str] = set()
    """The streams whose CaseForgotten has been passed: nothing may follow it."""
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
        if stream in ended:
            return VerifyReport(False, checked, position, f"event {event_id} ({stream}#{version}) follows the case's "
                                "CaseForgotten: nothing may be added to an erased case")
        if type_ == "CaseForgotten":
            ended.add(stream)
        checked += 1
        if store.sealed and type_ != "CaseForgotten" and stream.startswith("case:"):
            try:
                _check_seal(store, opener, stream, version, event_id, data, meta)
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

def _check_seal(store: Any, sealer: Sealer | None, stream: str, version: int, event_id: str, data: str,
                meta: str) -> None:
    """Every case event of a sealed log is sealed: a payload in clear there was written behind the
    log's back (a forger who re-hashes from it on passes the chain). With the keys at hand it must
    also open: a rewritten ciphertext never passes the cipher's tag. An erased case's events can
    only be checked for their shape (sealed, no key to open them); so can any case's without keys."""
    if not looks_sealed(data, meta):
        what = "stored in clear" if not is_sealed(data) else "not a sealed payload"
        raise Tampered(f"event {event_id} ({stream}#{version}): its payload is {what} in a sealed database: "
                       "it was written behind the log's back")
    case = case_of(stream)
    if sealer is None or case in store.forgotten() or not sealer.has_key(case):
        return
    sealer.open(case, stream, version, event_id, data)
