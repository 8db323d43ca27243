"""The C library's heap, on Linux (glibc): what the window asks of it to keep its memory
within issue 26's 150 MB at 100,000 items (benchmarks/window_memory.py, docs/performance.md).
Elsewhere (Windows, macOS, a C library without these calls) each is a no-op."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

M_ARENA_MAX = -8  # glibc's mallopt parameter: how many heaps (arenas) its threads may have
THREAD_HEAPS = 2  # the GUI thread's, and one that every other thread shares
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter: from what size a block is mapped alone
MAPPED_FROM = 128 * 1024  # glibc's own starting value, kept (its default then grows)


def _glibc(name: str) -> Callable[..., Any] | None:
    """glibc's function ``name``, or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return getattr(ctypes.CDLL(None), name)  # type: ignore[no-any-return]
    except (OSError, AttributeError):  # not glibc
        return None


def one_heap_for_threads() -> None:
    """Let every thread but the GUI thread share one heap, and keep large blocks out of
    the heaps.

    glibc gives each new thread that allocates a heap (an arena) of its own, up to eight per
    core, and memory freed into one is used again only by the threads on it. casereview's
    threads (the database layer's import, the first page read ahead, the file's check, the
    similarity index's build, changes made in the background) take turns under Python's
    interpreter lock, so one heap shared among them serves as well: 5 MB less of the window's
    memory at 100,000 items once every tab has been shown.

    A block of 128 KB or more is mapped on its own and given back whole when freed; but
    glibc raises that size to any such block freed (up to 32 MB), after which the similarity
    index's arrays and the pages of rows read came from the heaps, between smaller blocks
    that outlived them: 1.5-3.5 MB more of the window's memory at 100,000 items, under a real
    X server and offscreen (issue 26). Setting the size keeps it where it starts.

    Called before the window starts any thread."""
    mallopt = _glibc("mallopt")
    if mallopt is not None:
        mallopt(M_ARENA_MAX, THREAD_HEAPS)
        mallopt(M_MMAP_THRESHOLD, MAPPED_FROM)


def give_back_freed_memory() -> None:
    """Return to the system the heap's free pages, after a one-off piece of work that freed
    much more than the window goes on to use (the similarity index's build: the items'
    texts and terms it read). glibc gives back only what lies at the top of a heap; the rest
    stays the process's until used again. A few milliseconds."""
    trim = _glibc("malloc_trim")
    if trim is not None:
        trim(0)
