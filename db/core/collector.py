"""Bulk work with Python's cyclic garbage collector paused."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for allocation-heavy work that makes no cycles.

    Reading and importing a tracker keeps every row's objects alive until the end, and the
    collector would walk all of them again each time enough new ones had been made: at
    100,000 rows some 9,600 collections, 34 of them over everything, about 12 % of the
    import's time (docs/performance.md). Reference counting still frees every object as
    usual; cycles made meanwhile wait for the collector, which runs again when this ends.
    Nested or overlapping uses leave it to the outermost to switch the collector back on.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
