"""Bulk work with CPython's cyclic garbage collector paused.

A batch of a million events, or a rebuild's stream of rows, makes millions of small containers
that all live until the commit. The cyclic collector is triggered by allocation counts, so it
scans them (and everything else the process holds, a caller's list of events included) again and
again while they grow, and frees nothing: reference counting frees what dies (a collection after
a 251,240-event import finds no garbage). Pausing it for the duration took the writer's CPU per event
from 69-82 to 54-62 µs on an API append of 50,334 events.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector off for the block, and back on after (unless it was off already)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
