"""``python -m desktop ARGS`` with Ctrl+C or SIGTERM sent at a chosen moment, for the tests
of the command's first and last moments (``desktop.launch``): ``python -m
tests.helpers.signalled loading SIGINT export ...`` sends it as the command line's module
starts to load; ``ended`` as Python shuts down once the command has ended."""

import atexit
import runpy
import signal
import sys
from collections.abc import Sequence
from types import ModuleType

moment, name, *args = sys.argv[1:]
if name == "SIGBREAK" and not hasattr(signal, "SIGBREAK"):  # Windows' Ctrl+Break, played
    signal.SIGBREAK = signal.SIGUSR1  # type: ignore[attr-defined,misc]  # by SIGUSR1 here
    name = "SIGUSR1"
signum = signal.Signals[name]
# Ctrl+C as a terminal gives it: a suite run in the background (as CI's is) has it ignored,
# which this process inherits, and the command leaves a signal ignored as it finds it.
signal.signal(signal.SIGINT, signal.default_int_handler)


class _AsTheCommandLoads:
    """An import finder that finds nothing: it sends the signal as ``desktop.cli`` is asked
    for."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> None:
        if fullname == "desktop.cli":
            signal.raise_signal(signum)


if moment == "loading":
    sys.meta_path.insert(0, _AsTheCommandLoads())
else:
    atexit.register(signal.raise_signal, signum)  # (registered first, so run last)
sys.argv = [sys.argv[0], *args]
runpy.run_module("desktop", run_name="__main__", alter_sys=True)
