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


class CollectorHold:
    """Python's cyclic collector kept off while any holder needs it off, and back as it was
    once the last lets go: counted, so that holders that overlap in time (the window's work
    off its thread, its start-up) never switch it on under one another.

    Why the window holds it while work runs off its thread: a collection runs in whichever
    thread happens to allocate, and one run in a worker that frees a widget left in a
    reference cycle (a dialog just closed, say) destroys that widget off the GUI thread, which
    crashes Qt (found moving a bulk change off the GUI thread: a segmentation fault in
    ``QWidget::~QWidget`` under ``gc_collect_main`` in the worker). Held and let go on one
    thread only (the window's)."""

    def __init__(self) -> None:
        self.holders = 0
        self.was_enabled = False

    def hold(self) -> None:
        if self.holders == 0:
            self.was_enabled = gc.isenabled()
            gc.disable()
        self.holders += 1

    def release(self) -> None:
        if self.holders == 0:
            return
        self.holders -= 1
        if self.holders == 0 and self.was_enabled:
            gc.enable()


# The one hold of this process (the window's).
collector = CollectorHold()
