"""Helpers shared by the benchmarks: data sets, timed subprocesses, peak memory."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / ".data"


def dataset(recommendations: int) -> Path:
    """A generated database of this size, made once and kept in benchmarks/.data."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"generated-{recommendations}.sqlite3"
    if not path.exists():
        reviews = max(1, recommendations // 200)
        run_casereview(
            ["generate", "--db", str(path), "--reviews", str(reviews),
             "--recommendations", str(recommendations), "--seed", "1"]
        )  # fmt: skip
    return path


def environment(config_home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["XDG_CONFIG_HOME"] = str(config_home)  # fresh settings: no remembered tab or filters
    env.pop("CASEREVIEW_DB", None)
    return env


def run_casereview(args: list[str], env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        capture_output=True, text=True, env=env or environment(DATA), check=True, cwd=ROOT,
    )  # fmt: skip
    return result.stderr


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(seconds the program reports, wall seconds, its peak memory in MB) for one run."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=ROOT
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        output = err.read().decode()
    if process.returncode != 0:
        raise RuntimeError(f"{command} failed: {output}")
    reported = float(output.strip().splitlines()[-1])
    return reported, wall, usage.ru_maxrss // 1024


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    cpus = os.cpu_count()
    return f"{platform.platform()}, Python {platform.python_version()}, {cpus} CPUs"
