"""A long session of Qt calls does not use up ``None`` (desktop/none_guard.py): shiboken6 6.12
on Python 3.11 takes a reference from ``None`` at each call returning nothing, and Python
aborted once they ran out (a new user's long meeting-mode session)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# More calls than None has references when the window opens (some 50,000), in a process of its
# own: without the guard the fault aborts the process that makes them.
SESSION = textwrap.dedent(
    """
    from desktop.none_guard import keep_none_alive

    keep_none_alive()
    from PySide6.QtCore import QObject

    thing = QObject()
    for _ in range(200_000):
        thing.setObjectName("item")  # returns nothing
        thing.parent()  # returns no object
    print("survived")
    """
)


def test_two_hundred_thousand_qt_calls_leave_python_running() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SESSION],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "survived"), done.stderr[-300:]
