"""``casereview --exit-when-ready``: the window starts, says how long until it was interactive
(its database open, the current tab's page painted from it), and exits, whatever becomes of
the figure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT


def _start(db: Path, config: Path) -> subprocess.Popen[str]:
    """The window over ``db`` with ``--exit-when-ready``, its stderr a pipe to this test."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(config))
    env.pop("CASEREVIEW_DB", None)
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen(
        [sys.executable, "-m", "desktop", "--db", str(db), "--exit-when-ready"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT, text=True,
    )  # fmt: skip


def test_it_exits_when_nobody_reads_the_figure(sample_path: Path, tmp_path: Path) -> None:
    process = _start(sample_path, tmp_path)
    assert process.stderr is not None
    process.stderr.close()  # long before the window is ready: the figure meets a closed pipe
    try:
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert code == 0
