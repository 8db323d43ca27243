"""Helpers shared by the benchmarks: data sets, timed subprocesses, peak memory."""

from __future__ import annotations

import compileall
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / ".data"


def dataset(recommendations: int) -> Path:
    """A generated database of this size, made once and kept in benchmarks/.data."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"generated-{recommendations}.sqlite3"
    if not path.exists():
        generate(str(path), recommendations)
    return path


def generate(database: str, recommendations: int) -> None:
    """``casereview generate`` into ``database`` (a path or URL): the data set ``dataset``
    keeps, 200 recommendations a review, seed 1, on any backend."""
    reviews = max(1, recommendations // 200)
    run_casereview(
        ["generate", "--db", database, "--reviews", str(reviews),
         "--recommendations", str(recommendations), "--seed", "1"]
    )  # fmt: skip


def environment(config_home: Path) -> dict[str, str]:
    """The environment a benchmarked process runs in: this checkout's code, compiled.

    An installed casereview runs from bytecode (pip and PyInstaller both compile it), as do
    PySide6 and the standard library; a development shell that sets PYTHONDONTWRITEBYTECODE
    would instead make every run compile the program's sources again (about 35 ms of the
    window's start-up), so the code is compiled once here and the variable dropped.
    """
    compile_project()
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = str(ROOT)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["XDG_CONFIG_HOME"] = str(config_home)  # fresh settings: no remembered tab or filters
    env.pop("CASEREVIEW_DB", None)
    return env


def compile_project() -> None:
    """Write the bytecode of the program's packages, as installing them would."""
    for package in ("desktop", "db", "resources"):
        compileall.compile_dir(ROOT / package, quiet=1)


def run_casereview(args: list[str], env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        capture_output=True, text=True, env=env or environment(DATA), check=True, cwd=ROOT,
    )  # fmt: skip
    return result.stderr


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(seconds the program reports, seconds from launching it until it reported, its peak
    memory in MB) for one run.

    The program prints its figure as the last line on stderr; the second figure is the wall
    time from starting the process until that line arrives, so it includes the interpreter's
    own start-up, which the program's figure cannot see.
    """
    said, _, peak = timed_lines(command, env)
    numbers = [(arrived, line) for arrived, line in said if _is_number(line)]
    return float(said[-1][1]), numbers[0][0] if numbers else 0.0, peak


def timed_lines(
    command: list[str], env: dict[str, str]
) -> tuple[list[tuple[float, str]], float, int]:
    """Each line the program writes on stderr, with the seconds from launching it until the
    line arrived; the seconds until it exited; and its peak memory in MB."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT, text=True
    )
    assert process.stderr is not None
    said = []
    for line in process.stderr:
        if line.strip():
            said.append((time.perf_counter() - start, line.strip()))
    _, status, usage = os.wait4(process.pid, 0)
    exited = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{command} failed: {chr(10).join(line for _, line in said)}")
    return said, exited, usage.ru_maxrss // 1024


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    cpus = os.cpu_count()
    return f"{platform.platform()}, Python {platform.python_version()}, {cpus} CPUs"


def resident_mb() -> float:
    """This process's resident memory now, in MB (from Linux's /proc; 0 where there is none,
    and the figures that use it are then left blank in effect)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
