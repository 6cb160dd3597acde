"""Sealed cases: each case's payload stored as AES-GCM ciphertext under the case's own key.

A sealed event keeps its envelope (id, stream, version, type, dates, hashes) in clear and stores
`data` and `meta` together as one ciphertext in the `data` column, as a JSON string (a clear payload
is always a JSON object, so the two never look alike); its `meta` column holds the JSON string
`"sealed"`. The associated data binds the ciphertext to the event's stream, version and id: moved
to another event it does not decrypt. The hash chain covers the stored text, so `verify` needs no
key, and erasing a case's key (crypto-shredding) erases the case while the chain still verifies.

Keys live apart from the log, in a `Keyring` of the backend's (a key file beside a SQLite file, a
table of its own on PostgreSQL); this module only uses the small interface below.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import os
from collections.abc import Callable
from typing import Protocol

from events.errors import PathwaysError

MARK = "aesgcm1:"
SEALED_META = '"sealed"'
_STORED_MARK = '"' + MARK
KEY_BYTES = 32
CIPHERS = 1024
"""Cipher objects kept at once. A log is read and written case by case, so a small cache hits; one
object per case of a 200,000-case import held most of its 773 MiB peak."""


class Keyring(Protocol):
    """Where a store's case keys (and the project's pseudonym secret) are kept."""

    where: str

    def exists(self) -> bool:
        """Whether the key place is there at all (a lost key file is not)."""

    def keys(self) -> dict[str, bytes]:
        """Every case key held, by case id."""

    def add(self, keys: dict[str, bytes]) -> None:
        """Keep these new case keys durably (before the events they seal are committed)."""

    def destroy(self, cases: set[str], waiting: Callable[..., None] | None = None) -> int:
        """Remove these cases' keys so that no copy remains in the key place; how many were held
        (`waiting(seconds, what)` is told while another process holds the key place's lock)."""

    def project_secret(self) -> bytes:
        """The project's secret for keyed pseudonyms (made on first use)."""

    def dump(self) -> dict[str, str]:
        """Everything held, as text: what a backup file carries."""

    def restore(self, content: dict[str, str]) -> None:
        """Take over a backup's content (replacing what is held)."""


class KeyMissing(PathwaysError):
    """A sealed payload whose case key is not held: the key file is lost, or the case was erased."""

    exit_code = 3


class Tampered(PathwaysError):
    """A ciphertext that does not decrypt under its case's key: changed after it was written."""

    exit_code = 1


def is_sealed(stored_data: str) -> bool:
    return stored_data.startswith('"')


def looks_sealed(stored_data: str, stored_meta: str) -> bool:
    """Whether a stored row has the shape of a sealed payload (`"aesgcm1:<base64>"`, a nonce and a
    tag at least, meta `"sealed"`): all that can be checked of an erased case's events, with no key."""
    if stored_meta != SEALED_META or not (stored_data.startswith(_STORED_MARK) and stored_data.endswith('"')):
        return False
    try:
        raw = binascii.a2b_base64(stored_data[len(_STORED_MARK):-1], strict_mode=True)
    except ValueError:
        return False
    return len(raw) >= 12 + 16


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


class _Nonces:
    """96-bit nonces, unique with overwhelming probability: keyed BLAKE2b (a PRF) of a counter under
    a 256-bit seed from the system's CSPRNG. One small read of the CSPRNG per process instead of one
    per event (on some machines it yields under 20 MB/s). The seed is drawn again in a forked child:
    two processes sealing under the same key must never share a nonce."""

    def __init__(self) -> None:
        self._reseed()
        os.register_at_fork(after_in_child=self._reseed)

    def _reseed(self) -> None:
        # The keyed state is made once and copied per nonce: the same digest, without the key's setup.
        self._keyed, self._counter = hashlib.blake2b(key=os.urandom(32), digest_size=12), itertools.count()

    def take(self) -> bytes:
        counter = next(self._counter)  # atomic: a C iterator under the GIL
        state = self._keyed.copy()
        state.update(counter.to_bytes(8, "big"))
        return state.digest()


_NONCES = _Nonces()


def _aad(stream: str, version: int, event_id: str) -> bytes:
    return f"{stream}\x1f{version}\x1f{event_id}".encode()


class Sealer:
    """Seals and opens the payloads of one store with the keys of its keyring (read once, kept here)."""

    def __init__(self, keyring: Keyring) -> None:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self.keyring = keyring
        self._aesgcm, self._invalid_tag = AESGCM, InvalidTag
        self._keys: dict[str, bytes] | None = None
        self._ciphers: dict[str, object] = {}
        self._unreadable: str | None = None

    @property
    def keys(self) -> dict[str, bytes]:
        if self._keys is None:
            try:
                self._keys = self.keyring.keys()
            except PathwaysError as error:  # a key place this role may not read, or a damaged key file
                self._keys, self._unreadable = {}, error.reason
        return self._keys

    def forget_cached(self, cases: set[str] | None = None) -> None:
        """Drop cached keys (all, or these cases'): the keyring changed under us."""
        if cases is None:
            self._keys, self._ciphers, self._unreadable = None, {}, None
            return
        for case in cases:
            if self._keys is not None:
                self._keys.pop(case, None)
            self._ciphers.pop(case, None)

    def has_key(self, case: str) -> bool:
        return case in self.keys

    def learn(self, case: str, key: bytes) -> None:
        """A key made in this process (kept in the keyring by the writer before it commits)."""
        self.keys[case] = key

    def _cipher(self, case: str, event: str) -> object:
        cipher = self._ciphers.get(case)
        if cipher is None:
            key = self.keys.get(case)
            if key is None:
                raise KeyMissing(self.missing_reason(case, event))
            if len(self._ciphers) >= CIPHERS:  # each holds native cipher state: keep a few, not one per case
                self._ciphers.clear()
            cipher = self._ciphers[case] = self._aesgcm(key)
        return cipher

    def missing_reason(self, case: str, event: str) -> str:
        if self._unreadable is not None:
            return self._unreadable
        if not self.keyring.exists():
            return (f"the log is sealed and its keys are not at {self.keyring.where}: it can be verified and "
                    "listed, not analysed (bring the key file back, or `pathways keys restore BACKUP`)")
        return (f"no key for case '{case}' (event {event}) in {self.keyring.where}: restore the keys from a backup "
                "(`pathways keys restore BACKUP`)")

    def seal(self, case: str, stream: str, version: int, event_id: str, data_json: str,
             meta_json: str) -> tuple[str, str]:
        """The stored `data` and `meta` columns of a sealed event."""
        nonce = _NONCES.take()
        body = self._cipher(case, event_id).encrypt(  # type: ignore[attr-defined]
            nonce, f"{data_json}\n{meta_json}".encode(), _aad(stream, version, event_id))
        return f'"{MARK}{base64.b64encode(nonce + body).decode()}"', SEALED_META

    def open(self, case: str, stream: str, version: int, event_id: str, stored_data: str) -> tuple[str, str]:
        """The canonical `data` and `meta` JSON of a sealed event; KeyMissing or Tampered."""
        cipher = self._cipher(case, event_id)
        try:
            # The stored text is `"aesgcm1:<base64>"`: base64 needs no JSON escapes, so no parser either.
            if not (stored_data.startswith(_STORED_MARK) and stored_data.endswith('"')):
                raise ValueError
            raw = binascii.a2b_base64(stored_data[len(_STORED_MARK):-1], strict_mode=True)  # base64 alphabet only
            plain = cipher.decrypt(raw[:12], raw[12:], _aad(stream, version, event_id))  # type: ignore[attr-defined]
        except (ValueError, self._invalid_tag):
            raise Tampered(f"event {event_id} ({stream}#{version}): its sealed payload does not decrypt "
                           "under the case's key: it was changed after it was written") from None
        data_json, _, meta_json = plain.decode().partition("\n")
        return data_json, meta_json

    def seal_text(self, case: str, text: str | None) -> str | None:
        """Free text for a projection table, sealed under the case's key (None stays None)."""
        if text is None:
            return None
        nonce = _NONCES.take()
        body = self._cipher(case, case).encrypt(nonce, text.encode(), case.encode())  # type: ignore[attr-defined]
        return MARK + base64.b64encode(nonce + body).decode()

    def open_text(self, case: str, stored: str | None) -> str | None:
        if stored is None or not stored.startswith(MARK):
            return stored
        raw = base64.b64decode(stored[len(MARK):])
        try:
            return self._cipher(case, case).decrypt(raw[:12], raw[12:], case.encode()).decode()  # type: ignore[attr-defined]
        except self._invalid_tag:
            raise Tampered(f"a projected text of case '{case}' does not decrypt: the tables were changed "
                           "behind the log's back (`pathways rebuild` writes them again)") from None


class MemoryKeys:
    """A keyring in memory: for a scratch log (a dry run with no database yet)."""

    where = "memory"

    def __init__(self) -> None:
        self._content: dict[str, str] = {}

    def exists(self) -> bool:
        return True

    def keys(self) -> dict[str, bytes]:
        return {name[5:]: bytes.fromhex(value) for name, value in self._content.items() if name.startswith("case:")}

    def add(self, keys: dict[str, bytes]) -> None:
        self._content.update({f"case:{case}": key.hex() for case, key in keys.items()})

    def destroy(self, cases: set[str], waiting: Callable[..., None] | None = None) -> int:
        return sum(self._content.pop(f"case:{case}", None) is not None for case in cases)

    def project_secret(self) -> bytes:
        return bytes.fromhex(self._content.setdefault("project", os.urandom(32).hex()))

    def dump(self) -> dict[str, str]:
        return dict(self._content)

    def restore(self, content: dict[str, str]) -> None:
        self._content = dict(content)
