"""The window's memory (issue 26): PySide6 no longer leaves the source of every module
imported after it in ``linecache`` (21 MB at start-up), and still knows which modules name
it."""

from __future__ import annotations

import linecache
import sys
import traceback
from pathlib import Path

import pytest

from desktop.app import keep_sources_out_of_memory

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
