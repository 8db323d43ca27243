"""The window's memory (issue 26): PySide6 no longer leaves the source of every module
imported after it in ``linecache`` (21 MB at start-up), and still knows which modules name
it."""

from __future__ import annotations

import linecache
import os
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

from desktop.app import keep_sources_out_of_memory
from tests.helpers import ROOT

feature = pytest.importorskip("shibokensupport.feature")


def test_modules_imported_after_pyside6_leave_no_source_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keep_sources_out_of_memory()
    keep_sources_out_of_memory()  # a second call changes nothing
    (tmp_path / "memory_names_qt.py").write_text(
        "from PySide6.QtCore import QObject\n\ndef fail():\n    raise ValueError('here')\n"
    )
    (tmp_path / "memory_plain.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    linecache.clearcache()
    names_qt = __import__("memory_names_qt")  # an import statement: what PySide6 hooks
    __import__("memory_plain")
    try:
        assert str(tmp_path / "memory_names_qt.py") not in linecache.cache
        assert str(tmp_path / "memory_plain.py") not in linecache.cache
        # What PySide6 wanted to know is known as before: which modules name it.
        assert feature.pyside_feature_dict["memory_names_qt"] == 0
        assert feature.pyside_feature_dict["memory_plain"] == -1
        # A traceback still shows the line (read again when it is printed).
        with pytest.raises(ValueError) as raised:
            names_qt.fail()
        said = "".join(traceback.format_exception(raised.value))
        assert "raise ValueError('here')" in said
    finally:
        for name in ("memory_names_qt", "memory_plain"):
            sys.modules.pop(name, None)
            feature.pyside_feature_dict.pop(name, None)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heaps (arenas) only")
@pytest.mark.parametrize(("shared", "most"), [(False, 5), (True, 2)])
def test_the_windows_threads_share_one_heap(shared: bool, most: int) -> None:
    """glibc gives each new thread a heap of its own (five for the GUI thread and four
    others here), and memory freed into one is used again only by its threads; the window
    lets every thread but the GUI thread share one (``one_heap_for_threads``), as its
    threads take turns under the interpreter lock anyway. Counted by glibc's own
    ``malloc_stats``, with four threads allocating at once."""
    code = (
        "import ctypes, sys, threading\n"
        "from desktop.heap import one_heap_for_threads\n"
        f"if {shared}: one_heap_for_threads()\n"
        "together = threading.Barrier(4)\n"
        "held = []\n"
        "def work():\n"
        "    held.append([bytearray(2000) for _ in range(200)])\n"
        "    together.wait()\n"
        "threads = [threading.Thread(target=work) for _ in range(4)]\n"
        "for t in threads: t.start()\n"
        "for t in threads: t.join()\n"
        "ctypes.CDLL(None).malloc_stats()\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT)),
    )  # fmt: skip
    heaps = [line for line in found.stderr.splitlines() if line.startswith("Arena ")]
    assert len(heaps) == most, found.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heap only")
@pytest.mark.parametrize("given_back", [False, True])
def test_memory_freed_after_a_one_off_piece_of_work_is_given_back(given_back: bool) -> None:
    """What a one-off piece of work freed (the similarity index's build reads every item's
    text) stays the process's unless it lies at the top of the heap; the window gives it
    back once the index is built (``give_back_freed_memory``). 60 MB in 60,000 pieces, all
    freed but the last (which keeps the rest from the heap's top)."""
    code = (
        "from pathlib import Path\n"
        "from desktop.heap import give_back_freed_memory\n"
        "def resident():\n"
        "    line = [l for l in Path('/proc/self/status').read_text().splitlines()"
        " if l.startswith('VmRSS')][0]\n"
        "    return int(line.split()[1]) // 1024\n"
        "pieces = [bytearray(1000) for _ in range(60_000)]\n"
        "last = pieces.pop()\n"
        "before = resident()\n"
        "del pieces\n"
        f"if {given_back}: give_back_freed_memory()\n"
        "print(before - resident())\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )  # fmt: skip
    returned = int(found.stdout)
    assert returned > 40 if given_back else returned < 20, returned


def _has_mallinfo2() -> bool:
    """glibc 2.33 or later (``mallinfo2``); not another C library, nor off Linux."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    return hasattr(ctypes.CDLL(None), "mallinfo2")


@pytest.mark.skipif(not _has_mallinfo2(), reason="glibc 2.33 or later's heap only")
@pytest.mark.parametrize("kept", [False, True])
def test_large_blocks_stay_mapped_on_their_own_after_a_larger_one_is_freed(kept: bool) -> None:
    """glibc maps a block of 128 KB or more on its own, until such a block is freed: then it
    takes blocks up to that size from the heap, where they leave holes between longer-lived
    smaller ones (issue 26: the similarity index's arrays, pages of rows). The window keeps
    the size where it starts (``one_heap_for_threads``). Counted by glibc's ``mallinfo2``:
    how many blocks are mapped on their own."""
    code = (
        "import ctypes\n"
        "from desktop.heap import one_heap_for_threads\n"
        f"if {kept}: one_heap_for_threads()\n"
        "class Info(ctypes.Structure):\n"
        "    _fields_ = [(name, ctypes.c_size_t) for name in ("
        "'arena', 'ordblks', 'smblks', 'hblks', 'hblkhd', 'usmblks', 'fsmblks', "
        "'uordblks', 'fordblks', 'keepcost')]\n"
        "mallinfo2 = ctypes.CDLL(None).mallinfo2\n"
        "mallinfo2.restype = Info\n"
        "freed = bytearray(8_000_000)\n"
        "del freed  # glibc's own size would now be 8 MB\n"
        "before = mallinfo2().hblks\n"
        "block = bytearray(1_000_000)\n"
        "print(mallinfo2().hblks - before)\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )  # fmt: skip
    assert int(found.stdout) == (1 if kept else 0), found.stdout
