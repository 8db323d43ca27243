"""The casereview command run as a user runs it, a separate process on real files, and what a
refused command must leave behind: one plain line on stderr and every file as it was."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT


def python(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run this Python on the source tree, as on a machine with no display and no defaults."""
    unset = ("CASEREVIEW_DB", "DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment["PYTHONPATH"] = str(ROOT)
    environment["CASEREVIEW_DEBUG"] = "1"  # a fault of casereview's own fails the test loudly
    environment |= env or {}
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        check=False,
    )


def run(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    today: dt.date | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the casereview command; with ``today``, on that day whatever the clock says (a test
    whose commands must agree on the day stays right when it runs across midnight)."""
    if today is None:
        return python("-m", "desktop", *args, cwd=cwd, env=env, stdin=stdin)
    on_day = ("-m", "tests.helpers.on_day", today.isoformat())
    return python(*on_day, *args, cwd=cwd, env=env, stdin=stdin)


def assert_clean_error(result, *fragments: str, code: int = 1) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("casereview: ")
    for fragment in fragments:
        assert fragment in lines[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in a folder and the folders in it, by path, with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def assert_loads_no_gui(args: list[str], cwd: Path) -> None:
    """Run the command ``args`` in a fresh interpreter and check it returned 0 without
    importing Qt or ReportLab (the command line stays quick and needs no display)."""
    probe = (
        "import sys\n"
        "from desktop.cli import main\n"
        f"code = main({args!r})\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'PySide6', 'shiboken6', 'reportlab'})\n"
        "print('LOADED', loaded, code)\n"
    )
    result = python("-c", probe, cwd=cwd)
    assert "LOADED [] 0" in result.stdout, result.stdout + result.stderr
