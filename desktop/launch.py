"""The ``casereview`` command's first and last moments.

A Ctrl+C or SIGTERM while Python loads the program (up to a second on a busy machine), or
once the command has ended and said how, while Python shuts down, fell outside the command's
own handling: a trial saw Python's traceback, "Exception ignored" warnings and silent deaths
by the signal. Loading, nothing has been done: the signal ends the command at once, with the
sentence a command interrupted before it writes gives. Ended, everything is done and said:
the signal ends the process at once with the command's own exit code.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
from contextlib import suppress
from types import FrameType
from typing import NoReturn

PROG = "casereview"
_ENDED: list[int] = []  # the command's exit code, once it has ended


def run() -> NoReturn:
    """Run the ``casereview`` command (``python -m desktop`` and the installed command)."""
    for kind in (signal.SIGINT, signal.SIGTERM, *_breaks()):
        # (one the process was started with ignored, as by ``nohup``, stays ignored)
        if signal.getsignal(kind) is not signal.SIG_IGN:
            signal.signal(kind, _outside_the_command)
    from desktop.cli import main  # (it handles them itself while a command runs)

    try:
        code = main()
    except SystemExit as exc:  # argparse's --help and usage errors
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    _ENDED.append(code)
    if "PySide6" in sys.modules or threading.active_count() > 1:
        # The window's Qt hands the clipboard over as it is taken down (rows copied for
        # Excel outlive it), and a thread still running is waited for: Python's own exit.
        sys.exit(code)
    # A command: its files and database are closed, and what it had to say is said. What is
    # left of Python's exit is taking its modules apart (a second and more on a busy
    # machine), during which a signal ended the process with the signal's code (a trial's).
    atexit._run_exitfuncs()  # (the log's handlers closed, temporary folders removed)
    _exit_now(code)


def _breaks() -> list[int]:
    """Windows' Ctrl+Break (SIGBREAK), handled as Ctrl+C is (``desktop.cli._handled``)."""
    return [signal.SIGBREAK] if hasattr(signal, "SIGBREAK") else []


def _outside_the_command(signum: int, _frame: FrameType | None) -> NoReturn:
    if _ENDED:  # everything done and said: ended with the command's own code
        _exit_now(_ENDED[0])
    _say("interrupted; nothing was written.")
    os._exit(128 + (signal.SIGINT if signum in _breaks() else signum))


def _exit_now(code: int) -> NoReturn:
    """End at once with ``code``, what is left of standard output written first: one that
    cannot be (a full disk) is said and ends the command 1, not 0 (a review's find)."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        pass  # a reader gone: the command's to say, and it has
    except OSError as exc:
        _say(f"cannot write to standard output: {exc.strerror or exc}.")
        code = code or 1
    with suppress(Exception):
        if sys.stderr is not None:
            sys.stderr.flush()
    os._exit(code)


def _say(sentence: str) -> None:
    with suppress(OSError):  # (standard error closed: nothing can be said)
        os.write(2, f"{PROG}: {sentence}\n".encode())
